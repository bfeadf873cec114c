import { coreTesting, type DbConnection } from '@tsips/core';
import { createModuleRegistry, ScriptTestKit, Services, type ScriptValue } from '@tsips/script';
import { createDbSqlite } from '../db_sqlite';
import { DIALOG, type DialogWatcher } from '../dialog/api';
import { createFraudDetection, FraudMiError, parseDays, RuleSet, UserStats } from './index';

let tmp: coreTesting.TempDb;
/** Monday 2026-01-05 10:00:00 UTC. */
const MONDAY_10 = Date.UTC(2026, 0, 5, 10, 0, 0);
let clock = MONDAY_10;

const withDb = <T>(fn: (db: DbConnection) => Promise<T>): Promise<T> => tmp.with(fn);

type Row = Record<string, string | number>;
const rule = (r: Row): Row => ({ profileid: 1, prefix: '', start_hour: '00:00', end_hour: '23:59', daysoftheweek: 'Mon-Sun', ...r });

async function rules(...rows: Row[]): Promise<void> {
  await withDb(async (db) => {
    await db.exec('DELETE FROM fraud_detection');
    for (const r of rows) await db.insert('fraud_detection', r);
  });
}

beforeEach(async () => {
  clock = MONDAY_10;
  tmp = await coreTesting.TempDb.create('tsips-frd-', ['fraud_detection']);
});

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  tmp.remove();
});

const SCRIPT = (params = '') => `
loadmodule "db_sqlite.so"
loadmodule "dialog.so"
loadmodule "fraud_detection.so"
modparam("fraud_detection", "db_url", "${tmp.url}")
modparam("fraud_detection", "use_utc_time", 1)
${params}
route {
  check_fraud($hdr(X-User), $rU, $hdr(X-Pid));
  $var(rc) = $retcode;
}
`;

interface Env {
  kit: ScriptTestKit;
  frd: ReturnType<typeof createFraudDetection>;
  watchers: DialogWatcher[];
  outEvents: Array<{ name: string; params: Record<string, ScriptValue> }>;
  mi(name: string, p?: Record<string, string>): Promise<unknown>;
}

/** A server with db_sqlite and fraud_detection; a stand-in dialog service records the watchers (null: no dialog service). */
async function server(text = SCRIPT(), withDialog = true): Promise<Env> {
  const outEvents: Env['outEvents'] = [];
  const frd = createFraudDetection({ now: () => clock, autoTimer: false, raise: (name, params) => outEvents.push({ name, params }) });
  const mods = [createDbSqlite(), frd];
  const kit = ScriptTestKit.fromText(text, createModuleRegistry([...mods, { name: 'dialog' }]));
  kit.script.applyModparams();
  const services = new Services();
  const watchers: DialogWatcher[] = [];
  if (withDialog) services.provide(DIALOG, { watchCurrent: (_ctx, w) => (watchers.push(w), true) });
  stops.push(async () => { for (const m of [...mods].reverse()) await m.destroy?.(); });
  for (const m of mods) await m.init?.({ services, log: () => undefined });
  const mi = async (name: string, p: Record<string, string> = {}) => frd.mi!.find((m) => m.name === name || m.aliases?.includes(name))!.handler(p);
  return { kit, frd, watchers, outEvents, mi };
}

