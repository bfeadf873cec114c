/**
 * dialog in a real server on loopback: a caller peer and a callee peer on UDP, tsips with
 * tm, rr, sipmsgops and dialog between them. Calls go INVITE/180/200/ACK/BYE through it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coreTesting, createSchema, DbManager, selectTables, SipServer, SqliteDriver, type DbConnection } from '@tsips/core';
import { buildReply, parseMessage, type SipMessage } from '@tsips/sip';
import { sharedDir } from '@tsips/test-support';
import type { ModuleExports } from '@tsips/script';
import { createDbSqlite } from '../db_sqlite';
import { proto_udp } from '../proto_udp';
import { createRr } from '../rr';
import { sipmsgops } from '../sipmsgops';
import { createSl } from '../sl';
import { signaling } from '../signaling';
import { createTm } from '../tm';
import { createDialog } from './index';

const { UdpPeer, sipText, writeScript } = coreTesting;
type Peer = Awaited<ReturnType<typeof UdpPeer.open>>;

const servers: SipServer[] = [];
const peers: Peer[] = [];
let tmpDir: string;

beforeAll(() => {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-dialog-'));
});
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const p of peers.splice(0)) await p.close();
});

const SNIPPET = fs.readFileSync(sharedDir('seed', 'snippets', 'in-dialog.cfg'), 'utf8');

interface Env {
  proxyPort: number;
  uac: Peer;
  uas: Peer;
  dlg: ModuleExports;
  logs: string[];
  server: SipServer;
}

async function start(body: string, params = '', reuse?: { uac: Peer; uas: Peer }, extraModules: ModuleExports[] = []): Promise<Env> {
  const uac = reuse?.uac ?? (await UdpPeer.open());
  const uas = reuse?.uas ?? (await UdpPeer.open());
  if (reuse === undefined) peers.push(uac, uas);
  const script = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "signaling.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
${extraModules.some((m) => m.name === 'db_sqlite') ? 'loadmodule "db_sqlite.so"' : ''}
loadmodule "dialog.so"
modparam("tm", "fr_timeout", 2)
modparam("dialog", "profiles_with_value", "caller")
modparam("dialog", "profiles_no_value", "calls")
${params}

route {
${body}
}
`;
  const logs: string[] = [];
  const dlg = createDialog();
  const server = await SipServer.start(writeScript(script), {
    modules: [proto_udp, createSl(), signaling, createTm(), createRr(), sipmsgops, ...extraModules, dlg],
    logWriter: (line: string) => {
      logs.push(line);
    },
    shutdownTimeoutMs: 200,
  });
  servers.push(server);
  return { proxyPort: server.sockets[0]!.port, uac, uas, dlg, logs, server };
}

/** The main route of most tests: the talk's snippet for in-dialog requests, dialogs and a per-caller cap for INVITEs. */
const MAIN = `
  if (has_totag()) {
${SNIPPET}
    append_hf("X-Dlg: $DLG_status $DLG_dir\\r\\n");
    t_relay();
    exit;
  }
  if (is_method("INVITE")) {
    get_profile_size("caller", "$fU", $var(n));
    if ($var(n) >= 1) {
      t_reply(486, "Too Many Calls");
      exit;
    }
    create_dialog("B");
    set_dlg_profile("caller", "$fU");
    set_dlg_profile("calls");
    $dlg_val(who) = $fU;
    record_route();
  }
  t_relay();
`;

async function next(p: Peer, ms = 2000): Promise<SipMessage> {
  return parseMessage((await p.next(ms)).data);
}

/** Next message that is not a 100 Trying. */
async function nextNon100(p: Peer, ms = 2000): Promise<SipMessage> {
  for (;;) {
    const m = await next(p, ms);
    if (m.isRequest || m.status !== 100) return m;
  }
}

/** Next message of that Call-ID (retransmissions of earlier calls are skipped). */
async function nextOf(p: Peer, callId: string, pred: (m: SipMessage) => boolean = () => true, ms = 2000): Promise<SipMessage> {
  for (;;) {
    const m = await nextNon100(p, ms);
    if (m.callId() === callId && pred(m)) return m;
  }
}

function invite(e: Env, callId: string, user = 'alice'): string {
  return sipText(`INVITE sip:bob@127.0.0.1:${e.uas.port} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${e.uac.port};branch=z9hG4bK${callId}i;rport
Max-Forwards: 70
From: <sip:${user}@example.com>;tag=a-${callId}
To: <sip:bob@example.com>
Call-ID: ${callId}
CSeq: 1 INVITE
Contact: <sip:${user}@127.0.0.1:${e.uac.port}>
Content-Length: 0

`);
}

