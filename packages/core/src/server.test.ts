import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedDir } from '@tsips/test-support';
import { parseMessage } from '@tsips/sip';
import type { FunctionExport, ModuleExports, ScriptContext } from '@tsips/script';
import { CORE } from './api';
import { SipServer } from './server';
import { sipText, UdpPeer, writeScript } from './testing/harness';

/** Minimal module tables: the checker wants proto_* for sockets; `t_reply` sends through the reply sink. */
function testModules(log: string[] = []): ModuleExports[] {
  const reply: FunctionExport = {
    name: 'test_reply',
    params: [{ name: 'code', kind: 'int-or-var' }, { name: 'reason', kind: 'string' }],
    routes: ['REQUEST_ROUTE', 'ERROR_ROUTE'],
    impl: ((ctx: ScriptContext, code: number, reason: string) => ctx.sinks.reply(ctx, code, reason)) as FunctionExport['impl'],
  };
  let counter = 0;
  const count: FunctionExport = {
    name: 'test_count',
    params: [],
    routes: ['REQUEST_ROUTE', 'STARTUP_ROUTE', 'TIMER_ROUTE', 'EVENT_ROUTE'],
    impl: ((ctx: ScriptContext) => {
      counter++;
      log.push(`count ${counter} in ${ctx.routeType}`);
      return 1;
    }) as FunctionExport['impl'],
  };
  const addHeader: FunctionExport = {
    name: 'test_reply_header',
    params: [{ name: 'line', kind: 'string' }],
    routes: ['REQUEST_ROUTE'],
    impl: ((ctx: ScriptContext, line: string) => {
      ctx.replyHeaders.push(line);
      return 1;
    }) as FunctionExport['impl'],
  };
  return [
    { name: 'proto_udp' },
    { name: 'proto_tcp' },
    { name: 'proto_tls' },
    {
      name: 'tls_mgm',
      params: ['certificate', 'private_key', 'verify_cert', 'require_cert', 'server_domain', 'client_domain', 'match_ip_address'].map((n) => ({ name: n, type: 'string' as const, multiple: true })),
    },
    {
      name: 'testmod',
      functions: [reply, count, addHeader],
      init: (env) => {
        log.push(`init core=${env.services.get(CORE).serverHeader}`);
      },
      destroy: () => {
        log.push('destroy');
      },
    },
  ];
}

const OPTIONS = (port: number, extraVia = ''): string =>
  sipText(`OPTIONS sip:tsips@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-opt-1${extraVia}
From: <sip:alice@example.com>;tag=a1
To: <sip:tsips@127.0.0.1>
Call-ID: call-1@example.com
CSeq: 10 OPTIONS
Max-Forwards: 70
Content-Length: 0

`);

const servers: SipServer[] = [];
const peers: UdpPeer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const p of peers.splice(0)) await p.close();
});

async function start(script: string, log: string[] = []): Promise<{ server: SipServer; port: number; logs: string[] }> {
  const logs: string[] = [];
  const server = await SipServer.start(writeScript(script), { modules: testModules(log), logWriter: (l) => logs.push(l) });
  servers.push(server);
  return { server, port: server.sockets[0]!.port, logs };
}

async function peer(): Promise<UdpPeer> {
  const p = await UdpPeer.open();
  peers.push(p);
  return p;
}

const BASE = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "testmod.so"
`;

describe('UDP request -> script -> stateless reply', () => {
  it('answers OPTIONS with the exact reply bytes (Via copied with received/rport, To-tag, Server)', async () => {
    const { port } = await start(`${BASE}
