/**
 * The SQLite driver (better-sqlite3 12.x, synchronous: a query is a function call, no
 * promise, no thread hop). Prepared statements are cached per SQL text. Options come from
 * db_sqlite's modparams: busy_timeout, exec_pragma (run on open), load_extension.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DbError } from './errors';
import { bindable, quoteIdent, selectSql, whereClause } from './sql';
import type { DbConnection, DbDriver, DbQuery, DbRow, DbValue, DbWhere } from './types';
import { redactDbUrl, type DbUrl } from './url';

/** The parts of better-sqlite3's API this driver uses (its package ships no types). */
interface BsqStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  readonly reader: boolean;
}
interface BsqDatabase {
  prepare(sql: string): BsqStatement;
  exec(sql: string): void;
  pragma(text: string): unknown;
  transaction<T>(fn: () => T): () => T;
  loadExtension(file: string, entry?: string): void;
  close(): void;
}
type BsqConstructor = new (file: string, opts?: { timeout?: number; fileMustExist?: boolean }) => BsqDatabase;

let bsq: BsqConstructor | null = null;
function loadBetterSqlite(): BsqConstructor {
  if (bsq === null) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      bsq = require('better-sqlite3') as BsqConstructor;
    } catch (e) {
      throw new DbError('driver', `the SQLite driver needs the better-sqlite3 package (npm install): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return bsq;
}

export interface SqliteOptions {
  /** Milliseconds to wait for a lock held by another process (db_sqlite busy_timeout). */
  busyTimeout?: number;
  /** PRAGMAs run on every new connection ("foreign_keys = 1"). */
  pragmas?: readonly string[];
  /** Extensions to load: "path[;entry point]". */
  extensions?: readonly string[];
  /** Create the folder of the database file when missing (default true). */
  createFolder?: boolean;
}

class SqliteConnection implements DbConnection {
  readonly driver = 'sqlite';
  private readonly statements = new Map<string, BsqStatement>();
  private closed = false;

  constructor(readonly url: string, private readonly db: BsqDatabase) {}

  private stmt(sql: string): BsqStatement {
    if (this.closed) throw new DbError('driver', `database ${this.url} is closed`);
    let s = this.statements.get(sql);
    if (s === undefined) {
      try {
        s = this.db.prepare(sql);
      } catch (e) {
        throw new DbError('query', `${this.url}: ${e instanceof Error ? e.message : String(e)} (in: ${sql})`, { cause: e });
      }
      // Queries built from keys are few and repeat; a runaway cache would mean a caller bug.
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }

  private run<T>(sql: string, what: () => T): T {
    try {
      return what();
    } catch (e) {
      if (e instanceof DbError) throw e;
      throw new DbError('query', `${this.url}: ${e instanceof Error ? e.message : String(e)} (in: ${sql})`, { cause: e });
    }
  }

  query(table: string, q: DbQuery = {}): DbRow[] {
    const params: DbValue[] = [];
    const sql = selectSql(table, q, params);
    const s = this.stmt(sql);
    return this.run(sql, () => s.all(...params) as DbRow[]);
  }

  insert(table: string, row: Readonly<Record<string, DbValue>>): number | bigint {
    const cols = Object.keys(row);
    if (cols.length === 0) throw new DbError('query', `insert into ${table} without columns`);
    const sql = `INSERT INTO ${quoteIdent(table)} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    const s = this.stmt(sql);
    return this.run(sql, () => s.run(...cols.map((c) => bindable(row[c], c))).lastInsertRowid);
  }

  replace(table: string, row: Readonly<Record<string, DbValue>>): number {
    const cols = Object.keys(row);
    if (cols.length === 0) throw new DbError('query', `replace into ${table} without columns`);
    const sql = `INSERT OR REPLACE INTO ${quoteIdent(table)} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    const s = this.stmt(sql);
    return this.run(sql, () => s.run(...cols.map((c) => bindable(row[c], c))).changes);
  }

  update(table: string, where: DbWhere, set: Readonly<Record<string, DbValue>>): number {
    const cols = Object.keys(set);
    if (cols.length === 0) return 0;
    const params: DbValue[] = cols.map((c) => bindable(set[c], c));
    const sql = `UPDATE ${quoteIdent(table)} SET ${cols.map((c) => `${quoteIdent(c)} = ?`).join(', ')}${whereClause(where, params)}`;
    const s = this.stmt(sql);
    return this.run(sql, () => s.run(...params).changes);
  }

  delete(table: string, where: DbWhere): number {
    const params: DbValue[] = [];
    const sql = `DELETE FROM ${quoteIdent(table)}${whereClause(where, params)}`;
    const s = this.stmt(sql);
    return this.run(sql, () => s.run(...params).changes);
  }

  raw(sql: string, params: readonly DbValue[] = []): DbRow[] {
    const s = this.stmt(sql);
    return this.run(sql, () => (s.reader ? (s.all(...params) as DbRow[]) : (s.run(...params), [])));
  }

  exec(sql: string): void {
    if (this.closed) throw new DbError('driver', `database ${this.url} is closed`);
    this.run(sql, () => this.db.exec(sql));
  }

  transaction<T>(fn: () => T): T {
    if (this.closed) throw new DbError('driver', `database ${this.url} is closed`);
    return this.db.transaction(fn)();
  }

  tableColumns(table: string): string[] | null {
    const rows = this.raw(`PRAGMA table_info(${quoteIdent(table)})`) as Array<{ name: string }>;
    return rows.length === 0 ? null : rows.map((r) => r.name);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}

export class SqliteDriver implements DbDriver {
  readonly scheme = 'sqlite';
  constructor(private readonly opts: SqliteOptions = {}) {}

  open(url: DbUrl): DbConnection {
    const Database = loadBetterSqlite();
    const file = url.database;
    if (file !== ':memory:' && this.opts.createFolder !== false) fs.mkdirSync(path.dirname(file), { recursive: true });
    let db: BsqDatabase;
    try {
      db = new Database(file, { timeout: this.opts.busyTimeout ?? 500 });
    } catch (e) {
      throw new DbError('driver', `cannot open SQLite database ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      for (const ext of this.opts.extensions ?? []) {
        const semi = ext.indexOf(';');
        if (semi < 0) db.loadExtension(ext);
        else db.loadExtension(ext.slice(0, semi), ext.slice(semi + 1));
      }
      for (const p of this.opts.pragmas ?? []) db.pragma(p);
    } catch (e) {
      db.close();
      throw new DbError('driver', `SQLite database ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return new SqliteConnection(redactDbUrl(url.raw), db);
  }
}