interface Call {
  callId: string;
  inv: SipMessage;
  rr: string[];
  did: string;
}

/** INVITE through the proxy, 180 and 200 from the callee; returns what the caller's in-dialog requests need. */
async function answer(e: Env, callId: string, user = 'alice'): Promise<Call> {
  await e.uac.send(invite(e, callId, user), e.proxyPort);
  const inv = await nextNon100(e.uas);
  expect(inv.method).toBe('INVITE');
  const rr = inv.getHeaders('Record-Route');
  const headers: Array<[string, string]> = [...rr.map((v) => ['Record-Route', v] as [string, string]), ['Contact', `<sip:bob@127.0.0.1:${e.uas.port}>`]];
  await e.uas.send(buildReply(inv, 180, 'Ringing', { toTag: `b-${callId}`, headers }), e.proxyPort);
  expect((await nextNon100(e.uac)).status).toBe(180);
  await e.uas.send(buildReply(inv, 200, 'OK', { toTag: `b-${callId}`, headers }), e.proxyPort);
  const ok = await nextNon100(e.uac);
  expect(ok.status).toBe(200);
  const did = /;did=([0-9a-f]+\.[0-9a-f]+)/.exec(ok.getHeaders('Record-Route').join(','))?.[1];
  expect(did).toBeDefined();
  return { callId, inv, rr: ok.getHeaders('Record-Route'), did: did! };
}

function inDialog(e: Env, c: Call, method: string, opts: { cseq?: number; ruri?: string; route?: string; user?: string } = {}): string {
  const user = opts.user ?? 'alice';
  const ruri = opts.ruri ?? `sip:bob@127.0.0.1:${e.uas.port}`;
  const route = opts.route ?? c.rr.join(', ');
  return sipText(`${method} ${ruri} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${e.uac.port};branch=z9hG4bK${c.callId}${method}${opts.cseq ?? 2};rport
Route: ${route}
Max-Forwards: 70
From: <sip:${user}@example.com>;tag=a-${c.callId}
To: <sip:bob@example.com>;tag=b-${c.callId}
Call-ID: ${c.callId}
CSeq: ${method === 'ACK' ? 1 : opts.cseq ?? 2} ${method}
Content-Length: 0

`);
}

const mi = (e: Env, name: string, p: Record<string, string> = {}): unknown => e.dlg.mi!.find((m) => m.name === name || m.aliases?.includes(name))!.handler(p);