route {
  if ($rm == "OPTIONS") { test_reply(200, "OK"); exit; }
}`);
    const ua = await peer();
    await ua.send(OPTIONS(ua.port, ';rport'), port);
    const r = await ua.next();
    const tag = /;tag=([0-9a-f]{8}-[0-9a-f]{8})\r\n/.exec(r.text)?.[1];
    expect(tag).toBeDefined();
    expect(r.text).toBe(
      sipText(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 127.0.0.1:${ua.port};branch=z9hG4bK-opt-1;rport=${ua.port};received=127.0.0.1
From: <sip:alice@example.com>;tag=a1
To: <sip:tsips@127.0.0.1>;tag=${tag}
Call-ID: call-1@example.com
CSeq: 10 OPTIONS
Server: tsips
Content-Length: 0

`),
    );
  });

  it('sends the reply to the Via port without rport, and to the source port with force_rport()', async () => {
    const { port } = await start(`${BASE}
route {
  if ($hdr(X-Force) == "yes") force_rport();
  test_reply(404, "Not Here");
}`);
    const ua = await peer();
    const other = await peer();
    // Via names another port: without rport the reply goes there (RFC 3261 §18.2.2).
    await ua.send(OPTIONS(other.port), port);
    const r1 = await other.next();
    expect(r1.text.startsWith('SIP/2.0 404 Not Here\r\n')).toBe(true);
    expect(r1.text).not.toContain('received=');
    const forced = OPTIONS(other.port).replace('Max-Forwards: 70', 'Max-Forwards: 70\r\nX-Force: yes');
    await ua.send(forced, port);
    const r2 = await ua.next();
    expect(r2.text).toContain(`;branch=z9hG4bK-opt-1;rport=${ua.port};received=127.0.0.1\r\n`);
  });

  it('uses server_header as written and appends the script reply headers', async () => {
    const { port } = await start(`${BASE}
server_header = "Server: edge"
route { test_reply_header("X-Why: testing"); test_reply_header("X-A: 1\\r\\nX-B: 2\\r\\n"); test_reply(403, "Forbidden"); }`);
    const ua = await peer();
    await ua.send(OPTIONS(ua.port), port);
    const r = await ua.next();
    expect(r.text).toContain('\r\nCSeq: 10 OPTIONS\r\nServer: edge\r\nX-Why: testing\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 0\r\n\r\n');
    expect(r.text).not.toContain('Server: tsips');
  });
});

