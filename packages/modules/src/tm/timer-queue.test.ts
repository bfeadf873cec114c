import { TimerQueue, type TimerSource, type TimerTarget } from './timer-queue';

/** A manual clock: `advance` fires the host timer when its time comes. */
class ManualSource implements TimerSource {
  t = 1000;
  pending: { fn: () => void; at: number } | null = null;
  arms = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.arms++;
    this.pending = { fn, at: this.t + ms };
    return this.pending;
  }
  clearTimeout(h: unknown): void {
    if (this.pending === h) this.pending = null;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.pending !== null && this.pending.at <= end) {
      const p = this.pending;
      this.pending = null;
      this.t = Math.max(this.t, p.at);
      p.fn();
    }
    this.t = end;
  }
}

function recorder(log: string[], name: string): TimerTarget {
  return { onTimer: (kind) => log.push(`${name}:${kind}`) };
}

describe('TimerQueue', () => {
  it('fires entries in deadline order with one host timer', () => {
    const src = new ManualSource();
    const q = new TimerQueue(src);
    const log: string[] = [];
    q.schedule(recorder(log, 'b'), 2, 300);
    q.schedule(recorder(log, 'a'), 1, 100);
    q.schedule(recorder(log, 'c'), 3, 300);
    expect(q.size).toBe(3);
    src.advance(99);
    expect(log).toEqual([]);
    src.advance(1);
    expect(log).toEqual(['a:1']);
    src.advance(200);
    expect(log).toEqual(['a:1', 'b:2', 'c:3']);
    expect(q.size).toBe(0);
    expect(src.pending).toBeNull();
  });

  it('skips cancelled entries and re-arms for the next live one', () => {
    const src = new ManualSource();
    const q = new TimerQueue(src);
    const log: string[] = [];
    const first = q.schedule(recorder(log, 'x'), 1, 50);
    q.schedule(recorder(log, 'y'), 1, 500);
    expect(q.cancel(first)).toBeNull();
    expect(first.target).toBeNull(); // a cancelled entry keeps nothing alive
    expect(q.size).toBe(1);
    src.advance(499);
    expect(log).toEqual([]);
    src.advance(1);
    expect(log).toEqual(['y:1']);
  });

  it('lets a handler schedule new entries while firing, and compacts a heap full of cancelled entries', () => {
    const src = new ManualSource();
    const q = new TimerQueue(src);
    const log: string[] = [];
    let n = 0;
    const again: TimerTarget = {
      onTimer: () => {
        log.push(`tick${++n}`);
        if (n < 3) q.schedule(again, 1, 10);
      },
    };
    q.schedule(again, 1, 10);
    src.advance(100);
    expect(log).toEqual(['tick1', 'tick2', 'tick3']);
    const entries = Array.from({ length: 5000 }, (_, i) => q.schedule(recorder(log, `e${i}`), 1, 1000 + i));
    for (let i = 0; i < 4990; i++) q.cancel(entries[i]!);
    expect(q.size).toBe(10);
    src.advance(10_000);
    expect(log.slice(3)).toEqual(Array.from({ length: 10 }, (_, i) => `e${4990 + i}:1`));
  });

  it('stop() forgets everything and never fires again', () => {
    const src = new ManualSource();
    const q = new TimerQueue(src);
    const log: string[] = [];
    q.schedule(recorder(log, 'z'), 1, 10);
    q.stop();
    src.advance(100);
    expect(log).toEqual([]);
    q.schedule(recorder(log, 'z'), 1, 10);
    src.advance(100);
    expect(log).toEqual([]);
  });
});