function invite(number: string, user = 'alice', pid = 1): string {
  return [
    `INVITE sip:${number}@example.com SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-f1',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:bob@example.com>',
    'Call-ID: frd-1',
    'CSeq: 1 INVITE',
    `X-User: ${user}`,
    `X-Pid: ${pid}`,
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

async function call(e: Env, number: string, user = 'alice', pid = 1) {
  const out = await e.kit.run(invite(number, user, pid));
  return { rc: out.vars['rc'], events: out.events };
}

describe('check_fraud return codes and rule matching', () => {
  it('2 without a matching rule, 1 under every threshold; longest prefix wins within the profile', async () => {
    await rules(rule({ ruleid: 1, prefix: '40', total_calls_warning: 100 }), rule({ ruleid: 2, prefix: '4021', total_calls_critical: 1 }), rule({ ruleid: 3, profileid: 2, prefix: '9' }));
    const e = await server();
    expect((await call(e, '5551')).rc).toBe(2);
    expect((await call(e, '9123')).rc).toBe(2); // rule 3 is of profile 2
    expect((await call(e, '9123', 'alice', 2)).rc).toBe(1);
    expect((await call(e, '40777')).rc).toBe(1);
    const crit = await call(e, '402199');
    expect(crit.rc).toBe(-2);
    expect(crit.events[0]!.params).toEqual({ param: 'total-calls', value: 1, threshold: 1, user: 'alice', called_number: '402199', rule_id: 2, profile_id: 1 });
  });

  it('-1 at a warning, -2 at a critical threshold, reached exactly; events E_FRD_WARNING / E_FRD_CRITICAL with their params', async () => {
    await rules(rule({ ruleid: 7, prefix: '1', total_calls_warning: 2, total_calls_critical: 3 }));
    const e = await server();
    const r1 = await call(e, '100');
    expect(r1.rc).toBe(1);
    expect(r1.events).toEqual([]);
    const r2 = await call(e, '101');
    expect(r2.rc).toBe(-1);
    expect(r2.events).toEqual([{ name: 'E_FRD_WARNING', params: { param: 'total-calls', value: 2, threshold: 2, user: 'alice', called_number: '101', rule_id: 7, profile_id: 1 } }]);
    const r3 = await call(e, '102');
    expect(r3.rc).toBe(-2);
    expect(r3.events.map((x) => [x.name, x.params['param'], x.params['value']])).toEqual([['E_FRD_CRITICAL', 'total-calls', 3]]);
  });

  it('-3 on an internal error (a broken stats store), logged', async () => {
    await rules(rule({ ruleid: 1 }));
    const broken = { get: () => undefined, getOrCreate: () => { throw new Error('store down'); }, sweep: () => 0, size: 0 };
    const frd = createFraudDetection({ now: () => clock, autoTimer: false, store: broken });
    const mods = [createDbSqlite(), frd];
    const kit = ScriptTestKit.fromText(SCRIPT(), createModuleRegistry([...mods, { name: 'dialog' }]));
    kit.script.applyModparams();
    const services = new Services();
    stops.push(async () => { for (const m of [...mods].reverse()) await m.destroy?.(); });
    for (const m of mods) await m.init?.({ services, log: () => undefined });
    const out = await kit.run(invite('1'));
    expect(out.vars['rc']).toBe(-3);
    expect(out.logs.some((l) => /store down/.test(l.text))).toBe(true);
  });

  it('each check fires at its threshold; 0 disables it', async () => {
    // calls per minute
    await rules(rule({ ruleid: 1, prefix: '1', cpm_warning: 3, total_calls_warning: 0 }));
    let e = await server();
    expect((await call(e, '10')).rc).toBe(1);
    clock += 20_000;
    expect((await call(e, '11')).rc).toBe(1);
    clock += 20_000;
    const c = await call(e, '12');
    expect(c.rc).toBe(-1);
    expect(c.events[0]!.params['param']).toBe('calls-per-minute');
    expect(c.events[0]!.params['value']).toBe(3);
    // 61 s after the first call it left the minute: 2 in the window + this one = 3 still (20 s and 40 s ago).
    clock += 21_000;
    expect((await call(e, '13')).rc).toBe(-1);
    clock += 120_000;
    expect((await call(e, '14')).rc).toBe(1);
    // sequential calls: the same number again and again
    await rules(rule({ ruleid: 2, prefix: '2', sequential_calls_critical: 3 }));
    e = await server();
    expect((await call(e, '200')).rc).toBe(1);
    expect((await call(e, '200')).rc).toBe(1);
    const s = await call(e, '200');
    expect(s.rc).toBe(-2);
    expect(s.events[0]!.params).toMatchObject({ param: 'sequential-calls', value: 3, threshold: 3 });
    expect((await call(e, '201')).rc).toBe(1); // another number restarts the sequence
    // concurrent calls (watched dialogs not ended)
    await rules(rule({ ruleid: 3, prefix: '3', concurrent_calls_warning: 2 }));
    e = await server();
    expect((await call(e, '300')).rc).toBe(1);
    const cc = await call(e, '301');
    expect(cc.rc).toBe(-1);
    expect(cc.events[0]!.params).toMatchObject({ param: 'concurrent-calls', value: 2, threshold: 2 });
    // all zero: everything disabled, however many calls
    await rules(rule({ ruleid: 4, prefix: '4' }));
    e = await server();
    for (let i = 0; i < 50; i++) expect((await call(e, '400')).rc).toBe(1);
  });

  it('critical checks come before warnings (one event per call)', async () => {
    await rules(rule({ ruleid: 1, cpm_warning: 1, sequential_calls_critical: 2 }));
    const e = await server();
    expect((await call(e, '5')).events.map((x) => [x.name, x.params['param']])).toEqual([['E_FRD_WARNING', 'calls-per-minute']]);
    expect((await call(e, '5')).events.map((x) => [x.name, x.params['param']])).toEqual([['E_FRD_CRITICAL', 'sequential-calls']]);
  });

  it('rejected calls still count (a critical call is counted too)', async () => {
    await rules(rule({ ruleid: 1, total_calls_critical: 1 }));
    const e = await server();
    expect((await call(e, '1')).rc).toBe(-2);
    expect((await call(e, '1')).rc).toBe(-2);
    expect(await e.mi('fraud_detection:show_stats', { user: 'alice', prefix: '' })).toMatchObject({ total_calls: 2 });
  });
});

describe('time windows', () => {
  it('a rule applies only within its hours and days; a closed longer prefix falls back to a shorter one', async () => {
    await rules(
      rule({ ruleid: 1, prefix: '44', start_hour: '09:00', end_hour: '17:00', daysoftheweek: 'Mon-Fri', total_calls_critical: 1 }),
      rule({ ruleid: 2, prefix: '4', start_hour: '00:00', end_hour: '00:00', daysoftheweek: 'Sat,Sun' }),
    );
    const e = await server();
    expect((await call(e, '4410')).rc).toBe(-2); // Monday 10:00
    clock = Date.UTC(2026, 0, 5, 17, 0, 0); // end hour is exclusive
    expect((await call(e, '4410')).rc).toBe(2);
    clock = Date.UTC(2026, 0, 10, 12, 0, 0); // Saturday: rule 2 (the whole day)
    expect((await call(e, '4410')).rc).toBe(1);
  });

  it('windows across midnight belong to the day they open', async () => {
    await rules(rule({ ruleid: 1, start_hour: '22:00', end_hour: '06:00', daysoftheweek: 'Fri', total_calls_warning: 2 }));
    const e = await server();
    clock = Date.UTC(2026, 0, 9, 23, 0, 0); // Friday 23:00
    expect((await call(e, '1')).rc).toBe(1);
    clock = Date.UTC(2026, 0, 10, 5, 59, 0); // Saturday 05:59, same occurrence
    expect((await call(e, '1')).rc).toBe(-1);
    clock = Date.UTC(2026, 0, 10, 23, 0, 0); // Saturday 23:00: not open on Saturdays
    expect((await call(e, '1')).rc).toBe(2);
  });

  it('total calls reset when the window ends (OpenSIPS #2332), also on the next day of a daily window', async () => {
    await rules(rule({ ruleid: 1, start_hour: '08:00', end_hour: '12:00', total_calls_warning: 2 }), rule({ ruleid: 2, start_hour: '12:00', end_hour: '08:00' }));
    const e = await server();
    expect((await call(e, '1')).rc).toBe(1);
    expect((await call(e, '1')).rc).toBe(-1);
    clock = Date.UTC(2026, 0, 5, 13, 0, 0); // rule 2 now
    expect((await call(e, '1')).rc).toBe(1);
    clock = Date.UTC(2026, 0, 6, 9, 0, 0); // Tuesday: rule 1 again, a new window
    expect((await call(e, '1')).rc).toBe(1);
    expect(await e.mi('show_fraud_stats', { user: 'alice', prefix: '' })).toMatchObject({ total_calls: 1, seq_calls: 1 });
  });

  it('parseDays: lists, ranges, wrapping ranges; malformed is null', () => {
    expect(parseDays('Mon-Fri')).toBe(0b0111110);
    expect(parseDays('sat,SUN')).toBe(0b1000001);
    expect(parseDays('Fri-Mon')).toBe(0b1100011);
    expect(parseDays('Monday')).toBe(0b10);
    expect(parseDays('Xyz')).toBeNull();
    expect(parseDays('')).toBeNull();
    expect(new RuleSet().match(1, '1', { year: 2026, month: 0, day: 5, weekday: 1, minute: 0 }, true)).toBeNull();
  });
});

describe('concurrent calls and call duration through the dialog', () => {
  it('a call decrements the concurrency when its dialog ends, failed/cancelled ones too; never below 0', async () => {
    await rules(rule({ ruleid: 1, concurrent_calls_critical: 2 }));
    const e = await server();
    expect((await call(e, '1')).rc).toBe(1);
    expect((await call(e, '2')).rc).toBe(-2);
    e.watchers[0]!.onEnd(false); // rejected / cancelled before answer
    expect(await e.mi('fraud_detection:show_stats', { user: 'alice', prefix: '' })).toMatchObject({ concurrent_calls: 1 });
    expect((await call(e, '3')).rc).toBe(-2);
    e.watchers[1]!.onEnd(false);
    e.watchers[2]!.onEnd(false);
    e.watchers[2]!.onEnd(false); // a second end of the same call changes nothing
    e.watchers[0]!.onEnd(false);
    expect(await e.mi('fraud_detection:show_stats', { user: 'alice', prefix: '' })).toMatchObject({ concurrent_calls: 0 });
    expect(e.frd.fraud.activeCalls()).toBe(0);
    expect((await call(e, '4')).rc).toBe(1);
  });

  it('without a dialog a call counts as concurrent only while checked (no leak)', async () => {
    await rules(rule({ ruleid: 1, concurrent_calls_warning: 2 }));
    const e = await server(SCRIPT(), false);
    for (let i = 0; i < 3; i++) expect((await call(e, '1')).rc).toBe(1);
    expect(await e.mi('fraud_detection:show_stats', { user: 'alice', prefix: '' })).toMatchObject({ concurrent_calls: 0, total_calls: 3 });
  });

  it('call-duration events while the call is up (timer), warning then critical, once each; none for unanswered calls', async () => {
    await rules(rule({ ruleid: 9, call_duration_warning: 60, call_duration_critical: 120 }));
    const e = await server();
    expect((await call(e, '42')).rc).toBe(1);
    expect((await call(e, '43')).rc).toBe(1); // never answered
    e.watchers[0]!.onAnswer!(clock);
    clock += 59_000;
    e.frd.fraud.tick();
    expect(e.outEvents).toEqual([]);
    clock += 1_000;
    e.frd.fraud.tick();
    e.frd.fraud.tick();
    expect(e.outEvents).toEqual([{ name: 'E_FRD_WARNING', params: { param: 'call-duration', value: 60, threshold: 60, user: 'alice', called_number: '42', rule_id: 9, profile_id: 1 } }]);
    clock += 60_000;
    e.frd.fraud.tick();
    expect(e.outEvents.map((x) => [x.name, x.params['value']])).toEqual([['E_FRD_WARNING', 60], ['E_FRD_CRITICAL', 120]]);
    clock += 600_000;
    e.watchers[0]!.onEnd(true);
    e.frd.fraud.tick();
    expect(e.outEvents).toHaveLength(2);
    expect(e.frd.fraud.activeCalls()).toBe(1);
  });

  it('a call shorter than a timer round is still checked when it ends', async () => {
    await rules(rule({ ruleid: 1, call_duration_warning: 5 }));
    const e = await server();
    await call(e, '1');
    e.watchers[0]!.onAnswer!(clock);
    clock += 5_500;
    e.watchers[0]!.onEnd(true);
    expect(e.outEvents.map((x) => [x.name, x.params['value']])).toEqual([['E_FRD_WARNING', 5]]);
  });
});

describe('MI and memory', () => {
  it('show_stats: the counters of a user and prefix; 404 for unknown ones; cpm decays', async () => {
    await rules(rule({ ruleid: 1, prefix: '49' }));
    const e = await server();
    await call(e, '4930');
    await call(e, '4930');
    expect(await e.mi('fraud_detection:show_stats', { user: 'alice', prefix: '49' })).toEqual({ cpm: 2, total_calls: 2, concurrent_calls: 2, seq_calls: 2 });
    clock += 61_000;
    expect(await e.mi('fraud_detection:show_stats', { user: 'alice', prefix: '49' })).toMatchObject({ cpm: 0, total_calls: 2 });
    await expect(e.mi('fraud_detection:show_stats', { user: 'bob', prefix: '49' })).rejects.toMatchObject({ code: 404 });
    await expect(e.mi('fraud_detection:show_stats', { user: 'bob' })).rejects.toThrow(FraudMiError);
  });

  it('reload (alias fraud_reload) picks up new rules; a failed reload keeps the old ones', async () => {
    await rules(rule({ ruleid: 1, prefix: '1' }));
    const e = await server();
    expect((await call(e, '2')).rc).toBe(2);
    await rules(rule({ ruleid: 1, prefix: '1' }), rule({ ruleid: 2, prefix: '2', total_calls_critical: 1 }));
    expect(await e.mi('fraud_reload')).toBe('OK');
    expect((await call(e, '2')).rc).toBe(-2);
    await withDb(async (db) => { await db.insert('fraud_detection', rule({ ruleid: 3, start_hour: '25:00' })); });
    await expect(e.mi('fraud_detection:reload')).rejects.toMatchObject({ code: 500 });
    expect((await call(e, '2')).rc).toBe(-2);
  });

  it('statistics are freed once their window ended and no call is up (OpenSIPS #3411)', async () => {
    await rules(rule({ ruleid: 1, start_hour: '09:00', end_hour: '11:00' }));
    const e = await server();
    for (let u = 0; u < 100; u++) await call(e, '1', `u${u}`);
    expect(e.frd.fraud.stats.size).toBe(100);
    for (let i = 0; i < 99; i++) e.watchers[i]!.onEnd(false);
    e.frd.fraud.tick();
    expect(e.frd.fraud.stats.size).toBe(100); // window still open
    clock = Date.UTC(2026, 0, 5, 11, 0, 0);
    e.frd.fraud.tick();
    expect(e.frd.fraud.stats.size).toBe(1); // u99 still has a call up
    e.watchers[99]!.onEnd(false);
    e.frd.fraud.tick();
    expect(e.frd.fraud.stats.size).toBe(0);
  });

  it('custom column names and table', async () => {
    await withDb(async (db) => {
      await db.exec('CREATE TABLE my_rules (id INTEGER, pid INTEGER, pfx TEXT, sh TEXT, eh TEXT, d TEXT, cw INTEGER, cc INTEGER, dw INTEGER, dc INTEGER, tw INTEGER, tc INTEGER, ow INTEGER, oc INTEGER, sw INTEGER, sc INTEGER)');
      await db.insert('my_rules', { id: 5, pid: 3, pfx: '7', sh: '00:00', eh: '23:59', d: 'Mon', cw: 0, cc: 0, dw: 0, dc: 0, tw: 0, tc: 1, ow: 0, oc: 0, sw: 0, sc: 0 });
    });
    const names = [['rid_col', 'id'], ['pid_col', 'pid'], ['prefix_col', 'pfx'], ['start_h_col', 'sh'], ['end_h_col', 'eh'], ['days_col', 'd'],
      ['cpm_thresh_warn_col', 'cw'], ['cpm_thresh_crit_col', 'cc'], ['calldur_thresh_warn_col', 'dw'], ['calldur_thresh_crit_col', 'dc'],
      ['totalc_thresh_warn_col', 'tw'], ['totalc_thresh_crit_col', 'tc'], ['concalls_thresh_warn_col', 'ow'], ['concalls_thresh_crit_col', 'oc'],
      ['seqcalls_thresh_warn_col', 'sw'], ['seqcalls_thresh_crit_col', 'sc']];
    const e = await server(SCRIPT(['modparam("fraud_detection", "table_name", "my_rules")', ...names.map(([p, c]) => `modparam("fraud_detection", "${p}", "${c}")`)].join('\n')));
    const r = await call(e, '77', 'alice', 3);
    expect(r.rc).toBe(-2);
    expect(r.events[0]!.params['rule_id']).toBe(5);
  });

  it('UserStats: the per-minute ring never goes negative over long gaps', () => {
    const s = new UserStats();
    s.countCall(100);
    s.countCall(130);
    s.advance(159);
    expect(s.cpm).toBe(2);
    s.advance(160);
    expect(s.cpm).toBe(1);
    s.advance(100_000);
    expect(s.cpm).toBe(0);
    s.advance(50); // a clock going back changes nothing
    expect(s.cpm).toBe(0);
  });
});
