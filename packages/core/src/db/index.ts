// The database layer: OpenSIPS-style db API, URLs, the DbManager service, SQLite driver, schema.
export * from './types';
export { DbError } from './errors';
export { parseDbUrl, redactDbUrl, dbUrlKey, type DbUrl } from './url';
export { quoteIdent } from './sql';
export { DbManager, DB, dbManagerOf } from './manager';
export { SqliteDriver, type SqliteOptions } from './sqlite';
export { TABLES, VERSION_TABLE, tableDef, expectedVersion, schemaGroups, type TableDef, type ColumnDef, type ColumnKind, type IndexDef } from './schema';
export { sqliteCreateTable } from './sqlite-ddl';
export { tableVersion, checkTableVersion, createSchema, selectTables, type CreateSchemaResult } from './versions';
export { formatDbTime, parseDbTime } from './time';
