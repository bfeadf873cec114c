/**
 * The ratelimit engine: pipes, the five algorithms, the per-interval timer and the PID
 * controller of FEEDBACK, with OpenSIPS's semantics (modules/ratelimit: ratelimit.c and
 * ratelimit_helper.c). No I/O and no timers of its own: the clock and the load sources are
 * given, and the module calls {@link RatelimitEngine.timer} every timer_interval seconds,
 * so tests drive it with a fake clock.
 */
import type { CpuLoadSource, NetworkLoadSource } from './load-sources';
import type { Pipe, PipeStore, RlAlgorithm, SbtWindow } from './store';

export const RL_ALGORITHMS: readonly RlAlgorithm[] = ['TAILDROP', 'RED', 'NETWORK', 'FEEDBACK', 'SBT'];

/** The algorithm an rl_check/default_algorithm word names (case-insensitive), or null. */
export function algorithmOf(word: string): RlAlgorithm | null {
  const w = word.trim().toUpperCase();
  return (RL_ALGORITHMS as readonly string[]).includes(w) ? (w as RlAlgorithm) : null;
}

export interface RlConfig {
  /** Seconds between timer runs (counter resets, RED/NETWORK/FEEDBACK recomputation). */
  timerInterval: number;
  /** TAILDROP/RED limits count per timer_interval (true) or per second (false). */
  limitPerInterval: boolean;
  /** Seconds an idle pipe is kept. */
  expireTime: number;
  defaultAlgorithm: RlAlgorithm;
  /** SBT: seconds covered by the window. */
  windowSize: number;
  /** SBT: milliseconds per slot (divides windowSize * 1000). */
  slotPeriod: number;
}

export interface RlEngineDeps {
  store: PipeStore;
  /** Milliseconds since the epoch. */
  now: () => number;
  cpuLoad: CpuLoadSource;
  networkLoad: NetworkLoadSource;
  /** OpenSIPS levels: -1 error, 1 warning, 4 debug. */
  log: (level: number, text: string) => void;
}

export interface PidGains {
  ki: number;
  kp: number;
  kd: number;
}

/** What ratelimit:list shows of one pipe. */
export interface PipeInfo {
  id: string;
  algorithm: RlAlgorithm;
  limit: number;
  counter: number;
}

/**
 * A fixed permutation of 0..99 (FEEDBACK drops a message when the entry of its counter is
 * below the drop rate, so out of any 100 consecutive messages exactly drop_rate are
 * dropped, spread over the interval instead of bunched). Built by a seeded shuffle.
 */
