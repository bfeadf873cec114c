import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BLACKLISTS, CORE, coreTesting, createSchema, selectTables, SipServer, type DbConnection, type SipCoreApi } from '@tsips/core';
import { BlacklistStore, createModuleRegistry, ScriptTestKit, Services, type ModuleExports, type RunOutcome, type ScriptValue } from '@tsips/script';
import { buildReply, parseMessage } from '@tsips/sip';
import { createDbSqlite } from '../db_sqlite';
import { proto_udp } from '../proto_udp';
import { signaling } from '../signaling';
import { sl } from '../sl';
import { createTm } from '../tm';
import { createDrouting, DrMiError, type DroutingModule, type RoutingState, type RoutingStateStore } from './index';
import { parseTimeRec, timeRecMatches } from './timerec';

let dir: string;
let url: string;
let now: number;
const clock = { now: () => now, sleep: async () => undefined };

const withDb = <T>(fn: (db: DbConnection) => Promise<T> | T): Promise<T> => coreTesting.withSqlite(dir, url, fn);

const gw = (gwid: string, type: number, address: string, extra: Record<string, string | number> = {}) => ({ gwid, type, address, ...extra });

beforeEach(async () => {
  now = Date.UTC(2026, 0, 5, 12, 0, 0); // a Monday, 12:00 UTC
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-drouting-'));
  url = `sqlite://${path.join(dir, 'dr.db')}`;
  await withDb(async (db) => {
    await createSchema(db, selectTables(['drouting']));
    for (const g of [
      gw('gw1', 0, '10.0.0.1:5060', { attrs: 'gw1-attrs' }),
      gw('gw2', 0, '10.0.0.2', { pri_prefix: '99' }),
      gw('gw3', 1, 'sip:10.0.0.3:5070;transport=tcp', { strip: 2 }),
      gw('gw4', 0, '[2001:db8::4]:5080'),
    ]) await db.insert('dr_gateways', g);
    await db.insert('dr_carriers', { carrierid: 'cr1', gwlist: 'gw3', attrs: 'cr1-attrs' });
    const rule = (groupid: string, prefix: string, gwlist: string, extra: Record<string, string | number> = {}) => db.insert('dr_rules', { groupid, prefix, gwlist, ...extra });
    await rule('1', '40', 'gw1,gw2', { attrs: 'r-40' });
    await rule('1', '4021', '#cr1', { attrs: 'r-4021' });
    await rule('2', '40', 'gw2');
    await rule('1', '', 'gw4', { attrs: 'r-default' });
    // Group 3: an office-hours rule (08:00-18:00 UTC, Monday to Friday) over an always rule.
    await rule('3', '1', 'gw1', { priority: 10, timerec: 'UTC|20260101T080000||PT10H|weekly|||MO,TU,WE,TH,FR', attrs: 'office' });
    await rule('3', '1', 'gw2', { priority: 0, attrs: 'always' });
    // Group 4: fallback from a rule whose gateways fail to a shorter prefix.
    await rule('4', '55', 'gw1');
    await rule('4', '5', 'gw2');
    await db.insert('dr_groups', { username: 'alice', domain: 'example.com', groupid: 2 });
  });
});

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  fs.rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = (extra = '') => `
loadmodule "signaling.so"
loadmodule "db_sqlite.so"
loadmodule "drouting.so"
modparam("drouting", "db_url", "${url}")
modparam("drouting", "define_blacklist", 'gws= 0')
modparam("drouting", "define_blacklist", 'tcpgws= 1')
modparam("drouting", "probing_interval", 0)
modparam("drouting", "rule_id_avp", "$avp(rule)")
modparam("drouting", "carrier_id_avp", "$avp(carrier)")
${extra}
route {
  do_routing($hdr(X-Group), "", "", $var(ra), $var(ga), $var(ca));
  $var(rc) = $retcode;
}
route[flags] {
  do_routing($hdr(X-Group), "");
  $var(rc) = $retcode;
  $var(u1) = $ru;
  use_next_gw();
  $var(rc2) = $retcode;
  $var(u2) = $ru;
}
route[flagsF] {
  do_routing($hdr(X-Group), "F");
  $var(rc) = $retcode;
  $var(u1) = $ru;
  use_next_gw();
  $var(rc2) = $retcode;
  $var(u2) = $ru;
}
route[flagsL] {
  do_routing($hdr(X-Group), "L");
  $var(rc) = $retcode;
  $var(u1) = $ru;
  use_next_gw();
  $var(rc2) = $retcode;
  $var(u2) = $ru;
}
route[nogroup] {
  do_routing();
  $var(rc) = $retcode;
}
route[fonly] {
  do_routing($hdr(X-Group), "F");
}
route[wl] {
  do_routing(1, "", "gw2");
  $var(rc) = $retcode;
}
failure_route[fo] {
  use_next_gw(, $var(ga));
  $var(rc) = $retcode;
}
route[check] {
  do_routing(1, "C", "", $var(ra));
  $var(rc) = $retcode;
}
route[gw] {
  route_to_gw("gw3,gw2", $var(ga));
  $var(rc) = $retcode;
  $var(u1) = $ru;
  use_next_gw();
  $var(u2) = $ru;
  use_next_gw();
  $var(rc3) = $retcode;
}
route[carrier] {
  route_to_carrier("cr1", $var(ga), $var(ca));
  $var(rc) = $retcode;
}
route[from] {
  is_from_gw(); $var(any) = $retcode;
  is_from_gw(1); $var(t1) = $retcode;
  is_from_gw(0); $var(t0) = $retcode;
  is_from_gw(1, "n"); $var(t1n) = $retcode;
  is_from_gw(1, "r"); $var(t1r) = $retcode;
  is_from_gw(1, "sic", $var(ga), $var(ca)); $var(t1sic) = $retcode;
}
route[to] {
  goes_to_gw(0); $var(g0) = $retcode;
  goes_to_gw(1); $var(g1) = $retcode;
  $du = "sip:10.0.0.3:5070;transport=tcp";
  goes_to_gw(1, "r"); $var(g1du) = $retcode;
  dr_is_gw("sip:10.0.0.2", 0); $var(i2) = $retcode;
  dr_is_gw("sip:10.0.0.2:5062", 0); $var(i2p) = $retcode;
  dr_is_gw("sip:10.0.0.2:5062", 0, "n"); $var(i2n) = $retcode;
  dr_is_gw("sip:x@[2001:db8::4]:5080"); $var(i4) = $retcode;
  dr_is_gw("sip:[2001:0db8:0:0::0004]:5080"); $var(i4long) = $retcode;
  dr_is_gw("sip:10.0.0.3:5070", 0); $var(i3) = $retcode;
  dr_is_gw("sip:10.0.0.9"); $var(i9) = $retcode;
}
route[dis] {
  do_routing(1);
  dr_disable();
  $var(rc) = $retcode;
}
`;

