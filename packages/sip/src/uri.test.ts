import fc from 'fast-check';
import { ParseError } from './errors';
import { isIPv4, isIPv6, parseUri, SipUri, TelUri, unescapeUriPart } from './uri';

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}
const sip = (t: string): SipUri => parseUri(t) as SipUri;

describe('parseUri: SIP and SIPS', () => {
  it('parses every part of a full SIP URI', () => {
    const u = sip('sip:alice:secret@atlanta.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
    expect(u).toEqual({
      scheme: 'sip',
      user: 'alice',
      password: 'secret',
      host: 'atlanta.com',
      hostType: 'domain',
      port: 5061,
      params: [
        { name: 'transport', value: 'tcp' },
        { name: 'lr', value: null },
        { name: 'maddr', value: '239.255.255.1' },
      ],
      headers: [
        { name: 'subject', value: 'project%20x' },
        { name: 'priority', value: 'urgent' },
      ],
      raw: 'sip:alice:secret@atlanta.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent',
    });
  });

  it('accepts a scheme in any case and reports it lower-cased', () => {
    expect(sip('SIPS:bob@Biloxi.COM').scheme).toBe('sips');
    expect(sip('Sip:biloxi.com').scheme).toBe('sip');
  });

  it('parses a host-only URI, IPv4 hosts and a trailing-dot FQDN', () => {
    expect(sip('sip:biloxi.com')).toMatchObject({ user: null, password: null, host: 'biloxi.com', port: null });
    expect(sip('sip:192.0.2.4:5060')).toMatchObject({ host: '192.0.2.4', hostType: 'ipv4', port: 5060 });
    expect(sip('sip:example.com.')).toMatchObject({ host: 'example.com.', hostType: 'domain' });
    expect(sip('sip:+12125551212@phone2net.com;user=phone')).toMatchObject({
      user: '+12125551212',
      params: [{ name: 'user', value: 'phone' }],
    });
  });

  it('allows an empty password', () => {
    expect(sip('sip:alice:@atlanta.com')).toMatchObject({ user: 'alice', password: '' });
  });

  it('accepts port 0 and 65535 and rejects 65536', () => {
    expect(sip('sip:h.example.com:0').port).toBe(0);
    expect(sip('sip:h.example.com:65535').port).toBe(65535);
    const e = parseError(() => parseUri('sip:h.example.com:65536'));
    expect(e.header).toBe('uri');
    expect(e.offset).toBe(18);
    expect(parseError(() => parseUri('sip:h.example.com:')).offset).toBe(18);
    expect(parseError(() => parseUri('sip:h.example.com:5x')).offset).toBe(19);
  });

  // RFC 4475 §3.1.1.10 (esc01): escaped characters in user and parameters are legal
  it('keeps escapes as written and validates them (RFC 4475 esc01, escnull)', () => {
    const u = sip('sip:sips%3Auser%40example.com@example.net');
    expect(u.user).toBe('sips%3Auser%40example.com');
    expect(unescapeUriPart(u.user!)).toBe('sips:user@example.com');
    expect(u.host).toBe('example.net');
    const c = sip('sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31');
    expect(c.params).toEqual([
      { name: '%6C%72', value: null },
      { name: 'n%61me', value: 'v%61lue%25%34%31' },
    ]);
    expect(unescapeUriPart(c.params[1].value!)).toBe('value%41');
    expect(sip('sip:null-%00-null@example.com').user).toBe('null-%00-null');
    expect(unescapeUriPart('null-%00-null')).toBe('null-\u0000-null');
  });

  // RFC 4475 §3.1.1.3 (intmeth): unusual but legal user and password characters
  it('accepts the intmeth Request-URI', () => {
    const u = sip("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com");
    expect(u.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(u.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(u.host).toBe('example.com');
  });

  // RFC 4475 §3.1.1.5 (semiuri): ";" inside the user part
  it('keeps ";" in the user part when an "@" follows (semiuri)', () => {
    const u = sip('sip:user;par=u%40example.net@example.com');
    expect(u.user).toBe('user;par=u%40example.net');
    expect(u.host).toBe('example.com');
    expect(u.params).toEqual([]);
  });

  it('parses URI headers (RFC 4475 escruri/regescrt)', () => {
    const u = sip('sip:user@example.com?Route=%3Csip:example.com%3E');
    expect(u.headers).toEqual([{ name: 'Route', value: '%3Csip:example.com%3E' }]);
    expect(sip('sip:a@b.example?x=').headers).toEqual([{ name: 'x', value: '' }]);
  });

  it('parses route-style params with and without values (wsinv Route)', () => {
    expect(sip('sip:services.example.com;lr;unknownwith=value;unknown-no-value').params).toEqual([
      { name: 'lr', value: null },
      { name: 'unknownwith', value: 'value' },
      { name: 'unknown-no-value', value: null },
    ]);
  });

  it('rejects bad escapes, spaces and stray characters with offsets', () => {
    expect(parseError(() => parseUri('sip:us%4@example.com')).offset).toBe(6);
    expect(parseError(() => parseUri('sip:us%zz@example.com')).offset).toBe(6);
    expect(parseError(() => parseUri('sip:user@example.com; lr')).offset).toBe(21);
    expect(parseError(() => parseUri('sip:user@exa mple.com')).offset).toBe(12);
    expect(parseError(() => parseUri('sip:user@example.com>')).offset).toBe(20);
    expect(parseError(() => parseUri('sip:user@example.com;')).offset).toBe(21);
    expect(parseError(() => parseUri('sip:user@example.com;a=')).offset).toBe(23);
    expect(parseError(() => parseUri('sip:user@example.com?x')).offset).toBe(22);
    expect(parseError(() => parseUri('sip:@example.com')).offset).toBe(4);
    expect(parseError(() => parseUri('sip:')).message).toBe('uri: missing host (at offset 4)');
  });

  it('rejects bad host names and IPv4 addresses', () => {
    expect(parseError(() => parseUri('sip:256.1.1.1')).message).toMatch(/invalid IPv4/);
    expect(parseError(() => parseUri('sip:1.2.3')).message).toMatch(/invalid IPv4/);
    expect(parseError(() => parseUri('sip:a..b')).offset).toBe(6);
    expect(parseError(() => parseUri('sip:.example.com')).offset).toBe(4);
    expect(parseError(() => parseUri('sip:example.123')).offset).toBe(12);
  });
});

describe('parseUri: IPv6 references (RFC 5118)', () => {
  it('§4.1 / §4.4: bracketed address, with and without port', () => {
    expect(sip('sip:[2001:db8::10]')).toMatchObject({ host: '[2001:db8::10]', hostType: 'ipv6', port: null });
    expect(sip('sip:[2001:db8::10]:5070')).toMatchObject({ host: '[2001:db8::10]', port: 5070 });
    expect(sip('sip:caller@[2001:db8::1]')).toMatchObject({ user: 'caller', host: '[2001:db8::1]' });
  });
  it('§4.3: "[2001:db8::10:5070]" is an address, not a port', () => {
    expect(sip('sip:[2001:db8::10:5070]')).toMatchObject({ host: '[2001:db8::10:5070]', port: null });
  });
  it('§4.2: an unbracketed IPv6 address is rejected', () => {
    const e = parseError(() => parseUri('sip:2001:db8::10'));
    expect(e.header).toBe('uri');
    expect(parseError(() => parseUri('sip:user@2001:db8::10:5060')).header).toBe('uri');
  });
  it('§4.9 / §4.10: IPv4-mapped and embedded IPv4; ":::" rejected', () => {
    expect(sip('sip:[::ffff:192.0.2.10]:19823')).toMatchObject({ hostType: 'ipv6', port: 19823 });
    expect(sip('sip:[2001:db8::192.0.2.1]').hostType).toBe('ipv6');
    expect(parseError(() => parseUri('sip:[2001:db8:::192.0.2.1]')).message).toMatch(/invalid IPv6/);
    expect(parseError(() => parseUri('sip:[2001:db8::10')).message).toMatch(/unterminated/);
  });
  it('isIPv6 / isIPv4 edge cases', () => {
    const v6 = (s: string): boolean => isIPv6(s, 0, s.length);
    expect(['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', 'fe80::1:2'].map(v6)).toEqual([true, true, true, true, true, true]);
    expect(['1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', ':1', '1:', '::1.2.3', 'g::1', '1:2:3:4:5:6:7:1.2.3.4'].map(v6)).toEqual(
      [false, false, false, false, false, false, false, false, false],
    );
    const v4 = (s: string): boolean => isIPv4(s, 0, s.length);
    expect(['0.0.0.0', '255.255.255.255', '1.2.3.256', '1.2.3.4.5', '1.2.3.', '01.2.3.0004'].map(v4)).toEqual([true, true, false, false, false, false]);
  });
});

describe('parseUri: tel and other schemes', () => {
  it('parses global and local tel numbers with params (RFC 3966)', () => {
    const t = parseUri('tel:+1-201-555-0123;ext=1234') as TelUri;
    expect(t).toEqual({ scheme: 'tel', number: '+1-201-555-0123', global: true, params: [{ name: 'ext', value: '1234' }], raw: 'tel:+1-201-555-0123;ext=1234' });
    expect(parseUri('TEL:7042;phone-context=example.com')).toMatchObject({ scheme: 'tel', number: '7042', global: false });
    expect(parseUri('tel:*86#')).toMatchObject({ number: '*86#' });
  });
  it('rejects tel URIs without digits or with junk', () => {
    expect(parseError(() => parseUri('tel:+')).offset).toBe(4);
    expect(parseError(() => parseUri('tel:+1 555')).offset).toBe(6);
    expect(parseError(() => parseUri('tel:+1?x=y')).offset).toBe(6);
  });
  it('keeps unknown schemes opaque (RFC 4475 unkscm, novelsc, unksm2)', () => {
    expect(parseUri('nobodyKnowsThisScheme:totallyopaquecontent')).toEqual({ scheme: 'nobodyknowsthisscheme', raw: 'nobodyKnowsThisScheme:totallyopaquecontent' });
    expect(parseUri('soap.beep://192.0.2.103:3002')).toMatchObject({ scheme: 'soap.beep' });
    expect(parseUri('urn:service:sos')).toMatchObject({ scheme: 'urn' });
    expect(parseUri('http://www.example.com')).toMatchObject({ scheme: 'http' });
    expect(parseUri('isbn:2983792873')).toMatchObject({ scheme: 'isbn' });
  });
  it('rejects broken schemes and characters', () => {
    expect(parseError(() => parseUri('')).offset).toBe(0);
    expect(parseError(() => parseUri('1sip:x')).offset).toBe(0);
    expect(parseError(() => parseUri('si_p:x')).offset).toBe(2);
    expect(parseError(() => parseUri('sipexample.com')).offset).toBe(14);
    expect(parseError(() => parseUri('http:')).offset).toBe(5);
    expect(parseError(() => parseUri('http://a b')).offset).toBe(8);
    expect(parseError(() => parseUri('urn:a%zz')).offset).toBe(5);
  });
});

describe('unescapeUriPart', () => {
  it('decodes escapes as UTF-8 and keeps stray "%" literally', () => {
    expect(unescapeUriPart('plain')).toBe('plain');
    expect(unescapeUriPart('%E2%82%AC and %41%62')).toBe('€ and Ab');
    expect(unescapeUriPart('100%')).toBe('100%');
    expect(unescapeUriPart('%zz%4')).toBe('%zz%4');
    expect(unescapeUriPart('I%20have%20spaces')).toBe('I have spaces');
  });
});

describe('parseUri: robustness', () => {
  const pieces = ['sip:', 'sips:', 'tel:', 'x:', '@', ':', ';', '?', '&', '=', '[', ']', '%', '%4', '%41', 'a', '1', '.', '::', ' ', '5060', '65536', 'lr', '"', '<', '>', '+', '\u0000', 'é'];
  const sipish = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join(''));
  it('throws nothing but ParseError on random input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), sipish), (s) => {
        try {
          const u = parseUri(s);
          expect(u.raw).toBe(s);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
  it('recovers every part of generated valid SIP URIs', () => {
    const userChar = fc.constantFrom(...'abcXYZ019-_.!~*\'()&=+$,;?/'.split(''), '%41', '%2f');
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const gen = fc.record({
      user: fc.option(fc.array(userChar, { minLength: 1, maxLength: 12 }).map((a) => a.join(''))),
      host: fc.oneof(
        fc.array(label, { minLength: 1, maxLength: 4 }).map((a) => a.join('.')),
        fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join('.')),
        fc.ipV6().map((a) => `[${a}]`),
      ),
      port: fc.option(fc.nat(65535)),
      params: fc.array(fc.tuple(label, fc.option(label)), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(gen, ({ user, host, port, params }) => {
        const text = `sip:${user === null ? '' : user + '@'}${host}${port === null ? '' : ':' + port}${params.map(([n, v]) => ';' + n + (v === null ? '' : '=' + v)).join('')}`;
        const u = parseUri(text) as SipUri;
        expect([u.user, u.host, u.port, u.params]).toEqual([user, host, port, params.map(([name, value]) => ({ name, value }))]);
        expect(u.hostType).toBe(host.startsWith('[') ? 'ipv6' : /^[0-9.]+$/.test(host) ? 'ipv4' : 'domain');
      }),
      { numRuns: 2000 },
    );
  });

  it('stays fast on a 65,535-character URI', () => {
    const long = 'sip:' + 'a'.repeat(30000) + '@' + 'b.'.repeat(17000) + 'com';
    expect((parseUri(long) as SipUri).host.length).toBe(34003);
    const bad = 'sip:' + '%4'.repeat(32000);
    expect(parseError(() => parseUri(bad)).header).toBe('uri');
  });
});
