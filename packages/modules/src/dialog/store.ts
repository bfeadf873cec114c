/**
 * The dialogs in memory: one record per call leg pair, found in constant time by its id
 * (the `did` Record-Route parameter: hash entry and id) or by Call-ID then tags.
 *
 * The store is behind {@link DialogStore} so a shared backend can replace the local maps
 * later; the record keeps only what matching, validation, BYE generation and persistence
 * need (strings shared with the parsed INVITE/200 where possible, no per-dialog closures).
 */
import type { TimerEntry, TimerTarget } from '../tm/timer-queue';

export const DLG_STATE = {
  UNCONFIRMED: 1,
  EARLY: 2,
  CONFIRMED_NA: 3,
  CONFIRMED: 4,
  DELETED: 5,
} as const;

export const CALLER = 0;
export const CALLEE = 1;

/** Dialog flag bits (create_dialog flags). */
export const DLG_FLAG_BYE_ON_TIMEOUT = 1;

/** One side of the dialog, as the proxy must address requests sent *to* it. */
export class DlgLeg {
  /** Tag of this side (From tag of the caller, To tag of the callee; '' until known). */
  tag = '';
  /** Its Contact: the remote target of requests going to it. */
  contact = '';
  /** Route set toward it (name-addr values, nearest hop first); null: none. */
  routes: string[] | null = null;
  /** Highest CSeq seen on requests going to it. */
  cseq = 0;
  /** The CSeq before the request being handled updated it (validate_dialog compares against it); -1: none. */
  prevCseq = -1;
  /** CSeq of the INVITE this side sent (ACKs from it carry the same). */
  invCseq = 0;
  /** Name of the local socket facing it (null: unknown). */
  socket: string | null = null;
}

export class Dialog implements TimerTarget {
  state: number = DLG_STATE.UNCONFIRMED;
  /** Creation time (ms). */
  readonly created: number;
  /** Time the dialog was confirmed (s since epoch; 0 while not). */
  startTime = 0;
  /** Lifetime in seconds from confirmation. */
  timeout: number;
  flags = 0;
  /** Script dialog flags (set_dlg_flag, $DLG_flags). */
  userFlags = 0;
  readonly legs: [DlgLeg, DlgLeg] = [new DlgLeg(), new DlgLeg()];
  vals: Map<string, string> | null = null;
  /** Profile memberships: profile name, then value ('' for profiles without value). */
  profiles: string[] | null = null;
  timer: TimerEntry | null = null;
  /** Next dialog with the same Call-ID (forked or repeated calls). */
  sameCallId: Dialog | null = null;
  /** dlg_on_answer / dlg_on_timeout / dlg_on_hangup route names (null: none). */
  rtAnswer: string | null = null;
  rtTimeout: string | null = null;
  rtHangup: string | null = null;
  /** Why it ended (for $DLG_end_reason / logs). */
  endReason: string | null = null;
  /** Written to the database since the last change. */
  dirty = true;
  inDb = false;

  constructor(
    readonly hEntry: number,
    readonly hId: number,
    readonly callid: string,
    readonly fromUri: string,
    public toUri: string,
    now: number,
    timeout: number,
    private readonly onExpire: (d: Dialog) => void,
  ) {
    this.created = now;
    this.timeout = timeout;
  }

  /** The `did` value: hash entry and id in hexadecimal, '.'-separated (as OpenSIPS prints them). */
  get did(): string {
    return `${this.hEntry.toString(16)}.${this.hId.toString(16)}`;
  }

  /** The numeric id the MI commands and the database use (entry in the high 32 bits). */
  get dbId(): number {
    return this.hEntry * 0x100000000 + this.hId;
  }

  onTimer(): void {
    this.timer = null;
    this.onExpire(this);
  }
}

/** Where dialogs live; the local implementation is two maps. */
export interface DialogStore {
  readonly size: number;
  insert(d: Dialog): void;
  remove(d: Dialog): void;
  byId(hEntry: number, hId: number): Dialog | undefined;
  hasId(hId: number): boolean;
  /** First dialog with that Call-ID (others follow through `sameCallId`). */
  byCallId(callid: string): Dialog | undefined;
  all(): IterableIterator<Dialog>;
}

export class LocalDialogStore implements DialogStore {
  private readonly ids = new Map<number, Dialog>();
  private readonly calls = new Map<string, Dialog>();

  get size(): number {
    return this.ids.size;
  }

  insert(d: Dialog): void {
    this.ids.set(d.hId, d);
    const first = this.calls.get(d.callid);
    if (first === undefined) this.calls.set(d.callid, d);
    else {
      d.sameCallId = first.sameCallId;
      first.sameCallId = d;
    }
  }

  remove(d: Dialog): void {
    if (this.ids.get(d.hId) !== d) return;
    this.ids.delete(d.hId);
    const first = this.calls.get(d.callid);
    if (first === d) {
      if (d.sameCallId === null) this.calls.delete(d.callid);
      else this.calls.set(d.callid, d.sameCallId);
    } else {
      for (let p = first ?? null; p !== null; p = p.sameCallId) {
        if (p.sameCallId === d) {
          p.sameCallId = d.sameCallId;
          break;
        }
      }
    }
    d.sameCallId = null;
  }

  byId(hEntry: number, hId: number): Dialog | undefined {
    const d = this.ids.get(hId);
    return d !== undefined && d.hEntry === hEntry ? d : undefined;
  }

  hasId(hId: number): boolean {
    return this.ids.has(hId);
  }

  byCallId(callid: string): Dialog | undefined {
    return this.calls.get(callid);
  }

  all(): IterableIterator<Dialog> {
    return this.ids.values();
  }
}

/** Hash entry of a Call-ID (FNV-1a, masked to the table size). */
export function callIdHash(callid: string, mask: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < callid.length; i++) {
    h ^= callid.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & mask;
}

/** Parses a did ("entry.id" in hex); null when malformed. No allocation but the result. */
export function parseDid(did: string): { hEntry: number; hId: number } | null {
  let hEntry = 0;
  let hId = 0;
  let i = 0;
  const n = did.length;
  for (; i < n; i++) {
    const v = hexValue(did.charCodeAt(i));
    if (v < 0) break;
    hEntry = hEntry * 16 + v;
  }
  if (i === 0 || i > 8 || i >= n - 1 || did.charCodeAt(i) !== 0x2e) return null;
  const start = ++i;
  for (; i < n; i++) {
    const v = hexValue(did.charCodeAt(i));
    if (v < 0) return null;
    hId = hId * 16 + v;
  }
  if (i - start > 13) return null;
  return { hEntry, hId };
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * Finds the dialog of a sequential request by Call-ID and tags. `dir` 1 downstream (from
 * the caller), 2 upstream (from the callee).
 */
export function matchBySipIds(store: DialogStore, callid: string, fromTag: string, toTag: string): { dlg: Dialog; dir: 1 | 2 } | null {
  for (let d = store.byCallId(callid) ?? null; d !== null; d = d.sameCallId) {
    const caller = d.legs[CALLER].tag;
    const callee = d.legs[CALLEE].tag;
    if (fromTag === caller && (toTag === callee || callee === '')) return { dlg: d, dir: 1 };
    if (fromTag === callee && toTag === caller && callee !== '') return { dlg: d, dir: 2 };
  }
  return null;
}
