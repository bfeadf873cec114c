import type { CallAttempt, LearnedDetectorApi } from './detector-api';
import { TimedHeap } from './call-heap';
import { FRAUD_RULE_COLUMNS, rulesFromRows, type FraudColumnParam } from './index';
import { evaluateReplay, type ReplayAlert, type ReplayRecord } from './replay-eval';
import { replay } from './replay';
import type { RuleSet } from './rules';

/** Monday 2026-01-05 10:00:00 UTC. */
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const col = (p: FraudColumnParam): string => FRAUD_RULE_COLUMNS.find(([q]) => q === p)![1];

/** Real rules, as rows of the fraud_detection table (defaults: profile 0, every number, all week, all day). */
function rules(...rows: Array<Record<string, string | number>>): RuleSet {
  return rulesFromRows(rows.map((r) => ({ profileid: 0, prefix: '', start_hour: '00:00', end_hour: '00:00', daysoftheweek: 'Mon-Sun', ...r })), col);
}

let nextRow = 1;
beforeEach(() => { nextRow = 1; });
/** A record `s` seconds after T0. */
function rec(s: number, caller: string, callee: string, more: Partial<ReplayRecord> = {}): ReplayRecord {
  return { row: nextRow++, startMs: T0 + s * 1000, caller, callee, durationS: 0, sourceIp: '192.0.2.1', answered: false, ...more };
}

function run(records: ReplayRecord[], r: RuleSet, more: Partial<Parameters<typeof replay>[1]> = {}) {
  const alerts: ReplayAlert[] = [];
  const result = replay(records, { rules: r, utc: true, onAlert: (a) => alerts.push(a), ...more });
  return { alerts, result };
}

describe('static rules in replay', () => {
  it('calls-per-minute alerts from the configured warning, critical from the critical value; scores 50 / 100', () => {
    const r = rules({ ruleid: 3, cpm_warning: 3, cpm_critical: 5 });
    const { alerts, result } = run([0, 10, 20, 30, 40].map((s) => rec(s, 'alice', `+4420${s}`)), r);
    expect(alerts.map((a) => [a.row, a.kind, a.score])).toEqual([[3, 'static', 50], [4, 'static', 50], [5, 'static', 100]]);
    expect(alerts[0]!.reasons).toEqual(['calls-per-minute 3 reached the warning threshold 3 (rule 3)']);
    expect(alerts[2]!.reasons).toEqual(['calls-per-minute 5 reached the critical threshold 5 (rule 3)']);
    expect(alerts[2]).toMatchObject({ caller: 'alice', callee: '+442040', t: T0 + 40_000 });
    expect(result).toMatchObject({ records: 5, alerts: 3, evaluation: null });
  });

  it('the profile and the prefix select the rule; other users count apart', () => {
    const r = rules({ ruleid: 1, profileid: 2, prefix: '+53', total_calls_critical: 2 });
    const recs = [rec(0, 'bob', '+5371'), rec(1, 'carol', '+5371'), rec(2, 'bob', '+4471'), rec(3, 'bob', '+5372')];
    expect(run(recs, r).alerts).toEqual([]); // profile 0: no rule
    nextRow = 1;
    const again = [rec(0, 'bob', '+5371'), rec(1, 'carol', '+5371'), rec(2, 'bob', '+4471'), rec(3, 'bob', '+5372')];
    expect(run(again, r, { profile: 2 }).alerts.map((a) => [a.row, a.reasons[0]])).toEqual([[4, 'total-calls 2 reached the critical threshold 2 (rule 1)']]);
  });

  it('concurrency follows the calls ends: answered calls end after their duration, unanswered ones at start + ring time', () => {
    const r = rules({ ruleid: 1, concurrent_calls_critical: 2 });
    const recs = [
      rec(0, 'alice', '1', { answered: true, durationS: 60 }),
      rec(30, 'alice', '2', { answered: true, durationS: 60 }), // A still up: 2
      rec(60, 'alice', '3'), // A ended exactly now: B + this = 2
      rec(61, 'alice', '4', { durationS: 20 }), // unanswered, rings 20 s: B + this = 2
      rec(100, 'alice', '5'), // B ended at 90, 4 at 81: 1
    ];
    const { alerts } = run(recs, r);
    expect(alerts.map((a) => [a.row, a.reasons[0]])).toEqual([
      [2, 'concurrent-calls 2 reached the critical threshold 2 (rule 1)'],
      [3, 'concurrent-calls 2 reached the critical threshold 2 (rule 1)'],
      [4, 'concurrent-calls 2 reached the critical threshold 2 (rule 1)'],
    ]);
  });

  it('call-duration alerts while the call is up, at the threshold, once per call (the later critical does not alert again)', () => {
    const r = rules({ ruleid: 9, call_duration_warning: 60, call_duration_critical: 120 });
    const recs = [rec(0, 'alice', '1', { answered: true, durationS: 300 }), rec(10, 'bob', '2', { answered: true, durationS: 59 }), rec(500, 'carol', '3', { answered: true, durationS: 60 })];
    const { alerts } = run(recs, r);
    expect(alerts).toEqual([
      { row: 1, caller: 'alice', callee: '1', score: 50, kind: 'static', reasons: ['call-duration 60 s reached the warning threshold 60 s (rule 9)'], t: T0 + 60_000 },
      // A call as long as a threshold is checked at its end.
      { row: 3, caller: 'carol', callee: '3', score: 50, kind: 'static', reasons: ['call-duration 60 s reached the warning threshold 60 s (rule 9)'], t: T0 + 560_000 },
    ]);
  });

  it('records out of time order are an error naming the row', () => {
    const recs = [rec(10, 'a', '1'), rec(5, 'a', '2')];
    expect(() => run(recs, rules({ ruleid: 1 }))).toThrow(/^row 2: starts at 2026-01-05T10:00:05.000Z, before row 1/);
  });

  it('an async iterable (a file being read) gives the same alerts', async () => {
    const r = rules({ ruleid: 1, sequential_calls_warning: 2 });
    const recs = [rec(0, 'a', '7'), rec(1, 'a', '7'), rec(2, 'a', '8')];
    async function* gen() { for (const x of recs) yield x; }
    const alerts: ReplayAlert[] = [];
    const res = await replay(gen(), { rules: r, onAlert: (a) => alerts.push(a) });
    expect(alerts.map((a) => a.row)).toEqual([2]);
    expect(res.records).toBe(3);
    expect(res.recordsPerSecond).toBeGreaterThan(0);
  });
});

