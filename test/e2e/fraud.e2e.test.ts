/**
 * Issue 7 acceptance (fraud detection), end to end: real tsips processes
 * (test/e2e/configs/fraud.cfg: registrar + stateful proxy with dialog and fraud_detection)
 * on loopback, driven by real sipp callers (127.0.0.3, the registered user alice) and
 * callees (127.0.0.2: sipp UASs registered under the numbers the tests dial).
 *
 * The static part runs one server whose fraud_detection table holds a rule per measure, each
 * on its own prefix so the tests do not feed each other's statistics. The learned part runs
 * a second server on a database holding a profile of alice that the real LearnedDetector
 * built from three weeks of her office calls, with the users' wall clock set so that "now"
 * is 03:00 at night for them.
 */
import * as path from 'node:path';
import { LearnedDetector } from '@tsips/modules';
import {
  ProcessGroup, configTemplate, createDatabase, describeSipp, expectCleanStop, expectSippOk, benchScenario, freePort,
  register, scenario, startSipp, startTsips, tracedMessages, type SippResult, type TsipsServer,
} from './harness';

jest.setTimeout(90000);

const CALLER_IP = '127.0.0.3';
const CALLEE_IP = '127.0.0.2';

interface SqliteDb {
  prepare(sql: string): { run(...args: unknown[]): unknown; get(...args: unknown[]): unknown };
  close(): void;
}
// better-sqlite3 (a dependency of @tsips/core) has no type package installed here
const Database = require('better-sqlite3') as new (file: string) => SqliteDb;

/** The static rules, one measure each (0 disables a threshold), every day all day, profile 1. */
const CPM_PREFIX = '+44113';
const CONC_PREFIX = '+44114';
const DUR_PREFIX = '+44121';
const RULES: readonly Record<string, string | number>[] = [
  { ruleid: 1, prefix: CPM_PREFIX, cpm_warning: 3, cpm_critical: 5 },
  { ruleid: 2, prefix: CONC_PREFIX, concurrent_calls_warning: 2, concurrent_calls_critical: 3 },
  { ruleid: 3, prefix: DUR_PREFIX, call_duration_warning: 2, call_duration_critical: 60 },
];

let group: ProcessGroup;

beforeAll(() => {
  group = new ProcessGroup('fraud');
});

afterAll(async () => {
  await group?.dispose();
});

// ---------------------------------------------------------------------------------------
// helpers

interface FraudEvent {
  name: string;
  params: Record<string, string>;
}

