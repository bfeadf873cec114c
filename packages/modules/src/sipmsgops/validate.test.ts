import { sipmsgops } from './index';
import { checkHostname, isUsername } from './validate';
import { kitFor } from './kit.test-support';

const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

interface Parts {
  start?: string;
  headers?: Record<string, string | null>;
  extra?: string[];
  body?: string;
  contentLength?: number | null;
}

const BASE: Record<string, string | null> = {
  Via: 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards': '70',
  To: 'Bob <sip:bob@example.com>',
  From: 'Alice <sip:alice@example.org>;tag=1928301774',
  'Call-ID': 'a84b4c76e66710@pc33.example.org',
  CSeq: '314159 INVITE',
  Contact: '<sip:alice@192.0.2.10>',
  'Content-Type': 'application/sdp',
};

/** Wire text of an INVITE (or what `start` says) with headers changed/removed (null) and a body. */
function message(p: Parts = {}): string {
  const headers = { ...BASE, ...p.headers };
  const body = p.body ?? SDP;
  const lines = [p.start ?? 'INVITE sip:bob@example.com SIP/2.0'];
  for (const [n, v] of Object.entries(headers)) if (v !== null) lines.push(`${n}: ${v}`);
  lines.push(...(p.extra ?? []));
  const cl = p.contentLength === undefined ? Buffer.byteLength(body) : p.contentLength;
  if (cl !== null) lines.push(`Content-Length: ${cl}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

async function validate(msg: string, flags: string | null = null, opts: { proto?: string; route?: 'onreply' } = {}) {
  const call = flags === null ? 'sipmsg_validate()' : `sipmsg_validate("${flags}", $var(reason))`;
  const block = opts.route === 'onreply' ? 'onreply_route' : 'route';
  const kit = kitFor(`loadmodule "sipmsgops.so"\n${block} { ${call}; $var(rc) = $rc; }`, sipmsgops);
  const out = await kit.run(msg, { ...(opts.route ? { route: { type: opts.route } } : {}), rcv: { proto: opts.proto ?? 'udp' } });
  return { rc: out.vars.rc, reason: out.vars.reason };
}

describe('sipmsg_validate: what OpenSIPS answers for each broken message', () => {
  it('accepts a well-formed INVITE (1)', async () => {
    expect((await validate(message())).rc).toBe(1);
    expect((await validate(message(), 'shrftc')).rc).toBe(1);
  });

  it.each([
    ['no Call-ID', -3, { headers: { 'Call-ID': null } }],
    ['no CSeq', -7, { headers: { CSeq: null } }],
    ['no From', -8, { headers: { From: null } }],
    ['no To', -9, { headers: { To: null } }],
    ['no Max-Forwards', -13, { headers: { 'Max-Forwards': null } }],
    ['Content-Length shorter than the body', -5, { contentLength: 20 }],
    ['a body without Content-Type', -21, { headers: { 'Content-Type': null } }],
    ['Path on an INVITE', -15, { extra: ['Path: <sip:edge.example.com;lr>'] }],
    ['a bad CSeq', -2, { headers: { CSeq: 'abc INVITE' } }],
  ] as Array<[string, number, Parts]>)('%s -> %d', async (_what, rc, parts) => {
    expect((await validate(message(parts))).rc).toBe(rc);
  });

  it('does not compare the CSeq method with the request method (as OpenSIPS)', async () => {
    expect((await validate(message({ headers: { CSeq: '1 BYE' } }))).rc).toBe(1);
  });

  it('skips Max-Forwards with flag m', async () => {
    expect((await validate(message({ headers: { 'Max-Forwards': null } }), 'm')).rc).toBe(1);
  });

  it('puts the reason text into the variable', async () => {
    expect(await validate(message({ headers: { 'Call-ID': null } }), '')).toEqual({ rc: -3, reason: "message doesn't have callid" });
    // A shorter Content-Length fails OpenSIPS's second comparison, whose reason ends in a newline.
    expect(await validate(message({ contentLength: 20 }), '')).toEqual({ rc: -5, reason: `invalid body - content length 20 different than actual body ${SDP.length}\n` });
    expect(await validate(message({ contentLength: 200 }), '')).toEqual({ rc: -5, reason: `invalid body - content length 200 different than actual body ${SDP.length}` });
    expect(await validate(message({ contentLength: null }), '', { proto: 'tcp' })).toEqual({ rc: -4, reason: "message doesn't have Content Length header for proto 2" });
  });

  it('needs Content-Length on stream transports (-4)', async () => {
    expect((await validate(message({ contentLength: null }), null, { proto: 'tcp' })).rc).toBe(-4);
    // On UDP the header may be absent, but OpenSIPS then takes Content-Length as 0: a body fails.
    expect((await validate(message({ contentLength: null }), null, { proto: 'udp' })).rc).toBe(-5);
    expect((await validate(message({ contentLength: null, headers: { 'Content-Type': null }, body: '' }), null, { proto: 'udp' })).rc).toBe(1);
  });

  it('checks the SDP only with flag s (-6)', async () => {
    const bad = message({ body: 'this is not sdp\r\n' });
    expect((await validate(bad)).rc).toBe(1);
    expect((await validate(bad, 's')).rc).toBe(-6);
  });

  it('checks header bodies only with flag h (-2)', async () => {
    const bad = message({ headers: { From: '<<garbage>>' } });
    expect((await validate(bad)).rc).toBe(1);
    expect(await validate(bad, 'h')).toEqual({ rc: -2, reason: 'failed to parse headers' });
  });

  it('checks the Request-URI with flag r (-12 host, -27 user)', async () => {
    expect((await validate(message({ start: 'INVITE sip:bob@exa..mple.com SIP/2.0' }), 'r')).rc).toBe(-12);
    expect((await validate(message({ start: 'INVITE sip:bob@-example.com SIP/2.0' }), 'r')).rc).toBe(-12);
    expect((await validate(message({ start: 'INVITE sip:b%zzob@example.com SIP/2.0' }), 'r')).rc).toBe(-27);
  });

  it('checks the From and To URIs with flags f and t', async () => {
    expect((await validate(message({ headers: { From: '<sip:alice@example..org>;tag=1' } }), 'f')).rc).toBe(-25);
    expect((await validate(message({ headers: { To: '<sip:bob@example.com->' } }), 't')).rc).toBe(-23);
    expect((await validate(message({ headers: { To: '<sip:b%zz@example.com>' } }), 't')).rc).toBe(-29);
  });

  it('checks Contact with flag c (-14, -30)', async () => {
    expect((await validate(message({ headers: { Contact: null } }), 'c')).rc).toBe(-14);
    expect((await validate(message({ headers: { Contact: '*' } }), 'c')).rc).toBe(-30);
    const reg = (expires: string) => message({ start: 'REGISTER sip:example.com SIP/2.0', headers: { CSeq: '1 REGISTER', Contact: '*', 'Content-Type': null }, extra: [`Expires: ${expires}`], body: '' });
    expect((await validate(reg('0'), 'c')).rc).toBe(1);
    expect((await validate(reg('3600'), 'c')).rc).toBe(-30);
  });

  it('checks the headers a reply status requires (-16, -17, -18, -19, -20)', async () => {
    const reply = (status: string, method = 'INVITE') =>
      message({ start: `SIP/2.0 ${status}`, headers: { CSeq: `1 ${method}`, 'Max-Forwards': null, 'Content-Type': null }, body: '' });
    const rc = async (status: string, method?: string) => (await validate(reply(status, method), null, { route: 'onreply' })).rc;
    expect(await rc('405 Method Not Allowed')).toBe(-16);
    expect(await rc('423 Interval Too Brief', 'REGISTER')).toBe(-17);
    expect(await rc('423 Interval Too Brief')).toBe(1);
    expect(await rc('407 Proxy Authentication Required')).toBe(-18);
    expect(await rc('420 Bad Extension')).toBe(-19);
    expect(await rc('401 Unauthorized')).toBe(-20);
    expect(await rc('200 OK')).toBe(1);
  });
});

describe('hostname and username rules', () => {
  it('checkHostname follows OpenSIPS', () => {
    expect(checkHostname('example.com')).toBe(true);
    expect(checkHostname('[2001:db8::1]')).toBe(true);
    expect(checkHostname('example.com.')).toBe(true);
    expect(checkHostname('a..b')).toBe(false);
    expect(checkHostname('-a.b')).toBe(false);
    expect(checkHostname('a.b-')).toBe(false);
    expect(checkHostname('a_b.c')).toBe(false);
  });

  it('isUsername allows unreserved, user-unreserved and escapes', () => {
    expect(isUsername("alice.o'hara+1;x=y")).toBe(true);
    expect(isUsername('a%20b')).toBe(true);
    expect(isUsername('a%2')).toBe(false);
    expect(isUsername('a b')).toBe(false);
  });
});
