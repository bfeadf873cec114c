/**
 * The database API modules see, shaped after OpenSIPS's db_func_t (use_table, query with
 * keys/ops/values/columns/order, insert, update, delete, replace, raw query). A driver
 * implements {@link DbDriver}; {@link DbManager} (manager.ts) hands out connections by URL.
 *
 * Results are `T | Promise<T>` ({@link DbResult}): the embedded SQLite driver answers
 * synchronously (better-sqlite3 is synchronous, and a registration should not pay for a
 * promise it does not need), while a network driver (PostgreSQL) returns promises. Callers
 * that may meet either use {@link whenDone}.
 */

/** A column value: strings, numbers (INTEGER/REAL), bigints (64-bit ids), NULL, blobs. */
export type DbValue = string | number | bigint | null | Buffer;

/** One result row, by column name. */
export type DbRow = Record<string, DbValue>;

/** Comparison operators OpenSIPS's db API allows in a WHERE clause. */
export type DbOp = '=' | '!=' | '<>' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IS' | 'IS NOT';

export const DB_OPS: readonly DbOp[] = ['=', '!=', '<>', '<', '>', '<=', '>=', 'LIKE', 'IS', 'IS NOT'];

/** A conjunction of `column op value` terms (OpenSIPS keys/ops/values). Empty: every row. */
export interface DbWhere {
  keys?: readonly string[];
  /** One operator per key; missing ones mean `=`. */
  ops?: readonly DbOp[];
  values?: readonly DbValue[];
}

export interface DbQuery extends DbWhere {
  /** Columns to return; missing or empty: all (`*`). */
  columns?: readonly string[];
  /** ORDER BY column; prefix with `-` for descending. */
  order?: string | readonly string[];
  limit?: number;
}

export type DbResult<T> = T | Promise<T>;

/** Runs `then` on a result, synchronously when the result is not a promise. */
export function whenDone<T, R>(r: DbResult<T>, then: (value: T) => R | Promise<R>): R | Promise<R> {
  if (r instanceof Promise) return r.then(then);
  return then(r);
}

/** A connection to one database, as modules use it. Every table/column name is validated. */
export interface DbConnection {
  /** The URL it was opened with (password hidden). */
  readonly url: string;
  /** Driver name ("sqlite"), e.g. to choose SQL spellings in admin tools. */
  readonly driver: string;
  query(table: string, q?: DbQuery): DbResult<DbRow[]>;
  /** Inserts one row; resolves to the new row id (AUTOINCREMENT) when there is one, else 0. */
  insert(table: string, row: Readonly<Record<string, DbValue>>): DbResult<number | bigint>;
  /** Sets columns of the rows matching `where`; resolves to the number of rows changed. */
  update(table: string, where: DbWhere, set: Readonly<Record<string, DbValue>>): DbResult<number>;
  /** Deletes the rows matching `where`; resolves to the number of rows deleted. */
  delete(table: string, where: DbWhere): DbResult<number>;
  /** Inserts, or replaces the row with the same unique key (REPLACE INTO / upsert). */
  replace(table: string, row: Readonly<Record<string, DbValue>>): DbResult<number>;
  /** Raw SQL for admin tools and schema work (OpenSIPS raw_query). `?` placeholders. */
  raw(sql: string, params?: readonly DbValue[]): DbResult<DbRow[]>;
  /** Runs statements that return nothing (DDL scripts, several statements separated by `;`). */
  exec(sql: string): DbResult<void>;
  /** Runs `fn` in one transaction (all or nothing). */
  transaction<T>(fn: () => T): DbResult<T>;
  /** Names of the columns of a table, or null when the table does not exist. */
  tableColumns(table: string): DbResult<string[] | null>;
  close(): DbResult<void>;
}

/** Options of a driver, set by its module's modparams (db_sqlite: busy_timeout...). */
export type DbDriverOptions = Record<string, unknown>;

/** A database driver registered for a URL scheme (`sqlite`, later `postgres`). */
export interface DbDriver {
  readonly scheme: string;
  open(url: import('./url').DbUrl): DbResult<DbConnection>;
}
