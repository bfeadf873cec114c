/**
 * The `version` table, as OpenSIPS uses it: one row per table with the layout version the
 * data was created with. A module checks its table's row at start and refuses to run on a
 * mismatch (an old layout would make its queries fail later, one by one, at run time).
 */
import { DbError } from './errors';
import { expectedVersion, tableDef, TABLES, VERSION_TABLE, type TableDef } from './schema';
import { sqliteCreateTable } from './sqlite-ddl';
import type { DbConnection } from './types';

/** The version row of a table: a number, or null when the table has no row (or there is no version table). */
export async function tableVersion(conn: DbConnection, table: string, versionTable = 'version'): Promise<number | null> {
  if ((await conn.tableColumns(versionTable)) === null) return null;
  const rows = await conn.query(versionTable, { keys: ['table_name'], values: [table], columns: ['table_version'] });
  if (rows.length === 0) return null;
  const v = rows[0]!['table_version'];
  return v === null ? null : Number(v);
}

/**
 * Refuses a table whose version row differs from what tsips (OpenSIPS) expects, with the
 * fix in the message. `expected` defaults to the known version of the table.
 */
export async function checkTableVersion(conn: DbConnection, table: string, expected?: number, versionTable = 'version'): Promise<void> {
  const want = expected ?? expectedVersion(table);
  if (want === undefined) throw new DbError('schema', `no known layout for table '${table}'`);
  const found = await tableVersion(conn, table, versionTable);
  if (found === want) return;
  const fix = `create it with 'tsips-cli db create --url ${conn.url}' (or OpenSIPS's ${tableDef(table)?.group ?? 'standard'}-create.sql)`;
  if (found === null) {
    const exists = (await conn.tableColumns(table)) !== null;
    throw new DbError('version', exists
      ? `table '${table}' in ${conn.url} has no row in the '${versionTable}' table (expected version ${want}): add it, or ${fix}`
      : `table '${table}' does not exist in ${conn.url}: ${fix}`);
  }
  throw new DbError('version', `invalid version ${found} for table '${table}' in ${conn.url}, expected ${want} (check the table layout and its row in the '${versionTable}' table)`);
}

export interface CreateSchemaResult {
  created: string[];
  /** Tables already there with the right version. */
  existing: string[];
}

/** Table descriptions selected by table names or OpenSIPS script group names (default: all). */
export function selectTables(names?: readonly string[]): TableDef[] {
  if (names === undefined || names.length === 0) return [...TABLES];
  const out: TableDef[] = [];
  for (const n of names) {
    const byName = tableDef(n);
    const byGroup = TABLES.filter((t) => t.group === n);
    if (byName === undefined && byGroup.length === 0) throw new DbError('schema', `unknown table or schema group '${n}'`);
    // A schema group named like one of its tables (acc, fraud_detection) means the whole group,
    // as OpenSIPS's <group>-create.sql script makes every table of it.
    for (const t of byGroup.length > 0 ? byGroup : [byName!]) if (!out.includes(t)) out.push(t);
  }
  return out;
}

/**
 * Creates the version table and the given tables with their version rows, in one
 * transaction. Tables already present with the right version are left alone; a table
 * present with another version is an error (nothing is created then).
 */
export async function createSchema(conn: DbConnection, tables: readonly TableDef[] = TABLES): Promise<CreateSchemaResult> {
  if (conn.driver !== 'sqlite') throw new DbError('schema', `tsips can create the schema on SQLite only (this database: ${conn.driver})`);
  const result: CreateSchemaResult = { created: [], existing: [] };
  const hasVersion = (await conn.tableColumns('version')) !== null;
  const plan: TableDef[] = [];
  for (const t of tables) {
    const cols = await conn.tableColumns(t.name);
    if (cols === null) {
      plan.push(t);
      continue;
    }
    const found = hasVersion ? await tableVersion(conn, t.name) : null;
    if (found !== t.version) {
      throw new DbError('version', `table '${t.name}' already exists in ${conn.url} with version ${found ?? 'none'}, expected ${t.version}: migrate or drop it first`);
    }
    result.existing.push(t.name);
  }
  const statements: string[] = [];
  if (!hasVersion) statements.push(...sqliteCreateTable(VERSION_TABLE));
  for (const t of plan) statements.push(...sqliteCreateTable(t));
  await conn.transaction(() => {
    for (const s of statements) conn.exec(s);
    for (const t of plan) {
      conn.delete('version', { keys: ['table_name'], values: [t.name] });
      conn.insert('version', { table_name: t.name, table_version: t.version });
    }
  });
  result.created = plan.map((t) => t.name);
  return result;
}