describe('malformed input', () => {
  it('answers 400 to a request with a broken CSeq, counts it, and keeps serving', async () => {
    const { server, port, logs } = await start(`${BASE}
route { test_reply(200, "OK"); }`);
    const ua = await peer();
    await ua.send(OPTIONS(ua.port).replace('CSeq: 10 OPTIONS', 'CSeq: ten OPTIONS'), port);
    const r = await ua.next();
    expect(r.text.startsWith('SIP/2.0 400 Bad Request\r\n')).toBe(true);
    expect(server.core.statValue('core:bad_msg_hdr')).toBe(1);
    expect(logs.some((l) => l.includes('bad message from udp:127.0.0.1') && l.includes('CSeq'))).toBe(true);
    await ua.send(OPTIONS(ua.port), port);
    expect((await ua.next()).text.startsWith('SIP/2.0 200 OK')).toBe(true);
  });

  it('drops binary garbage silently (counted) and stays alive', async () => {
    const { server, port } = await start(`${BASE}
route { test_reply(200, "OK"); }`);
    const ua = await peer();
    await ua.send(Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 13, 10, 13, 10]), port);
    await ua.send(Buffer.from('INVITE\r\n\r\n'), port);
    expect(await ua.silentFor(200)).toBe(true);
    expect(server.core.statValue('core:bad_msg_hdr')).toBe(2);
    await ua.send(OPTIONS(ua.port), port);
    expect((await ua.next()).text.startsWith('SIP/2.0 200 OK')).toBe(true);
  });

  it('runs error_route with $err.* filled instead of the automatic 400', async () => {
    const { port } = await start(`${BASE}
route { test_reply(200, "OK"); }
error_route { test_reply(499, "$err.rreason c=$err.class l=$err.level"); }`);
    const ua = await peer();
    await ua.send(OPTIONS(ua.port).replace('CSeq: 10 OPTIONS', 'CSeq: ten OPTIONS'), port);
    const r = await ua.next();
    expect(r.text.split('\r\n')[0]).toBe('SIP/2.0 499 bad CSeq header c=1 l=3');
  });

  it('leaves a missing Call-ID, CSeq, From or To to the script, whose reply leaves the header out (as OpenSIPS)', async () => {
    const { server, port } = await start(`${BASE}
route { test_reply(400, "Missing"); }`);
    const ua = await peer();
    for (const line of ['Call-ID: call-1@example.com\r\n', 'CSeq: 10 OPTIONS\r\n', 'From: <sip:alice@example.com>;tag=a1\r\n', 'To: <sip:tsips@127.0.0.1>\r\n']) {
      await ua.send(OPTIONS(ua.port).replace(line, ''), port);
      const r = await ua.next();
      expect(r.text.startsWith('SIP/2.0 400 Missing\r\n')).toBe(true);
      expect(r.text).not.toContain(line);
    }
    expect(server.core.statValue('core:bad_msg_hdr')).toBe(0);
  });

  it('drops a request without a usable top Via unanswered, error_route or not (as OpenSIPS)', async () => {
    const { server, port } = await start(`${BASE}
route { test_reply(200, "OK"); }
error_route { test_reply(499, "error route"); }`);
    const ua = await peer();
    await ua.send(OPTIONS(ua.port).replace(/Via: .*\r\n/, ''), port);
    await ua.send(OPTIONS(ua.port).replace(/Via: .*\r\n/, 'Via: garbage here\r\n'), port);
    expect(await ua.silentFor(200)).toBe(true);
    expect(server.core.statValue('core:bad_msg_hdr')).toBe(2);
  });

  it('gives the script a datagram whose body is shorter than its Content-Length', async () => {
    const { port } = await start(`${BASE}
route { test_reply(200, "Got it"); }`);
    const ua = await peer();
    await ua.send(OPTIONS(ua.port).replace('Content-Length: 0', 'Content-Length: 50') + 'short', port);
    expect((await ua.next()).text.startsWith('SIP/2.0 200 Got it\r\n')).toBe(true);
  });

  it('never answers a malformed ACK', async () => {
    const { port } = await start(`${BASE}
route { test_reply(200, "OK"); }`);
    const ua = await peer();
    await ua.send(OPTIONS(ua.port).replace(/OPTIONS/g, 'ACK').replace('CSeq: 10 ACK', 'CSeq: x ACK'), port);
    expect(await ua.silentFor(200)).toBe(true);
  });
});

