/**
 * The static check of fraud_detection without a script or a dialog: the rule match, the
 * per-user counters and the thresholds in OpenSIPS's order, on an explicit clock. The
 * module (index.ts) drives it from check_fraud() and the dialog; replay drives it from CDR
 * records on a simulated clock, so both count the same way.
 */
import type { ScriptValue } from '@tsips/script';
import type { CallTracker } from './detector-api';
import { RuleSet, wallOf, type FraudRule } from './rules';
import { localFraudStatsStore, type FraudStatsStore, type UserStats } from './stats';

/** check_fraud() return codes (OpenSIPS). */
export const FRD = { NO_RULE: 2, OK: 1, WARNING: -1, CRITICAL: -2, ERROR: -3 } as const;

/** The statistic an event is about, as OpenSIPS names it in the event's `param`. */
export type FraudParam = 'calls-per-minute' | 'total-calls' | 'concurrent-calls' | 'sequential-calls' | 'call-duration';

/** One E_FRD_WARNING / E_FRD_CRITICAL. */
export interface StaticFraudEvent {
  readonly name: 'E_FRD_WARNING' | 'E_FRD_CRITICAL';
  readonly level: 'warning' | 'critical';
  readonly param: FraudParam;
  readonly value: number;
  readonly threshold: number;
  readonly user: string;
  readonly number: string;
  readonly rule: FraudRule;
}

/** The parameters OpenSIPS gives the event. */
export function fraudEventParams(e: StaticFraudEvent): Record<string, ScriptValue> {
  return { param: e.param, value: e.value, threshold: e.threshold, user: e.user, called_number: e.number, rule_id: e.rule.id, profile_id: e.rule.profile };
}

/** What a check found: the code check_fraud() returns, the event it raised, the call to report the answer and end to (null: no rule). */
export interface StaticCheckResult {
  readonly code: number;
  readonly event: StaticFraudEvent | null;
  readonly call: StaticCall | null;
}

export interface StaticCheckerOptions {
  rules?: RuleSet;
  store?: FraudStatsStore;
  /** Rule windows are in UTC (use_utc_time=1) or local time. */
  utc?: boolean;
  /** Events raised after the check: call-duration, from a call's end or tick(). check()'s own event is returned instead. */
  onEvent?: (e: StaticFraudEvent) => void;
}

const CHECKS = [
  ['calls-per-minute', 'cpm'],
  ['total-calls', 'total'],
  ['concurrent-calls', 'concurrent'],
  ['sequential-calls', 'sequential'],
] as const;

function valueOf(s: UserStats, k: (typeof CHECKS)[number][1]): number {
  switch (k) {
    case 'cpm': return s.cpm;
    case 'total': return s.totalCalls;
    case 'concurrent': return s.concurrentCalls;
    case 'sequential': return s.seqCalls;
  }
}

function fired(level: 'warning' | 'critical', param: FraudParam, value: number, threshold: number, user: string, number: string, rule: FraudRule): StaticFraudEvent {
  return { name: level === 'critical' ? 'E_FRD_CRITICAL' : 'E_FRD_WARNING', level, param, value, threshold, user, number, rule };
}

/** A counted call: its answer and end come back here (it implements the learned detector's CallTracker too). */
export class StaticCall implements CallTracker {
  private answeredAt = -1;
  /** 0 nothing raised yet, 1 warning raised, 2 critical raised. */
  private raised = 0;
  private done = false;

  constructor(
    private readonly owner: StaticFraudChecker,
    private readonly stats: UserStats,
    private readonly interval: number,
    readonly user: string,
    readonly number: string,
    readonly rule: FraudRule,
  ) {}

  answered(t: number): void {
    this.answeredAt = t;
  }

  /** The call ended: an answered call gets its last duration check; the concurrency goes back down. A second end changes nothing. */
  ended(t: number, answered: boolean): void {
    if (this.done) return;
    this.done = true;
    this.owner.forget(this);
    if (answered) this.checkDuration(t);
    // Never below zero, and a call of an older interval does not take from the new one.
    if (this.interval === this.stats.interval && this.stats.concurrentCalls > 0) this.stats.concurrentCalls--;
  }

