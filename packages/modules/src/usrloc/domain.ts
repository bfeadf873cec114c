/**
 * One usrloc table ("domain" in OpenSIPS terms, e.g. "location"): AOR -> contacts in memory,
 * with changes persisted through a {@link LocationBackend} per the SQL write mode:
 * - `none`: memory only;
 * - `write-through`: every change is written before the call returns (crash-safe);
 * - `write-back`: changes are marked and written by {@link UsrlocDomain.flush} (timer, shutdown).
 */
import type { DbResult } from '@tsips/core';
import type { ScriptValue } from '@tsips/script';
import { whenDone } from '@tsips/core';
import type { LocationBackend } from './backend';
import { type ContactInfo, isValid, type Ucontact, type Urecord } from './contact';

/** usrloc contact flag: kept in memory only, never written to the database (OpenSIPS FL_MEM). */
export const FL_MEM = 1;

export type SqlWriteMode = 'none' | 'write-through' | 'write-back';

export type UsrlocEventName = 'E_UL_AOR_INSERT' | 'E_UL_AOR_DELETE' | 'E_UL_CONTACT_INSERT' | 'E_UL_CONTACT_DELETE' | 'E_UL_CONTACT_UPDATE';

/** Receives usrloc events with their parameters (the module raises them to event_route). */
export type UsrlocEventSink = (name: UsrlocEventName, params: Record<string, ScriptValue>) => void;

export interface DomainOptions {
  name: string;
  writeMode: SqlWriteMode;
  backend: LocationBackend | null;
  /** Newest contact first instead of q order (desc_time_order). */
  descTimeOrder: boolean;
  /** Current time in ms. */
  now: () => number;
  events: UsrlocEventSink;
  /** Text of a contact's branch flags for events. */
  flagText: (c: Ucontact) => string;
}

function sorted(contacts: Ucontact[], descTime: boolean): void {
  if (descTime) contacts.sort((a, b) => b.lastModified - a.lastModified);
  // Array.prototype.sort is stable: among equal q the older binding stays first, as OpenSIPS keeps it.
  else contacts.sort((a, b) => b.q - a.q);
}

export class UsrlocDomain {
  readonly name: string;
  private readonly records = new Map<string, Urecord>();
  /** Write-back: contacts removed from memory whose rows are still in the database. */
  private pendingDeletes: Ucontact[] = [];
  private localId = 0;

  constructor(private readonly o: DomainOptions) {
    this.name = o.name;
  }

  /** Loads every binding from the backend (start-up): expired ones are dropped (and deleted). */
  load(): DbResult<number> {
    const b = this.o.backend;
    if (b === null) return 0;
    const nowSec = Math.floor(this.o.now() / 1000);
    return whenDone(b.load(), (rows) => {
      let n = 0;
      for (const c of rows) {
        if (!isValid(c, nowSec)) continue;
        let r = this.records.get(c.aor);
        if (r === undefined) {
          r = { aor: c.aor, contacts: [] };
          this.records.set(c.aor, r);
        }
        r.contacts.push(c);
        n++;
      }
      for (const r of this.records.values()) sorted(r.contacts, this.o.descTimeOrder);
      return whenDone(b.deleteExpired(nowSec), () => n);
    });
  }

  get(aor: string): Urecord | undefined {
    return this.records.get(aor);
  }

  /** Valid contacts of an AOR, in fork order. */
  validContacts(aor: string, nowSec: number): Ucontact[] {
    const r = this.records.get(aor);
    if (r === undefined) return [];
    return r.contacts.filter((c) => isValid(c, nowSec));
  }

  aors(): IterableIterator<Urecord> {
    return this.records.values();
  }

  get size(): number {
    return this.records.size;
  }

  contactCount(): number {
    let n = 0;
    for (const r of this.records.values()) n += r.contacts.length;
    return n;
  }

  private persisted(c: Ucontact): boolean {
    return this.o.backend !== null && this.o.writeMode !== 'none' && (c.flags & FL_MEM) === 0;
  }

  /** Adds a contact to an AOR (creating the AOR). `memoryOnly`: never written to the database (save flag). */
  insert(aor: string, uri: string, info: ContactInfo, memoryOnly = false): DbResult<Ucontact> {
    const c: Ucontact = {
      ...info, id: 0, aor, uri, lastModified: this.o.now(), cflagNames: null, kvStore: null,
      state: this.o.writeMode === 'write-back' && !memoryOnly ? 'new' : 'clean',
    };
    if (memoryOnly) c.flags |= FL_MEM;
    const finish = (id: number | bigint): Ucontact => {
      c.id = id;
      let r = this.records.get(aor);
      const newAor = r === undefined;
      if (r === undefined) {
        r = { aor, contacts: [] };
        this.records.set(aor, r);
      }
      r.contacts.push(c);
      sorted(r.contacts, this.o.descTimeOrder);
      if (newAor) this.o.events('E_UL_AOR_INSERT', { domain: this.name, aor });
      this.o.events('E_UL_CONTACT_INSERT', this.eventParams(c));
      return c;
    };
    if (this.o.writeMode === 'write-through' && this.persisted(c)) return whenDone(this.o.backend!.insert(c), finish);
    return finish(++this.localId);
  }

