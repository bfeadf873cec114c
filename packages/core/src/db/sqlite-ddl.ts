/**
 * SQLite DDL for the table descriptions of schema.ts, spelled the way OpenSIPS's own
 * scripts/sqlite/*-create.sql spell it (CHAR(64), FLOAT(10,2), INTEGER PRIMARY KEY
 * AUTOINCREMENT...), so both produce the same column affinities.
 */
import type { ColumnDef, TableDef } from './schema';
import { quoteIdent } from './sql';

function sqliteType(c: ColumnDef): string {
  switch (c.kind) {
    case 'int': return 'INTEGER';
    case 'smallint': return c.size === undefined ? 'SMALLINT' : `SMALLINT(${c.size})`;
    case 'tinyint': return c.size === undefined ? 'TINYINT' : `TINYINT(${c.size})`;
    case 'bigint': return c.size === undefined ? 'BIGINT' : `BIGINT(${c.size})`;
    case 'char': return `CHAR(${c.size ?? 255})`;
    case 'text': return c.size === undefined ? 'TEXT' : `TEXT(${c.size})`;
    case 'float': return c.size === undefined ? 'FLOAT' : `FLOAT(${c.size})`;
    case 'datetime': return 'DATETIME';
    case 'blob': return c.size === undefined ? 'BLOB' : `BLOB(${c.size})`;
  }
}

function literal(v: string | number | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(1);
  return `'${v.replace(/'/g, "''")}'`;
}

export function sqliteCreateTable(t: TableDef): string[] {
  const cols = t.columns.map((c) => {
    if (c.autoIncrement) return `    ${quoteIdent(c.name)} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`;
    let s = `    ${quoteIdent(c.name)} ${sqliteType(c)}`;
    if (c.primaryKey) s += ' PRIMARY KEY';
    if (c.default !== undefined) s += ` DEFAULT ${literal(c.default)}`;
    if (!c.nullable) s += ' NOT NULL';
    return s;
  });
  for (const ix of t.indexes) {
    if (ix.unique) cols.push(`    CONSTRAINT ${quoteIdent(ix.name)} UNIQUE (${ix.columns.map(quoteIdent).join(', ')})`);
  }
  const out = [`CREATE TABLE ${quoteIdent(t.name)} (\n${cols.join(',\n')}\n)`];
  for (const ix of t.indexes) {
    if (!ix.unique) out.push(`CREATE INDEX ${quoteIdent(ix.name)} ON ${quoteIdent(t.name)} (${ix.columns.map(quoteIdent).join(', ')})`);
  }
  return out;
}
