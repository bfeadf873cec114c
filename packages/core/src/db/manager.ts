/**
 * DbManager: the one place modules get database connections from, keyed by URL. Drivers
 * register for a scheme (db_sqlite registers `sqlite`); modules ask for their `db_url`
 * (or the core's `db_default_url` when they have none) and share one connection per
 * database. Each open() must be paired with close() on the returned connection; the real
 * connection closes when its last user lets go.
 */
import { serviceKey, type Services } from '@tsips/script';
import { DbError } from './errors';
import type { DbConnection, DbDriver, DbQuery, DbResult, DbRow, DbValue, DbWhere } from './types';
import { whenDone } from './types';
import { dbUrlKey, parseDbUrl, redactDbUrl } from './url';

interface Shared {
  conn: DbResult<DbConnection>;
  users: number;
}

/** A user's view of a shared connection: close() releases only this user. */
class ConnectionLease implements DbConnection {
  private released = false;
  constructor(private readonly inner: DbConnection, private readonly release: () => DbResult<void>) {}
  get url(): string { return this.inner.url; }
  get driver(): string { return this.inner.driver; }
  private live(): DbConnection {
    if (this.released) throw new DbError('driver', `database ${this.inner.url} was closed by this user`);
    return this.inner;
  }
  query(table: string, q?: DbQuery): DbResult<DbRow[]> { return this.live().query(table, q); }
  insert(table: string, row: Readonly<Record<string, DbValue>>): DbResult<number | bigint> { return this.live().insert(table, row); }
  update(table: string, where: DbWhere, set: Readonly<Record<string, DbValue>>): DbResult<number> { return this.live().update(table, where, set); }
  delete(table: string, where: DbWhere): DbResult<number> { return this.live().delete(table, where); }
  replace(table: string, row: Readonly<Record<string, DbValue>>): DbResult<number> { return this.live().replace(table, row); }
  raw(sql: string, params?: readonly DbValue[]): DbResult<DbRow[]> { return this.live().raw(sql, params); }
  exec(sql: string): DbResult<void> { return this.live().exec(sql); }
  transaction<T>(fn: () => T): DbResult<T> { return this.live().transaction(fn); }
  tableColumns(table: string): DbResult<string[] | null> { return this.live().tableColumns(table); }
  close(): DbResult<void> {
    if (this.released) return undefined;
    this.released = true;
    return this.release();
  }
}

export class DbManager {
  /** The core parameter db_default_url: used by modules whose db_url is not set. */
  defaultUrl: string | null = null;
  /** The core parameter db_version_table: the table holding table versions. */
  versionTable = 'version';
  private readonly drivers = new Map<string, DbDriver>();
  private readonly open_ = new Map<string, Shared>();

  /** @param cwd folder that relative SQLite paths (`sqlite://var/x.db`) are resolved against. */
  constructor(readonly cwd: string = process.cwd()) {}

  /** Registers (or replaces) the driver of a URL scheme. */
  registerDriver(driver: DbDriver): void {
    this.drivers.set(driver.scheme, driver);
  }

  hasDriver(scheme: string): boolean {
    return this.drivers.has(scheme.toLowerCase());
  }

  /** The URL a module should use: its own db_url, else db_default_url; an error naming the module when neither is set. */
  resolveUrl(moduleUrl: string | null | undefined, module: string): string {
    const url = moduleUrl !== null && moduleUrl !== undefined && moduleUrl.trim() !== '' ? moduleUrl : this.defaultUrl;
    if (url === null || url.trim() === '') {
      throw new DbError('url', `module ${module} needs a database: set modparam("${module}", "db_url", "sqlite:///path/file.db") or db_default_url`);
    }
    return url;
  }

  /** Opens (or shares) the connection to a database. */
  open(url: string): DbResult<DbConnection> {
    const parsed = parseDbUrl(url, this.cwd);
    const driver = this.drivers.get(parsed.scheme);
    if (driver === undefined) {
      const hint = parsed.scheme === 'sqlite' ? ' (loadmodule "db_sqlite.so", before the modules that use it)' : ` (tsips has drivers for: ${[...this.drivers.keys()].join(', ') || 'none loaded'})`;
      throw new DbError('driver', `no database driver for ${redactDbUrl(url)}${hint}`);
    }
    // In-memory SQLite databases are private to each opener, as in SQLite itself.
    const key = parsed.database === ':memory:' ? `${dbUrlKey(parsed)}#${Math.random()}` : dbUrlKey(parsed);
    let shared = this.open_.get(key);
    if (shared === undefined) {
      const conn = driver.open(parsed);
      shared = { conn, users: 0 };
      const s = shared;
      this.open_.set(key, s);
      if (conn instanceof Promise) conn.catch(() => { if (this.open_.get(key) === s) this.open_.delete(key); });
    }
    const s = shared;
    s.users++;
    return whenDone(s.conn, (c) => new ConnectionLease(c, () => {
      s.users--;
      if (s.users > 0) return undefined;
      this.open_.delete(key);
      return c.close();
    }));
  }

  /** Number of databases with an open connection (for tests and status). */
  get openCount(): number {
    return this.open_.size;
  }

  /** Closes every connection (shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.open_.values()];
    this.open_.clear();
    for (const s of all) await (await s.conn).close();
  }
}

export const DB = serviceKey<DbManager>('db');

/** The server's DbManager: the one in `services`, created and provided there when missing. */
export function dbManagerOf(services: Services): DbManager {
  let m = services.find(DB);
  if (m === undefined) {
    m = new DbManager();
    services.provide(DB, m);
  }
  return m;
}