const INVITE = (user: string, headers: Record<string, string> = {}, fromUser = 'bob') => `
INVITE sip:${user}@proxy.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-dr1
From: <sip:${fromUser}@example.com>;tag=f1
To: <sip:${user}@proxy.example.com>
Call-ID: dr-call-${user}
CSeq: 1 INVITE
Max-Forwards: 70
${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n')}
Content-Length: 0
`;

interface Kit {
  kit: ScriptTestKit;
  dr: DroutingModule;
  events: Array<{ name: string; params: Record<string, ScriptValue> }>;
  run(msg: string, route?: string | null, opts?: { type?: 'request' | 'failure'; rcv?: Record<string, unknown> }): Promise<RunOutcome>;
  mi(name: string, params?: Record<string, string>): Promise<unknown>;
}

async function server(extra = '', store?: RoutingStateStore, bl?: { cur: BlacklistStore | undefined }): Promise<Kit> {
  const dr = createDrouting();
  if (store !== undefined) dr.useStateStore(store);
  const mods: ModuleExports[] = [createDbSqlite(), dr];
  const kit = ScriptTestKit.fromText(SCRIPT(extra), createModuleRegistry([signaling, ...mods]), { clock });
  if (kit.diagnostics.some((d) => d.severity === 'error')) throw new Error(kit.formattedDiagnostics());
  kit.script.applyModparams();
  const events: Kit['events'] = [];
  const services = new Services();
  services.provide(BLACKLISTS, { current: () => bl?.cur ?? kit.script.tables.blacklists });
  services.provide(CORE, { raiseEvent: (name: string, params: Record<string, ScriptValue>) => events.push({ name, params }) } as unknown as SipCoreApi);
  for (const m of mods) await m.init?.({ services, log: () => undefined });
  stops.push(async () => {
    for (const m of [...mods].reverse()) await m.destroy?.();
  });
  return {
    kit,
    dr,
    events,
    run: (msg, route = null, opts = {}) => kit.run(msg, { route: { type: opts.type ?? 'request', name: route }, rcv: opts.rcv as never }),
    mi: async (name, params = {}) => dr.mi!.find((m) => m.name === name || m.aliases?.includes(name))!.handler(params),
  };
}

