/**
 * Every tm timer (retransmissions, final-response and wait timers of all transactions) lives
 * in one binary min-heap driven by a single host timer armed for the earliest deadline.
 * Scheduling is a heap push with no closure (the target object and a small kind number say
 * what to do); cancelling only marks the entry, which is skipped when it surfaces. When
 * cancelled entries dominate, the heap is rebuilt without them so memory stays bounded under
 * load (fr_inv_timeout entries cancelled by every answered call, say).
 */

/** Where time comes from; tests hand in jest's fake timers through the globals. */
export interface TimerSource {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: TimerSource = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    // A pending retransmission must not keep a stopping process alive.
    if (typeof h === 'object' && h !== null && typeof (h as NodeJS.Timeout).unref === 'function') (h as NodeJS.Timeout).unref();
    return h;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** An object a timer calls back: `kind` tells it which of its timers fired. */
export interface TimerTarget {
  onTimer(kind: number): void;
}

export class TimerEntry {
  cancelled = false;
  constructor(
    readonly due: number,
    readonly seq: number,
    /** Cleared on cancel, so a cancelled entry waiting in the heap holds no transaction in memory. */
    public target: TimerTarget | null,
    readonly kind: number,
  ) {}
}

/** Entries due within this many ms of the one that fired run in the same wake-up. */
const COALESCE_MS = 2;

export class TimerQueue {
  private heap: TimerEntry[] = [];
  private seq = 0;
  private cancelledCount = 0;
  private armedFor = Infinity;
  private handle: unknown = null;
  private stopped = false;
  private readonly fire = (): void => this.run();

  constructor(private readonly source: TimerSource = systemTimers) {}

  now(): number {
    return this.source.now();
  }

  /** Live (not cancelled) entries. */
  get size(): number {
    return this.heap.length - this.cancelledCount;
  }

  schedule(target: TimerTarget, kind: number, delayMs: number): TimerEntry {
    const e = new TimerEntry(this.source.now() + Math.max(0, delayMs), this.seq++, target, kind);
    this.push(e);
    if (e.due < this.armedFor) this.arm(e.due);
    return e;
  }

  /** Cancels an entry (null is fine); returns null so callers can write `t = q.cancel(t)`. */
  cancel(e: TimerEntry | null): null {
    if (e !== null && !e.cancelled) {
      e.cancelled = true;
      e.target = null;
      this.cancelledCount++;
      if (this.cancelledCount > 1024 && this.cancelledCount * 2 > this.heap.length) this.compact();
    }
    return null;
  }

  /** Stops the host timer and forgets every entry. */
  stop(): void {
    this.stopped = true;
    if (this.handle !== null) this.source.clearTimeout(this.handle);
    this.handle = null;
    this.armedFor = Infinity;
    this.heap = [];
    this.cancelledCount = 0;
  }

  private arm(due: number): void {
    if (this.stopped) return;
    if (this.handle !== null) this.source.clearTimeout(this.handle);
    this.armedFor = due;
    this.handle = this.source.setTimeout(this.fire, Math.max(0, due - this.source.now()));
  }

  private run(): void {
    this.handle = null;
    this.armedFor = Infinity;
    const limit = this.source.now() + COALESCE_MS;
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.due <= limit) {
      const e = this.pop();
      if (e.cancelled) {
        this.cancelledCount--;
        continue;
      }
      // Marked so a late cancel() of a fired entry does not count it twice.
      e.cancelled = true;
      const target = e.target!;
      e.target = null;
      try {
        target.onTimer(e.kind);
      } catch {
        // A failing handler must not stop the other timers; handlers log their own errors.
      }
      if (this.stopped) return;
    }
    while (heap.length > 0 && heap[0]!.cancelled) {
      this.pop();
      this.cancelledCount--;
    }
    if (heap.length > 0) this.arm(heap[0]!.due);
  }

  private compact(): void {
    const live = this.heap.filter((e) => !e.cancelled);
    live.sort(before);
    this.heap = live;
    this.cancelledCount = 0;
  }

  private push(e: TimerEntry): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (before(p, e) <= 0) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  private pop(): TimerEntry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(heap[r]!, heap[l]!) < 0 ? r : l;
        if (before(last, heap[c]!) <= 0) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: TimerEntry, b: TimerEntry): number {
  return a.due !== b.due ? a.due - b.due : a.seq - b.seq;
}