describe('dialog over loopback UDP with the talk snippet', () => {
  it('creates the dialog on INVITE and walks 1..5 through 180/200/ACK/BYE; $DLG_status is 4 on the ACK and 5 on the BYE', async () => {
    const e = await start(MAIN);
    await e.uac.send(invite(e, 'c1'), e.proxyPort);
    const inv = await nextNon100(e.uas);
    expect(inv.getHeaders('Record-Route')[0]).toMatch(/;did=[0-9a-f]+\.[0-9a-f]+>$/);
    const list1 = mi(e, 'dlg_list') as { Dialogs: Array<{ state: number }> };
    expect(list1.Dialogs.map((d) => d.state)).toEqual([1]);
    const headers: Array<[string, string]> = [...inv.getHeaders('Record-Route').map((v) => ['Record-Route', v] as [string, string]), ['Contact', `<sip:bob@127.0.0.1:${e.uas.port}>`]];
    await e.uas.send(buildReply(inv, 180, 'Ringing', { toTag: 'b-c1', headers }), e.proxyPort);
    await nextNon100(e.uac);
    expect((mi(e, 'dialog:list') as { Dialogs: Array<{ state: number }> }).Dialogs[0]!.state).toBe(2);
    await e.uas.send(buildReply(inv, 200, 'OK', { toTag: 'b-c1', headers }), e.proxyPort);
    const ok = await nextNon100(e.uac);
    const c: Call = { callId: 'c1', inv, rr: ok.getHeaders('Record-Route'), did: '' };
    expect((mi(e, 'dialog:list') as { Dialogs: Array<{ state: number; CALLEES: Array<{ callee_contact: string }> }> }).Dialogs[0]!.CALLEES[0]!.callee_contact).toBe(`sip:bob@127.0.0.1:${e.uas.port}`);
    expect((mi(e, 'dialog:list') as { Dialogs: Array<{ state: number }> }).Dialogs[0]!.state).toBe(3);

    await e.uac.send(inDialog(e, c, 'ACK'), e.proxyPort);
    const ack = await next(e.uas);
    expect(ack.method).toBe('ACK');
    expect(ack.getHeader('X-Dlg')).toBe('4 downstream');

    await e.uac.send(inDialog(e, c, 'BYE'), e.proxyPort);
    const bye = await nextNon100(e.uas);
    expect(bye.method).toBe('BYE');
    expect(bye.getHeader('X-Dlg')).toBe('5 downstream');
    expect((mi(e, 'dialog:list') as { Dialogs: unknown[] }).Dialogs).toHaveLength(0);
    expect(e.logs.some((l) => l.includes('Invalid in-dialog request'))).toBe(false);
  });

  it('a BYE for an unknown dialog gets no reply and goes nowhere', async () => {
    const e = await start(MAIN);
    const c = await answer(e, 'c2');
    const forged = { ...c, callId: 'nosuch', rr: c.rr.map((r) => r.replace(/did=[0-9a-f.]+/, 'did=abc.123')) };
    await e.uac.send(inDialog(e, forged, 'BYE'), e.proxyPort);
    expect(await e.uac.silentFor(400)).toBe(true);
    expect(await e.uas.silentFor(100)).toBe(true);
    expect(e.logs.some((l) => l.includes('Unknown dialog. Might as well reject'))).toBe(true);
  });

  it('a BYE with a wrong CSeq is logged invalid and sent to the real contact, CSeq unchanged', async () => {
    const e = await start(MAIN);
    const c = await answer(e, 'c3');
    await e.uac.send(inDialog(e, c, 'BYE', { cseq: 1 }), e.proxyPort);
    const bye = await nextNon100(e.uas);
    expect(bye.method).toBe('BYE');
    expect(bye.cseq().seq).toBe(1);
    expect(e.logs.some((l) => l.includes('Invalid in-dialog request'))).toBe(true);
  });

  it('a BYE to a changed remote target is logged invalid and fix_route_dialog sends it to the dialog contact', async () => {
    const e = await start(MAIN);
    const c = await answer(e, 'c4');
    const other = await UdpPeer.open();
    peers.push(other);
    await e.uac.send(inDialog(e, c, 'BYE', { ruri: `sip:bob@127.0.0.1:${other.port}` }), e.proxyPort);
    const bye = await nextNon100(e.uas);
    expect(bye.method).toBe('BYE');
    expect(bye.ruri).toBe(`sip:bob@127.0.0.1:${e.uas.port}`);
    expect(await other.silentFor(200)).toBe(true);
    expect(e.logs.some((l) => l.includes('failed to validate remote contact'))).toBe(true);
    expect(e.logs.some((l) => l.includes('Invalid in-dialog request'))).toBe(true);
  });
});

describe('events and dialog variables', () => {
  it('raises E_DLG_STATE_CHANGED on each transition; $DLG_count, $DLG_lifetime and $dlg_val read back', async () => {
    const e = await start(`
  if (has_totag()) {
    loose_route();
    if (is_method("INFO")) {
      $dlg_val(seen) = "info";
      if (!is_dlg_flag_set("billed")) set_dlg_flag("billed");
      if (test_and_set_dlg_flag("3", 1)) $var(t) = "changed"; else $var(t) = "same";
      if (!test_and_set_dlg_flag("3", 1)) $var(t) = $var(t) + "/same";
      append_to_reply("X-Flags: $DLG_flags $var(t)\r\n");
      t_reply(200, "n=$DLG_count life=$DLG_lifetime who=$dlg_val(who) did=$DLG_did");
      exit;
    }
    t_relay();
    exit;
  }
  create_dialog();
  $dlg_val(who) = $fU;
  record_route();
  t_relay();
}
event_route[E_DLG_STATE_CHANGED] {
  xlog("DLGEV $param(callid) $param(old_state)>$param(new_state)\n");
`);
    const c = await answer(e, 'ev1');
    await e.uac.send(inDialog(e, c, 'ACK'), e.proxyPort);
    await next(e.uas);
    await e.uac.send(inDialog(e, c, 'INFO'), e.proxyPort);
    const info = await nextOf(e.uac, 'ev1');
    expect(info.reason).toBe(`n=1 life=0 who=alice did=${c.did}`);
    expect(info.getHeader('X-Flags')).toBe('9 changed/same');
    expect((mi(e, 'dialog:list') as { Dialogs: Array<{ values: Record<string, string> }> }).Dialogs[0]!.values).toEqual({ who: 'alice', seen: 'info' });
    await e.uac.send(inDialog(e, c, 'BYE', { cseq: 3 }), e.proxyPort);
    await nextOf(e.uas, 'ev1', (m) => m.method === 'BYE');
    await new Promise((r) => setTimeout(r, 200));
    const events = e.logs.filter((l) => l.includes('DLGEV ev1')).map((l) => /(\d>\d)/.exec(l)![1]);
    expect(events).toEqual(['1>2', '2>3', '3>4', '4>5']);
  });
});