  /** Raises call-duration warning then critical, once each, when the answered call has lasted long enough at `t`. */
  checkDuration(t: number): StaticFraudEvent | null {
    if (this.answeredAt < 0) return null;
    const { warning, critical } = this.rule.duration;
    const dur = Math.floor((t - this.answeredAt) / 1000);
    let e: StaticFraudEvent | null = null;
    if (critical > 0 && dur >= critical && this.raised < 2) {
      this.raised = 2;
      e = fired('critical', 'call-duration', dur, critical, this.user, this.number, this.rule);
    } else if (warning > 0 && dur >= warning && this.raised < 1) {
      this.raised = 1;
      e = fired('warning', 'call-duration', dur, warning, this.user, this.number, this.rule);
    }
    if (e !== null) this.owner.emit(e);
    return e;
  }
}

/** The rules, the statistics and the calls up, of one fraud_detection instance. */
export class StaticFraudChecker {
  /** Replaced as a whole on reload. */
  rules: RuleSet;
  utc: boolean;
  readonly store: FraudStatsStore;
  private readonly active = new Set<StaticCall>();
  private readonly onEvent: (e: StaticFraudEvent) => void;

  constructor(opts: StaticCheckerOptions = {}) {
    this.rules = opts.rules ?? new RuleSet();
    this.store = opts.store ?? localFraudStatsStore();
    this.utc = opts.utc ?? false;
    this.onEvent = opts.onEvent ?? (() => undefined);
  }

  /** Calls counted and not ended yet. */
  get activeCalls(): number {
    return this.active.size;
  }

  /**
   * check_fraud() at `t` (ms): counts the call in the user's statistics of the matching
   * rule and returns the first threshold reached, critical ones before warnings, in the
   * order calls-per-minute, total, concurrent, sequential. The call counts as concurrent
   * until its `call.ended()`.
   */
  check(user: string, number: string, profile: number, t: number): StaticCheckResult {
    const m = this.rules.match(profile, number, wallOf(t, this.utc), this.utc);
    if (m === null) return { code: FRD.NO_RULE, event: null, call: null };
    const { rule, window } = m;
    const s = this.store.getOrCreate(user, rule.prefix);
    if (s.ruleId !== rule.id || s.windowStart !== window.start) {
      s.reset();
      s.ruleId = rule.id;
      s.windowStart = window.start;
      s.windowEnd = window.end;
    }
    if (s.lastDial === number) s.seqCalls++;
    else {
      s.lastDial = number;
      s.seqCalls = 1;
    }
    s.totalCalls++;
    s.countCall(Math.floor(t / 1000));
    s.concurrentCalls++;

    let code: number = FRD.OK;
    let event: StaticFraudEvent | null = null;
    outer: for (const level of ['critical', 'warning'] as const) {
      for (const [param, k] of CHECKS) {
        const threshold = rule[k][level];
        const value = valueOf(s, k);
        if (threshold > 0 && value >= threshold) {
          event = fired(level, param, value, threshold, user, number, rule);
          code = level === 'critical' ? FRD.CRITICAL : FRD.WARNING;
          break outer;
        }
      }
    }
    const call = new StaticCall(this, s, s.interval, user, number, rule);
    this.active.add(call);
    return { code, event, call };
  }

  /** One timer round at `t`: call-duration checks of the calls up, then the sweep (statistics of no further use, #3411). */
  tick(t: number): void {
    for (const c of this.active) c.checkDuration(t);
    this.sweep(t);
  }

  /** Frees the statistics whose window ended at `t` and that have no call up; returns how many. */
  sweep(t: number): number {
    return this.store.sweep((s) => s.concurrentCalls === 0 && t >= s.windowEnd);
  }

  /** Forgets every call up (shutdown). */
  clear(): void {
    this.active.clear();
  }

  /** @internal StaticCall's way back. */
  forget(c: StaticCall): void {
    this.active.delete(c);
  }

  /** @internal StaticCall's way back. */
  emit(e: StaticFraudEvent): void {
    this.onEvent(e);
  }
}
