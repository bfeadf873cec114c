/**
 * Where ratelimit keeps its pipes. The engine only talks to {@link PipeStore}; the local
 * implementation is a table of `hash_size` buckets (as OpenSIPS's rl_htable), each a Map.
 * A shared backend (a Redis/cachedb store, or a store fed by cluster replication) plugs in
 * by implementing the same interface: pipes stay local objects and a shared store merges
 * the other instances' counters into {@link Pipe.remote} before the algorithms read them.
 */

/** Algorithm of a pipe, named as rl_check() and the MI output spell them. */
export type RlAlgorithm = 'TAILDROP' | 'RED' | 'NETWORK' | 'FEEDBACK' | 'SBT';

/** Sliding window of an SBT pipe (OpenSIPS rl_window_t). */
export interface SbtWindow {
  /** Message count per slot; a circular buffer of window_size*1000/slot_period slots. */
  readonly slots: Int32Array;
  /** Slot of the last update. */
  startIndex: number;
  /** Time (ms) of the last update; -1 while the window was never used or was reset. */
  startTime: number;
  /** Sum of the slots. */
  total: number;
}

export interface Pipe {
  readonly algo: RlAlgorithm;
  /** Last limit given to rl_check (each call updates it). */
  limit: number;
  /** Messages counted by this instance in the current interval (SBT: in the window). */
  counter: number;
  /** Counters of other instances, summed by a shared store (0 for the local store). */
  remote: number;
  /** Counter at the end of the previous interval (what ratelimit:list shows). */
  lastCounter: number;
  /** RED: drop every load-th message; NETWORK: -1 (over the limit) or 1. Computed by the timer. */
  load: number;
  /** Seconds since the epoch of the last rl_check on this pipe (idle pipes expire). */
  lastUsed: number;
  readonly window: SbtWindow | null;
}

export interface PipeStore {
  readonly size: number;
  find(name: string): Pipe | undefined;
  /** The pipe under `name`, created with `make` when there is none. */
  obtain(name: string, make: () => Pipe): Pipe;
  remove(name: string): boolean;
  /** Every pipe, bucket by bucket; `fn` may remove the pipe it is given. */
  forEach(fn: (name: string, pipe: Pipe) => void): void;
}

/** Bucket of a name: FNV-1a over the UTF-16 units, masked to the (power of two) table size. */
export function bucketOf(name: string, mask: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & mask;
}

/** The local store: `size` buckets (a power of two). */
export class LocalPipeStore implements PipeStore {
  private readonly buckets: Map<string, Pipe>[];
  private readonly mask: number;
  private count = 0;

  constructor(hashSize: number) {
    if (!Number.isInteger(hashSize) || hashSize <= 0 || (hashSize & (hashSize - 1)) !== 0) {
      throw new Error(`hash size must be a positive power of 2, got ${hashSize}`);
    }
    this.mask = hashSize - 1;
    this.buckets = [];
    for (let i = 0; i < hashSize; i++) this.buckets.push(new Map());
  }

  get size(): number {
    return this.count;
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  find(name: string): Pipe | undefined {
    return this.buckets[bucketOf(name, this.mask)]!.get(name);
  }

  obtain(name: string, make: () => Pipe): Pipe {
    const b = this.buckets[bucketOf(name, this.mask)]!;
    let p = b.get(name);
    if (p === undefined) {
      p = make();
      b.set(name, p);
      this.count++;
    }
    return p;
  }

  remove(name: string): boolean {
    const removed = this.buckets[bucketOf(name, this.mask)]!.delete(name);
    if (removed) this.count--;
    return removed;
  }

  forEach(fn: (name: string, pipe: Pipe) => void): void {
    for (const b of this.buckets) {
      if (b.size === 0) continue;
      // Deleting the current entry while iterating a Map is safe.
      for (const [name, pipe] of b) fn(name, pipe);
    }
  }
}
