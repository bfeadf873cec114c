/**
 * fraud_detection with the real dialog module in a server on loopback UDP: concurrency
 * goes back down when a call is answered and hung up, rejected (486) or cancelled (487).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coreTesting, createSchema, DbManager, selectTables, SipServer, SqliteDriver, type DbConnection } from '@tsips/core';
import { buildReply, parseMessage, type SipMessage } from '@tsips/sip';
import { createDbSqlite } from '../db_sqlite';
import { createDialog } from '../dialog';
import { proto_udp } from '../proto_udp';
import { createRr } from '../rr';
import { signaling } from '../signaling';
import { sipmsgops } from '../sipmsgops';
import { createSl } from '../sl';
import { createTm } from '../tm';
import { createFraudDetection } from './index';

const { UdpPeer, sipText, writeScript } = coreTesting;
type Peer = Awaited<ReturnType<typeof UdpPeer.open>>;

let dir: string;
const servers: SipServer[] = [];
const peers: Peer[] = [];
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-frd-dlg-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const p of peers.splice(0)) await p.close();
});

async function next(p: Peer, callId: string, pred: (m: SipMessage) => boolean = () => true): Promise<SipMessage> {
  for (;;) {
    const m = parseMessage((await p.next(2000)).data);
    if ((m.isRequest || m.status !== 100) && m.callId() === callId && pred(m)) return m;
  }
}

it('concurrent calls: +1 per checked call, -1 when its dialog ends (BYE, 486, CANCEL/487); call-duration event from the answer', async () => {
  const url = `sqlite://${path.join(dir, 'frd.db')}`;
  const m = new DbManager(dir);
  m.registerDriver(new SqliteDriver());
  const db = (await m.open(url)) as DbConnection;
  await createSchema(db, selectTables(['fraud_detection']));
  await db.insert('fraud_detection', { ruleid: 1, profileid: 0, prefix: '', start_hour: '00:00', end_hour: '00:00', daysoftheweek: 'Mon-Sun', concurrent_calls_warning: 2, call_duration_warning: 1 });
  await db.close();
  const uac = await UdpPeer.open();
  const uas = await UdpPeer.open();
  peers.push(uac, uas);
  const frd = createFraudDetection({ autoTimer: false });
  const logs: string[] = [];
  const script = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "signaling.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "dialog.so"
loadmodule "fraud_detection.so"
modparam("fraud_detection", "db_url", "${url}")
route {
  if (has_totag()) { loose_route(); t_relay(); exit; }
  if (is_method("INVITE")) {
    create_dialog();
    check_fraud($fU, $rU, 0);
    append_hf("X-Frd: $retcode\\r\\n");
    record_route();
  }
  t_relay();
}
event_route[E_FRD_WARNING] {
  xlog("L_NOTICE", "frd-event $param(param) $param(value) $param(user) $param(called_number)\n");
}`;
  const server = await SipServer.start(writeScript(script), {
    modules: [proto_udp, createSl(), signaling, createTm(), createRr(), sipmsgops, createDbSqlite(), createDialog(), frd],
    logWriter: (line: string) => { logs.push(line); },
    shutdownTimeoutMs: 200,
  });
  servers.push(server);
  const port = server.sockets[0]!.port;
  const stats = async () => (await frd.mi!.find((x) => x.name === 'fraud_detection:show_stats')!.handler({ user: 'alice', prefix: '' })) as { concurrent_calls: number; total_calls: number };
  const invite = (id: string) => sipText(`INVITE sip:100@127.0.0.1:${uas.port} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bK${id}i;rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a-${id}
To: <sip:100@example.com>
Call-ID: ${id}
CSeq: 1 INVITE
Contact: <sip:alice@127.0.0.1:${uac.port}>
Content-Length: 0

`);

  // Call 1 answered; call 2 while it is up reaches the warning (2 concurrent).
  await uac.send(invite('f1'), port);
  const inv1 = await next(uas, 'f1');
  expect(inv1.getHeader('X-Frd')).toBe('1');
  const rr = inv1.getHeaders('Record-Route');
  const headers: Array<[string, string]> = [...rr.map((v) => ['Record-Route', v] as [string, string]), ['Contact', `<sip:100@127.0.0.1:${uas.port}>`]];
  await uas.send(buildReply(inv1, 200, 'OK', { toTag: 'b-f1', headers }), port);
  const ok = await next(uac, 'f1');
  expect(ok.status).toBe(200);

  await uac.send(invite('f2'), port);
  const inv2 = await next(uas, 'f2');
  expect(inv2.getHeader('X-Frd')).toBe('-1');
  expect(await stats()).toMatchObject({ concurrent_calls: 2, total_calls: 2 });
  await uas.send(buildReply(inv2, 486, 'Busy Here', { toTag: 'b-f2' }), port);
  expect((await next(uac, 'f2', (x) => !x.isRequest && x.status >= 300)).status).toBe(486);
  expect((await stats()).concurrent_calls).toBe(1);

  // Call 3 cancelled while ringing.
  await uac.send(invite('f3'), port);
  const inv3 = await next(uas, 'f3');
  expect(inv3.getHeader('X-Frd')).toBe('-1');
  await uas.send(buildReply(inv3, 180, 'Ringing', { toTag: 'b-f3' }), port);
  await next(uac, 'f3');
  await uac.send(sipText(`CANCEL sip:100@127.0.0.1:${uas.port} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bKf3i;rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a-f3
To: <sip:100@example.com>
Call-ID: f3
CSeq: 1 CANCEL
Content-Length: 0

`), port);
  const cancel = await next(uas, 'f3', (x) => x.method === 'CANCEL');
  await uas.send(buildReply(cancel, 200, 'OK', { toTag: 'b-f3' }), port);
  await uas.send(buildReply(inv3, 487, 'Request Terminated', { toTag: 'b-f3' }), port);
  await next(uac, 'f3', (x) => x.status === 487);
  expect((await stats()).concurrent_calls).toBe(1);

  // Call 1 is up for more than a second: the duration timer raises the warning once.
  await new Promise((r) => setTimeout(r, 1100));
  frd.fraud.tick();
  frd.fraud.tick();
  expect(logs.filter((l) => l.includes('frd-event call-duration 1 alice 100'))).toHaveLength(1);

  // BYE of call 1.
  await uac.send(sipText(`BYE sip:100@127.0.0.1:${uas.port} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bKf1bye;rport
Route: ${ok.getHeaders('Record-Route').reverse().join(', ')}
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a-f1
To: <sip:100@example.com>;tag=b-f1
Call-ID: f1
CSeq: 2 BYE
Content-Length: 0

`), port);
  const bye = await next(uas, 'f1', (x) => x.method === 'BYE');
  await uas.send(buildReply(bye, 200, 'OK'), port);
  await next(uac, 'f1', (x) => !x.isRequest && x.status === 200);
  expect(await stats()).toMatchObject({ concurrent_calls: 0, total_calls: 3 });
  expect(frd.fraud.activeCalls()).toBe(0);
});
