import fc from 'fast-check';
import { ParseError } from '../errors';
import { parseVia } from './via';

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('parseVia', () => {
  it('parses a typical Via with branch, received, rport', () => {
    const [v] = parseVia('SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5066');
    expect(v).toEqual({
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: 'pc33.atlanta.com',
      hostType: 'domain',
      port: 5066,
      params: [
        { name: 'branch', value: 'z9hG4bK776asdhds' },
        { name: 'received', value: '192.0.2.1' },
        { name: 'rport', value: '5066' },
      ],
      branch: 'z9hG4bK776asdhds',
      received: '192.0.2.1',
      rport: 5066,
      maddr: null,
      ttl: null,
      raw: 'SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5066',
    });
  });

  it('distinguishes an empty rport from an absent one (RFC 3581)', () => {
    expect(parseVia('SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK1')[0].rport).toBe('empty');
    expect(parseVia('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1')[0].rport).toBeNull();
  });

  it('reads maddr and ttl, upper-cases the transport, matches names case-insensitively', () => {
    const [v] = parseVia('SIP/2.0/udp h.example.com;MADDR=224.2.0.1;TTL=16;Branch=z9hG4bKx');
    expect([v.transport, v.maddr, v.ttl, v.branch, v.hostType]).toEqual(['UDP', '224.2.0.1', 16, 'z9hG4bKx', 'domain']);
  });

  // RFC 4475 §3.1.1.1 (wsinv): LWS everywhere, several vias in one header
  it('handles the wsinv Via headers', () => {
    expect(parseVia('SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw')[0]).toMatchObject({
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '192.0.2.2',
      hostType: 'ipv4',
      branch: '390skdjuw',
    });
    const vs = parseVia('SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239');
    expect(vs.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(vs[1].raw).toBe('SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239');
  });

  it('accepts unknown transports and a bare magic cookie branch (transports, badbranch)', () => {
    expect(parseVia('SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en')[0].transport).toBe('UNKNOWN');
    expect(parseVia('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK')[0].branch).toBe('z9hG4bK');
    expect(parseVia('SIP/2.0/TCP sip33.example.com')[0]).toMatchObject({ branch: null, port: null });
    expect(parseVia('SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923')[0].host).toBe('192.0.2.198');
  });

  it('keeps "LWS : LWS" before the port', () => {
    expect(parseVia('SIP/2.0/UDP host.example.com : 5060;branch=z9hG4bK1')[0].port).toBe(5060);
  });

  // RFC 5118 §4.5 and §4.9
  it('parses IPv6 sent-by and received, bracketed or not', () => {
    const [a] = parseVia('SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas3-111;received=[2001:db8::9:255]');
    expect([a.host, a.hostType, a.port, a.received]).toEqual(['[2001:db8::9:1]', 'ipv6', 5060, '[2001:db8::9:255]']);
    const [b] = parseVia('SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3');
    expect(b.received).toBe('2001:db8::9:255');
    expect(parseVia('SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbzJ')[0].port).toBe(19823);
  });

  it('rejects malformed vias with positions', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['', 0, /protocol name/],
      ['SIP/2.0 UDP host', 8, /expected "\/"/],
      ['SIP/2.0/UDP', 11, /missing sent-by/],
      ['SIP/2.0/UDPhost', 15, /missing sent-by/],
      ['SIP/2.0/UDP host:', 17, /missing port/],
      ['SIP/2.0/UDP host:70000', 17, /port out of range/],
      ['SIP/2.0/UDP [::1', 12, /unterminated/],
      ['SIP/2.0/UDP [1:::2]', 13, /invalid IPv6/],
      ['SIP/2.0/UDP 2001:db8::1', 12, /invalid IPv4/],
      ['SIP/2.0/UDP host;rport=abc', 23, /rport is not a number/],
      ['SIP/2.0/UDP host;ttl=256', 21, /ttl out of range/],
      ['SIP/2.0/UDP host;ttl', 17, /ttl without a value/],
      ['SIP/2.0/UDP host;rport=70000', 23, /rport out of range/],
      ['SIP/2.0/UDP host;branch', 17, /branch without a value/],
      ['SIP/2.0/UDP a.example, SIP/2.0/UDP b.example;received', 45, /received without a value/],
      ['SIP/2.0/UDP host;branch=a b', 26, /unexpected character/],
      ['SIP/2.0/UDP host,', 17, /protocol name/],
      ['SIP/2.0/UDP 300.1.1.1', 12, /invalid IPv4/],
    ];
    for (const [body, offset, msg] of cases) {
      const e = parseError(() => parseVia(body));
      expect([body, e.header, e.offset]).toEqual([body, 'Via', offset]);
      expect(e.message).toMatch(msg);
    }
  });

  it('recovers generated via-parms, with arbitrary LWS, several per line', () => {
    const lws = fc.constantFrom('', ' ', '  ', '\r\n ', '\t');
    const token = fc.stringMatching(/^[a-zA-Z0-9.!%*_+`'~-]{1,8}$/);
    const one = fc.record({
      l: fc.tuple(lws, lws, lws, lws),
      transport: fc.constantFrom('UDP', 'tcp', 'TLS', 'SCTP', 'ws', 'WSS'),
      host: fc.oneof(fc.constantFrom('proxy.example.com', 'a.b'), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`)),
      port: fc.option(fc.nat(65535)),
      branch: fc.option(token.map((t) => 'z9hG4bK' + t)),
      rport: fc.oneof(fc.constant('absent' as const), fc.constant('empty' as const), fc.nat(65535)),
    });
    fc.assert(
      fc.property(fc.array(one, { minLength: 1, maxLength: 3 }), (vias) => {
        const text = vias
          .map(({ l, transport, host, port, branch, rport }) =>
            `SIP${l[0]}/${l[1]}2.0${l[2]}/${l[3]}${transport} ${host}${port === null ? '' : ':' + port}` +
            (branch === null ? '' : `;branch=${branch}`) +
            (rport === 'absent' ? '' : rport === 'empty' ? ';rport' : `;rport=${rport}`),
          )
          .join(' , ');
        const parsed = parseVia(text);
        expect(parsed.map((v) => [v.protocol, v.transport, v.host, v.port, v.branch, v.rport])).toEqual(
          vias.map((v) => ['SIP/2.0', v.transport.toUpperCase(), v.host, v.port, v.branch, v.rport === 'absent' ? null : v.rport]),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('throws nothing but ParseError on random input', () => {
    const pieces = ['SIP', '/', '2.0', 'UDP', ' ', 'host', '[', ']', '::1', ':', '5060', ';', 'branch', 'rport', 'ttl', '=', ',', '"', '99999', '\r\n '];
    const gen = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join('')));
    fc.assert(
      fc.property(gen, (s) => {
        try {
          parseVia(s);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