describe('stateless forwarding', () => {
  it('forwards with our Via on top (stable branch), received/rport on the caller Via, and relays the reply back', async () => {
    const uas = await peer();
    const { server, port } = await start(`${BASE}
route {
  force_rport();
  $du = "sip:127.0.0.1:${uas.port}";
  forward();
}`);
    const uac = await peer();
    const invite = sipText(`INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bK-inv-1
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: fwd-1@example.com
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0

`);
    await uac.send(invite, port);
    const got = await uas.next();
    const m = parseMessage(got.data);
    const vias = m.vias();
    expect(vias).toHaveLength(2);
    expect(vias[0]!.host).toBe('127.0.0.1');
    expect(vias[0]!.port).toBe(port);
    expect(vias[0]!.branch).toMatch(/^z9hG4bKsl[0-9a-f]{16}$/);
    expect(vias[1]!.raw).toBe(`SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bK-inv-1;rport=${uac.port};received=127.0.0.1`);
    expect(m.ruri).toBe('sip:bob@example.com');

    // A retransmission gets the same branch (RFC 3261 §16.11).
    await uac.send(invite, port);
    const again = parseMessage((await uas.next()).data);
    expect(again.vias()[0]!.branch).toBe(vias[0]!.branch);

    // The UAS answers to our Via; the reply goes to the caller's received/rport without our Via.
    const reply = sipText(`SIP/2.0 486 Busy Here
${got.text.split('\r\n').filter((l) => l.startsWith('Via:')).join('\n')}
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>;tag=b1
Call-ID: fwd-1@example.com
CSeq: 1 INVITE
Content-Length: 0

`);
    await uas.send(reply, port);
    const back = await uac.next();
    const bm = parseMessage(back.data);
    expect(bm.status).toBe(486);
    expect(bm.vias()).toHaveLength(1);
    expect(bm.vias()[0]!.branch).toBe('z9hG4bK-inv-1');
    expect(server.core.statValue('core:fwd_requests')).toBe(2);
    expect(server.core.statValue('core:fwd_replies')).toBe(1);
  });

  it('answers 482 when a request loops back to us', async () => {
    const { server, port } = await start(`${BASE}
route { forward("sip:127.0.0.1:$Rp"); }`);
    const uac = await peer();
    await uac.send(OPTIONS(uac.port, ';rport'), port);
    const r = await uac.next();
    expect(r.text.split('\r\n')[0]).toBe('SIP/2.0 482 Loop Detected');
    expect(server.core.statValue('core:loops')).toBe(1);
  });

  it('drops a reply whose top Via is not ours', async () => {
    const { server, port } = await start(`${BASE}
route { exit; }`);
    const ua = await peer();
    await ua.send(sipText(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-x
Via: SIP/2.0/UDP 127.0.0.1:${ua.port};branch=z9hG4bK-y
From: <sip:a@x>;tag=1
To: <sip:b@x>;tag=2
Call-ID: r1
CSeq: 1 OPTIONS
Content-Length: 0

`), port);
    expect(await ua.silentFor(200)).toBe(true);
    expect(server.core.statValue('core:drop_replies')).toBe(1);
  });
});

describe('lifecycle', () => {
  it('runs startup_route once and timer_route on schedule, inits and destroys modules', async () => {
    const log: string[] = [];
    const { server } = await start(`${BASE}
startup_route { test_count(); }
timer_route[tick, 1] { test_count(); }
route { exit; }`, log);
    expect(log[0]).toBe('init core=Server: tsips');
    expect(log[1]).toBe('count 1 in STARTUP_ROUTE');
    await new Promise((r) => setTimeout(r, 2300));
    expect(log.filter((l) => l.includes('TIMER_ROUTE')).length).toBeGreaterThanOrEqual(2);
    await server.stop();
    expect(log[log.length - 1]).toBe('destroy');
  });

  it('reload swaps the routes keeping module state, and a bad script leaves the old one running', async () => {
    const log: string[] = [];
    const file = writeScript(`${BASE}
route { test_count(); test_reply(200, "One"); }`);
    const logs: string[] = [];
    const server = await SipServer.start(file, { modules: testModules(log), logWriter: (l) => logs.push(l) });
    servers.push(server);
    const port = server.sockets[0]!.port;
    const ua = await peer();
    await ua.send(OPTIONS(ua.port), port);
    expect((await ua.next()).text.split('\r\n')[0]).toBe('SIP/2.0 200 One');

    fs.writeFileSync(file, `${BASE}\nroute { test_count(); test_reply(200, "Two"); }`);
    expect(server.reload().ok).toBe(true);
    await ua.send(OPTIONS(ua.port), port);
    expect((await ua.next()).text.split('\r\n')[0]).toBe('SIP/2.0 200 Two');
    // The module's counter went on from 1 to 2: same instance, same state.
    expect(log.filter((l) => l.startsWith('count')).map((l) => l.split(' ')[1])).toEqual(['1', '2']);

    fs.writeFileSync(file, `${BASE}\nroute { test_replyy(200, "Three"); }`);
    const bad = server.reload();
    expect(bad.ok).toBe(false);
    expect(bad.report).toContain("test_replyy");
    expect(logs.some((l) => l.includes('reload of') && l.includes('refused'))).toBe(true);
    await ua.send(OPTIONS(ua.port), port);
    expect((await ua.next()).text.split('\r\n')[0]).toBe('SIP/2.0 200 Two');
  });

  it('refuses to start on a bad script with the diagnostics', async () => {
    await expect(SipServer.start(writeScript(`${BASE}\nroute { nope(); }`), { modules: testModules() })).rejects.toMatchObject({
      name: 'ServerStartError',
      report: expect.stringContaining("unknown function 'nope'"),
    });
  });

  it('stop() waits for onShutdown hooks before closing the sockets', async () => {
    const { server, port } = await start(`${BASE}\nroute { exit; }`);
    const order: string[] = [];
    server.core.onShutdown(async () => {
      await new Promise((r) => setTimeout(r, 50));
      order.push('hook done');
    });
    await server.stop();
    order.push('stopped');
    expect(order).toEqual(['hook done', 'stopped']);
    // The socket is closed: binding its port again works.
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve());
    });
    s.close();
  });
});

describe('hooks and route types', () => {
  it('raw hooks can consume a datagram before parsing; async request hooks delay the script', async () => {
    const { server, port } = await start(`${BASE}
route { test_reply(200, "Script"); }`);
    const seen: string[] = [];
    server.core.onRawMessage((data) => {
      if (data.includes('X-Block: 1')) {
        seen.push('raw consumed');
        return true;
      }
      return false;
    });
    server.core.onRequest(async (msg) => {
      await new Promise((r) => setTimeout(r, 20));
      seen.push(`hook ${msg.method}`);
      if (msg.getHeader('X-Hook') === 'eat') {
        await server.core.sendReply(msg, { srcIp: '127.0.0.1', srcPort: Number(/127\.0\.0\.1:(\d+)/.exec(msg.getHeader('Via')!)![1]), proto: 'udp', dstIp: '127.0.0.1', dstPort: port }, 202, 'From Hook', { headers: ['X-A: b'] });
        return true;
      }
      return false;
    });
    const ua = await peer();
    await ua.send(OPTIONS(ua.port).replace('Max-Forwards: 70', 'Max-Forwards: 70\r\nX-Block: 1'), port);
    expect(await ua.silentFor(150)).toBe(true);
    await ua.send(OPTIONS(ua.port).replace('Max-Forwards: 70', 'Max-Forwards: 70\r\nX-Hook: eat'), port);
    const r1 = await ua.next();
    expect(r1.text.split('\r\n')[0]).toBe('SIP/2.0 202 From Hook');
    expect(r1.text).toContain('\r\nX-A: b\r\n');
    await ua.send(OPTIONS(ua.port), port);
    expect((await ua.next()).text.split('\r\n')[0]).toBe('SIP/2.0 200 Script');
    expect(seen).toEqual(['raw consumed', 'hook OPTIONS', 'hook OPTIONS']);
  });

  it('runs the unnamed onreply_route for unclaimed replies; drop stops the forwarding', async () => {
    const uas = await peer();
    const { server, port } = await start(`${BASE}
route { forward("sip:127.0.0.1:${uas.port}"); }
onreply_route { if ($rs == 183) drop; }`);
    const uac = await peer();
    await uac.send(OPTIONS(uac.port, ';rport'), port);
    const fwd = await uas.next();
    const vias = fwd.text.split('\r\n').filter((l) => l.startsWith('Via:')).join('\r\n');
    const reply = (code: string): string => `SIP/2.0 ${code}\r\n${vias}\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:tsips@127.0.0.1>;tag=z\r\nCall-ID: call-1@example.com\r\nCSeq: 10 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    await uas.send(reply('183 Progress'), port);
    expect(await uac.silentFor(150)).toBe(true);
    expect(server.core.statValue('core:drop_replies')).toBe(1);
    await uas.send(reply('200 OK'), port);
    expect((await uac.next()).text.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
  });

  it('runRoute runs a named route on a fresh context with the setup applied', async () => {
    const log: string[] = [];
    const { server } = await start(`${BASE}
route { exit; }
route[named] { $var(x) = $param(1); test_count(); return(7); }`, log);
    const { result, ctx } = await server.core.runRoute('request', 'named', null, null, (c) => {
      c.params = ['hello'];
    });
    expect(result.code).toBe(7);
    expect(ctx.routeType).toBe('REQUEST_ROUTE');
    expect(log.filter((l) => l.startsWith('count'))).toEqual(['count 1 in REQUEST_ROUTE']);
  });

  it('raise_event() runs event_route[E_NAME] with the attributes as $param(name)', async () => {
    const log: string[] = [];
    const { port, logs } = await start(`${BASE}
route { $avp(attr) = "ip"; $avp(val) = $si; raise_event("E_TEST", $avp(attr), $avp(val)); test_reply(200, "raised"); }
event_route[E_TEST] { xlog("L_ERR", "event ip=$param(ip)\\n"); test_count(); }`, log);
    const ua = await peer();
    await ua.send(OPTIONS(ua.port), port);
    expect((await ua.next()).text.split('\r\n')[0]).toBe('SIP/2.0 200 raised');
    expect(log.filter((l) => l.startsWith('count'))).toEqual(['count 1 in EVENT_ROUTE']);
    expect(logs.some((l) => l.includes('event ip=127.0.0.1'))).toBe(true);
  });
});

describe('several sockets', () => {
  it('listens on all of them; $Ri/$Rp/$proto name the one a request came in on', async () => {
    const { server } = await start(`
socket = udp:127.0.0.1:0
socket = udp:127.0.0.2:0
socket = tcp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "proto_tcp.so"
loadmodule "testmod.so"
route { test_reply(200, "on $proto:$Ri:$Rp"); }`);
    expect(server.sockets.map((s) => s.name)).toEqual([
      `udp:127.0.0.1:${server.sockets[0]!.port}`,
      `udp:127.0.0.2:${server.sockets[1]!.port}`,
      `tcp:127.0.0.1:${server.sockets[2]!.port}`,
    ]);
    const ua = await peer();
    for (const s of server.sockets.slice(0, 2)) {
      await new Promise<void>((resolve, reject) => ua.sock.send(Buffer.from(OPTIONS(ua.port, ';rport')), s.port, s.address, (e) => (e ? reject(e) : resolve())));
      expect((await ua.next()).text.split('\r\n')[0]).toBe(`SIP/2.0 200 on udp:${s.address}:${s.port}`);
    }
    expect(server.core.isMyself('127.0.0.2', server.sockets[1]!.port, 'udp')).toBe(true);
    expect(server.core.isMyself('127.0.0.2', 5060, 'udp')).toBe(false);
    expect(server.core.socketFor({ proto: 'tcp', address: '192.0.2.1', port: 5060 })).toBe(server.sockets[2]);
    expect(server.core.socketFor({ proto: 'udp', address: '192.0.2.1', port: 5060 }, `udp:127.0.0.2:${server.sockets[1]!.port}`)).toBe(server.sockets[1]);
    expect(server.core.viaFor(server.sockets[1]!, 'z9hG4bKx', { rport: true })).toBe(`SIP/2.0/UDP 127.0.0.2:${server.sockets[1]!.port};branch=z9hG4bKx;rport`);
  });
});

describe('RFC 4475 torture messages', () => {
  it('survives every one of them over UDP without an internal error, then still serves', async () => {
    const { server, port } = await start(`${BASE}
route { test_reply(200, "OK"); }
onreply_route { drop; }`);
    const dir = sharedDir('conformance', 'rfc4475');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.dat'));
    expect(files.length).toBeGreaterThan(30);
    const ua = await peer();
    for (const f of files) await ua.send(fs.readFileSync(path.join(dir, f)), port);
    // Whatever they provoked (replies to their Via addresses, 400s, drops), the server is fine.
    await new Promise((r) => setTimeout(r, 300));
    expect(server.core.statValue('core:internal_errors')).toBe(0);
    expect(server.core.statValue('core:bad_msg_hdr')).toBeGreaterThan(0);
    while (!(await ua.silentFor(50))) {
      // drain replies addressed to us
    }
    await ua.send(OPTIONS(ua.port), port);
    expect((await ua.next()).text.startsWith('SIP/2.0 200 OK')).toBe(true);
  });
});
