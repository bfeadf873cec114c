/** Named counters ("core:rcv_requests", "sl:sent_replies"), as OpenSIPS's statistics. */
export class Stats {
  private readonly values = new Map<string, number>();
  private disabled: string[] = [];

  add(name: string, delta = 1): void {
    if (this.disabled.length > 0 && this.disabled.some((p) => name.startsWith(p))) return;
    this.values.set(name, (this.values.get(name) ?? 0) + delta);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  disable(prefix: string): void {
    if (!this.disabled.includes(prefix)) this.disabled.push(prefix);
  }

  /** Every counter, sorted by name. */
  all(): Array<[string, number]> {
    return [...this.values.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
}