describe('do_routing', () => {
  it('picks the rule of the longest prefix in the group and rewrites the Request-URI to its first gateway', async () => {
    const s = await server();
    let r = await s.run(INVITE('4031234', { 'X-Group': '1' }));
    expect(r.vars).toMatchObject({ rc: 1, ra: 'r-40', ga: 'gw1-attrs', ca: '' });
    expect(r.ruri).toBe('sip:4031234@10.0.0.1:5060');
    expect(r.avps.___dr_gw_id__).toEqual(['gw1']);
    expect(r.avps.rule).toEqual([1]);
    // Longer prefix 4021: the carrier's gateway, with its strip of 2 digits.
    r = await s.run(INVITE('4021555', { 'X-Group': '1' }));
    expect(r.vars).toMatchObject({ rc: 1, ra: 'r-4021', ca: 'cr1-attrs' });
    expect(r.ruri).toBe('sip:21555@10.0.0.3:5070;transport=tcp');
    expect(r.avps.carrier).toEqual(['cr1']);
    // Group 2 has its own rule for 40: gw2 with its pri_prefix 99.
    r = await s.run(INVITE('4031234', { 'X-Group': '2' }));
    expect(r.ruri).toBe('sip:994031234@10.0.0.2');
    // No prefix matches: the default (empty prefix) rule of group 1.
    r = await s.run(INVITE('7777', { 'X-Group': '1' }));
    expect(r.vars).toMatchObject({ rc: 1, ra: 'r-default' });
    expect(r.ruri).toBe('sip:7777@[2001:db8::4]:5080');
    // The Request-URI's password, parameters and headers stay (OpenSIPS build_ruri).
    r = await s.run(INVITE('4021555', { 'X-Group': '1' }).replace('sip:4021555@proxy.example.com SIP', 'sip:4021555:pw@proxy.example.com;user=phone SIP'));
    expect(r.ruri).toBe('sip:21555:pw@10.0.0.3:5070;transport=tcp;user=phone');
    // Group 2 has no default rule: -1, Request-URI untouched.
    r = await s.run(INVITE('7777', { 'X-Group': '2' }));
    expect(r.vars.rc).toBe(-1);
    expect(r.ruri).toBe('sip:7777@proxy.example.com');
  });

  it('without a group uses the caller group from dr_groups (From user and domain), else default_group', async () => {
    let s = await server();
    let r = await s.run(INVITE('4031234', {}, 'alice'), 'nogroup');
    expect(r.ruri).toBe('sip:994031234@10.0.0.2');
    r = await s.run(INVITE('4031234', {}, 'carol'), 'nogroup');
    expect(r.vars.rc).toBe(-1);
    s = await server('modparam("drouting", "default_group", 1)');
    r = await s.run(INVITE('4031234', {}, 'carol'), 'nogroup');
    expect(r.ruri).toBe('sip:4031234@10.0.0.1:5060');
  });

  it('time recurrence: the office-hours rule wins in its window, the lower-priority one outside it', async () => {
    const s = await server();
    let r = await s.run(INVITE('123', { 'X-Group': '3' }));
    expect(r.vars.ra).toBe('office');
    expect(r.ruri).toBe('sip:123@10.0.0.1:5060');
    now = Date.UTC(2026, 0, 5, 19, 0, 0); // Monday 19:00
    r = await s.run(INVITE('123', { 'X-Group': '3' }));
    expect(r.vars.ra).toBe('always');
    now = Date.UTC(2026, 0, 10, 12, 0, 0); // Saturday noon
    r = await s.run(INVITE('123', { 'X-Group': '3' }));
    expect(r.vars.ra).toBe('always');
  });

  it('use_next_gw moves to the next gateway of the rule, then fails; F falls back to a shorter prefix', async () => {
    const s = await server();
    let r = await s.run(INVITE('4031234', { 'X-Group': '1' }), 'flags');
    expect(r.vars).toMatchObject({ rc: 1, u1: 'sip:4031234@10.0.0.1:5060', rc2: 1, u2: 'sip:994031234@10.0.0.2' });
    r = await s.run(INVITE('551', { 'X-Group': '4' }), 'flags');
    expect(r.vars).toMatchObject({ rc: 1, u1: 'sip:551@10.0.0.1:5060', rc2: -1, u2: 'sip:551@10.0.0.1:5060' });
    r = await s.run(INVITE('551', { 'X-Group': '4' }), 'flagsF');
    expect(r.vars).toMatchObject({ rc: 1, u1: 'sip:551@10.0.0.1:5060', rc2: 1, u2: 'sip:99551@10.0.0.2' });
    // L: only a prefix as long as the number.
    r = await s.run(INVITE('551', { 'X-Group': '4' }), 'flagsL');
    expect(r.vars.rc).toBe(-1);
    r = await s.run(INVITE('55', { 'X-Group': '4' }), 'flagsL');
    expect(r.vars).toMatchObject({ rc: 1, u1: 'sip:55@10.0.0.1:5060' });
  });

  it('use_next_gw in failure_route continues from what do_routing left for the same request', async () => {
    const s = await server();
    const msg = INVITE('4031234', { 'X-Group': '1' });
    const first = await s.run(msg);
    expect(first.ruri).toBe('sip:4031234@10.0.0.1:5060');
    // failure_route sees a copy of the request whose Request-URI is the failed branch's.
    const failed = msg.replace('INVITE sip:4031234@proxy.example.com', 'INVITE sip:4031234@10.0.0.1:5060');
    let r = await s.run(failed, 'fo', { type: 'failure' });
    expect(r.vars).toMatchObject({ rc: 1 });
    expect(r.ruri).toBe('sip:994031234@10.0.0.2');
    expect(r.avps.___dr_gw_id__).toEqual(['gw2']);
    r = await s.run(failed, 'fo', { type: 'failure' });
    expect(r.vars.rc).toBe(-1);
    // Another call has no routing state.
    r = await s.run(failed.replace('dr-call-4031234', 'other-call'), 'fo', { type: 'failure' });
    expect(r.vars.rc).toBe(-1);
  });

  it('the failover state is plain data: a store that keeps JSON copies (a shared backend) works the same', async () => {
    const kept = new Map<string, string>();
    const store: RoutingStateStore = {
      get: (k) => (kept.has(k) ? (JSON.parse(kept.get(k)!) as RoutingState) : undefined),
      set: (k, st) => void kept.set(k, JSON.stringify(st)),
      sweep: () => undefined,
      clear: () => kept.clear(),
    };
    const s = await server('', store);
    const msg = INVITE('551', { 'X-Group': '4' });
    const first = await s.run(msg, 'fonly');
    expect(first.ruri).toBe('sip:551@10.0.0.1:5060');
    expect(kept.size).toBe(1);
    expect(JSON.parse([...kept.values()][0]!)).toMatchObject({ user: '551', next: [], match: { depth: 2, index: 0 }, group: 4, fallback: true });
    // A fresh failure_route run finds it through the store only: F falls back to prefix 5 (gw2).
    const failed = msg.replace('INVITE sip:551@proxy.example.com', 'INVITE sip:551@10.0.0.1:5060');
    let r = await s.run(failed, 'fo', { type: 'failure' });
    expect(r.vars.rc).toBe(1);
    expect(r.ruri).toBe('sip:99551@10.0.0.2');
    expect(JSON.parse([...kept.values()][0]!)).toMatchObject({ match: { depth: 1, index: 0 } });
    r = await s.run(failed, 'fo', { type: 'failure' });
    expect(r.vars.rc).toBe(-1);
  });

  it('a gateway whitelist keeps only the listed gateways; C only checks (no rewrite)', async () => {
    const s = await server();
    let r = await s.run(INVITE('4031234'), 'wl');
    expect(r.ruri).toBe('sip:994031234@10.0.0.2');
    r = await s.run(INVITE('4031234'), 'check');
    expect(r.vars).toMatchObject({ rc: 1, ra: 'r-40' });
    expect(r.ruri).toBe('sip:4031234@proxy.example.com');
  });

  it('route_to_gw / route_to_carrier route to listed gateways; disabled ones are skipped', async () => {
    const s = await server();
    let r = await s.run(INVITE('4031234'), 'gw');
    expect(r.vars).toMatchObject({ rc: 1, u1: 'sip:31234@10.0.0.3:5070;transport=tcp', u2: 'sip:994031234@10.0.0.2', rc3: -1 });
    r = await s.run(INVITE('4031234'), 'carrier');
    expect(r.vars).toMatchObject({ rc: 1, ca: 'cr1-attrs' });
    expect(r.ruri).toBe('sip:31234@10.0.0.3:5070;transport=tcp');
    expect(await s.mi('dr_gw_status', { gw_id: 'gw3', status: '0' })).toBe('OK');
    r = await s.run(INVITE('4031234'), 'gw');
    expect(r.vars).toMatchObject({ rc: 1, u1: 'sip:994031234@10.0.0.2' });
    r = await s.run(INVITE('4031234'), 'carrier');
    expect(r.vars.rc).toBe(-1);
  });
});

