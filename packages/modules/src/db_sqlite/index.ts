/**
 * db_sqlite: the SQLite driver behind `db_url = "sqlite:///path/file.db"`. It exports no
 * script functions; other modules reach it through the database layer.
 */
import type { ModuleExports } from '@tsips/script';
import { intParam, multiStrParam } from '../shared/declare';

export const db_sqlite: ModuleExports = {
  name: 'db_sqlite',
  params: [
    intParam('alloc_limit', 10, 'Rows fetched per step of a query result.'),
    intParam('busy_timeout', 500, 'Milliseconds to wait for a locked database before failing.'),
    multiStrParam('load_extension', 'An SQLite extension to load: "path[;entry point]" (may be repeated).'),
    multiStrParam('exec_pragma', 'A PRAGMA run on every connection, e.g. "foreign_keys = 1" (may be repeated).'),
  ],
};