  /** Changes a contact's data (refresh). */
  update(c: Ucontact, info: ContactInfo, memoryOnly = false): DbResult<void> {
    const wasMem = (c.flags & FL_MEM) !== 0;
    const flags = memoryOnly ? info.flags | FL_MEM : info.flags & ~FL_MEM;
    const apply = (id?: number | bigint): void => {
      Object.assign(c, info);
      c.flags = flags;
      if (id !== undefined) c.id = id;
      c.lastModified = this.o.now();
      c.cflagNames = null;
      if (this.o.writeMode === 'write-back' && !memoryOnly) {
        if (wasMem) c.state = 'new';
        else if (c.state === 'clean') c.state = 'dirty';
      }
      const r = this.records.get(c.aor);
      if (r !== undefined) sorted(r.contacts, this.o.descTimeOrder);
      this.o.events('E_UL_CONTACT_UPDATE', this.eventParams(c));
    };
    if (this.o.writeMode === 'write-through' && this.o.backend !== null && !memoryOnly) {
      const next: Ucontact = { ...c, ...info, flags, lastModified: this.o.now(), cflagNames: null };
      // A binding saved memory-only before has no row yet.
      if (wasMem) return whenDone(this.o.backend.insert(next), (id) => apply(id));
      return whenDone(this.o.backend.update(next), () => apply());
    }
    apply();
    return undefined;
  }

  /** Removes one contact (and its AOR when it was the last one). */
  remove(c: Ucontact): DbResult<void> {
    const apply = (): void => {
      const r = this.records.get(c.aor);
      if (r === undefined) return;
      const i = r.contacts.indexOf(c);
      if (i < 0) return;
      r.contacts.splice(i, 1);
      if (this.o.writeMode === 'write-back' && c.state !== 'new' && this.persisted(c)) this.pendingDeletes.push(c);
      this.o.events('E_UL_CONTACT_DELETE', this.eventParams(c));
      if (r.contacts.length === 0) {
        this.records.delete(c.aor);
        this.o.events('E_UL_AOR_DELETE', { domain: this.name, aor: c.aor });
      }
    };
    if (this.o.writeMode === 'write-through' && this.persisted(c)) return whenDone(this.o.backend!.delete(c), apply);
    apply();
    return undefined;
  }

  /** Removes every contact of an AOR. */
  removeAor(aor: string): DbResult<number> {
    const r = this.records.get(aor);
    if (r === undefined) return 0;
    return this.removeAll([...r.contacts]);
  }

  private removeAll(list: Ucontact[]): DbResult<number> {
    let i = 0;
    const step = (): DbResult<number> => {
      while (i < list.length) {
        const res = this.remove(list[i++]!);
        if (res instanceof Promise) return res.then(step);
      }
      return list.length;
    };
    return step();
  }

  /** Deletes contacts whose expiry passed; returns how many. */
  expire(nowSec: number): DbResult<number> {
    const dead: Ucontact[] = [];
    for (const r of this.records.values()) for (const c of r.contacts) if (!isValid(c, nowSec)) dead.push(c);
    return this.removeAll(dead);
  }

  /** Write-back: writes new, changed and deleted contacts to the backend. */
  flush(): DbResult<number> {
    const b = this.o.backend;
    if (b === null || this.o.writeMode !== 'write-back') return 0;
    const work: Array<() => DbResult<unknown>> = [];
    const deletes = this.pendingDeletes;
    this.pendingDeletes = [];
    for (const c of deletes) work.push(() => b.delete(c));
    for (const r of this.records.values()) {
      for (const c of r.contacts) {
        if (c.state === 'new') {
          work.push(() => whenDone(b.insert(c), (id) => {
            c.id = id;
            c.state = 'clean';
          }));
        } else if (c.state === 'dirty') {
          work.push(() => whenDone(b.update(c), () => {
            c.state = 'clean';
          }));
        }
      }
    }
    let i = 0;
    const step = (): DbResult<number> => {
      while (i < work.length) {
        const res = work[i++]!();
        if (res instanceof Promise) return res.then(step);
      }
      return work.length;
    };
    return step();
  }

  eventParams(c: Ucontact): Record<string, ScriptValue> {
    return {
      domain: this.name, aor: c.aor, uri: c.uri, received: c.received, path: c.path,
      qval: c.q, user_agent: c.userAgent, socket: c.socket, bflags: this.o.flagText(c),
      expires: c.expires, callid: c.callid, cseq: c.cseq, attr: c.attr, latency: 0, shtag: null,
    };
  }
}
