import { Services } from '@tsips/script';
import { CORE, type LocalSocket, type SipCoreApi } from '@tsips/core';
import { createRr } from './index';
import { kitFor, wire } from '../sipmsgops/kit.test-support';

const INVITE = `
INVITE sip:bob@192.0.2.20 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds
Max-Forwards: 70
To: Bob <sip:bob@example.com>
From: Alice <sip:alice@example.org>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.org
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.10>
Content-Length: 0
`;

/** An in-dialog request with the given Route lines (each entry one header line). */
const bye = (routes: string[], opts: { ruri?: string; fromTag?: string; toTag?: string | null } = {}) => `
BYE ${opts.ruri ?? 'sip:bob@192.0.2.20'} SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhdz
Max-Forwards: 70
${routes.map((r) => `Route: ${r}\n`).join('')}To: Bob <sip:bob@example.com>${opts.toTag === null ? '' : `;tag=${opts.toTag ?? 'b0b'}`}
From: Alice <sip:alice@example.org>;tag=${opts.fromTag ?? '1928301774'}
Call-ID: a84b4c76e66710@pc33.example.org
CSeq: 314160 BYE
Content-Length: 0
`;

const RR_SCRIPT = (body: string, params = '') => `
loadmodule "rr.so"
${params}
route {
  ${body}
}
`;

const LR = `
  if (loose_route()) { $var(lr) = 1; } else { $var(lr) = $rc; }
  $var(du) = $du;
  $var(ru) = $ru;
  $var(p) = $rr_params;
  if (check_route_param("ftag=1928")) $var(ftag) = 1;
  if (is_direction("downstream")) $var(dir) = "down"; else $var(dir) = "up";
`;

async function runRr(body: string, msg: string, params = '') {
  const kit = kitFor(RR_SCRIPT(body, params), createRr());
  const out = await kit.run(msg);
  return { out, text: wire(out.ctx), routes: wire(out.ctx).split('\r\n').filter((l) => l.startsWith('Route:')) };
}