describe('gateway matching', () => {
  it('is_from_gw matches the source address by type, port (n ignores it) and protocol (r); s/i/c act on a match', async () => {
    const s = await server('modparam("drouting", "gw_id_avp", "$avp(gwid)")');
    let r = await s.run(INVITE('4031234'), 'from', { rcv: { srcIp: '10.0.0.3', srcPort: 5070, proto: 'tcp' } });
    expect(r.vars).toMatchObject({ any: 1, t1: 1, t0: -1, t1n: 1, t1r: 1, t1sic: 1, ga: '', ca: 'cr1-attrs' });
    expect(r.ruri).toBe('sip:31234@proxy.example.com');
    expect(r.avps).toMatchObject({ gwid: ['gw3'], carrier: ['cr1'] });
    r = await s.run(INVITE('4031234'), 'from', { rcv: { srcIp: '10.0.0.3', srcPort: 5999, proto: 'udp' } });
    expect(r.vars).toMatchObject({ any: -1, t1: -1, t0: -1, t1n: 1, t1sic: -1 });
    r = await s.run(INVITE('4031234'), 'from', { rcv: { srcIp: '10.0.0.3', srcPort: 5070, proto: 'udp' } });
    expect(r.vars).toMatchObject({ t1: 1, t1r: -1 });
  });

  it('goes_to_gw reads $du or the Request-URI; dr_is_gw checks a given URI', async () => {
    const s = await server();
    const r = await s.run(INVITE('4031234').replace('sip:4031234@proxy.example.com SIP', 'sip:4031234@10.0.0.1 SIP'), 'to');
    expect(r.vars).toMatchObject({ g0: 1, g1: -1, g1du: 1, i2: 1, i2p: -1, i2n: 1, i4: 1, i4long: 1, i3: -1, i9: -1 });
  });
});