/** The FRAUD-EVENT lines the config's event routes log (reasons= last: it holds spaces). */
function fraudEvents(log: string, name?: string): FraudEvent[] {
  const out: FraudEvent[] = [];
  for (const line of log.split('\n')) {
    const m = /FRAUD-EVENT (E_FRD_\w+) (.*)$/.exec(line);
    if (!m || (name !== undefined && m[1] !== name)) continue;
    let rest = m[2]!;
    const params: Record<string, string> = {};
    const r = rest.indexOf(' reasons=');
    if (r >= 0) {
      params['reasons'] = rest.slice(r + ' reasons='.length);
      rest = rest.slice(0, r);
    }
    for (const kv of rest.split(' ')) {
      const eq = kv.indexOf('=');
      if (eq > 0) params[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    out.push({ name: m[1]!, params });
  }
  return out;
}

/**
 * The final status of each call of a sipp UAC run, in call order: the final response to
 * its INVITE (sipp's Call-IDs start with the call number).
 */
function finalStatuses(r: SippResult): number[] {
  const byCall = new Map<number, number>();
  for (const m of tracedMessages(r.messages, 'received')) {
    const status = /^SIP\/2\.0 (\d{3}) /.exec(m);
    if (!status || Number(status[1]) < 200 || !/^CSeq:\s*1 INVITE\s*$/mi.test(m)) continue;
    const callId = /^(?:Call-ID|i):\s*(\d+)-/mi.exec(m);
    if (callId && !byCall.has(Number(callId[1]))) byCall.set(Number(callId[1]), Number(status[1]));
  }
  return [...byCall.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

/** When a sipp run first sent a `method` request (ms since the epoch, from -trace_msg's separators in local time). */
function sentAt(r: SippResult, method: string): number {
  const m = new RegExp(`^-{20,} (\\d{4}-\\d\\d-\\d\\d)\\s+(\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,3})?)\\d*\\s*\\n\\s*(?:UDP|TCP) message sent[^\\n]*\\n\\n?${method} `, 'm').exec(r.messages);
  if (!m) throw new Error(`sipp ${r.name} sent no ${method}:\n${describeSipp(r)}`);
  return new Date(`${m[1]}T${m[2]}`).getTime();
}

/** Waits until `text()` has `count` lines matching `re` (or the timeout). */
async function waitForLines(text: () => string, re: RegExp, count: number, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let lines: string[] = [];
  while (Date.now() < deadline) {
    lines = text().split('\n').filter((l) => re.test(l));
    if (lines.length >= count) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
  return lines;
}

async function registerUser(proxy: TsipsServer, user: string, ip: string, port: number): Promise<void> {
  expectSippOk(await register(group, proxy, user, `sip:${user}@${ip}:${port}`, { ip, port }));
}

/** Registers each number as an AoR whose contact is one UAS port on the callee address. */
async function registerCallee(proxy: TsipsServer, numbers: readonly string[]): Promise<number> {
  const uasPort = await freePort(CALLEE_IP);
  for (const n of numbers) await registerUser(proxy, n, CALLEE_IP, uasPort);
  return uasPort;
}

/** A UAS taking `calls` calls on `port` (uas_call.xml: 180, 200, waits for the BYE). */
function startUas(name: string, port: number, calls: number, timeoutS = 30) {
  return startSipp(group, {
    name: `${name}-uas`, scenario: benchScenario('uas_call.xml'), localIp: CALLEE_IP, localPort: port,
    calls, timeoutS,
  });
}

/** alice (or `caller`) calls `number` `calls` times: one at a time unless `parallel`, each up `holdMs`. */
async function startCalls(proxy: TsipsServer, name: string, number: string,
  opts: { calls: number; holdMs?: number; parallel?: number; rate?: number; caller?: string; timeoutS?: number }) {
  return startSipp(group, {
    name: `${name}-uac`, scenario: scenario('uac_fraud_call.xml'), remote: proxy.address, localIp: CALLER_IP,
    localPort: await freePort(CALLER_IP), service: number, calls: opts.calls, rate: opts.rate ?? 20,
    keys: { caller: opts.caller ?? 'alice' }, timeoutS: opts.timeoutS ?? 30,
    extraArgs: ['-l', String(opts.parallel ?? 1), '-d', String(opts.holdMs ?? 0)],
  });
}

/** A sipp run whose every call ended as the scenario allows (answered, or refused with 403). */
function expectAllCallsDone(r: SippResult, calls: number): void {
  expect({ code: r.code, successful: r.successful, failed: r.failed, report: r.code === 0 ? '' : describeSipp(r) })
    .toEqual({ code: 0, successful: calls, failed: 0, report: '' });
}

// ---------------------------------------------------------------------------------------
// static rules

describe('static rules (check_fraud, profile 1)', () => {
  let proxy: TsipsServer;

  beforeAll(async () => {
    const dbPath = path.join(group.subdir('static-db'), 'tsips.db');
    await createDatabase(group, `sqlite://${dbPath}`);
    const db = new Database(dbPath);
    for (const rule of RULES) {
      const row: Record<string, string | number> = {
        profileid: 1, start_hour: '00:00', end_hour: '00:00', daysoftheweek: 'Mon-Sun', ...rule,
      };
      const cols = Object.keys(row);
      db.prepare(`INSERT INTO fraud_detection (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]));
    }
    db.close();
    // the learned part cannot refuse here (its critical is above the top score, 100):
    // these tests are about the static rules alone
    proxy = await startTsips(group, {
      template: configTemplate('fraud.cfg'), dbPath,
      vars: { LEARNED_THRESHOLD: 101, LEARNED_CRITICAL: 101, UTC_OFFSET: 0 },
    });
    await registerUser(proxy, 'alice', CALLER_IP, await freePort(CALLER_IP));
  });

  afterAll(async () => {
    await expectCleanStop(proxy);
  });

  it('refuses an INVITE of a caller that did not register', async () => {
    const uac = await (await startCalls(proxy, 'unregistered', `${CPM_PREFIX}4960999`, { calls: 1, caller: 'mallory' })).done;
    expect({ code: uac.code, report: uac.code === 0 ? '' : describeSipp(uac) }).toEqual({ code: 0, report: '' });
    expect(uac.messages).toMatch(/^SIP\/2\.0 403 Caller not registered/m);
    expect(fraudEvents(proxy.stderr).filter((e) => e.params['user'] === 'mallory')).toEqual([]);
  });

  it('calls per minute: warning at 3, critical at 5; the calls from the critical one on get 403', async () => {
    const number = `${CPM_PREFIX}4960001`;
    const uasPort = await registerCallee(proxy, [number]);
    // calls 1-4 are answered, 5 and 6 refused: the UAS takes exactly four
    const uas = startUas('cpm', uasPort, 4);
    await uas.ready();
    const uac = await (await startCalls(proxy, 'cpm', number, { calls: 6 })).done;
    expectAllCallsDone(uac, 6);
    expect(finalStatuses(uac)).toEqual([200, 200, 200, 200, 403, 403]);
    expect(uac.messages).toMatch(/^SIP\/2\.0 403 Fraud suspected/m);
    const uasResult = await uas.done;
    expect({ code: uasResult.code, successful: uasResult.successful }).toEqual({ code: 0, successful: 4 });

    const mine = (e: FraudEvent): boolean => e.params['called_number'] === number;
    const warnings = fraudEvents(proxy.stderr, 'E_FRD_WARNING').filter(mine);
    const criticals = fraudEvents(proxy.stderr, 'E_FRD_CRITICAL').filter(mine);
    expect(warnings.map((e) => [e.params['param'], e.params['value'], e.params['threshold']]))
      .toEqual([['calls-per-minute', '3', '3'], ['calls-per-minute', '4', '3']]);
    expect(criticals.map((e) => [e.params['param'], e.params['value'], e.params['threshold']]))
      .toEqual([['calls-per-minute', '5', '5'], ['calls-per-minute', '6', '5']]);
    expect(criticals[0]!.params).toMatchObject({ user: 'alice', rule_id: '1', profile_id: '1' });
  });

  it('concurrent calls: warning at 2 up at once, the 3rd is refused; after the BYEs a new call is accepted', async () => {
    const number = `${CONC_PREFIX}4960001`;
    const uasPort = await registerCallee(proxy, [number]);
    // two held calls and the one after they hung up
    const uas = startUas('conc', uasPort, 3);
    await uas.ready();
    const mark = proxy.stderr.length;
    // three calls 100 ms apart, each held 3 s: all three are set up while the first is up
    const held = await (await startCalls(proxy, 'conc-held', number, { calls: 3, parallel: 3, rate: 10, holdMs: 3000 })).done;
    expectAllCallsDone(held, 3);
    expect(finalStatuses(held)).toEqual([200, 200, 403]);
    const during = proxy.stderr.slice(mark);
    expect(fraudEvents(during, 'E_FRD_WARNING').map((e) => [e.params['param'], e.params['value'], e.params['called_number']]))
      .toEqual([['concurrent-calls', '2', number]]);
    expect(fraudEvents(during, 'E_FRD_CRITICAL').map((e) => [e.params['param'], e.params['value'], e.params['threshold']]))
      .toEqual([['concurrent-calls', '3', '3']]);

    // both answered calls hung up (their sipp got the 200 to its BYEs), the refused one never
    // was up: the next call is the only one up, so no threshold is reached
    const mark2 = proxy.stderr.length;
    const after = await (await startCalls(proxy, 'conc-after', number, { calls: 1 })).done;
    expectAllCallsDone(after, 1);
    expect(finalStatuses(after)).toEqual([200]);
    const log = proxy.stderr.slice(mark2);
    expect(log).toMatch(new RegExp(`FRAUD-CHECK static alice -> \\${number}: 1\\b`));
    expect(fraudEvents(log)).toEqual([]);
    const uasResult = await uas.done;
    expect({ code: uasResult.code, successful: uasResult.successful }).toEqual({ code: 0, successful: 3 });
  });

  it('call duration: an answered call up past 2 s raises the call-duration warning before its BYE', async () => {
    const number = `${DUR_PREFIX}4960001`;
    const uasPort = await registerCallee(proxy, [number]);
    const uas = startUas('dur', uasPort, 1);
    await uas.ready();
    const uac = await startCalls(proxy, 'dur', number, { calls: 1, holdMs: 6000 });
    const [line] = await waitForLines(() => proxy.stderr, /FRAUD-EVENT E_FRD_WARNING param=call-duration/, 1, 15000);
    const seenAt = Date.now();
    const r = await uac.done;
    expectAllCallsDone(r, 1);
    expect(finalStatuses(r)).toEqual([200]);
    expect(line).toBeDefined();
    // the event came from the timer over the live call, not from its end: the test saw the
    // line before the caller sent its BYE
    expect(seenAt).toBeLessThan(sentAt(r, 'BYE'));
    expectSippOk(await uas.done);
    const ev = fraudEvents(line!, 'E_FRD_WARNING')[0]!;
    expect(ev.params).toMatchObject({ param: 'call-duration', threshold: '2', user: 'alice', called_number: number, rule_id: '3' });
    expect(Number(ev.params['value'])).toBeGreaterThanOrEqual(2);
    expect(Number(ev.params['value'])).toBeLessThan(6);
    // the warning is raised once per call
    expect(fraudEvents(proxy.stderr, 'E_FRD_WARNING').filter((e) => e.params['param'] === 'call-duration')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------
// learned profile

const DAY = 86_400_000;
/** alice's usual numbers (London and Leeds fixed lines), the first her most called. */
const ALICE_NUMBERS = ['+442079460001', '+442079460002', '+442079460003', '+441134960010', '+441134960011'];
const CUBA = '+5372000001';

/** Minutes east of UTC that make `now` 03:00 in the users' wall clock (within -720..719). */
function offsetForThreeAm(now: number): number {
  const minutesUtc = Math.floor((now % DAY) / 60_000);
  let off = 180 - minutesUtc;
  if (off < -720) off += 1440;
  if (off >= 720) off -= 1440;
  return off;
}

/**
 * A detector fed three weeks of ordinary calls before `now`: alice and three colleagues call
 * UK numbers on weekdays in office hours (wall clock `offsetMin` east of UTC), answered, a
 * few minutes long. Deterministic (no randomness), in time order.
 */
function trainedDetector(now: number, offsetMin: number): LearnedDetector {
  const det = new LearnedDetector({ homeCountry: 'GB', utcOffsetMin: () => offsetMin });
  const users: Array<{ user: string; numbers: readonly string[] }> = [
    { user: 'alice', numbers: ALICE_NUMBERS },
    { user: 'bob', numbers: ['+441214960020', '+441214960021', '+442079460050'] },
    { user: 'carol', numbers: ['+441614960030', '+441614960031', '+441134960032'] },
    { user: 'dave', numbers: ['+442079460060', '+441314960061', '+441314960062'] },
  ];
  const calls: Array<{ user: string; number: string; t: number; durMs: number }> = [];
  const today = Math.floor((now + offsetMin * 60_000) / DAY);
  for (let d = 21; d >= 1; d--) {
    const localDay = (today - d) * DAY;
    const weekday = new Date(localDay).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    users.forEach(({ user, numbers }, u) => {
      // six calls between 09:00 and 17:00, spread so no two of a user overlap
      for (let k = 0; k < 6; k++) {
        const localMs = localDay + (9 * 60 + k * 80 + ((d * 7 + u * 13 + k * 5) % 40)) * 60_000;
        calls.push({
          user,
          number: numbers[(d + k * (u + 1)) % numbers.length]!,
          t: localMs - offsetMin * 60_000,
          durMs: (90 + ((d * 31 + k * 17 + u * 7) % 240)) * 1000,
        });
      }
    });
  }
  calls.sort((a, b) => a.t - b.t);
  for (const c of calls) {
    const { call } = det.assess({ user: c.user, number: c.number, t: c.t, sourceIp: CALLER_IP });
    call.answered(c.t + 4000);
    call.ended(c.t + 4000 + c.durMs, true);
  }
  return det;
}

describe('learned profile (check_fraud_learned)', () => {
  let proxy: TsipsServer;
  let dbPath: string;
  let savedAlice: string;
  const SAVED_AT = 1_000_000;

  beforeAll(async () => {
    const now = Date.now();
    const offset = offsetForThreeAm(now);
    const det = trainedDetector(now, offset);
    const alice = det.profile('alice');
    expect(alice).toBeDefined();
    savedAlice = JSON.stringify(alice);

    dbPath = path.join(group.subdir('learned-db'), 'tsips.db');
    await createDatabase(group, `sqlite://${dbPath}`);
    const db = new Database(dbPath);
    const put = db.prepare('INSERT INTO fraud_profiles (username, profile, updated) VALUES (?, ?, ?)');
    put.run('alice', savedAlice, SAVED_AT);
    put.run('', JSON.stringify(det.savedPopulation()), SAVED_AT);
    db.close();
    proxy = await startTsips(group, {
      template: configTemplate('fraud.cfg'), dbPath,
      // 90: the first call of the burst (new zone 30 + high risk 25 + night 25 = 80 points)
      // is flagged but passes; the burst then scores above it
      vars: { LEARNED_THRESHOLD: 60, LEARNED_CRITICAL: 90, UTC_OFFSET: offset },
    });
    await registerUser(proxy, 'alice', CALLER_IP, await freePort(CALLER_IP));
  });

  afterAll(async () => {
    await expectCleanStop(proxy);
  });

  it('flags a night burst to Cuba (new zone, night hour), refusing it from learned_critical on; her usual number still passes; the profile is saved at shutdown', async () => {
    const uasPort = await registerCallee(proxy, [ALICE_NUMBERS[0]!, CUBA]);
    // the UAS takes what passes (not known in advance: the score decides); it is not waited
    // for, the group's dispose ends it
    const uas = startUas('learned', uasPort, 10);
    await uas.ready();

    // four calls in a row to a Cuban number she never called
    const mark2 = proxy.stderr.length;
    const burst = await (await startCalls(proxy, 'learned-burst', CUBA, { calls: 4 })).done;
    expectAllCallsDone(burst, 4);
    const statuses = finalStatuses(burst);
    const anomalies = fraudEvents(proxy.stderr.slice(mark2), 'E_FRD_ANOMALY');
    // every call of the burst is an anomaly; the refused ones are exactly the critical ones
    expect(anomalies).toHaveLength(4);
    expect(anomalies.map((e) => (e.params['level'] === 'critical' ? 403 : 200))).toEqual(statuses);
    // the first is an anomaly below learned_critical: logged by the script and let through;
    // the burst reaches learned_critical and is refused
    expect(anomalies[0]!.params['level']).toBe('warning');
    expect(statuses[0]).toBe(200);
    expect(proxy.stderr.slice(mark2)).toMatch(new RegExp(`FRAUD-SUSPECT alice -> \\${CUBA} passes with score ${anomalies[0]!.params['score']}: `));
    expect(statuses[statuses.length - 1]).toBe(403);
    for (const e of anomalies) {
      expect(e.params).toMatchObject({ user: 'alice', called_number: CUBA, threshold: '60', zone: 'CU:fixed_line' });
      expect(Number(e.params['score'])).toBeGreaterThanOrEqual(60);
      expect(e.params['level'] === 'critical').toBe(Number(e.params['score']) >= 90);
    }
    const first = anomalies[0]!.params;
    expect(first['reasons']).toMatch(/first call (ever )?to zone CU:fixed_line/);
    expect(first['reasons']).toMatch(/03:0\d on a week(day|end) is outside this user's hours/);
    expect(first['codes']!.split(',')).toEqual(expect.arrayContaining(['new_zone', 'high_risk', 'off_hours']));

    // then her most called number, at the same night hour: odd hour (and right after a
    // burst of anomalies), but her number and zone: it passes
    const mark = proxy.stderr.length;
    const ordinary = await (await startCalls(proxy, 'learned-ordinary', ALICE_NUMBERS[0]!, { calls: 1 })).done;
    expectAllCallsDone(ordinary, 1);
    expect(finalStatuses(ordinary)).toEqual([200]);
    const ordinaryLog = proxy.stderr.slice(mark);
    expect(ordinaryLog).toMatch(new RegExp(`FRAUD-CHECK learned alice -> \\${ALICE_NUMBERS[0]}: (1|-1) score=\\d+ zone=GB:fixed_line`));
    expect(fraudEvents(ordinaryLog, 'E_FRD_ANOMALY').filter((e) => e.params['level'] === 'critical')).toEqual([]);

    // SIGTERM: the module writes what it learned
    await expectCleanStop(proxy);
    const db = new Database(dbPath);
    const row = db.prepare('SELECT profile, updated FROM fraud_profiles WHERE username = ?').get('alice') as { profile: string; updated: number };
    db.close();
    expect(row.updated).toBeGreaterThan(SAVED_AT);
    expect(row.profile).not.toBe(savedAlice);
    const learned = JSON.parse(row.profile) as Record<string, unknown>;
    expect(JSON.stringify(learned)).toContain('CU:fixed_line');
  });
});