describe('validate_dialog codes, match modes', () => {
  const CODES = `
  if (has_totag()) {
    if (!loose_route()) { t_reply(404, "No Route"); exit; }
    if ($DLG_status == NULL) { t_reply(481, "No Dialog"); exit; }
    validate_dialog();
    $var(rc) = $rc;
    append_hf("X-Rc: $var(rc)\\r\\n");
    fix_route_dialog();
    t_relay();
    exit;
  }
  create_dialog();
  record_route();
  t_relay();
`;

  it('-1 for a CSeq not above the last one, -2 for a changed remote target, -3 for a changed route set, 1 when valid', async () => {
    const e = await start(CODES);
    const c = await answer(e, 'v1');
    const rc = async (raw: string): Promise<SipMessage> => {
      await e.uac.send(raw, e.proxyPort);
      return nextNon100(e.uas);
    };
    expect((await rc(inDialog(e, c, 'ACK'))).getHeader('X-Rc')).toBe('1');
    expect((await rc(inDialog(e, c, 'INFO', { cseq: 1 }))).getHeader('X-Rc')).toBe('-1');
    const moved = await rc(inDialog(e, c, 'INFO', { cseq: 5, ruri: 'sip:bob@127.0.0.1:9' }));
    expect(moved.getHeader('X-Rc')).toBe('-2');
    expect(moved.ruri).toBe(`sip:bob@127.0.0.1:${e.uas.port}`);
    // An extra hop after ours: loose_route points $du at it, fix_route_dialog takes the stored (empty) set back.
    const rerouted = await rc(inDialog(e, c, 'INFO', { cseq: 6, route: `${c.rr.join(', ')}, <sip:127.0.0.1:${e.uas.port + 0};lr;x=1>` }));
    expect(rerouted.getHeader('X-Rc')).toBe('-3');
    expect(rerouted.getHeaders('Route')).toEqual([]);
    expect((await rc(inDialog(e, c, 'INFO', { cseq: 7 }))).getHeader('X-Rc')).toBe('1');
  });

  it('a re-INVITE refreshes both targets: the caller Contact from the request, the callee one from its 2xx', async () => {
    const e = await start(CODES);
    const c = await answer(e, 'ri1');
    await e.uac.send(inDialog(e, c, 'ACK'), e.proxyPort);
    await nextOf(e.uas, 'ri1');
    const callee2 = await UdpPeer.open();
    peers.push(callee2);
    const reinvite = inDialog(e, c, 'INVITE', { cseq: 2 }).replace('Content-Length: 0', `Contact: <sip:alice@127.0.0.1:${e.uac.port};new=1>\r\nContent-Length: 0`);
    await e.uac.send(reinvite, e.proxyPort);
    const inv2 = await nextOf(e.uas, 'ri1', (m) => m.method === 'INVITE');
    expect(inv2.getHeader('X-Rc')).toBe('1');
    await e.uas.send(buildReply(inv2, 200, 'OK', { headers: [['Contact', `<sip:bob@127.0.0.1:${callee2.port}>`]] }), e.proxyPort);
    expect((await nextOf(e.uac, 'ri1', (m) => m.status === 200)).status).toBe(200);
    const legs = (mi(e, 'dialog:list') as { Dialogs: Array<{ caller_contact: string; CALLEES: Array<{ callee_contact: string }> }> }).Dialogs[0]!;
    expect(legs.caller_contact).toBe(`sip:alice@127.0.0.1:${e.uac.port};new=1`);
    expect(legs.CALLEES[0]!.callee_contact).toBe(`sip:bob@127.0.0.1:${callee2.port}`);
    // The caller's next request goes to the new callee target and validates.
    await e.uac.send(inDialog(e, c, 'INFO', { cseq: 3, ruri: `sip:bob@127.0.0.1:${callee2.port}` }), e.proxyPort);
    expect((await nextOf(callee2, 'ri1')).getHeader('X-Rc')).toBe('1');
  });

  it('a refused re-INVITE (forged Contact, 488) leaves the stored targets alone', async () => {
    const e = await start(CODES);
    const c = await answer(e, 'rf1');
    await e.uac.send(inDialog(e, c, 'ACK'), e.proxyPort);
    await nextOf(e.uas, 'rf1');
    const before = (mi(e, 'dialog:list') as { Dialogs: Array<{ caller_contact: string }> }).Dialogs[0]!.caller_contact;
    const forged = inDialog(e, c, 'INVITE', { cseq: 2 }).replace('Content-Length: 0', 'Contact: <sip:attacker@127.0.0.1:9>\r\nContent-Length: 0');
    await e.uac.send(forged, e.proxyPort);
    const inv2 = await nextOf(e.uas, 'rf1', (m) => m.method === 'INVITE');
    await e.uas.send(buildReply(inv2, 488, 'Not Acceptable Here'), e.proxyPort);
    expect((await nextOf(e.uac, 'rf1', (m) => m.status === 488)).status).toBe(488);
    const after = (mi(e, 'dialog:list') as { Dialogs: Array<{ caller_contact: string }> }).Dialogs[0]!.caller_contact;
    expect(after).toBe(before);
    expect(after).not.toMatch(/attacker/);
  });

  it('keeps the route set toward the callee from the 200 and fix_route_dialog puts it back', async () => {
    const e = await start(CODES);
    await e.uac.send(invite(e, 'rs1'), e.proxyPort);
    const inv = await nextOf(e.uas, 'rs1');
    const hop = `<sip:127.0.0.1:${e.uas.port};lr;hop=2>`;
    const headers: Array<[string, string]> = [['Record-Route', hop], ...inv.getHeaders('Record-Route').map((v) => ['Record-Route', v] as [string, string]), ['Contact', `<sip:bob@127.0.0.1:${e.uas.port}>`]];
    await e.uas.send(buildReply(inv, 200, 'OK', { toTag: 'b-rs1', headers }), e.proxyPort);
    const ok = await nextOf(e.uac, 'rs1');
    const routeSet = [...ok.getHeaders('Record-Route')].reverse();
    expect(routeSet[1]).toBe(hop);
    const c: Call = { callId: 'rs1', inv, rr: routeSet, did: '' };
    const good = await (async () => {
      await e.uac.send(inDialog(e, c, 'ACK'), e.proxyPort);
      return nextOf(e.uas, 'rs1');
    })();
    expect(good.getHeader('X-Rc')).toBe('1');
    expect(good.getHeaders('Route')).toEqual([hop]);
    // Without the callee-side hop: -3, and fix_route_dialog restores it (Route header and next hop).
    await e.uac.send(inDialog(e, { ...c, rr: [routeSet[0]!] }, 'INFO', { cseq: 2 }), e.proxyPort);
    const fixed = await nextOf(e.uas, 'rs1');
    expect(fixed.getHeader('X-Rc')).toBe('-3');
    expect(fixed.getHeaders('Route')).toEqual([hop]);
    expect(fixed.ruri).toBe(`sip:bob@127.0.0.1:${e.uas.port}`);
  });

  it('matches by did, and by Call-ID and tags when the did is gone (mode did_fallback) but not in did_only', async () => {
    const e = await start(`
  if (has_totag()) {
    if (is_method("INFO")) { if (match_dialog("did_only")) $var(m) = "did"; else $var(m) = "none"; }
    else if (match_dialog()) $var(m) = "found"; else $var(m) = "none";
    t_reply(200, "$var(m) $DLG_did");
    exit;
  }
  create_dialog();
  record_route();
  t_relay();
`);
    const c = await answer(e, 'm1');
    const noDid = { ...c, rr: [`<sip:127.0.0.1:${e.proxyPort};lr>`] };
    await e.uac.send(inDialog(e, c, 'OPTIONS'), e.proxyPort);
    expect((await nextNon100(e.uac)).reason).toBe(`found ${c.did}`);
    await e.uac.send(inDialog(e, noDid, 'OPTIONS', { cseq: 3 }), e.proxyPort);
    expect((await nextNon100(e.uac)).reason).toBe(`found ${c.did}`);
    await e.uac.send(inDialog(e, noDid, 'INFO', { cseq: 4 }), e.proxyPort);
    expect((await nextNon100(e.uac)).reason).toBe('none <null>');
    await e.uac.send(inDialog(e, c, 'INFO', { cseq: 5 }), e.proxyPort);
    expect((await nextNon100(e.uac)).reason).toBe(`did ${c.did}`);
  });

  it('refuses OPTIONS/re-INVITE pinging flags at load instead of ignoring them', async () => {
    const errorsOf = async (body: string): Promise<string> => {
      try {
        await start(body);
      } catch (err) {
        return String((err as { report?: unknown }).report ?? err);
      }
      return 'started';
    };
    expect(await errorsOf('create_dialog("P"); t_relay();')).toMatch(/OPTIONS pinging.*not supported/);
    expect(await errorsOf('create_dialog("reinvite-ping-caller"); t_relay();')).toMatch(/re-INVITE pinging.*not supported/);
    expect(await errorsOf('create_dialog("B"); t_relay();')).toBe('started');
  });
});