describe('define_blacklist', () => {
  it("fills 'gws' with every type-0 gateway (IP/32 or /128, port, proto) and refreshes it on dr_reload", async () => {
    const s = await server();
    const store = s.kit.script.tables.blacklists!;
    const view = () => store.view(store.get('gws')!).Rules.map((x) => `${x.Proto}:${x.IP}/${x.Mask}:${x.Port}`);
    expect(view()).toEqual(['udp:10.0.0.1/255.255.255.255:5060', 'udp:10.0.0.2/255.255.255.255:5060', 'udp:2001:db8::4/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:5080']);
    expect(store.view(store.get('tcpgws')!).Rules).toMatchObject([{ IP: '10.0.0.3', Proto: 'tcp', Port: 5070 }]);
    const head = store.get('gws')!;
    expect(store.matchList(head, 'udp', '10.0.0.1', 5060, null)).not.toBeNull();
    expect(store.matchList(head, 'udp', '10.0.0.1', 5061, null)).toBeNull();
    expect(store.matchList(head, 'tcp', '10.0.0.1', 5060, null)).toBeNull();
    expect(store.matchList(head, 'udp', '10.0.0.3', 5070, null)).toBeNull();
    await withDb(async (db) => {
      await db.delete('dr_gateways', { keys: ['gwid'], values: ['gw2'] });
      await db.insert('dr_gateways', gw('gw5', 0, '10.0.0.5:5090;transport=tcp'));
    });
    expect(await s.mi('drouting:reload')).toBe('OK');
    expect(view()).toEqual(['udp:10.0.0.1/255.255.255.255:5060', 'udp:2001:db8::4/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:5080', 'tcp:10.0.0.5/255.255.255.255:5090']);
    expect(store.matchList(head, 'udp', '10.0.0.2', 5060, null)).toBeNull();
    // The reload changed the routing too: group 2's rule lost its only gateway.
    const r = await s.run(INVITE('4031234', { 'X-Group': '2' }));
    expect(r.vars.rc).toBe(-1);
  });
});

describe('define_blacklist across a script reload', () => {
  it('a new blacklist store (script reload) gets the gateway lists filled again', async () => {
    const holder: { cur: BlacklistStore | undefined } = { cur: undefined };
    const s = await server('', undefined, holder);
    expect(s.kit.script.tables.blacklists!.get('gws')!.rules).toHaveLength(3);
    const next = new BlacklistStore();
    next.create('gws', 'drouting');
    next.create('tcpgws', 'drouting');
    holder.cur = next;
    await new Promise((r) => setTimeout(r, 1300));
    expect(next.view(next.get('gws')!).Rules.map((x) => x.IP)).toEqual(['10.0.0.1', '10.0.0.2', '2001:db8::4']);
    expect(next.view(next.get('tcpgws')!).Rules.map((x) => x.IP)).toEqual(['10.0.0.3']);
  });
});

