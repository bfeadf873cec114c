/**
 * The core blacklists in a real server on loopback: with use_blacklist("media"), a request
 * relayed (t_relay, forked branches from lookup) or forwarded statelessly to a destination
 * the list holds is refused as OpenSIPS refuses it (473 Filtered destination, t_relay 0)
 * and nothing reaches that address: a UDP socket listening there counts every datagram.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BLACKLISTS, CORE, coreTesting, createSchema, DbManager, selectTables, SipServer, SqliteDriver, type DbConnection, type Destination, type SipCoreApi } from '@tsips/core';
import { makeRule, type ModuleExports } from '@tsips/script';
import { sharedDir } from '@tsips/test-support';
import { createDrouting } from '../drouting';
import { createDbSqlite } from '../db_sqlite';
import { buildReply, parseMessage, type SipMessage } from '@tsips/sip';
import { proto_udp } from '../proto_udp';
import { sl } from '../sl';
import { signaling } from '../signaling';
import { createUsrloc } from '../usrloc';
import { createRegistrar } from '../registrar';
import { createTm } from './index';

const { UdpPeer, sipText, writeScript } = coreTesting;
type Peer = Awaited<ReturnType<typeof UdpPeer.open>>;

const BLOCKED_IP = '127.0.0.66';

/** A UDP socket at the blacklisted address that only counts what it receives. */
class Sink {
  readonly sock = dgram.createSocket('udp4');
  received = 0;
  port = 0;
  static async open(address: string): Promise<Sink> {
    const s = new Sink();
    await new Promise<void>((resolve) => s.sock.bind(0, address, () => resolve()));
    s.port = s.sock.address().port;
    s.sock.on('message', () => {
      s.received++;
    });
    return s;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

const SCRIPT = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("tm", "fr_timeout", 2)
dst_blacklist = media:{ (udp, ${BLOCKED_IP}, 0, "") }

route {
  if ($rm == "REGISTER") {
    save("location");
    exit;
  }
  if ($rm == "ACK") {
    t_relay();
    exit;
  }
  if ($rm == "MESSAGE") {
    if ($hdr(X-Use) == "yes") use_blacklist("media");
    if (!forward()) {
      sl_send_reply(500, "Forward Refused");
    }
    exit;
  }
  if (!lookup("location")) {
    t_reply(404, "Not Found");
    exit;
  }
  if ($hdr(X-Use) != "no") use_blacklist("media");
  if ($hdr(X-Unuse) == "yes") unuse_blacklist("media");
  if ($(hdr(X-Fail){s.len}) > 0) t_on_failure("retry");
  t_relay();
  xlog("L_ERR", "AFTER-T-RELAY $retcode\\n");
}

failure_route[retry] {
  $du = $hdr(X-Fail);
  use_blacklist("media");
  t_relay();
  xlog("L_ERR", "FAILURE-RELAY $retcode\\n");
  t_reply(503, "Service Unavailable");
}
`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ proxyPort: number; uac: Peer; uas: Peer; sink: Sink; logs: string[] }> {
  const uac = await UdpPeer.open();
  const uas = await UdpPeer.open();
  const sink = await Sink.open(BLOCKED_IP);
  cleanups.push(() => uac.close(), () => uas.close(), () => sink.close());
  const logs: string[] = [];
  const server = await SipServer.start(writeScript(SCRIPT), {
    modules: [proto_udp, signaling, sl, createTm(), createUsrloc(), createRegistrar()],
    logWriter: (line: string) => {
      logs.push(line);
    },
    shutdownTimeoutMs: 200,
  }).catch((e: { report?: string }) => {
    throw new Error(e.report ?? String(e));
  });
  cleanups.push(() => server.stop());
  return { proxyPort: server.sockets[0]!.port, uac, uas, sink, logs };
}

async function next(p: Peer): Promise<SipMessage> {
  return parseMessage((await p.next(2000)).data);
}

/** The next reply that is not a 100. */
async function finalReply(p: Peer): Promise<SipMessage> {
  for (;;) {
    const m = await next(p);
    if (m.status !== 100) return m;
  }
}

let seq = 0;
async function register(uac: Peer, proxyPort: number, user: string, contact: string): Promise<void> {
  const id = `reg${++seq}`;
  await uac.send(
    sipText(`REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bK${id};rport
Max-Forwards: 70
From: <sip:${user}@127.0.0.1>;tag=${id}
To: <sip:${user}@127.0.0.1>
Call-ID: ${id}@127.0.0.1
CSeq: 1 REGISTER
Contact: <${contact}>
Expires: 300
Content-Length: 0

`),
    proxyPort,
  );
  expect((await finalReply(uac)).status).toBe(200);
}

function request(method: string, ruri: string, uacPort: number, extra = ''): string {
  const id = `c${++seq}`;
  return sipText(`${method} ${ruri} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uacPort};branch=z9hG4bK${id};rport
Max-Forwards: 70
From: <sip:alice@127.0.0.1>;tag=${id}
To: <${ruri}>
Call-ID: ${id}@127.0.0.1
CSeq: 1 ${method}
Contact: <sip:alice@127.0.0.1:${uacPort}>
${extra}Content-Length: 0

`);
}

describe('core blacklists on the send paths', () => {
  it('t_relay to a blacklisted contact: 473 Filtered destination, t_relay returns 0 (the script stops), nothing sent there', async () => {
    const { proxyPort, uac, sink, logs } = await setup();
    await register(uac, proxyPort, 'carol', `sip:carol@${BLOCKED_IP}:${sink.port}`);
    await uac.send(request('INVITE', 'sip:carol@127.0.0.1', uac.port), proxyPort);
    const r = await finalReply(uac);
    expect(r.status).toBe(473);
    expect(r.reason).toBe('Filtered destination (473/TM)');
    expect(await uac.silentFor(300)).toBe(true);
    expect(sink.received).toBe(0);
    expect(logs.join('')).not.toMatch(/AFTER-T-RELAY/);
    expect(logs.join('')).toMatch(/blocked by blacklist 'media'/);
  });

  it('without use_blacklist, or after unuse_blacklist, the same contact gets the INVITE', async () => {
    const { proxyPort, uac, sink } = await setup();
    await register(uac, proxyPort, 'carol', `sip:carol@${BLOCKED_IP}:${sink.port}`);
    await uac.send(request('INVITE', 'sip:carol@127.0.0.1', uac.port, 'X-Use: no\n'), proxyPort);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.received).toBeGreaterThan(0);
    const before = sink.received;
    await uac.send(request('INVITE', 'sip:carol@127.0.0.1', uac.port, 'X-Unuse: yes\n'), proxyPort);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.received).toBeGreaterThan(before);
  });

  it('forking to two contacts where one is blacklisted: only the other gets the INVITE and its answer goes up', async () => {
    const { proxyPort, uac, uas, sink, logs } = await setup();
    await register(uac, proxyPort, 'dave', `sip:dave@${BLOCKED_IP}:${sink.port}`);
    await register(uac, proxyPort, 'dave', `sip:dave@127.0.0.1:${uas.port}`);
    await uac.send(request('INVITE', 'sip:dave@127.0.0.1', uac.port), proxyPort);
    const inv = await next(uas);
    expect(inv.method).toBe('INVITE');
    expect(inv.ruri).toBe(`sip:dave@127.0.0.1:${uas.port}`);
    await uas.send(buildReply(inv, 486, 'Busy Here', { toTag: 'd1' }), proxyPort);
    expect((await next(uas)).method).toBe('ACK');
    const r = await finalReply(uac);
    // The blocked branch is an empty branch (OpenSIPS t_pick_branch skips it): the callee's 486 goes up.
    expect(r.status).toBe(486);
    expect(sink.received).toBe(0);
    expect(logs.join('')).toMatch(/blocked by blacklist 'media'/);
    expect(logs.join('')).toMatch(/AFTER-T-RELAY 1/);
  });

  it('failure_route: t_relay to a blacklisted $du returns -5 (nothing sent), the script answers', async () => {
    const { proxyPort, uac, uas, sink, logs } = await setup();
    await register(uac, proxyPort, 'erin', `sip:erin@127.0.0.1:${uas.port}`);
    await uac.send(request('INVITE', 'sip:erin@127.0.0.1', uac.port, `X-Fail: sip:${BLOCKED_IP}:${sink.port}\n`), proxyPort);
    const inv = await next(uas);
    await uas.send(buildReply(inv, 486, 'Busy Here', { toTag: 'e1' }), proxyPort);
    expect((await next(uas)).method).toBe('ACK');
    const r = await finalReply(uac);
    expect(r.status).toBe(503);
    expect(logs.join('')).toMatch(/FAILURE-RELAY -5/);
    expect(sink.received).toBe(0);
    expect(await uas.silentFor(200)).toBe(true);
  });

  it('stateless forward() to a blacklisted destination is refused (returns -1, nothing sent); without the list it goes out', async () => {
    const { proxyPort, uac, sink } = await setup();
    const ruri = `sip:x@${BLOCKED_IP}:${sink.port}`;
    await uac.send(request('MESSAGE', ruri, uac.port, 'X-Use: yes\n'), proxyPort);
    const r = await next(uac);
    expect(r.status).toBe(500);
    expect(r.reason).toBe('Forward Refused');
    await new Promise((res) => setTimeout(res, 200));
    expect(sink.received).toBe(0);
    await uac.send(request('MESSAGE', ruri, uac.port), proxyPort);
    await new Promise((res) => setTimeout(res, 300));
    expect(sink.received).toBe(1);
  });
});

/**
 * A test-only module that wraps the core's send: anything not for 127.0.0.0/8 is recorded
 * and dropped, so a blacklist that failed to refuse could never put a datagram on the wire.
 */
function guardModule(leaked: Destination[]): ModuleExports {
  return {
    name: 'sendguard',
    init: (env) => {
      const core = env.services.get(CORE) as SipCoreApi & { trySend?: SipCoreApi['trySend'] };
      const send = core.send.bind(core);
      const trySend = core.trySend?.bind(core);
      core.send = (dest, data, from) => {
        if (!dest.address.startsWith('127.')) {
          leaked.push(dest);
          return Promise.resolve();
        }
        return send(dest, data, from);
      };
      if (trySend !== undefined) {
        core.trySend = (dest, data, from) => {
          if (!dest.address.startsWith('127.')) {
            leaked.push(dest);
            return true;
          }
          return trySend(dest, data, from);
        };
      }
    },
  };
}

/** drouting needs its tables (OpenSIPS refuses to start without db_url): empty ones in a temp SQLite file. */
async function emptyDroutingDb(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-bl-dr-'));
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite://${path.join(dir, 'dr.db')}`;
  const m = new DbManager(dir);
  m.registerDriver(new SqliteDriver());
  const db = (await m.open(url)) as DbConnection;
  await createSchema(db, selectTables(['drouting']));
  await db.close();
  return url;
}