const DROP_ORDER: Int8Array = (() => {
  const a = new Int8Array(100);
  for (let i = 0; i < 100; i++) a[i] = i;
  let seed = 0x2545f491;
  for (let i = 99; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
})();

export const FEEDBACK_DROP_ORDER: ArrayLike<number> = DROP_ORDER;

const MAX_WARNED_ALGOS = 64;

export class RatelimitEngine {
  readonly cfg: RlConfig;
  readonly store: PipeStore;
  private readonly deps: RlEngineDeps;
  private readonly slots: number;
  private readonly windowMs: number;

  /** NETWORK pipes alive (the timer reads the network only when there are some). */
  private networkPipes = 0;
  /** Bytes waiting on our sockets at the last timer run. */
  networkLoad = 0;
  /** CPU load (0..1) at the last timer run. */
  cpuLoad = 0;
  /** The FEEDBACK limit (percent) fixed by the first FEEDBACK pipe; 0 until then. */
  feedbackLimit = 0;
  /** Percent of messages FEEDBACK pipes drop, output of the PID controller. */
  dropRate = 0;
  private readonly pid: PidGains = { ki: -25, kp: 0, kd: 0 };
  private setpoint = 0;
  private intErr = 0;
  private lastErr = 0;
  private readonly warnedAlgos = new Set<string>();

  constructor(cfg: RlConfig, deps: RlEngineDeps) {
    this.cfg = cfg;
    this.deps = deps;
    this.store = deps.store;
    this.windowMs = cfg.windowSize * 1000;
    this.slots = Math.floor(this.windowMs / cfg.slotPeriod);
  }

  private nowSec(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  /** Limit of a TAILDROP/RED pipe over one interval. */
  private intervalLimit(limit: number): number {
    return limit * (this.cfg.limitPerInterval ? 1 : this.cfg.timerInterval);
  }

  /**
   * rl_check: counts the message in the pipe (made on first use) and runs its algorithm.
   * 1 admitted, -1 over the limit. Errors (bad FEEDBACK limit) log and admit, as OpenSIPS.
   */
  check(rawName: string, limit: number, algorithm: string | null = null): number {
    const name = this.pipeName(rawName);
    let algo: RlAlgorithm | null = null;
    if (algorithm !== null && algorithm !== '') {
      algo = algorithmOf(algorithm);
      if (algo === null) this.warnAlgo(algorithm);
    }
    let pipe = this.store.find(name);
    const effective = pipe?.algo ?? algo ?? this.cfg.defaultAlgorithm;
    if (effective === 'FEEDBACK') {
      if (this.feedbackLimit !== 0) {
        if (this.feedbackLimit !== limit) {
          this.deps.log(1, `FEEDBACK limit should be the same for all pipes, but new limit ${limit} differs - setting to ${this.feedbackLimit}`);
          limit = this.feedbackLimit;
        }
      } else {
        if (limit <= 0 || limit >= 100) {
          this.deps.log(-1, `invalid limit ${limit} for FEEDBACK algorithm (must be between 0 and 100)`);
          return 1;
        }
        this.feedbackLimit = limit;
        this.setpoint = 0.01 * limit;
      }
    }
    if (pipe === undefined) {
      const lim = limit;
      pipe = this.store.obtain(name, () => this.newPipe(lim, effective));
      if (pipe.algo === 'NETWORK') this.networkPipes++;
    } else {
      if (algo !== null && algo !== pipe.algo) {
        this.deps.log(1, `algorithm ${algo} different from the initial one ${pipe.algo} for pipe ${name}`);
      }
      pipe.limit = limit;
    }
    pipe.lastUsed = this.nowSec();
    pipe.counter++;
    return this.run(pipe);
  }

  /** The pipe name without its replication suffix ("gw/b" -> "gw"), warning that tsips does not replicate. */
  private pipeName(raw: string): string {
    const last = raw.charCodeAt(raw.length - 1);
    // Fast path: a suffix ends with 'r' or 'b'.
    if (last !== 0x72 && last !== 0x62) return raw;
    const slash = raw.lastIndexOf('/');
    if (slash < 1) return raw;
    const suffix = raw.slice(slash + 1);
    if (!/^[rb]+$/.test(suffix)) return raw;
    const name = raw.slice(0, slash).trim();
    if (this.store.find(name) === undefined) {
      if (suffix.includes('r')) this.deps.log(1, `cachedb replication not configured! ignoring the /r flag of pipe ${name}`);
      if (suffix.includes('b')) this.deps.log(1, `clusterer replication not configured! ignoring the /b flag of pipe ${name}`);
    }
    return name;
  }

  private warnAlgo(word: string): void {
    if (this.warnedAlgos.has(word) || this.warnedAlgos.size >= MAX_WARNED_ALGOS) return;
    this.warnedAlgos.add(word);
    this.deps.log(1, `unknown ratelimit algorithm '${word}': using the pipe's or the default one (${this.cfg.defaultAlgorithm})`);
  }

  private newPipe(limit: number, algo: RlAlgorithm): Pipe {
    const window: SbtWindow | null = algo === 'SBT' ? { slots: new Int32Array(this.slots), startIndex: 0, startTime: -1, total: 0 } : null;
    return { algo, limit, counter: 0, remote: 0, lastCounter: 0, load: 0, lastUsed: 0, window };
  }

  /** The algorithm's verdict on the pipe's current counter: 1 admit, -1 drop. */
  private run(pipe: Pipe): number {
    if (pipe.algo === 'SBT') return this.slide(pipe, 1) > pipe.limit ? -1 : 1;
    const counter = pipe.counter + pipe.remote;
    switch (pipe.algo) {
      case 'TAILDROP':
        return counter <= this.intervalLimit(pipe.limit) ? 1 : -1;
      case 'RED':
        // Drops all but every load-th message, load being how many times over its limit the pipe was last interval.
        if (pipe.load === 0) return 1;
        return counter % pipe.load !== 0 ? -1 : 1;
      case 'NETWORK':
        return pipe.load !== 0 ? pipe.load : 1;
      case 'FEEDBACK':
        return DROP_ORDER[((counter % 100) + 100) % 100]! < this.dropRate ? -1 : 1;
    }
  }

  /**
   * SBT: adds `update` to the window at the current time and returns the messages in the
   * window. Slots are counted from the time of the last update: one that is a whole window
   * old clears everything, one in a later slot zeroes the slots skipped over.
   */
  private slide(pipe: Pipe, update: number): number {
    const w = pipe.window!;
    const now = this.deps.now();
    const slotMs = this.cfg.slotPeriod;
    const nowIndex = Math.floor((((now % this.windowMs) + this.windowMs) % this.windowMs) / slotMs);
    const slots = w.slots;
    const n = slots.length;
    // w.total is kept equal to the sum of the slots, so a check costs the slots skipped over, not the window.
    if (w.startTime < 0 || now - w.startTime >= this.windowMs) {
      slots.fill(0);
      w.startTime = now;
      w.startIndex = nowIndex;
      slots[nowIndex] = update;
      w.total = update;
    } else if (now - w.startTime >= slotMs) {
      let total = w.total;
      for (let i = (w.startIndex + 1) % n; i !== nowIndex; i = (i + 1) % n) {
        total -= slots[i]!;
        slots[i] = 0;
      }
      total += update - slots[nowIndex]!;
      slots[nowIndex] = update;
      w.startTime = now;
      w.startIndex = nowIndex;
      w.total = total;
    } else {
      slots[w.startIndex]! += update;
      w.total += update;
    }
    const sum = w.total;
    pipe.counter = sum;
    return sum + pipe.remote;
  }

  /**
   * rl_dec_count (delta -1) and rl_reset_count / ratelimit:reset_pipe (delta 0). False when
   * there is no such pipe. A counter never goes below zero; an SBT reset clears the window.
   */
  changeCount(name: string, delta: number): boolean {
    const pipe = this.store.find(name);
    if (pipe === undefined) return false;
    if (pipe.algo === 'SBT') {
      if (delta === 0) {
        pipe.window!.slots.fill(0);
        pipe.window!.startTime = -1;
        pipe.window!.total = 0;
        pipe.counter = 0;
      } else {
        this.slide(pipe, delta);
      }
    } else if (delta !== 0 && pipe.counter + delta >= 0) {
      pipe.counter += delta;
    } else {
      pipe.counter = 0;
    }
    return true;
  }

  /** $rl_count: the pipe's current counter (SBT: messages in the window), null when there is no such pipe. */
  count(name: string): number | null {
    const pipe = this.store.find(name);
    if (pipe === undefined) return null;
    if (pipe.algo === 'SBT') return this.slide(pipe, 0);
    return pipe.counter + pipe.remote;
  }

  /**
   * The per-interval work: reads the CPU load (and updates the PID controller), reads the
   * network load when NETWORK pipes exist, removes pipes idle for more than expire_time,
   * recomputes RED/NETWORK loads and starts a new interval (counters to zero).
   */
  timer(): void {
    const cpu = this.deps.cpuLoad();
    if (cpu === null) {
      this.deps.log(-1, 'cannot update CPU load');
    } else {
      this.cpuLoad = cpu;
      // The controller runs once a FEEDBACK pipe gave it a setpoint; before that there is
      // nothing to drive (OpenSIPS integrates against setpoint 0 meanwhile).
      if (this.feedbackLimit !== 0) this.updatePid();
    }
    if (this.networkPipes > 0) {
      const bytes = this.deps.networkLoad();
      if (bytes === null) this.deps.log(-1, 'cannot read the network load');
      else this.networkLoad = bytes;
    }
    const now = this.nowSec();
    const expire = this.cfg.expireTime;
    const interval = this.cfg.timerInterval;
    this.store.forEach((name, p) => {
      if (p.lastUsed + expire < now) {
        if (p.algo === 'NETWORK') this.networkPipes--;
        this.store.remove(name);
        return;
      }
      if (p.algo === 'NETWORK') {
        p.load = this.networkLoad > p.limit ? -1 : 1;
      } else if (p.algo === 'RED' && p.limit !== 0 && interval !== 0) {
        p.load = Math.trunc(p.counter / this.intervalLimit(p.limit));
      }
      p.lastCounter = p.counter + p.remote;
      p.counter = 0;
    });
  }

  private updatePid(): void {
    const err = this.setpoint - this.cpuLoad;
    const difErr = err - this.lastErr;
    // Only integrate while it brings the output up or down from a positive drop rate, so a
    // long quiet period (which negative drop rates cannot express) does not wind it up.
    if (this.intErr < 0 || err < 0) this.intErr += err;
    const out = this.pid.kp * err + this.pid.ki * this.intErr + this.pid.kd * difErr;
    this.lastErr = err;
    this.dropRate = out > 0 ? Math.trunc(out) : 0;
  }

  setPid(g: PidGains): void {
    this.pid.ki = g.ki;
    this.pid.kp = g.kp;
    this.pid.kd = g.kd;
  }

  getPid(): PidGains {
    return { ...this.pid };
  }

  info(name: string, p: Pipe): PipeInfo {
    return { id: name, algorithm: p.algo, limit: p.limit, counter: p.lastCounter };
  }

  /** SBT window of a pipe as ratelimit:dump_pipe shows it, counted at the current time. */
  windowDump(p: Pipe): Record<string, unknown> {
    const w = p.window!;
    const buckets: { Index: number; Count: number }[] = [];
    if (w.startTime < 0) return { Buckets: buckets, Status: 'Uninitialized' };
    const n = w.slots.length;
    const elapsed = this.deps.now() - w.startTime;
    let total = 0;
    let status = 'OK';
    if (elapsed >= 2 * this.windowMs) {
      status = 'Expired';
    } else if (elapsed >= this.windowMs) {
      // Slots older than a window from now no longer count.
      const first = (Math.floor((elapsed - this.windowMs) / this.cfg.slotPeriod) + 1 + w.startIndex) % n;
      for (let i = first; i !== w.startIndex; i = (i + 1) % n) {
        buckets.push({ Index: i, Count: w.slots[i]! });
        total += w.slots[i]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        buckets.push({ Index: i, Count: w.slots[i]! });
        total += w.slots[i]!;
      }
    }
    return { 'Window Size': n, Buckets: buckets, Status: status, 'Bucket Total': total };
  }
}