describe('dialog profiles', () => {
  it('caps concurrent calls per caller and frees the slot on BYE, on a failed call and on a cancelled call', async () => {
    const e = await start(MAIN);
    const size = (): unknown => (mi(e, 'dialog:profile_get_size', { profile: 'caller', value: 'alice' }) as { Profile: { count: number } }).Profile.count;
    const c = await answer(e, 'p1');
    expect(size()).toBe(1);
    expect((mi(e, 'profile_get_size', { profile: 'calls' }) as { Profile: { count: number } }).Profile.count).toBe(1);
    expect((mi(e, 'profile_list_dlgs', { profile: 'caller', value: 'alice' }) as { Dialogs: Array<{ callid: string; values: Record<string, string> }> }).Dialogs.map((d) => [d.callid, d.values['who']])).toEqual([['p1', 'alice']]);
    // A second call from alice is refused while the first is up.
    await e.uac.send(invite(e, 'p2'), e.proxyPort);
    expect((await nextNon100(e.uac)).status).toBe(486);
    await e.uac.send(inDialog(e, c, 'BYE'), e.proxyPort);
    const bye = await nextNon100(e.uas);
    await e.uas.send(buildReply(bye, 200, 'OK'), e.proxyPort);
    expect((await nextNon100(e.uac)).status).toBe(200);
    expect(size()).toBe(0);

    // Failed call: 486 from the callee frees the slot.
    await e.uac.send(invite(e, 'p3'), e.proxyPort);
    const inv3 = await nextOf(e.uas, 'p3');
    expect(size()).toBe(1);
    await e.uas.send(buildReply(inv3, 486, 'Busy', { toTag: 'b3' }), e.proxyPort);
    expect((await nextOf(e.uac, 'p3')).status).toBe(486);
    expect(size()).toBe(0);

    // Cancelled call.
    await e.uac.send(invite(e, 'p4'), e.proxyPort);
    const inv4 = await nextOf(e.uas, 'p4');
    await e.uas.send(buildReply(inv4, 180, 'Ringing', { toTag: 'b4' }), e.proxyPort);
    await nextOf(e.uac, 'p4');
    expect(size()).toBe(1);
    await e.uac.send(sipText(`CANCEL sip:bob@127.0.0.1:${e.uas.port} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${e.uac.port};branch=z9hG4bKp4i;rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a-p4
To: <sip:bob@example.com>
Call-ID: p4
CSeq: 1 CANCEL
Content-Length: 0

`), e.proxyPort);
    const cancel = await nextOf(e.uas, 'p4', (m) => m.method !== 'INVITE');
    expect(cancel.method).toBe('CANCEL');
    await e.uas.send(buildReply(cancel, 200, 'OK', { toTag: 'b4' }), e.proxyPort);
    await e.uas.send(buildReply(inv4, 487, 'Request Terminated', { toTag: 'b4' }), e.proxyPort);
    await nextOf(e.uac, 'p4', (m) => m.status === 487);
    expect(size()).toBe(0);
    expect((mi(e, 'dialog:list') as { Dialogs: unknown[] }).Dialogs).toHaveLength(0);
  });

  it('forgets a dialog whose INVITE the script refused statelessly or dropped (no transaction), keeps one relayed', async () => {
    // the INVITE of Call-ID "refuse-*" gets a stateless 403, "drop-*" nothing, the others are relayed
    const e = await start(`
  if (is_method("INVITE")) {
    create_dialog();
    set_dlg_profile("caller", "$fU");
    if ($ci =~ "^refuse") {
      send_reply(403, "Fraud suspected");
      exit;
    }
    if ($ci =~ "^drop")
      exit;
    record_route();
  }
  t_relay();
`);
    const size = (): unknown => (mi(e, 'dialog:profile_get_size', { profile: 'caller', value: 'alice' }) as { Profile: { count: number } }).Profile.count;
    await e.uac.send(invite(e, 'refuse-1'), e.proxyPort);
    expect((await nextOf(e.uac, 'refuse-1')).status).toBe(403);
    expect(size()).toBe(0);
    expect((mi(e, 'dialog:list') as { Dialogs: unknown[] }).Dialogs).toHaveLength(0);

    await e.uac.send(invite(e, 'drop-1'), e.proxyPort);
    // the relayed call after it shows the dropped INVITE was processed (one UDP worker, in order)
    await e.uac.send(invite(e, 'kept-1'), e.proxyPort);
    expect((await nextOf(e.uas, 'kept-1')).method).toBe('INVITE');
    expect((mi(e, 'dialog:list') as { Dialogs: Array<{ callid: string }> }).Dialogs.map((d) => d.callid)).toEqual(['kept-1']);
    expect(size()).toBe(1);
  });
});