describe("the talk's blacklist snippets", () => {
  it('blacklists-global.cfg + blacklists-route.cfg load; a call to a contact on the media server (192.168.2.100:5060) gets 473 and nothing is sent', async () => {
    const global = fs.readFileSync(sharedDir('seed', 'snippets', 'blacklists-global.cfg'), 'utf8');
    const route = fs.readFileSync(sharedDir('seed', 'snippets', 'blacklists-route.cfg'), 'utf8');
    const dbUrl = await emptyDroutingDb();
    const script = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "db_sqlite.so"
loadmodule "drouting.so"
loadmodule "sendguard.so"
modparam("drouting", "db_url", "${dbUrl}")
${global}
route {
  if ($rm == "REGISTER") {
    save("location");
    exit;
  }
${route}
  t_relay();
}
`;
    const uac = await UdpPeer.open();
    cleanups.push(() => uac.close());
    const leaked: Destination[] = [];
    const logs: string[] = [];
    const server = await SipServer.start(writeScript(script), {
      modules: [proto_udp, signaling, sl, createTm(), createUsrloc(), createRegistrar(), createDbSqlite(), createDrouting(), guardModule(leaked)],
      logWriter: (line: string) => {
        logs.push(line);
      },
      shutdownTimeoutMs: 200,
    }).catch((e: { report?: string }) => {
      throw new Error(e.report ?? String(e));
    });
    cleanups.push(() => server.stop());
    const proxyPort = server.sockets[0]!.port;
    await register(uac, proxyPort, 'frank', 'sip:frank@192.168.2.100:5060');
    await uac.send(request('INVITE', 'sip:frank@127.0.0.1', uac.port), proxyPort);
    const r = await finalReply(uac);
    expect(r.status).toBe(473);
    expect(leaked).toEqual([]);
    // drouting's define_blacklist list exists (empty until drouting fills it): use_blacklist("gws") works.
    expect(logs.join('')).not.toMatch(/blacklist 'gws' is not configured/);
    expect(logs.join('')).toMatch(/blocked by blacklist 'media'/);
    // Another port on that host is not in the list: the INVITE would go out (here: the guard keeps it).
    await register(uac, proxyPort, 'gina', 'sip:gina@192.168.2.100:5070');
    await uac.send(request('INVITE', 'sip:gina@127.0.0.1', uac.port), proxyPort);
    await new Promise((res) => setTimeout(res, 300));
    expect(leaked.map((d) => `${d.address}:${d.port}`)).toContain('192.168.2.100:5070');
  });
});

describe('lists filled by a module (the BLACKLISTS service)', () => {
  it("a module fills drouting's define_blacklist list at init; use_blacklist of it refuses the gateway", async () => {
    const filler: ModuleExports = {
      name: 'gwfiller',
      init: (env) => {
        const store = env.services.get(BLACKLISTS).current()!;
        const rule = makeRule({ proto: 'udp', net: `${BLOCKED_IP}/32` });
        if (typeof rule === 'string') throw new Error(rule);
        const problem = store.replace(store.get('gws')!, [rule]);
        if (problem !== undefined) throw new Error(problem);
      },
    };
    const dbUrl = await emptyDroutingDb();
    const script = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "db_sqlite.so"
loadmodule "drouting.so"
loadmodule "gwfiller.so"
modparam("drouting", "db_url", "${dbUrl}")
modparam("drouting", "define_blacklist", 'gws= 1,2')
route {
  use_blacklist("gws");
  t_relay();
}
`;
    const uac = await UdpPeer.open();
    const sink = await Sink.open(BLOCKED_IP);
    cleanups.push(() => uac.close(), () => sink.close());
    const server = await SipServer.start(writeScript(script), {
      modules: [proto_udp, signaling, sl, createTm(), createDbSqlite(), createDrouting(), filler],
      logWriter: () => undefined,
      shutdownTimeoutMs: 200,
    }).catch((e: { report?: string }) => {
      throw new Error(e.report ?? String(e));
    });
    cleanups.push(() => server.stop());
    await uac.send(request('INVITE', `sip:gw@${BLOCKED_IP}:${sink.port}`, uac.port), server.sockets[0]!.port);
    expect((await finalReply(uac)).status).toBe(473);
    expect(sink.received).toBe(0);
  });
});