describe('MI and dr_disable', () => {
  it('dr_gw_status lists, shows and sets states (E_DROUTING_STATUS on change); disabled gateways are not used', async () => {
    const s = await server();
    expect(await s.mi('drouting:gw_status')).toEqual({
      Gateways: [
        { ID: 'gw1', IP: '10.0.0.1:5060', ATTRS: 'gw1-attrs', State: 'Active' },
        { ID: 'gw2', IP: '10.0.0.2', State: 'Active' },
        { ID: 'gw3', IP: '10.0.0.3:5070;transport=tcp', State: 'Active' },
        { ID: 'gw4', IP: '[2001:db8::4]:5080', State: 'Active' },
      ],
    });
    expect(await s.mi('dr_gw_status', { gw_id: 'gw1', status: '0' })).toBe('OK');
    expect(await s.mi('dr_gw_status', { gw_id: 'gw1' })).toEqual({ ATTRS: 'gw1-attrs', State: 'Disabled MI' });
    expect(s.events).toEqual([{ name: 'E_DROUTING_STATUS', params: { partition: 'Default', gwid: 'gw1', address: '10.0.0.1:5060', status: 'disabled MI', reason: 'MI command' } }]);
    // Setting the same state again raises nothing.
    await s.mi('dr_gw_status', { gw_id: 'gw1', status: '0' });
    expect(s.events).toHaveLength(1);
    let r = await s.run(INVITE('4031234', { 'X-Group': '1' }));
    expect(r.ruri).toBe('sip:994031234@10.0.0.2');
    await s.mi('dr_gw_status', { gw_id: 'gw1', status: '1' });
    r = await s.run(INVITE('4031234', { 'X-Group': '1' }));
    expect(r.ruri).toBe('sip:4031234@10.0.0.1:5060');
    await expect(s.mi('dr_gw_status', { gw_id: 'nope' })).rejects.toMatchObject({ code: 404, message: 'GW ID not found' });
    await expect(s.mi('dr_gw_status', { partition_name: 'p1' })).rejects.toBeInstanceOf(DrMiError);
    // The state is stored (persistent_state): a reload keeps it.
    await s.mi('dr_gw_status', { gw_id: 'gw2', status: '0' });
    expect(await withDb((db) => db.query('dr_gateways', { keys: ['gwid'], values: ['gw2'], columns: ['state'] }))).toEqual([{ state: 1 }]);
    await s.mi('dr_reload');
    expect(await s.mi('dr_gw_status', { gw_id: 'gw2' })).toEqual({ State: 'Disabled MI' });
  });

  it('dr_disable marks the gateway in use inactive; carrier_status, number_routing, reload_status, enable_probing', async () => {
    const s = await server();
    const r = await s.run(INVITE('4031234'), 'dis');
    expect(r.vars.rc).toBe(1);
    expect(r.events).toEqual([{ name: 'E_DROUTING_STATUS', params: { partition: 'Default', gwid: 'gw1', address: '10.0.0.1:5060', status: 'inactive', reason: 'script dr_disable' } }]);
    expect(await s.mi('dr_gw_status', { gw_id: 'gw1' })).toMatchObject({ State: 'Inactive' });
    expect(await s.mi('dr_carrier_status')).toEqual({ Carriers: [{ ID: 'cr1', Enabled: 'yes' }] });
    expect(await s.mi('dr_carrier_status', { carrier_id: 'cr1', status: '0' })).toBe('OK');
    expect(await s.mi('dr_carrier_status', { carrier_id: 'cr1' })).toEqual({ Enabled: 'no' });
    expect(await s.mi('dr_number_routing', { group_id: '1', number: '4031234' })).toEqual({ 'Matched Prefix': '40', 'Rule ID': 1, Attrs: 'r-40', GW: [{ ID: 'gw2', IP: '10.0.0.2' }] });
    await expect(s.mi('dr_number_routing', { group_id: '2', number: '777' })).rejects.toMatchObject({ code: 404 });
    expect(await s.mi('dr_reload_status')).toHaveProperty('Date');
    expect(await s.mi('dr_enable_probing')).toEqual({ Status: 1 });
    expect(await s.mi('dr_enable_probing', { status: '0' })).toBe('OK');
    expect(await s.mi('dr_enable_probing')).toEqual({ Status: 0 });
  });

  it('refuses partitions, unsupported time recurrences and bad reply codes at load', async () => {
    await expect(server('modparam("drouting", "use_partitions", 1)')).rejects.toThrow(/use_partitions is not supported/);
    await expect(server('modparam("drouting", "probing_reply_codes", "abc")')).rejects.toThrow(/not a reply code/);
    await expect(server('modparam("drouting", "force_dns", 0)')).rejects.toThrow(/force_dns = 0/);
    await expect(server('modparam("drouting", "cluster_id", 3)')).rejects.toThrow(/cluster_id is not supported/);
    const registry = createModuleRegistry([signaling, createDbSqlite(), createDrouting()]);
    expect(() => ScriptTestKit.fromText(`loadmodule "drouting.so"\nroute { do_routing(1, "", "", , , , "part1"); }\n`, registry)).toThrow(/partitions are not supported/);
    expect(parseTimeRec('Europe/Paris|20260101T080000||PT1H')).toMatch(/time zone 'Europe\/Paris' is not supported/);
    expect(parseTimeRec('|20260101T080000||PT1H|weekly|||1MO')).toMatch(/ordinal/);
    expect(parseTimeRec('|20260101T080000||PT1H|yearly||||||10|')).toMatch(/byweekno is not supported/);
    expect(parseTimeRec('20260101T080000|PT1H|weekly')).toMatch(/first field is the time zone/);
    // A rule with an unsupported timerec is skipped at load (logged), the others load.
    await withDb((db) => db.insert('dr_rules', { groupid: '9', prefix: '1', gwlist: 'gw1', timerec: 'Europe/Paris|20260101T080000||PT1H' }));
    const s = await server();
    const r = await s.run(INVITE('123', { 'X-Group': '9' }));
    expect(r.vars.rc).toBe(-1);
  });
});

