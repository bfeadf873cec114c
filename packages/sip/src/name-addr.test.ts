import fc from 'fast-check';
import { ParseError } from './errors';
import { parseNameAddr, parseNameAddrList } from './name-addr';

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('parseNameAddr', () => {
  it('parses a quoted display name, <uri> and header params', () => {
    expect(parseNameAddr('"Bob" <sips:bob@biloxi.com>;tag=a6c85cf')).toEqual({
      displayName: 'Bob',
      uri: 'sips:bob@biloxi.com',
      params: [{ name: 'tag', value: 'a6c85cf' }],
      raw: '"Bob" <sips:bob@biloxi.com>;tag=a6c85cf',
    });
  });

  it('unescapes quoted-pairs and keeps UTF-8 (RFC 4475 wsinv, intmeth)', () => {
    expect(parseNameAddr('"J Rosenberg \\\\\\""       <sip:jdrosen@example.com>').displayName).toBe('J Rosenberg \\"');
    expect(parseNameAddr('"Quoted string \\"\\"" <sip:jdrosen@example.com>').displayName).toBe('Quoted string ""');
    expect(parseNameAddr('"Zoë 東京" <sip:z@example.com>').displayName).toBe('Zoë 東京');
    expect(parseNameAddr('"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:a@example.com>').displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
  });

  it('parses token display names, with or without space before "<" (lwsdisp, intmeth)', () => {
    expect(parseNameAddr('caller<sip:caller@example.com>;tag=323')).toMatchObject({ displayName: 'caller', uri: 'sip:caller@example.com' });
    expect(parseNameAddr("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>").displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(parseNameAddr('<sip:a@example.com>').displayName).toBeNull();
    // lenient: UTF-8 in an unquoted display name, since "<" must follow
    expect(parseNameAddr('Jörg Müller <sip:j@example.com>').displayName).toBe('Jörg Müller');
    expect(parseError(() => parseNameAddr('Jörg sip:j@example.com')).offset).toBe(0);
  });

  it('puts params after a bare addr-spec on the header (RFC 3261 §20.10)', () => {
    expect(parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam')).toMatchObject({
      displayName: null,
      uri: 'sip:+19725552222@gw1.example.net',
      params: [{ name: 'unknownparam', value: null }],
    });
    expect(parseNameAddr('<sip:+19725552222@gw1.example.net;unknownparam>')).toMatchObject({
      uri: 'sip:+19725552222@gw1.example.net;unknownparam',
      params: [],
    });
  });

  it('allows LWS around ";" and "=" (wsinv To/From)', () => {
    const na = parseNameAddr('sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n');
    expect(na.uri).toBe('sip:vivekg@chair-dnrc.example.com');
    expect(na.params).toEqual([{ name: 'tag', value: '1918181833n' }]);
    expect(parseNameAddr('"x" <sip:a@b.example>\r\n  ;\r\n  tag = 98asjd8').params).toEqual([{ name: 'tag', value: '98asjd8' }]);
  });

  it('keeps quoted param values unquoted with a flag (intmeth fromParam)', () => {
    const na = parseNameAddr('<sip:mundane@example.com>;fromParam\'\'~+*_!.-%="работающий";tag=_token~1\'+`*%!-.');
    expect(na.params).toEqual([
      { name: "fromParam''~+*_!.-%", value: 'работающий', quoted: true },
      { name: 'tag', value: "_token~1'+`*%!-." },
    ]);
  });

  it('accepts other URI schemes (unksm2)', () => {
    expect(parseNameAddr('isbn:2983792873').uri).toBe('isbn:2983792873');
    expect(parseNameAddr('<http://www.example.com>;tag=3234233').uri).toBe('http://www.example.com');
  });

  it('rejects RFC 4475 invalid addresses', () => {
    // badaspec: white space inside <>
    let e = parseError(() => parseNameAddr('"Watson, Thomas" < sip:t.watson@example.org >'));
    expect([e.header, e.offset, e.message]).toEqual(['name-addr', 18, 'name-addr: white space inside <URI> (at offset 18)']);
    // baddn: unquoted display name with a comma
    e = parseError(() => parseNameAddr('Bell, Alexander <sip:a.g.bell@example.com>;tag=43', 'From'));
    expect([e.header, e.offset, e.message]).toEqual(['From', 4, 'From: "," in a URI requires <> (at offset 4)']);
    // quotbal: unterminated quote
    e = parseError(() => parseNameAddr('"Mr. J. User <sip:j.user@example.com>', 'To'));
    expect([e.header, e.offset, e.message]).toEqual(['To', 0, 'To: unterminated quoted string (at offset 0)']);
    // regbadct: "?" in a bare addr-spec
    e = parseError(() => parseNameAddr('sip:user@example.com?Route=%3Csip:sip.example.com%3E', 'Contact'));
    expect([e.header, e.offset]).toEqual(['Contact', 20]);
  });

  it('rejects other malformed input with positions', () => {
    expect(parseError(() => parseNameAddr('')).offset).toBe(0);
    expect(parseError(() => parseNameAddr('<sip:a@b')).message).toMatch(/missing ">"/);
    expect(parseError(() => parseNameAddr('"x" sip:a@b')).offset).toBe(4);
    expect(parseError(() => parseNameAddr('<sip:a@b> junk')).offset).toBe(10);
    expect(parseError(() => parseNameAddr('<sip:a@b>;')).offset).toBe(10);
    expect(parseError(() => parseNameAddr('<sip:a@b>;x=')).offset).toBe(12);
    expect(parseError(() => parseNameAddr('<>')).offset).toBe(1);
    expect(parseError(() => parseNameAddr('<nocolon>')).offset).toBe(1);
    expect(parseError(() => parseNameAddr('sip:a@b,sip:c@d')).offset).toBe(7);
  });
});

describe('parseNameAddr: generated values', () => {
  it('round-trips quoted display names, URIs and params', () => {
    // printable text (incl. quotes, backslashes, commas, UTF-8) quoted with RFC 3261 quoted-pairs
    const name = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', ';', '<', '>', '"', '\\', 'é', '東', '\t'), maxLength: 20 });
    const token = fc.stringMatching(/^[a-zA-Z0-9.!%*_+`'~-]{1,8}$/);
    fc.assert(
      fc.property(name, token, fc.array(fc.tuple(token, fc.option(token)), { maxLength: 3 }), (dn, user, params) => {
        const quoted = '"' + dn.replace(/[\\"]/g, (c) => '\\' + c) + '"';
        const text = `${quoted} <sip:${user}@example.com>${params.map(([n, v]) => ` ; ${n}${v === null ? '' : ' = ' + v}`).join('')}`;
        const na = parseNameAddr(text);
        expect([na.displayName, na.uri, na.params]).toEqual([dn, `sip:${user}@example.com`, params.map(([n, v]) => ({ name: n, value: v }))]);
        expect(na.raw).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseNameAddrList', () => {
  it('splits on commas outside quotes and <> (Route / Record-Route)', () => {
    const list = parseNameAddrList('<sip:p1.example.com;lr>, "a,b" <sip:x@p2.example.com;lr>;foo=bar ,sip:p3.example.com');
    expect(list.map((n) => [n.displayName, n.uri, n.params])).toEqual([
      [null, 'sip:p1.example.com;lr', []],
      ['a,b', 'sip:x@p2.example.com;lr', [{ name: 'foo', value: 'bar' }]],
      [null, 'sip:p3.example.com', []],
    ]);
    expect(list[1].raw).toBe('"a,b" <sip:x@p2.example.com;lr>;foo=bar');
    expect(parseNameAddrList('<sip:services.example.com;lr;unknownwith=value;unknown-no-value>')[0].uri).toBe(
      'sip:services.example.com;lr;unknownwith=value;unknown-no-value',
    );
  });
  it('rejects empty elements and missing commas', () => {
    expect(parseError(() => parseNameAddrList('<sip:a@b>,,<sip:c@d>')).offset).toBe(10);
    expect(parseError(() => parseNameAddrList('<sip:a@b>,')).offset).toBe(10);
    expect(parseError(() => parseNameAddrList('<sip:a@b> <sip:c@d>')).offset).toBe(10);
  });
  it('throws nothing but ParseError on random input', () => {
    const pieces = ['"', '\\', '<', '>', 'sip:', 'a', '@', ',', ';', '=', ' ', '\r\n ', 'tag', 'x y', '?', '\u0000', 'é'];
    const gen = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join('')));
    fc.assert(
      fc.property(gen, (s) => {
        try {
          parseNameAddrList(s);
          parseNameAddr(s);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
  it('is linear on long lists of display-name tokens', () => {
    const s = 'a '.repeat(30000) + 'b';
    const t0 = Date.now();
    expect(parseError(() => parseNameAddrList(s)).header).toBe('name-addr');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
