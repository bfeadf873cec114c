/**
 * replay: runs the static fraud_detection check and, when given, the learned detector over
 * CDR records in time order on a simulated clock, as if the calls went through the proxy:
 * before each record, the answers, duration checkpoints and ends of the earlier calls
 * that are due are delivered (so concurrency and call-duration count as live), then the
 * attempt is checked. The detectors see the caller, callee, start, source address and the
 * outcome afterwards; never the label or the episode (only the evaluation reads those).
 */
import { DEFAULT_LEARNED_THRESHOLD, type CallTracker, type LearnedDetectorApi } from './detector-api';
import { TimedHeap } from './call-heap';
import { ReplayEvaluator, type AlertKind, type ReplayAlert, type ReplayEvaluation, type ReplayRecord } from './replay-eval';
import type { RuleSet } from './rules';
import { StaticFraudChecker, type StaticCall, type StaticFraudEvent } from './static-check';

export interface ReplayOptions {
  /** Rules of the static check (an empty set: the static check never alerts). */
  rules: RuleSet;
  /** The profile id check_fraud() is given (default 0). */
  profile?: number;
  /** Rule windows in UTC (use_utc_time=1); default false, local time, as the module. */
  utc?: boolean;
  /** The learned detector; none: static only. */
  learned?: LearnedDetectorApi | null;
  /** Learned score at or above which a call is an alert (default DEFAULT_LEARNED_THRESHOLD). */
  threshold?: number;
  /** Each alert, as it fires (at most one per call). */
  onAlert?: (a: ReplayAlert) => void;
}

export interface ReplayResult {
  readonly records: number;
  readonly alerts: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  /** Null when no record carried a label or an episode. */
  readonly evaluation: ReplayEvaluation | null;
}

/** "calls-per-minute 12 reached the critical threshold 10 (rule 3)". */
export function staticReason(e: StaticFraudEvent): string {
  const unit = e.param === 'call-duration' ? ' s' : '';
  return `${e.param} ${e.value}${unit} reached the ${e.level} threshold ${e.threshold}${unit} (rule ${e.rule.id})`;
}

/** Static-only alerts have no learned score: the level stands for one. */
const LEVEL_SCORE = { critical: 100, warning: 50 } as const;

/** A call up in the replay. */
interface LiveCall {
  readonly record: ReplayRecord;
  readonly stat: StaticCall | null;
  readonly learned: CallTracker | null;
  alerted: boolean;
}

/** A due item of the heap: a duration checkpoint (the call is up) or the call's end. */
interface Due {
  readonly call: LiveCall;
  readonly end: boolean;
}

/** Statistics whose window ended are freed once per simulated hour (the module does it every second; the result is the same). */
const SWEEP_EVERY_MS = 3_600_000;

/** One replay in progress: feed records in time order, then finish(). */
export class ReplayRun {
  private readonly checker: StaticFraudChecker;
  private readonly heap = new TimedHeap<Due>();
  private readonly evaluator = new ReplayEvaluator();
  private readonly profile: number;
  private readonly learned: LearnedDetectorApi | null;
  private readonly threshold: number;
  private readonly onAlert: (a: ReplayAlert) => void;
  private readonly started = performance.now();
  private lastT = Number.NEGATIVE_INFINITY;
  private lastRow = 0;
  private nextSweep = Number.NEGATIVE_INFINITY;
  /** The call whose duration checkpoint or end is being delivered (call-duration events belong to it). */
  private current: LiveCall | null = null;
  private now = 0;
  private records = 0;
  private alerts = 0;

  constructor(opts: ReplayOptions) {
    this.profile = opts.profile ?? 0;
    this.learned = opts.learned ?? null;
    this.threshold = opts.threshold ?? DEFAULT_LEARNED_THRESHOLD;
    this.onAlert = opts.onAlert ?? (() => undefined);
    this.checker = new StaticFraudChecker({ rules: opts.rules, utc: opts.utc ?? false, onEvent: (e) => this.durationEvent(e) });
  }

