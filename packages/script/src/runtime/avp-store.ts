import type { ScriptValue } from '../values';
import type { PvAssignOp } from '../exports/types';

/**
 * AVPs of one message (OpenSIPS usr_avp lists): every name holds a stack of values, the
 * most recently added first. `$avp(x)` reads the top, `$(avp(x)[i])` the i-th from the top
 * (negative counts from the oldest), `$(avp(x)[*])` all of them.
 *
 * Writes follow pv_set_avp:
 *   `= v`        adds v on top;             `:= v` deletes every value, then adds v;
 *   `[i] = v`    replaces the i-th value;   `[*] = v` deletes every value, then adds v;
 *   `= NULL`     deletes the top value;     `:= NULL`, `[*] = NULL` delete every value;
 *   `[i] = NULL` deletes the i-th value.
 */
export class AvpStore {
  private readonly stacks = new Map<string, ScriptValue[]>();

  clear(): void {
    if (this.stacks.size > 0) this.stacks.clear();
  }

  /** The i-th value from the top (negative: from the oldest); null when absent. */
  get(name: string, index = 0): ScriptValue {
    const s = this.stacks.get(name);
    if (s === undefined || s.length === 0) return null;
    const i = index < 0 ? s.length + index : index;
    if (i < 0 || i >= s.length) return null;
    return s[s.length - 1 - i]!;
  }

  /** Every value, top first. */
  all(name: string): ScriptValue[] {
    const s = this.stacks.get(name);
    return s === undefined ? [] : s.slice().reverse();
  }

  count(name: string): number {
    return this.stacks.get(name)?.length ?? 0;
  }

  names(): string[] {
    return [...this.stacks.keys()].filter((n) => this.count(n) > 0);
  }

  /** Adds a value on top. */
  push(name: string, value: string | number): void {
    let s = this.stacks.get(name);
    if (s === undefined) {
      s = [];
      this.stacks.set(name, s);
    }
    s.push(value);
  }

  deleteAll(name: string): void {
    this.stacks.delete(name);
  }

  /** Deletes the i-th value from the top (negative: from the oldest). */
  deleteAt(name: string, index: number): void {
    const s = this.stacks.get(name);
    if (s === undefined) return;
    const i = index < 0 ? s.length + index : index;
    if (i < 0 || i >= s.length) return;
    s.splice(s.length - 1 - i, 1);
  }

  /** Replaces the i-th value from the top; returns false when there is no such value. */
  replaceAt(name: string, index: number, value: string | number): boolean {
    const s = this.stacks.get(name);
    if (s === undefined) return false;
    const i = index < 0 ? s.length + index : index;
    if (i < 0 || i >= s.length) return false;
    s[s.length - 1 - i] = value;
    return true;
  }

  /**
   * One script assignment. `index` undefined: no index written; 'all': `[*]`.
   * `+=`/`-=` are resolved by the compiler into a plain `=` of the computed value on the
   * top value (OpenSIPS evaluates `x += v` as `x = x + v`).
   */
  assign(name: string, op: PvAssignOp, value: ScriptValue, index: number | 'all' | undefined): boolean {
    if (value === null) {
      if (op === ':=' || index === 'all') this.deleteAll(name);
      else this.deleteAt(name, index ?? 0);
      return true;
    }
    if (op === ':=' || index === 'all') this.deleteAll(name);
    if (typeof index === 'number') return this.replaceAt(name, index, value);
    this.push(name, value);
    return true;
  }
}