/** Scores +53 numbers 80 and everything else 10; records what it was told. */
function fakeLearned() {
  const seen: CallAttempt[] = [];
  const life: string[] = [];
  const api: LearnedDetectorApi = {
    assess(call) {
      seen.push(call);
      const high = call.number.startsWith('+53');
      return {
        assessment: { score: high ? 80 : 10, reasons: high ? [{ code: 'high_risk', points: 70, text: '+53 is a high-risk destination' }] : [], zone: high ? 'CU:fixed_line' : 'GB:mobile' },
        call: { answered: (t) => life.push(`${call.number} answered ${t - T0}`), ended: (t, a) => life.push(`${call.number} ended ${t - T0} ${a}`) },
      };
    },
  };
  return { api, seen, life };
}

describe('with a learned detector', () => {
  it('kinds learned / static / both; the learned score and reasons; the threshold option', () => {
    const r = rules({ ruleid: 4, sequential_calls_critical: 2 });
    const f = fakeLearned();
    const recs = [rec(0, 'a', '+5371'), rec(1, 'b', '+4471'), rec(2, 'b', '+4471'), rec(3, 'c', '+5372'), rec(4, 'c', '+5372')];
    const { alerts } = run(recs, r, { learned: f.api });
    expect(alerts.map((a) => [a.row, a.kind, a.score])).toEqual([[1, 'learned', 80], [3, 'static', 100], [4, 'learned', 80], [5, 'both', 80]]);
    expect(alerts[3]!.reasons).toEqual(['sequential-calls 2 reached the critical threshold 2 (rule 4)', '+53 is a high-risk destination']);
    nextRow = 1;
    const strict = run([rec(0, 'a', '+5371')], r, { learned: f.api, threshold: 81 });
    expect(strict.alerts).toEqual([]);
    const broken: LearnedDetectorApi = { assess: () => { throw new Error('model not loaded'); } };
    expect(() => run([rec(9, 'a', '1')], r, { learned: broken })).toThrow('row 2: learned detector: model not loaded');
  });

  it('the detector sees the attempt only (no label, no episode) and hears the answer at start and the end after the duration', () => {
    const f = fakeLearned();
    const recs = [
      rec(0, 'a', '+5371', { answered: true, durationS: 30, label: 'fraud', episode: 'e1' }),
      rec(5, 'a', '+4471', { durationS: 4, label: 'legit' }),
      rec(40, 'a', '+4472', { label: 'legit' }),
    ];
    run(recs, rules(), { learned: f.api });
    expect(f.seen[0]).toEqual({ user: 'a', number: '+5371', t: T0, sourceIp: '192.0.2.1' });
    expect(f.life).toEqual(['+5371 answered 0', '+4471 ended 9000 false', '+5371 ended 30000 true', '+4472 ended 40000 false']);
  });
});

