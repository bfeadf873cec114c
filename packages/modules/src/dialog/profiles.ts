/**
 * Dialog profiles (OpenSIPS dlg_profile.c): named sets of dialogs, with or without a value
 * per member ("calls of user X"), counted in constant time for concurrency caps. Members
 * leave when their dialog ends (BYE, failure, cancel, timeout).
 */
import type { Dialog } from './store';

export class Profile {
  /** Members by value ('' for a profile without values). */
  readonly members = new Map<string, Set<Dialog>>();
  constructor(readonly name: string, readonly hasValue: boolean, readonly shared: boolean) {}

  size(value: string | null): number {
    if (!this.hasValue || value === null) {
      let n = 0;
      for (const s of this.members.values()) n += s.size;
      return n;
    }
    return this.members.get(value)?.size ?? 0;
  }

  dialogs(value: string | null): Dialog[] {
    if (!this.hasValue || value === null) return [...this.members.values()].flatMap((s) => [...s]);
    return [...(this.members.get(value) ?? [])];
  }
}

export class ProfileTable {
  private readonly byName = new Map<string, Profile>();

  /** Adds the profiles of a modparam value ("name1; name2/s"); returns an error message. */
  declare(list: string, hasValue: boolean): string | undefined {
    for (const raw of list.split(';')) {
      let name = raw.trim();
      if (name === '') continue;
      let shared = false;
      const slash = name.indexOf('/');
      if (slash !== -1) {
        const mod = name.slice(slash + 1).trim();
        if (mod !== 's' && mod !== 'b') return `profile '${name}': unknown option '/${mod}'`;
        shared = true;
        name = name.slice(0, slash).trim();
      }
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) return `'${name}' is not a profile name`;
      if (this.byName.has(name)) return `profile '${name}' is declared twice`;
      this.byName.set(name, new Profile(name, hasValue, shared));
    }
    return undefined;
  }

  get(name: string): Profile | undefined {
    return this.byName.get(name);
  }

  all(): IterableIterator<Profile> {
    return this.byName.values();
  }

  /** Adds the dialog (with that value); false when already a member with it. */
  add(p: Profile, d: Dialog, value: string): boolean {
    const v = p.hasValue ? value : '';
    let set = p.members.get(v);
    if (set === undefined) {
      set = new Set();
      p.members.set(v, set);
    }
    if (set.has(d)) return false;
    set.add(d);
    (d.profiles ??= []).push(p.name, v);
    return true;
  }

  /** Removes the dialog from the profile (only that value when given); how many memberships went. */
  remove(p: Profile, d: Dialog, value: string | null): number {
    const links = d.profiles;
    if (links === null) return 0;
    let n = 0;
    for (let i = links.length - 2; i >= 0; i -= 2) {
      if (links[i] !== p.name) continue;
      const v = links[i + 1]!;
      if (p.hasValue && value !== null && v !== value) continue;
      links.splice(i, 2);
      const set = p.members.get(v);
      if (set !== undefined) {
        set.delete(d);
        if (set.size === 0) p.members.delete(v);
      }
      n++;
    }
    if (links.length === 0) d.profiles = null;
    return n;
  }

  isIn(p: Profile, d: Dialog, value: string | null): boolean {
    const links = d.profiles;
    if (links === null) return false;
    for (let i = 0; i < links.length; i += 2) {
      if (links[i] === p.name && (!p.hasValue || value === null || links[i + 1] === value)) return true;
    }
    return false;
  }

  /** Every membership of the dialog goes (it ended). */
  removeAll(d: Dialog): void {
    const links = d.profiles;
    if (links === null) return;
    for (let i = 0; i < links.length; i += 2) {
      const set = this.byName.get(links[i]!)?.members.get(links[i + 1]!);
      if (set === undefined) continue;
      set.delete(d);
      if (set.size === 0) this.byName.get(links[i]!)!.members.delete(links[i + 1]!);
    }
    d.profiles = null;
  }

  /** "name#value;name2#;..." as the dialog table's profiles column keeps them. */
  static serialize(d: Dialog): string | null {
    const links = d.profiles;
    if (links === null) return null;
    const out: string[] = [];
    for (let i = 0; i < links.length; i += 2) out.push(`${encodeURIComponent(links[i]!)}#${encodeURIComponent(links[i + 1]!)}`);
    return out.join(';');
  }

  restore(d: Dialog, text: string | null): void {
    if (text === null || text === '') return;
    for (const item of text.split(';')) {
      const hash = item.indexOf('#');
      if (hash === -1) continue;
      const p = this.byName.get(decodeURIComponent(item.slice(0, hash)));
      if (p !== undefined) this.add(p, d, decodeURIComponent(item.slice(hash + 1)));
    }
  }
}
