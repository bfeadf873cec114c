/**
 * check_fraud_learned() as a script sees it: return codes, $frd_* variables, E_FRD_ANOMALY,
 * MI show_profile, the high-risk table, and profiles that survive a restart.
 */
import { coreTesting, type DbConnection } from '@tsips/core';
import { createModuleRegistry, ScriptTestKit, Services } from '@tsips/script';
import { createDbSqlite } from '../db_sqlite';
import { DIALOG, type DialogWatcher } from '../dialog/api';
import { createFraudDetection, FraudMiError } from './index';

const H = 3_600_000;
const DAY = 24 * H;
/** Monday 2026-09-07 00:00 UTC. */
const MON = Date.UTC(2026, 8, 7);
let clock = MON;
let tmp: coreTesting.TempDb;

const withDb = <T>(fn: (db: DbConnection) => Promise<T>): Promise<T> => tmp.with(fn);

beforeEach(async () => {
  clock = MON;
  tmp = await coreTesting.TempDb.create('tsips-frl-', ['fraud_detection']);
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
modparam("fraud_detection", "utc_offset", 0)
modparam("fraud_detection", "learned_critical", 90)
modparam("fraud_detection", "profile_save_interval", 0)
${params}
route {
  if ($hdr(X-Thr) != NULL) check_fraud_learned($hdr(X-User), $rU, $hdr(X-Thr));
  else check_fraud_learned($hdr(X-User), $rU);
  $var(rc) = $retcode;
  $var(score) = $frd_score;
  $var(reasons) = $frd_reasons;
  $var(codes) = $frd_codes;
  $var(zone) = $frd_zone;
}
`;

interface Env {
  kit: ScriptTestKit;
  frd: ReturnType<typeof createFraudDetection>;
  watchers: DialogWatcher[];
  stop(): Promise<void>;
  mi(name: string, p?: Record<string, string>): Promise<unknown>;
}

async function server(text = SCRIPT()): Promise<Env> {
  const frd = createFraudDetection({ now: () => clock, autoTimer: false, raise: () => undefined });
  const mods = [createDbSqlite(), frd];
  const kit = ScriptTestKit.fromText(text, createModuleRegistry([...mods, { name: 'dialog' }]));
  kit.script.applyModparams();
  const services = new Services();
  const watchers: DialogWatcher[] = [];
  services.provide(DIALOG, { watchCurrent: (_ctx, w) => (watchers.push(w), true) });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const m of [...mods].reverse()) await m.destroy?.();
  };
  stops.push(stop);
  for (const m of mods) await m.init?.({ services, log: () => undefined });
  const mi = async (name: string, p: Record<string, string> = {}) => frd.mi!.find((m) => m.name === name)!.handler(p);
  return { kit, frd, watchers, stop, mi };
}

async function call(e: Env, number: string, user = 'alice', threshold?: number) {
  const msg = [
    `INVITE sip:${number}@example.com SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-l1',
    'From: <sip:alice@example.com>;tag=l1',
    'To: <sip:bob@example.com>',
    'Call-ID: frl-1',
    'CSeq: 1 INVITE',
    `X-User: ${user}`,
    ...(threshold === undefined ? [] : [`X-Thr: ${threshold}`]),
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
  const out = await e.kit.run(msg);
  return { ...out.vars, events: out.events } as { rc: number; score: number; reasons: string; codes: string; zone: string; events: typeof out.events };
}

const USUAL = ['+442079460011', '+447400123456', '+441614960022'];

/** Two weeks of weekday office calls by alice and a few colleagues, each answered and hung up. */
async function history(e: Env): Promise<void> {
  for (let day = 0; day < 14; day++) {
    if (day % 7 >= 5) continue;
    for (let k = 0; k < 6; k++) {
      for (const user of ['alice', 'carol', 'dave']) {
        clock = MON + day * DAY + (9 + k) * H + 60_000 * user.length;
        const before = e.watchers.length;
        await call(e, USUAL[(k + user.length) % 3]!, user);
        const w = e.watchers[before]!;
        w.onAnswer?.(clock + 5000);
        clock += 120_000;
        w.onEnd?.(true);
      }
    }
  }
}

describe('check_fraud_learned', () => {
  it('1 for an ordinary call; -1 and E_FRD_ANOMALY from the threshold; -2 from learned_critical; $frd_* describe the score', async () => {
    const e = await server();
    await history(e);
    clock = MON + 15 * DAY + 10 * H;
    const ok = await call(e, USUAL[0]!);
    expect(ok.rc).toBe(1);
    expect(ok.score).toBeLessThan(20);
    expect(ok.zone).toBe('GB:fixed_line');
    expect(ok.events.filter((x) => x.name === 'E_FRD_ANOMALY')).toEqual([]);
    e.watchers.at(-1)!.onEnd?.(false);

    // Night, a never-called high-risk zone, a new address: anomaly.
    clock = MON + 15 * DAY + 27 * H; // Tuesday 03:00
    const night = await call(e, '+5351234567', 'alice');
    expect([-1, -2]).toContain(night.rc);
    expect(night.zone).toBe('CU:mobile');
    expect(night.codes.split(',')).toEqual(expect.arrayContaining(['new_zone', 'high_risk', 'off_hours']));
    expect(night.reasons).toContain('first call ever to zone CU:mobile');
    const ev = night.events.find((x) => x.name === 'E_FRD_ANOMALY')!;
    expect(ev.params).toMatchObject({ user: 'alice', called_number: '+5351234567', score: night.score, threshold: 60, zone: 'CU:mobile', reasons: night.reasons, codes: night.codes });
    expect(ev.params['level']).toBe(night.score >= 90 ? 'critical' : 'warning');

    // The same call with a threshold above its score is ordinary; a burst goes critical (-2).
    // A threshold given by the call wins over learned_threshold: 0 makes any call an anomaly.
    const strict = await call(e, USUAL[1]!, 'alice', 0);
    expect(strict.rc).toBe(-1);
    expect(strict.events.find((x) => x.name === 'E_FRD_ANOMALY')!.params).toMatchObject({ threshold: 0, level: 'warning' });
    let last = strict;
    for (let i = 0; i < 6; i++) {
      clock += 20_000;
      last = await call(e, '+5351234569', 'alice');
    }
    expect(last.score).toBeGreaterThanOrEqual(90);
    expect(last.rc).toBe(-2);
    expect(last.events.find((x) => x.name === 'E_FRD_ANOMALY')!.params['level']).toBe('critical');
  });

  it('-3 without a user or a number; $frd_score is NULL before any check', async () => {
    const e = await server(SCRIPT().replace('route {', 'route {\n  if ($frd_score == NULL) $var(before) = "null";'));
    const out = await e.kit.run(['INVITE sip:+442079460011@example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-x', 'From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>', 'Call-ID: x', 'CSeq: 1 INVITE', 'X-User: ', 'Content-Length: 0', '', ''].join('\r\n'));
    expect(out.vars['before']).toBe('null');
    expect(out.vars['rc']).toBe(-3);
  });

  it('unknown home_country and an out-of-range utc_offset fail the load', () => {
    const reg = createModuleRegistry([createDbSqlite(), createFraudDetection(), { name: 'dialog' }]);
    expect(() => ScriptTestKit.fromText(SCRIPT('modparam("fraud_detection", "home_country", "XX")'), reg)).toThrow(/not a country code/);
    expect(() => ScriptTestKit.fromText(SCRIPT('modparam("fraud_detection", "utc_offset", 2000)'), reg)).toThrow(/utc_offset/);
  });
});

describe('profiles and ranges in the database', () => {
  it('profiles survive a restart: a user learned before is ordinary after it, a fresh one is judged by the prior', async () => {
    const e = await server();
    await history(e);
    await e.stop();
    const rows = await withDb(async (db) => db.query('fraud_profiles', { columns: ['username', 'profile'] }));
    expect(rows.map((r) => r['username']).sort()).toEqual(['', 'alice', 'carol', 'dave']);
    expect(JSON.parse(String(rows.find((r) => r['username'] === 'alice')!['profile'])).calls).toBeGreaterThan(50);

    const again = await server();
    clock = MON + 15 * DAY + 10 * H;
    const back = await call(again, USUAL[1]!);
    expect(back.score).toBeLessThan(20);
    const p = (await again.mi('fraud_detection:show_profile', { user: 'alice' })) as Record<string, unknown>;
    expect(p['calls']).toEqual(expect.any(Number));
    expect(Number(p['calls'])).toBeGreaterThan(50);
    expect(Object.keys(p['zones'] as object)).toEqual(expect.arrayContaining(['GB:fixed_line', 'GB:mobile']));
    expect(p['median_duration_s']).toBe(120);
  });

  it('max_profiles bounds memory; profiles pushed out are still written, and read back on the next call', async () => {
    const e = await server(SCRIPT('modparam("fraud_detection", "max_profiles", 2)'));
    clock = MON + 10 * H;
    for (const user of ['ann', 'ben', 'cat', 'dan']) await call(e, USUAL[0]!, user);
    expect(e.frd.fraud.learned().profileCount).toBe(2);
    expect(await e.frd.fraud.flushProfiles()).toBe(5); // four users and the population prior
    await call(e, USUAL[1]!, 'ann'); // back from the table
    expect(e.frd.fraud.learned().profile('ann')!.calls).toBeCloseTo(2, 5);
  });

  it('show_profile: 400 without a user, 404 for an unknown one', async () => {
    const e = await server();
    await expect(e.mi('fraud_detection:show_profile', {})).rejects.toEqual(new FraudMiError(400, 'Invalid params'));
    await expect(e.mi('fraud_detection:show_profile', { user: 'nobody' })).rejects.toMatchObject({ code: 404 });
  });

  it('the high-risk table replaces the built-in list, and reload reads it again', async () => {
    const e = await server();
    clock = MON + 10 * H;
    const builtIn = await call(e, '+5351234567', 'erin');
    expect(builtIn.codes).toContain('high_risk');
    await withDb(async (db) => { await db.insert('fraud_risk_ranges', { prefix: '3361', label: 'test range', risk: 40 }); });
    await e.mi('fraud_detection:reload');
    const listed = await call(e, '+33612345678', 'frank');
    expect(listed.reasons).toContain('high-risk range (test range, +3361)');
    const cuba = await call(e, '+5351234567', 'gina');
    expect(cuba.codes).not.toContain('high_risk');
  });
});