describe('evaluation', () => {
  const alert = (row: number, s: number): ReplayAlert => ({ row, caller: 'x', callee: 'y', score: 90, kind: 'learned', reasons: [], t: T0 + s * 1000 });

  it('episodes detected, calls and seconds to the first alert (median, worst), undetected ones, false alerts per 1,000 legit calls', () => {
    const recs = [
      rec(0, 'm', '1', { label: 'fraud', episode: 'e1' }), // row 1
      rec(10, 'm', '2', { label: 'fraud', episode: 'e1' }),
      rec(20, 'm', '3', { label: 'fraud', episode: 'e1' }), // row 3: first alert of e1 (3 calls, 20 s)
      rec(30, 'n', '1', { label: 'fraud', episode: 'e2' }), // row 4: e2 alerted at its first call
      rec(40, 'o', '1', { label: 'fraud', episode: 'e3' }), // never alerted
      ...Array.from({ length: 8 }, (_, i) => rec(50 + i, 'l', String(i), { label: 'legit' })), // rows 6..13
    ];
    const e = evaluateReplay(recs, [alert(3, 20), alert(2, 25), alert(4, 30), alert(7, 51), alert(1, 40)])!;
    expect(e).toEqual({
      episodes: 3, detected: 2, undetected: ['e3'],
      callsToDetect: { median: 2, worst: 3 }, secondsToDetect: { median: 10, worst: 20 },
      detections: [{ episode: 'e1', calls: 3, seconds: 20 }, { episode: 'e2', calls: 1, seconds: 0 }],
      legitRows: 8, fraudRows: 5, falseAlerts: 1, falseAlertsPer1000: 125,
    });
  });

  it('a duration alert counts the episode calls started by then; no labels: no evaluation', () => {
    const recs = [rec(0, 'm', '1', { label: 'fraud', episode: 'e', answered: true, durationS: 600 }), rec(30, 'm', '2', { label: 'fraud', episode: 'e' }), rec(90, 'm', '3', { label: 'fraud', episode: 'e' })];
    const { result } = run(recs, rules({ ruleid: 1, call_duration_critical: 60 }));
    expect(result.evaluation).toMatchObject({ episodes: 1, detected: 1, callsToDetect: { median: 2, worst: 2 }, secondsToDetect: { median: 60, worst: 60 }, falseAlertsPer1000: 0 });
    expect(evaluateReplay([rec(0, 'a', '1')], [])).toBeNull();
    expect(() => evaluateReplay([rec(0, 'a', '1')], [alert(99, 0)])).toThrow(/row 99/);
  });
});

it('TimedHeap: earliest first, equal times in insertion order', () => {
  const h = new TimedHeap<string>();
  const times = [5, 1, 9, 1, 7, 3, 3, 8, 0, 5, 2];
  times.forEach((t, i) => h.push(t, `${t}:${i}`));
  expect(h.size).toBe(times.length);
  const out: string[] = [];
  while (h.size > 0) out.push(h.pop()!);
  expect(out).toEqual(times.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => `${x.t}:${x.i}`));
  expect(h.pop()).toBeUndefined();
  expect(h.peekTime()).toBe(Number.POSITIVE_INFINITY);
});
