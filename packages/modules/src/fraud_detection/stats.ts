/**
 * Per (user, prefix) call statistics of fraud_detection, behind a small store interface
 * so a shared backend can hold them later.
 */

const WINDOW = 60;

export class UserStats {
  /** Calls per second over the last minute (ring indexed by second % 60). */
  readonly perSecond = new Uint16Array(WINDOW);
  cpm = 0;
  /** Last second a call was counted in the ring (-Infinity: never). */
  lastSec = Number.NEGATIVE_INFINITY;
  totalCalls = 0;
  concurrentCalls = 0;
  seqCalls = 0;
  lastDial = '';
  ruleId = -1;
  /** The window occurrence the totals belong to. */
  windowStart = 0;
  windowEnd = 0;
  /** Bumped on each reset, so calls of an older interval do not decrement the new one. */
  interval = 0;

  /** Moves the calls-per-minute ring to `sec`, dropping seconds older than a minute. */
  advance(sec: number): void {
    const gap = sec - this.lastSec;
    if (gap <= 0) return;
    if (gap >= WINDOW) {
      this.perSecond.fill(0);
      this.cpm = 0;
    } else {
      for (let s = this.lastSec + 1; s <= sec; s++) {
        const i = s % WINDOW;
        this.cpm -= this.perSecond[i]!;
        this.perSecond[i] = 0;
      }
    }
    this.lastSec = sec;
  }

  countCall(sec: number): void {
    this.advance(sec);
    this.perSecond[sec % WINDOW]!++;
    this.cpm++;
  }

  /** A new rule or window: the counters of the previous one are dropped (live calls stay counted). */
  reset(): void {
    this.perSecond.fill(0);
    this.cpm = 0;
    this.totalCalls = 0;
    this.seqCalls = 0;
    this.lastDial = '';
    this.interval++;
  }
}

export interface FraudStatsStore {
  get(user: string, prefix: string): UserStats | undefined;
  getOrCreate(user: string, prefix: string): UserStats;
  /** Frees the entries `idle` says are idle; returns how many. */
  sweep(idle: (s: UserStats) => boolean): number;
  readonly size: number;
}

/** The local store: one map keyed by user and prefix. */
export function localFraudStatsStore(): FraudStatsStore {
  const m = new Map<string, UserStats>();
  const key = (user: string, prefix: string): string => `${user}\u0000${prefix}`;
  return {
    get: (u, p) => m.get(key(u, p)),
    getOrCreate(u, p) {
      const k = key(u, p);
      let s = m.get(k);
      if (s === undefined) m.set(k, (s = new UserStats()));
      return s;
    },
    sweep(idle) {
      let n = 0;
      for (const [k, s] of m) {
        if (idle(s)) {
          m.delete(k);
          n++;
        }
      }
      return n;
    },
    get size() {
      return m.size;
    },
  };
}
