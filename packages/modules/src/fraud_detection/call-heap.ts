/**
 * A binary min-heap of timed items, earliest first, equal times in insertion order: replay
 * keeps the answers, duration checkpoints and ends of the calls up in one, so delivering
 * what is due before the next record costs O(log calls up) each.
 */
export class TimedHeap<T> {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  /** Time of the earliest item (Infinity when empty). */
  peekTime(): number {
    return this.items.length === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  push(t: number, item: T): void {
    let i = this.items.length;
    const s = this.seq++;
    this.times.push(t);
    this.seqs.push(s);
    this.items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(t, s, p)) break;
      this.move(p, i);
      i = p;
    }
    this.set(i, t, s, item);
  }

  /** Removes and returns the earliest item; undefined when empty. */
  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0]!;
    const t = this.times.pop()!;
    const s = this.seqs.pop()!;
    const item = this.items.pop()!;
    if (n > 1) {
      const len = n - 1;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= len) break;
        const r = l + 1;
        const c = r < len && this.earlier(r, l) ? r : l;
        if (!this.after(t, s, c)) break;
        this.move(c, i);
        i = c;
      }
      this.set(i, t, s, item);
    }
    return top;
  }

  /** (t, s) comes before the item at i. */
  private before(t: number, s: number, i: number): boolean {
    const ti = this.times[i]!;
    return t < ti || (t === ti && s < this.seqs[i]!);
  }

  /** (t, s) comes after the item at i. */
  private after(t: number, s: number, i: number): boolean {
    return !this.before(t, s, i);
  }

  private earlier(a: number, b: number): boolean {
    return this.before(this.times[a]!, this.seqs[a]!, b);
  }

  private move(from: number, to: number): void {
    this.set(to, this.times[from]!, this.seqs[from]!, this.items[from]!);
  }

  private set(i: number, t: number, s: number, item: T): void {
    this.times[i] = t;
    this.seqs[i] = s;
    this.items[i] = item;
  }
}