describe('record_route', () => {
  it('adds our address with lr and ftag above every other header', async () => {
    const { out, text } = await runRr('record_route(); $var(rc) = $rc;', INVITE);
    expect(out.vars.rc).toBe(1);
    expect(text).toMatch(/^INVITE sip:bob@192.0.2.20 SIP\/2.0\r\nRecord-Route: <sip:198.51.100.1;lr;ftag=1928301774>\r\nVia:/);
  });

  it('puts the port when not 5060 and the transport when not UDP', async () => {
    const kit = kitFor(RR_SCRIPT('record_route();'), createRr());
    const out = await kit.run(INVITE, { rcv: { proto: 'tcp', dstIp: '2001:db8::1', dstPort: 5080 } });
    expect(wire(out.ctx)).toContain('Record-Route: <sip:[2001:db8::1]:5080;transport=tcp;lr;ftag=1928301774>\r\n');
  });

  it('appends the given parameters and add_rr_param ones, before and after record_route', async () => {
    const { text } = await runRr('add_rr_param(";nat=yes"); record_route(";p=1"); add_rr_param(";did=abc.1");', INVITE);
    expect(text).toContain('Record-Route: <sip:198.51.100.1;lr;ftag=1928301774;p=1;nat=yes;did=abc.1>\r\n');
    expect(text.match(/Record-Route/g)).toHaveLength(1);
  });

  it('refuses a second record_route on the same request', async () => {
    const { out, text } = await runRr('record_route(); record_route(); $var(rc) = $rc;', INVITE);
    expect(out.vars.rc).toBe(-1);
    expect(text.match(/Record-Route/g)).toHaveLength(1);
    expect(out.logs.map((l) => l.text).join()).toContain('double attempt to record-route');
  });

  it('honours append_fromtag=0 and add_username=1', async () => {
    const { text } = await runRr('record_route();', INVITE, 'modparam("rr", "append_fromtag", 0)\nmodparam("rr", "add_username", 1)');
    expect(text).toContain('Record-Route: <sip:bob@198.51.100.1;lr>\r\n');
  });

  it('record_route_preset writes the given addresses, the first on top', async () => {
    const one = await runRr('record_route_preset("203.0.113.5:5090;transport=tcp");', INVITE);
    expect(one.text).toContain('Record-Route: <sip:203.0.113.5:5090;transport=tcp;ftag=1928301774;lr>\r\n');
    const two = await runRr('record_route_preset("203.0.113.5", "10.0.0.1");', INVITE);
    expect(two.text).toMatch(/Record-Route: <sip:203.0.113.5;ftag=1928301774;lr>\r\nRecord-Route: <sip:10.0.0.1;ftag=1928301774;lr>\r\n/);
    const off = await runRr('record_route_preset("203.0.113.5", "10.0.0.1"); $var(rc) = $rc;', INVITE, 'modparam("rr", "enable_double_rr", 0)');
    expect(off.out.vars.rc).toBe(-1);
    expect(off.text).not.toContain('Record-Route');
  });

  it('adds two Record-Routes with r2 when the request leaves by another socket (core present)', async () => {
    const udp: LocalSocket = { proto: 'udp', address: '198.51.100.1', port: 5060, name: 'udp:198.51.100.1:5060', advertisedAddress: null, advertisedPort: null };
    const tcp: LocalSocket = { proto: 'tcp', address: '10.0.0.1', port: 5060, name: 'tcp:10.0.0.1:5060', advertisedAddress: null, advertisedPort: null };
    const fakeCore = {
      localSocket: () => udp,
      socketFor: (dest: { proto: string }) => (dest.proto === 'tcp' ? tcp : udp),
      isMyself: () => false,
    } as unknown as SipCoreApi;
    const services = new Services();
    services.provide(CORE, fakeCore);
    const mod = createRr();
    const kit = kitFor(RR_SCRIPT('$du = "sip:192.0.2.20;transport=tcp"; record_route();'), mod);
    await mod.init!({ services, log: () => undefined });
    const out = await kit.run(INVITE);
    expect(wire(out.ctx)).toMatch(
      /\r\nRecord-Route: <sip:10.0.0.1;transport=tcp;r2=on;lr;ftag=1928301774>\r\nRecord-Route: <sip:198.51.100.1;r2=on;lr;ftag=1928301774>\r\nVia:/,
    );
  });
});

