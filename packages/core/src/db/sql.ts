/**
 * SQL text building shared by SQL drivers: identifier checks and quoting, WHERE clauses
 * from OpenSIPS-style keys/ops/values. Values always travel as bound parameters.
 */
import { DbError } from './errors';
import { DB_OPS, type DbOp, type DbQuery, type DbValue, type DbWhere } from './types';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes a table/column name after checking it is a plain identifier (no injection through names). */
export function quoteIdent(name: string): string {
  if (!IDENT.test(name)) throw new DbError('query', `bad SQL identifier '${name}': only letters, digits and _ are allowed`);
  return `"${name}"`;
}

const OPS = new Set<string>(DB_OPS);

/** ` WHERE a = ? AND b < ?` (empty when there are no keys) and its parameters, appended to `params`. */
export function whereClause(w: DbWhere, params: DbValue[]): string {
  const keys = w.keys ?? [];
  if (keys.length === 0) return '';
  const values = w.values ?? [];
  if (values.length !== keys.length) {
    throw new DbError('query', `${keys.length} key(s) but ${values.length} value(s) in a database query`);
  }
  const terms: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const op: DbOp = w.ops?.[i] ?? '=';
    if (!OPS.has(op)) throw new DbError('query', `unknown comparison operator '${op}'`);
    const v = values[i]!;
    // `col = NULL` is never true in SQL; OpenSIPS callers mean IS NULL.
    if (v === null && (op === '=' || op === 'IS')) terms.push(`${quoteIdent(keys[i]!)} IS NULL`);
    else if (v === null && (op === '!=' || op === '<>' || op === 'IS NOT')) terms.push(`${quoteIdent(keys[i]!)} IS NOT NULL`);
    else {
      terms.push(`${quoteIdent(keys[i]!)} ${op} ?`);
      params.push(v);
    }
  }
  return ` WHERE ${terms.join(' AND ')}`;
}

/** SELECT text for a query. */
export function selectSql(table: string, q: DbQuery, params: DbValue[]): string {
  const cols = q.columns !== undefined && q.columns.length > 0 ? q.columns.map(quoteIdent).join(', ') : '*';
  let sql = `SELECT ${cols} FROM ${quoteIdent(table)}${whereClause(q, params)}`;
  if (q.order !== undefined) {
    const order = typeof q.order === 'string' ? [q.order] : q.order;
    if (order.length > 0) {
      sql += ` ORDER BY ${order.map((o) => (o.startsWith('-') ? `${quoteIdent(o.slice(1))} DESC` : quoteIdent(o))).join(', ')}`;
    }
  }
  if (q.limit !== undefined) {
    if (!Number.isInteger(q.limit) || q.limit < 0) throw new DbError('query', `bad LIMIT ${q.limit}`);
    sql += ` LIMIT ${q.limit}`;
  }
  return sql;
}

/** Rejects JavaScript values SQL cannot bind (undefined, objects, booleans). */
export function bindable(v: unknown, column: string): DbValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || Buffer.isBuffer(v)) return v;
  throw new DbError('query', `column '${column}': cannot store a value of type ${v === undefined ? 'undefined' : typeof v}`);
}
