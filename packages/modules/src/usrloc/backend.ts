/**
 * Where usrloc keeps bindings beyond memory. The in-memory table is always the one lookups
 * read (except a future shared backend that replaces it); a backend persists changes so
 * they survive a restart. SqlLocationBackend writes OpenSIPS's location table; a shared
 * store (Redis, PostgreSQL for several proxies) implements the same interface.
 */
import type { DbConnection, DbResult, DbRow, DbValue } from '@tsips/core';
import { formatDbTime, parseDbTime, whenDone } from '@tsips/core';
import type { Ucontact } from './contact';

export interface LocationBackend {
  /** Every stored binding of a table (at start). */
  load(): DbResult<Ucontact[]>;
  /** Stores a new contact; resolves to its id (contact_id). */
  insert(c: Ucontact): DbResult<number | bigint>;
  update(c: Ucontact): DbResult<void>;
  delete(c: Ucontact): DbResult<void>;
  /** Deletes every binding whose expiry is past (expires != 0 and <= nowSec). */
  deleteExpired(nowSec: number): DbResult<number>;
  close(): DbResult<void>;
}

/** Column names, from the *_column modparams. */
export interface LocationColumns {
  contactId: string; user: string; domain: string; contact: string; expires: string; q: string;
  callid: string; cseq: string; flags: string; cflags: string; userAgent: string; received: string;
  path: string; socket: string; methods: string; sipInstance: string | null; kvStore: string; attr: string;
  lastModified: string;
}

export const DEFAULT_COLUMNS: LocationColumns = {
  contactId: 'contact_id', user: 'username', domain: 'domain', contact: 'contact', expires: 'expires', q: 'q',
  callid: 'callid', cseq: 'cseq', flags: 'flags', cflags: 'cflags', userAgent: 'user_agent', received: 'received',
  path: 'path', socket: 'socket', methods: 'methods', sipInstance: null, kvStore: 'kv_store', attr: 'attr',
  lastModified: 'last_modified',
};

/** Branch flag names <-> bits, from the script's named flags. */
export interface FlagNaming {
  names(bits: number): string | null;
}

const str = (v: DbValue | undefined): string | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
const num = (v: DbValue | undefined, dflt: number): number => (v === null || v === undefined ? dflt : Number(v));

export class SqlLocationBackend implements LocationBackend {
  constructor(
    private readonly db: DbConnection,
    private readonly table: string,
    private readonly cols: LocationColumns,
    private readonly useDomain: boolean,
    private readonly naming: FlagNaming,
  ) {}

  private split(aor: string): { user: string; domain: string | null } {
    if (!this.useDomain) return { user: aor, domain: null };
    const at = aor.indexOf('@');
    return at < 0 ? { user: aor, domain: null } : { user: aor.slice(0, at), domain: aor.slice(at + 1) };
  }

  private row(c: Ucontact): Record<string, DbValue> {
    const k = this.cols;
    const { user, domain } = this.split(c.aor);
    const r: Record<string, DbValue> = {
      [k.user]: user, [k.domain]: domain, [k.contact]: c.uri, [k.expires]: c.expires, [k.q]: c.q < 0 ? -1 : c.q / 1000,
      [k.callid]: c.callid, [k.cseq]: c.cseq, [k.flags]: c.flags,
      [k.cflags]: c.cflagNames ?? this.naming.names(c.cflags), [k.userAgent]: c.userAgent, [k.received]: c.received,
      [k.path]: c.path, [k.socket]: c.socket, [k.methods]: c.methods === null ? null : c.methods | 0,
      [k.kvStore]: c.kvStore, [k.attr]: c.attr, [k.lastModified]: formatDbTime(c.lastModified),
    };
    if (k.sipInstance !== null) r[k.sipInstance] = c.sipInstance;
    return r;
  }

  load(): DbResult<Ucontact[]> {
    return whenDone(this.db.query(this.table), (rows) => rows.map((r) => this.fromRow(r)));
  }

  private fromRow(r: DbRow): Ucontact {
    const k = this.cols;
    const user = str(r[k.user]) ?? '';
    const domain = str(r[k.domain]);
    const q = num(r[k.q], 1);
    const methods = r[k.methods];
    const id = r[k.contactId];
    return {
      id: typeof id === 'bigint' ? id : num(id, 0),
      aor: this.useDomain && domain !== null && domain !== '' ? `${user}@${domain}` : user,
      uri: str(r[k.contact]) ?? '',
      expires: num(r[k.expires], 0),
      q: q < 0 ? -1 : Math.round(q * 1000),
      callid: str(r[k.callid]) ?? '',
      cseq: num(r[k.cseq], 0),
      flags: num(r[k.flags], 0),
      cflags: 0,
      cflagNames: str(r[k.cflags]),
      userAgent: str(r[k.userAgent]) ?? '',
      received: str(r[k.received]),
      path: str(r[k.path]),
      socket: str(r[k.socket]),
      methods: methods === null || methods === undefined ? null : Number(methods) >>> 0,
      sipInstance: k.sipInstance === null ? null : str(r[k.sipInstance]),
      attr: str(r[k.attr]),
      kvStore: str(r[k.kvStore]),
      lastModified: parseDbTime(r[k.lastModified]) ?? 0,
      state: 'clean',
    };
  }

  insert(c: Ucontact): DbResult<number | bigint> {
    return this.db.insert(this.table, this.row(c));
  }

  update(c: Ucontact): DbResult<void> {
    return whenDone(this.db.update(this.table, { keys: [this.cols.contactId], values: [c.id] }, this.row(c)), () => undefined);
  }

  delete(c: Ucontact): DbResult<void> {
    return whenDone(this.db.delete(this.table, { keys: [this.cols.contactId], values: [c.id] }), () => undefined);
  }

  deleteExpired(nowSec: number): DbResult<number> {
    return this.db.delete(this.table, { keys: [this.cols.expires, this.cols.expires], ops: ['!=', '<='], values: [0, nowSec] });
  }

  close(): DbResult<void> {
    return this.db.close();
  }
}