describe('time recurrence subset', () => {
  const at = (y: number, mo: number, d: number, h: number, mi = 0) => Date.UTC(y, mo - 1, d, h, mi) / 1000;
  it('one-shot, daily with interval, monthly by month day, until', () => {
    const once = parseTimeRec('UTC|20260105T100000|20260105T120000')!;
    if (typeof once === 'string') throw new Error(once);
    expect([at(2026, 1, 5, 9), at(2026, 1, 5, 10), at(2026, 1, 5, 11, 59), at(2026, 1, 5, 12)].map((t) => timeRecMatches(once, t))).toEqual([false, true, true, false]);
    const everyOther = parseTimeRec('UTC|20260101T220000||PT4H|daily||2')!;
    if (typeof everyOther === 'string') throw new Error(everyOther);
    // Jan 1 22:00 - Jan 2 02:00, then Jan 3 22:00...; spans midnight.
    expect([at(2026, 1, 1, 23), at(2026, 1, 2, 1), at(2026, 1, 2, 23), at(2026, 1, 3, 23), at(2026, 1, 4, 1)].map((t) => timeRecMatches(everyOther, t))).toEqual([true, true, false, true, true]);
    const lastDay = parseTimeRec('UTC|20260101T000000||P1D|monthly||||-1|||')!;
    if (typeof lastDay === 'string') throw new Error(lastDay);
    expect([at(2026, 1, 31, 5), at(2026, 2, 28, 5), at(2026, 2, 27, 5)].map((t) => timeRecMatches(lastDay, t))).toEqual([true, true, false]);
    const until = parseTimeRec('UTC|20260101T000000||P1D|daily|20260110T000000')!;
    if (typeof until === 'string') throw new Error(until);
    expect([at(2026, 1, 9, 5), at(2026, 1, 10, 5)].map((t) => timeRecMatches(until, t))).toEqual([true, false]);
  });
});

describe('probing (loopback, through tm)', () => {
  const { writeScript } = coreTesting;
  it('OPTIONS probes: a gateway that answers stays active, one that does not becomes inactive, and comes back when it answers', async () => {
    // An answering gateway (200 to everything) and a silent one.
    const answering = dgram.createSocket('udp4');
    const silent = dgram.createSocket('udp4');
    let silentAnswers = false;
    const received: string[] = [];
    const answer = (sock: dgram.Socket, always: () => boolean) => (data: Buffer, r: dgram.RemoteInfo) => {
      const m = parseMessage(data);
      received.push(`${m.method} ${m.ruri} from=${m.from().uri}`);
      if (always()) sock.send(buildReply(m, 200, 'OK'), r.port, r.address);
    };
    answering.on('message', answer(answering, () => true));
    silent.on('message', answer(silent, () => silentAnswers));
    await new Promise<void>((res) => answering.bind(0, '127.0.0.1', () => res()));
    await new Promise<void>((res) => silent.bind(0, '127.0.0.1', () => res()));
    stops.push(async () => {
      answering.close();
      silent.close();
    });
    await withDb(async (db) => {
      await db.delete('dr_gateways', {});
      await db.insert('dr_gateways', gw('up', 0, `127.0.0.1:${answering.address().port}`, { probe_mode: 2 }));
      await db.insert('dr_gateways', gw('down', 0, `127.0.0.1:${silent.address().port}`, { probe_mode: 1, state: 2 }));
      await db.insert('dr_gateways', gw('dead', 0, `127.0.0.1:${silent.address().port}`, { probe_mode: 2 }));
    });
    const dr = createDrouting();
    const script = writeScript(`
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "db_sqlite.so"
loadmodule "drouting.so"
modparam("tm", "fr_timeout", 1)
modparam("drouting", "db_url", "${url}")
modparam("drouting", "probing_interval", 0)
modparam("drouting", "probing_from", "sip:pinger@tsips.test")
route { exit; }
`);
    const srv = await SipServer.start(script, { modules: [proto_udp, signaling, sl, createTm(), createDbSqlite(), dr], logWriter: () => undefined, shutdownTimeoutMs: 200 }).catch((e: { report?: string }) => {
      throw new Error(e.report ?? String(e));
    });
    stops.unshift(() => srv.stop());
    const state = async (id: string) => ((await dr.mi!.find((m) => m.name === 'drouting:gw_status')!.handler({ gw_id: id })) as { State: string }).State;
    expect([await state('up'), await state('down'), await state('dead')]).toEqual(['Active', 'Probing', 'Active']);
    await dr.probeNow();
    expect([await state('up'), await state('down'), await state('dead')]).toEqual(['Active', 'Probing', 'Inactive']);
    expect(received.filter((x) => x.startsWith('OPTIONS sip:127.0.0.1:')).length).toBeGreaterThanOrEqual(3);
    expect(received[0]).toMatch(/from=sip:pinger@tsips\.test$/);
    silentAnswers = true;
    await dr.probeNow();
    expect([await state('up'), await state('down'), await state('dead')]).toEqual(['Active', 'Active', 'Active']);
    // persistent_state: the new states are in the table.
    expect(await withDb((db) => db.query('dr_gateways', { columns: ['gwid', 'state'], order: 'gwid' }))).toEqual([
      { gwid: 'dead', state: 0 },
      { gwid: 'down', state: 0 },
      { gwid: 'up', state: 0 },
    ]);
  }, 15_000);
});