describe('dialog lifetime, MI end, persistence', () => {
  it('default_timeout with B sends BYE to both sides and deletes the dialog', async () => {
    const e = await start(MAIN, 'modparam("dialog", "default_timeout", 1)');
    const c = await answer(e, 't1');
    await e.uac.send(inDialog(e, c, 'ACK'), e.proxyPort);
    await next(e.uas);
    const [toCaller, toCallee] = await Promise.all([next(e.uac, 3000), next(e.uas, 3000)]);
    for (const [bye, peer] of [[toCaller, e.uac], [toCallee, e.uas]] as const) {
      expect(bye.method).toBe('BYE');
      expect(bye.callId()).toBe('t1');
      await peer.send(buildReply(bye, 200, 'OK'), e.proxyPort);
    }
    expect(toCaller.ruri).toBe(`sip:alice@127.0.0.1:${e.uac.port}`);
    expect(toCaller.from().tag).toBe('b-t1');
    expect(toCaller.to().tag).toBe('a-t1');
    expect(toCallee.ruri).toBe(`sip:bob@127.0.0.1:${e.uas.port}`);
    expect(toCallee.from().tag).toBe('a-t1');
    expect(toCallee.cseq().seq).toBe(2);
    expect((mi(e, 'dialog:list') as { Dialogs: unknown[] }).Dialogs).toHaveLength(0);
    // The 200s were absorbed: neither peer sees them come back.
    expect(await e.uac.silentFor(200)).toBe(true);
    expect(await e.uas.silentFor(100)).toBe(true);
  });

  it('default_timeout without B just forgets the dialog, sending nothing', async () => {
    const e = await start(`
  if (has_totag()) { loose_route(); t_relay(); exit; }
  create_dialog();
  record_route();
  t_relay();
`, 'modparam("dialog", "default_timeout", 1)');
    const c = await answer(e, 't2');
    await e.uac.send(inDialog(e, c, 'ACK'), e.proxyPort);
    await next(e.uas);
    expect((mi(e, 'dialog:list') as { Dialogs: unknown[] }).Dialogs).toHaveLength(1);
    expect(await e.uac.silentFor(1400)).toBe(true);
    expect(await e.uas.silentFor(50)).toBe(true);
    expect((mi(e, 'dialog:list') as { Dialogs: unknown[] }).Dialogs).toHaveLength(0);
  });

  it('dlg_on_answer, dlg_on_timeout (which may extend the lifetime) and dlg_on_hangup routes run', async () => {
    const e = await start(`
  if (has_totag()) { loose_route(); t_relay(); exit; }
  create_dialog("B");
  dlg_on_answer("ans");
  dlg_on_timeout("tmo");
  dlg_on_hangup("hup");
  record_route();
  t_relay();
}
route[ans] {
  xlog("ANSWER $DLG_status $ci\n");
}
route[tmo] {
  xlog("TIMEOUT $DLG_status\n");
  if ($dlg_val(ext) == NULL) {
    $dlg_val(ext) = "1";
    $DLG_timeout = 1;
  }
}
route[hup] {
  xlog("HANGUP $DLG_end_reason\n");
`, 'modparam("dialog", "default_timeout", 1)');
    const c = await answer(e, 'rt1');
    await e.uac.send(inDialog(e, c, 'ACK'), e.proxyPort);
    await next(e.uas);
    const t0 = Date.now();
    const [a, b] = await Promise.all([nextOf(e.uac, 'rt1', (m) => m.method === 'BYE', 5000), nextOf(e.uas, 'rt1', (m) => m.method === 'BYE', 5000)]);
    // One extension of 1 s: the BYEs come after about 2 s, not 1.
    expect(Date.now() - t0).toBeGreaterThan(1500);
    await e.uac.send(buildReply(a, 200, 'OK'), e.proxyPort);
    await e.uas.send(buildReply(b, 200, 'OK'), e.proxyPort);
    await new Promise((r) => setTimeout(r, 200));
    const lines = e.logs.filter((l) => /ANSWER|TIMEOUT|HANGUP/.test(l)).map((l) => /(ANSWER.*|TIMEOUT.*|HANGUP.*)/.exec(l)![1]);
    expect(lines).toEqual(['ANSWER 3 rt1', 'TIMEOUT 4', 'TIMEOUT 4', 'HANGUP Lifetime Timeout']);
  });

  it('dlg_end_dlg ends a confirmed dialog with BYEs', async () => {
    const e = await start(MAIN);
    const c = await answer(e, 'e1');
    const id = (mi(e, 'dialog:list') as { Dialogs: Array<{ ID: string }> }).Dialogs[0]!.ID;
    const done = mi(e, 'dlg_end_dlg', { dialog_id: id }) as Promise<string>;
    const [a, b] = await Promise.all([next(e.uac), next(e.uas)]);
    expect([a.method, b.method]).toEqual(['BYE', 'BYE']);
    await e.uac.send(buildReply(a, 200, 'OK'), e.proxyPort);
    await e.uas.send(buildReply(b, 200, 'OK'), e.proxyPort);
    expect(await done).toBe('OK');
    expect(c.did).not.toBe('');
    await expect(Promise.resolve().then(() => mi(e, 'dlg_end_dlg', { dialog_id: id }))).rejects.toThrow(/No such dialog/);
  });

  it('db_mode 3 writes the dialogs at shutdown only and loads them back', async () => {
    const m = new DbManager(tmpDir);
    m.registerDriver(new SqliteDriver());
    const conn = (await m.open('sqlite://dlg3.db')) as DbConnection;
    await createSchema(conn, selectTables(['dialog']));
    const url = `sqlite://${path.join(tmpDir, 'dlg3.db')}`;
    const params = `modparam("dialog", "db_mode", 3)\nmodparam("dialog", "db_url", "${url}")`;
    const e1 = await start(MAIN, params, undefined, [createDbSqlite()]);
    const c = await answer(e1, 's3');
    await e1.uac.send(inDialog(e1, c, 'ACK'), e1.proxyPort);
    await next(e1.uas);
    expect(await conn.query('dialog')).toEqual([]);
    await e1.server.stop();
    servers.splice(servers.indexOf(e1.server), 1);
    const rows = (await conn.query('dialog')) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r['callid'], r['state'], r['from_tag'], r['to_tag'], r['profiles']])).toEqual([['s3', 4, 'a-s3', 'b-s3', 'caller#alice;calls#']]);
    await conn.close();
    const e2 = await start(MAIN, params, { uac: e1.uac, uas: e1.uas }, [createDbSqlite()]);
    const list = (mi(e2, 'dialog:list') as { Dialogs: Array<{ callid: string; did: string; values: Record<string, string> }> }).Dialogs;
    expect(list.map((d) => [d.callid, d.did, d.values])).toEqual([['s3', c.did, { who: 'alice' }]]);
  });

  it('db_mode 1 keeps confirmed dialogs across a restart: the BYE after restart still matches', async () => {
    const m = new DbManager(tmpDir);
    m.registerDriver(new SqliteDriver());
    const conn = (await m.open('sqlite://dlg.db')) as DbConnection;
    await createSchema(conn, selectTables(['dialog']));
    await conn.close();
    const url = `sqlite://${path.join(tmpDir, 'dlg.db')}`;
    const params = `modparam("dialog", "db_mode", 1)\nmodparam("dialog", "db_url", "${url}")`;
    const e1 = await start(MAIN, params, undefined, [createDbSqlite()]);
    const c = await answer(e1, 'r1');
    await e1.uac.send(inDialog(e1, c, 'ACK'), e1.proxyPort);
    await next(e1.uas);
    await new Promise((r) => setTimeout(r, 200));
    await e1.server.stop();
    servers.splice(servers.indexOf(e1.server), 1);

    const e2 = await start(MAIN, params, { uac: e1.uac, uas: e1.uas }, [createDbSqlite()]);
    const list = (mi(e2, 'dialog:list') as { Dialogs: Array<{ callid: string; state: number; did: string }> }).Dialogs;
    expect(list.map((d) => [d.callid, d.state, d.did])).toEqual([['r1', 4, c.did]]);
    expect((mi(e2, 'profile_get_size', { profile: 'caller', value: 'alice' }) as { Profile: { count: number } }).Profile.count).toBe(1);
    // The proxy restarted on a new port: the caller's Route names the new one with the same did.
    const rr = c.rr.map((r) => r.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${e2.proxyPort}`));
    await e2.uac.send(inDialog(e2, { ...c, rr }, 'BYE'), e2.proxyPort);
    const bye = await nextNon100(e2.uas);
    expect(bye.getHeader('X-Dlg')).toBe('5 downstream');
    await new Promise((r) => setTimeout(r, 200));
    const m2 = new DbManager(tmpDir);
    m2.registerDriver(new SqliteDriver());
    const c2 = (await m2.open(url)) as DbConnection;
    expect(await c2.query('dialog')).toEqual([]);
    await c2.close();
  });
});
