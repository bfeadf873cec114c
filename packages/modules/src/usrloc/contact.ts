/**
 * Bindings as usrloc keeps them: an AOR (urecord) with its contacts (ucontact), the same
 * fields OpenSIPS keeps and stores in the location table.
 */

/** OpenSIPS METHOD_* bits (parser/msg_parser.h): the `methods` column uses them. */
export const METHOD_BITS: Readonly<Record<string, number>> = {
  INVITE: 1, CANCEL: 2, ACK: 4, BYE: 8, INFO: 16, OPTIONS: 32, UPDATE: 64, REGISTER: 128,
  MESSAGE: 256, SUBSCRIBE: 512, NOTIFY: 1024, PRACK: 2048, REFER: 4096, PUBLISH: 8192,
};
export const METHOD_OTHER = 16384;
/** A contact that gave no Allow: every method. */
export const ALL_METHODS = 0xffffffff;

export function methodBit(method: string): number {
  return METHOD_BITS[method.toUpperCase()] ?? METHOD_OTHER;
}

/** Bit mask of a method list (Allow header tokens). */
export function methodsMask(methods: readonly string[]): number {
  let m = 0;
  for (const t of methods) m |= methodBit(t.trim());
  return m >>> 0;
}

/** What a registration carries for one contact (OpenSIPS ucontact_info_t). */
export interface ContactInfo {
  /** Absolute expiry, Unix seconds; 0 = never expires. */
  expires: number;
  /** q x 1000 (0..1000); -1 when unspecified. */
  q: number;
  callid: string;
  cseq: number;
  /** usrloc flags column. */
  flags: number;
  /** Branch flags of the registration (e.g. the NAT flag). */
  cflags: number;
  userAgent: string;
  /** Source address of a NATed contact, as a SIP URI ("sip:203.0.113.5:40312"). */
  received: string | null;
  /** Path header value (comma-separated name-addrs), used as the route set. */
  path: string | null;
  /** Local socket the registration came in on ("udp:127.0.0.1:5060"). */
  socket: string | null;
  /** Methods mask (Allow), null when unknown. */
  methods: number | null;
  sipInstance: string | null;
  attr: string | null;
}

export interface Ucontact extends ContactInfo {
  /** contact_id: the database row id, or a local counter without a database. */
  id: number | bigint;
  /** The AOR it belongs to ("alice@example.com"). */
  aor: string;
  /** Contact URI as registered. */
  uri: string;
  /** Last change, ms since the epoch. */
  lastModified: number;
  /** Branch flag names read from the database, not resolved to bits yet (no script tables at load). */
  cflagNames: string | null;
  kvStore: string | null;
  /** Write-back bookkeeping: not yet in the database / changed since the last flush. */
  state: 'clean' | 'new' | 'dirty';
}

export interface Urecord {
  aor: string;
  /** Ordered as lookup() forks: q descending, older first among equal q (or newest first with desc_time_order). */
  contacts: Ucontact[];
}

/** Whether a contact is still valid at `nowSec` (0 = permanent). */
export function isValid(c: Ucontact, nowSec: number): boolean {
  return c.expires === 0 || c.expires > nowSec;
}