describe('in a server (loopback): failover through failure_route and timed probing', () => {
  const { writeScript, UdpPeer } = coreTesting;
  /** A gateway on loopback answering INVITE/OPTIONS with `status` (null: silent). */
  async function gateway(status: () => number | null) {
    const sock = dgram.createSocket('udp4');
    const got: string[] = [];
    sock.on('message', (data, r) => {
      const m = parseMessage(data);
      if (m.isRequest !== true) return;
      got.push(`${m.method} ${m.ruri}`);
      const st = status();
      if (st !== null && m.method !== 'ACK') sock.send(buildReply(m, st, st === 200 ? 'OK' : 'Service Unavailable'), r.port, r.address);
    });
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    stops.push(async () => {
      sock.close();
    });
    return { port: sock.address().port, got };
  }

  it('a 503 from the first gateway makes failure_route call use_next_gw and relay to the second; probing runs every probing_interval and raises E_DROUTING_STATUS', async () => {
    const busy = await gateway(() => 503);
    const ok = await gateway(() => 200);
    const silent = await gateway(() => null);
    await withDb(async (db) => {
      await db.delete('dr_gateways', {});
      await db.delete('dr_rules', {});
      await db.insert('dr_gateways', gw('busy', 0, `127.0.0.1:${busy.port}`));
      await db.insert('dr_gateways', gw('ok', 0, `127.0.0.1:${ok.port}`, { pri_prefix: '00' }));
      await db.insert('dr_gateways', gw('silent', 0, `127.0.0.1:${silent.port}`, { probe_mode: 2 }));
      await db.insert('dr_rules', { groupid: '1', prefix: '49', gwlist: 'busy,ok' });
    });
    const logs: string[] = [];
    const script = writeScript(`
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "db_sqlite.so"
loadmodule "drouting.so"
modparam("tm", "fr_timeout", 1)
modparam("drouting", "db_url", "${url}")
modparam("drouting", "probing_interval", 1)
route {
  if ($rm == "ACK") { t_relay(); exit; }
  if (!do_routing(1)) { sl_send_reply(404, "No Route"); exit; }
  xlog("L_ERR", "ROUTED $ru\\n");
  t_on_failure("next");
  t_relay();
}
failure_route[next] {
  if (t_check_status("503")) {
    if (use_next_gw()) {
      xlog("L_ERR", "NEXT $ru\\n");
      t_on_failure("next");
      t_relay();
    }
  }
}
event_route[E_DROUTING_STATUS] {
  xlog("L_ERR", "DRSTATUS $param(gwid) $param(status) $param(reason)\\n");
}
`);
    const dr = createDrouting();
    const srv = await SipServer.start(script, { modules: [proto_udp, signaling, sl, createTm(), createDbSqlite(), dr], logWriter: (l: string) => { logs.push(l); }, shutdownTimeoutMs: 200 }).catch((e: { report?: string }) => {
      throw new Error(e.report ?? String(e));
    });
    stops.unshift(() => srv.stop());
    const uac = await UdpPeer.open();
    stops.push(async () => uac.close());
    const proxy = srv.sockets[0]!.port;
    await uac.send(
      [
        'INVITE sip:4930123@127.0.0.1 SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bK-drfo1`,
        'From: <sip:bob@example.com>;tag=fo1',
        'To: <sip:4930123@127.0.0.1>',
        'Call-ID: dr-failover-1',
        'CSeq: 1 INVITE',
        `Contact: <sip:bob@127.0.0.1:${uac.port}>`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
      proxy,
    );
    let final = 0;
    for (let i = 0; i < 5 && final < 200; i++) {
      const m = parseMessage((await uac.next(3000)).data);
      final = m.status;
    }
    expect(final).toBe(200);
    expect(busy.got).toContain('INVITE sip:4930123@127.0.0.1:' + busy.port);
    expect(ok.got).toEqual(['INVITE sip:004930123@127.0.0.1:' + ok.port]);
    expect(logs.join('')).toMatch(/NEXT sip:004930123@127\.0\.0\.1:\d+/);
    // The silent gateway is probed by the timer and turns inactive (fr_timeout 1 s).
    const deadline = Date.now() + 5000;
    while (!logs.join('').includes('DRSTATUS silent') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(logs.join('')).toMatch(/DRSTATUS silent inactive negative probing reply/);
    expect(silent.got.some((g) => g.startsWith('OPTIONS sip:127.0.0.1:'))).toBe(true);
  }, 15_000);
});
