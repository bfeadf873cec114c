/**
 * RFC 5118 IPv6 torture messages (transcribed in rfc5118-messages.ts).
 */
import { isSipUri, ParseError, parseMessage, parseUri, SipMessage, SipUri } from '../index';
import { RFC5118_CASES, Rfc5118Case } from './rfc5118-messages';

function parse(text: string): SipMessage {
  return parseMessage(Buffer.from(text, 'utf8'), { transport: 'datagram' });
}

function parseErrorOf(fn: () => unknown, what: string): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw new Error(`${what}: expected a ParseError, got ${String(e)}`);
  }
  throw new Error(`${what}: expected a ParseError, but it succeeded`);
}

function sip(text: string): SipUri {
  const u = parseUri(text);
  if (!isSipUri(u)) throw new Error(`expected a SIP URI: ${text}`);
  return u;
}

describe('RFC 5118 transcription', () => {
  it('has the 12 messages of section 4, CRLF line ends, Content-Length equal to the body', () => {
    expect(RFC5118_CASES.map((c) => c.section)).toEqual(['4.1', '4.2', '4.3', '4.4', '4.5', '4.5', '4.6', '4.7', '4.8', '4.9', '4.10', '4.10']);
    for (const c of RFC5118_CASES) {
      expect(c.text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      const [head, body] = c.text.split('\r\n\r\n');
      const cl = /\r\nContent-Length: (\d+)/.exec(`\r\n${head}`);
      expect({ name: c.name, cl: Number(cl?.[1]) }).toEqual({ name: c.name, cl: Buffer.byteLength(body) });
    }
  });
});

describe.each(RFC5118_CASES.map((c) => [`${c.section} ${c.name}`, c] as const))('RFC 5118 %s', (_label, c: Rfc5118Case) => {
  if (c.tsips === 'reject') {
    const r = c.reject as NonNullable<Rfc5118Case['reject']>;
    it(`is rejected: ${r.at} throws ParseError naming ${r.header}`, () => {
      if (r.at === 'parse') {
        expect(parseErrorOf(() => parse(c.text), c.name).header).toBe(r.header);
        return;
      }
      const msg = parse(c.text);
      const call = r.at === 'requestUri' ? () => msg.requestUri() : r.at === 'vias' ? () => msg.vias() : () => msg.to();
      expect(parseErrorOf(call, `${c.name} ${r.at}()`).header).toBe(r.header);
    });
    return;
  }

  it('parses with the IPv6 hosts and ports the RFC describes', () => {
    const msg = parse(c.text);
    const ruri = msg.requestUri();
    if (!isSipUri(ruri)) throw new Error('R-URI is not SIP');
    expect([ruri.host, ruri.port]).toEqual([c.ruriHost, c.ruriPort]);
    expect(ruri.hostType).toBe((c.ruriHost as string).startsWith('[') ? 'ipv6' : /^[\d.]+$/.test(c.ruriHost as string) ? 'ipv4' : 'domain');
    if (c.vias !== undefined) {
      const vias = msg.vias();
      expect(vias.map((v) => [v.transport, v.host, v.port, v.received])).toEqual(c.vias);
      for (const v of vias) expect({ host: v.host, type: v.hostType }).toEqual({ host: v.host, type: v.host.startsWith('[') ? 'ipv6' : /^[\d.]+$/.test(v.host) ? 'ipv4' : 'domain' });
      expect(msg.topVia().host).toBe(c.vias[0][1]);
    }
    if (c.contactHosts !== undefined) {
      const hosts = msg.contacts().contacts.map((x) => sip(x.uri));
      expect(hosts.map((u) => u.host)).toEqual(c.contactHosts);
      for (const u of hosts) expect(u.hostType).toBe('ipv6');
    }
    // every header present parses
    expect(() => [msg.callId(), msg.cseq(), msg.from(), msg.to(), msg.maxForwards(), msg.contentType()]).not.toThrow();
    expect(msg.toBuffer().equals(Buffer.from(c.text, 'utf8'))).toBe(true);
  });

  if (c.sdpConnections !== undefined) {
    const conns = c.sdpConnections;
    it('parses the SDP with its unbracketed IPv6 (and IPv4) connection addresses', () => {
      const sdp = parse(c.text).sdp();
      if (sdp === null) throw new Error('no SDP');
      expect(sdp.connection?.address ?? null).toBe(conns.session);
      expect(sdp.media.map((m) => m.connection?.address ?? null)).toEqual(conns.media);
      expect(sdp.media.map((m) => m.type)).toEqual(['audio', 'video']);
    });
  }
});

describe('RFC 5118 details', () => {
  it('4.3: ":5070" inside the brackets is part of the address, not a port', () => {
    const u = sip('sip:[2001:db8::10:5070]');
    expect([u.host, u.port, u.hostType]).toEqual(['[2001:db8::10:5070]', null, 'ipv6']);
  });

  it('4.2: an unbracketed IPv6 address is rejected by the URI parser too', () => {
    expect(parseErrorOf(() => parseUri('sip:2001:db8::10'), 'parseUri').header).toBe('uri');
  });

  it('4.5: received with brackets is kept as written, so a reply can still be routed', () => {
    const c = RFC5118_CASES.find((x) => x.name === 'via-received-param-with-delim') as Rfc5118Case;
    const msg = parse(c.text);
    expect(msg.topVia().received).toBe('[2001:db8::9:255]');
    expect(msg.topVia().branch).toBe('z9hG4bKas3-111');
  });

  it('4.7: a port after "]" in Via; received=IPv4 on an IPv6 sent-by', () => {
    const c = RFC5118_CASES.find((x) => x.name === 'mult-ip-in-header') as Rfc5118Case;
    const vias = parse(c.text).vias();
    expect(vias[0].port).toBe(6050);
    expect(vias[2].received).toBe('192.0.2.200');
    expect(vias[2].branch).toBe('z9hG4bK451jj');
  });

  it('4.9: IPv4-mapped references are IPv6 hosts', () => {
    expect(sip('sip:ted@[::ffff:192.0.2.2]').hostType).toBe('ipv6');
    expect(sip('sip:[::ffff:192.0.2.10]:19823').port).toBe(19823);
  });

  it('4.10: ":::" is no IPv6 address; "::" with an IPv4 tail is', () => {
    expect(parseErrorOf(() => parseUri('sip:user@[2001:db8:::192.0.2.1]'), 'parseUri').header).toBe('uri');
    expect(sip('sip:user@[2001:db8::192.0.2.1]').hostType).toBe('ipv6');
  });
});
