/**
 * db_sqlite: the SQLite driver behind `db_url = "sqlite:///path/file.db"`. It exports no
 * script functions; loading it registers the `sqlite` scheme with the server's database
 * manager (the DB service), where modules open their connections.
 */
import type { ModparamExport, ModuleExports } from '@tsips/script';
import { dbManagerOf, SqliteDriver } from '@tsips/core';
import { intParam, multiStrParam } from '../shared/declare';

const PARAMS = [
  // better-sqlite3 returns whole result sets: there is no fetch step to size, so the value is only checked.
  intParam('alloc_limit', 10, 'Rows fetched per step of a query result (checked; no effect in tsips).', {
    validate: (v) => (Number(v) > 0 ? undefined : 'alloc_limit must be positive'),
  }),
  intParam('busy_timeout', 500, 'Milliseconds to wait for a locked database before failing.'),
  multiStrParam('load_extension', 'An SQLite extension to load: "path[;entry point]" (may be repeated).'),
  multiStrParam('exec_pragma', 'A PRAGMA run on every connection, e.g. "foreign_keys = 1" (may be repeated).'),
];

/** A fresh db_sqlite instance: its modparams apply to the connections of one server. */
export function createDbSqlite(): ModuleExports {
  let busyTimeout = 500;
  const pragmas: string[] = [];
  const extensions: string[] = [];
  const setters: Record<string, (v: string | number) => void> = {
    busy_timeout: (v) => { busyTimeout = Number(v); },
    load_extension: (v) => { extensions.push(String(v)); },
    exec_pragma: (v) => { pragmas.push(String(v)); },
  };
  const params: ModparamExport[] = PARAMS.map((p) => (setters[p.name] === undefined ? p : { ...p, set: setters[p.name]! }));
  return {
    name: 'db_sqlite',
    params,
    init(env) {
      dbManagerOf(env.services).registerDriver(new SqliteDriver({ busyTimeout, pragmas, extensions }));
    },
  };
}

/** The db_sqlite table for checking scripts. */
export const db_sqlite: ModuleExports = createDbSqlite();