  /** Replays one record; records must come in time order (equal start times are fine). */
  feed(r: ReplayRecord): void {
    const t = r.startMs;
    if (!Number.isFinite(t)) throw new Error(`row ${r.row}: no valid start time`);
    if (t < this.lastT) {
      throw new Error(`row ${r.row}: starts at ${new Date(t).toISOString()}, before row ${this.lastRow} (${new Date(this.lastT).toISOString()}); records must be in time order (sort the CDR file by start)`);
    }
    this.lastT = t;
    this.lastRow = r.row;
    this.deliverUpTo(t);
    if (t >= this.nextSweep) {
      this.checker.sweep(t);
      this.nextSweep = t + SWEEP_EVERY_MS;
    }
    this.records++;
    this.evaluator.observe(r);

    const s = this.checker.check(r.caller, r.callee, this.profile, t);
    const l = this.assess(r);
    const call: LiveCall = { record: r, stat: s.call, learned: l?.call ?? null, alerted: false };
    // Answered calls are answered at their start: CDRs give no ring time of answered calls.
    if (r.answered) {
      s.call?.answered(t);
      l?.call.answered(t);
    }
    const learnedAlert = l !== null && l.assessment.score >= this.threshold;
    if (s.event !== null || learnedAlert) {
      const kind: AlertKind = s.event === null ? 'learned' : learnedAlert ? 'both' : 'static';
      const reasons = s.event === null ? [] : [staticReason(s.event)];
      if (learnedAlert) for (const x of l.assessment.reasons) reasons.push(x.text);
      const score = learnedAlert ? l.assessment.score : LEVEL_SCORE[s.event!.level];
      this.alert(call, { row: r.row, caller: r.caller, callee: r.callee, score, kind, reasons, t });
    }

    const dur = r.durationS > 0 ? r.durationS * 1000 : 0;
    if (dur === 0) {
      this.end(call, t);
      return;
    }
    const rule = s.call?.rule;
    if (r.answered && rule !== undefined) {
      // The module's timer raises call-duration while the call is up: checkpoints at the thresholds reached before the end.
      for (const thr of [rule.duration.warning, rule.duration.critical]) {
        if (thr > 0 && thr * 1000 < dur) this.heap.push(t + thr * 1000, { call, end: false });
      }
    }
    this.heap.push(t + dur, { call, end: true });
  }

  private assess(r: ReplayRecord): ReturnType<LearnedDetectorApi['assess']> | null {
    if (this.learned === null) return null;
    try {
      return this.learned.assess({ user: r.caller, number: r.callee, t: r.startMs, sourceIp: r.sourceIp });
    } catch (e) {
      throw new Error(`row ${r.row}: learned detector: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  /** Ends the calls still up, then the totals and the evaluation. */
  finish(): ReplayResult {
    this.deliverUpTo(Number.POSITIVE_INFINITY);
    const elapsedMs = performance.now() - this.started;
    return {
      records: this.records,
      alerts: this.alerts,
      elapsedMs,
      recordsPerSecond: elapsedMs > 0 ? (this.records * 1000) / elapsedMs : 0,
      evaluation: this.evaluator.result(),
    };
  }

  /** Delivers what is due at or before `t`: a call ending at a record's start is no longer up for it. */
  private deliverUpTo(t: number): void {
    while (this.heap.size > 0 && this.heap.peekTime() <= t) {
      const at = this.heap.peekTime();
      const d = this.heap.pop()!;
      if (d.end) this.end(d.call, at);
      else {
        this.current = d.call;
        this.now = at;
        d.call.stat?.checkDuration(at);
        this.current = null;
      }
    }
  }

  private end(call: LiveCall, t: number): void {
    const answered = call.record.answered;
    this.current = call;
    this.now = t;
    call.stat?.ended(t, answered);
    this.current = null;
    call.learned?.ended(t, answered);
  }

  /** A call-duration event of the call being delivered: an alert unless the call alerted already. */
  private durationEvent(e: StaticFraudEvent): void {
    const call = this.current;
    if (call === null || call.alerted) return;
    const r = call.record;
    this.alert(call, { row: r.row, caller: r.caller, callee: r.callee, score: LEVEL_SCORE[e.level], kind: 'static', reasons: [staticReason(e)], t: this.now });
  }

  private alert(call: LiveCall, a: ReplayAlert): void {
    call.alerted = true;
    this.alerts++;
    this.evaluator.alerted(a, call.record);
    this.onAlert(a);
  }
}

function isAsync<T>(x: Iterable<T> | AsyncIterable<T>): x is AsyncIterable<T> {
  return typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/**
 * Replays the records (in time order: a record starting before the previous one is an
 * error naming its row; replay does not sort, so a file of any size streams through).
 * Synchronous for an iterable, a promise for an async iterable (a file being read).
 */
export function replay(records: Iterable<ReplayRecord>, opts: ReplayOptions): ReplayResult;
export function replay(records: AsyncIterable<ReplayRecord>, opts: ReplayOptions): Promise<ReplayResult>;
export function replay(records: Iterable<ReplayRecord> | AsyncIterable<ReplayRecord>, opts: ReplayOptions): ReplayResult | Promise<ReplayResult>;
export function replay(records: Iterable<ReplayRecord> | AsyncIterable<ReplayRecord>, opts: ReplayOptions): ReplayResult | Promise<ReplayResult> {
  const run = new ReplayRun(opts);
  if (!isAsync(records)) {
    for (const r of records) run.feed(r);
    return run.finish();
  }
  return (async () => {
    for await (const r of records) run.feed(r);
    return run.finish();
  })();
}