describe('loose_route', () => {
  it('returns -1 without Route headers and leaves $du unset', async () => {
    const { out } = await runRr(LR, INVITE);
    expect(out.vars.lr).toBe(-1);
    expect(out.dstUri).toBeNull();
  });

  it('removes our Route, sends to the next one and exposes our parameters', async () => {
    const { out, routes } = await runRr(LR, bye(['<sip:198.51.100.1;lr;ftag=1928301774>, <sip:p2.example.net;lr>', '<sip:p3.example.net;lr>']));
    expect(out.vars).toMatchObject({ lr: 1, du: 'sip:p2.example.net;lr', ru: 'sip:bob@192.0.2.20', p: 'lr;ftag=1928301774', ftag: 1, dir: 'down' });
    expect(routes).toEqual(['Route: <sip:p2.example.net;lr>, <sip:p3.example.net;lr>']);
  });

  it('removes a whole Route line without touching the others', async () => {
    const { out, text } = await runRr(LR, bye(['<sip:198.51.100.1:5060;lr>', '<sip:p2.example.net;lr>']));
    expect(out.vars.lr).toBe(1);
    expect(out.vars.du).toBe('sip:p2.example.net;lr');
    expect(text).toContain('Max-Forwards: 70\r\nRoute: <sip:p2.example.net;lr>\r\nTo:');
  });

  it('sees the request as upstream when the From tag is not the ftag', async () => {
    const { out } = await runRr(LR, bye(['<sip:198.51.100.1;lr;ftag=1928301774>'], { fromTag: 'b0b', toTag: '1928301774' }));
    expect(out.vars).toMatchObject({ lr: 1, dir: 'up' });
    expect(out.vars.du).toBeUndefined();
  });

  it('routes by the Request-URI when only our Route was there (1), but a preloaded one gives -1', async () => {
    const inDialog = await runRr(LR, bye(['<sip:198.51.100.1;lr>']));
    expect(inDialog.out.vars.lr).toBe(1);
    expect(inDialog.routes).toEqual([]);
    const preloaded = await runRr(LR, bye(['<sip:198.51.100.1;lr>'], { toTag: null }));
    expect(preloaded.out.vars.lr).toBe(-1);
    expect(preloaded.routes).toEqual([]);
  });

  it('sends to a foreign top Route without removing it', async () => {
    const { out, routes } = await runRr(LR, bye(['<sip:p9.example.net;lr>']));
    expect(out.vars).toMatchObject({ lr: 1, du: 'sip:p9.example.net;lr' });
    expect(out.vars.p).toBeUndefined();
    expect(routes).toEqual(['Route: <sip:p9.example.net;lr>']);
  });

  it('hands a strict next hop its URI as Request-URI and keeps the old one as last Route', async () => {
    const { out, routes, text } = await runRr(LR, bye(['<sip:198.51.100.1;lr>', '<sip:strict.example.net>', '<sip:p3.example.net;lr>']));
    expect(out.vars).toMatchObject({ lr: 1, ru: 'sip:strict.example.net' });
    expect(out.vars.du).toBeUndefined();
    expect(routes).toEqual(['Route: <sip:p3.example.net;lr>, <sip:bob@192.0.2.20>']);
    expect(text).toMatch(/^BYE sip:strict.example.net SIP\/2.0\r\n/);
  });

  it('recovers from a strict previous hop: Request-URI from the last Route, next loose hop in $du', async () => {
    const msg = bye(['<sip:p2.example.net;lr>', '<sip:bob@192.0.2.20>'], { ruri: 'sip:198.51.100.1;ftag=1928301774' });
    const { out, routes } = await runRr(LR, msg);
    expect(out.vars).toMatchObject({ lr: 1, du: 'sip:p2.example.net;lr', ru: 'sip:bob@192.0.2.20', p: 'ftag=1928301774', dir: 'down' });
    expect(routes).toEqual(['Route: <sip:p2.example.net;lr>']);
  });

  it('consumes both of our double Record-Route entries', async () => {
    const { out, routes } = await runRr(LR, bye(['<sip:198.51.100.1;r2=on;lr>', '<sip:10.0.0.1;transport=tcp;r2=on;lr>', '<sip:p2.example.net;lr>']),
    );
    expect(out.vars).toMatchObject({ lr: 1, du: 'sip:p2.example.net;lr' });
    expect(routes).toEqual(['Route: <sip:p2.example.net;lr>']);
    // 10.0.0.1 is not one of our addresses here: OpenSIPS warns (and cannot force that socket).
    expect(out.logs.map((l) => l.text)).toContain('rr: no socket found to match 2nd RR [tcp:10.0.0.1:5060]');
    const quiet = await runRr(LR, bye(['<sip:198.51.100.1;r2=on;lr>', '<sip:10.0.0.1;transport=tcp;r2=on;lr>']), 'modparam("rr", "enable_socket_mismatch_warning", 0)');
    expect(quiet.out.vars.lr).toBe(1);
    expect(quiet.routes).toEqual([]);
    expect(quiet.out.logs).toEqual([]);
  });

  it('uses maddr as the next hop when the Route URI has one', async () => {
    const { out } = await runRr(LR, bye(['<sip:198.51.100.1;lr>', '<sip:p2.example.net:5070;maddr=192.0.2.99;lr>']));
    expect(out.vars.du).toBe('sip:192.0.2.99:5070');
  });

  it('fails (-1) on a Route header that does not parse', async () => {
    const { out } = await runRr(LR, bye(['<sip:198.51.100.1;lr']));
    expect(out.vars.lr).toBe(-1);
    expect(out.logs.map((l) => l.text).join()).toContain('loose_route: failed to parse the Route header');
  });
});
