/**
 * Database URLs as OpenSIPS writes them: `driver://[user[:password]@]host[:port]/database`.
 * SQLite has no server, so its URL names a file:
 * - `sqlite:///var/lib/tsips/tsips.db`: three slashes, an absolute path;
 * - `sqlite://var/tsips.db`: two slashes, a path relative to the working folder (what the
 *   default config uses, so `npm start` keeps its database under the checkout);
 * - `sqlite://:memory:`: a private in-memory database (tests).
 * A `?name=value&...` tail is kept as parameters for the driver.
 */
import * as path from 'node:path';
import { DbError } from './errors';

export interface DbUrl {
  /** The URL as written. */
  raw: string;
  /** Lower-case scheme: `sqlite`, `postgres`, `mysql`... */
  scheme: string;
  user: string | null;
  password: string | null;
  host: string | null;
  port: number | null;
  /** Network drivers: the database name. SQLite: the absolute file path, or `:memory:`. */
  database: string;
  params: Record<string, string>;
}

/** Parses a db URL; `cwd` resolves relative SQLite paths (default: process.cwd()). */
export function parseDbUrl(raw: string, cwd: string = process.cwd()): DbUrl {
  const text = raw.trim();
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(text);
  if (m === null) throw new DbError('url', `bad database URL '${raw}': expected driver://..., e.g. sqlite:///path/file.db`);
  const scheme = m[1]!.toLowerCase();
  let rest = m[2]!;
  const params: Record<string, string> = {};
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      params[name] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    }
    rest = rest.slice(0, q);
  }
  if (scheme === 'sqlite') {
    if (rest === '') throw new DbError('url', `bad database URL '${raw}': no file name (write sqlite:///abs/path.db or sqlite://relative/path.db)`);
    const database = rest === ':memory:' ? ':memory:' : rest.startsWith('/') ? path.normalize(rest) : path.resolve(cwd, rest);
    return { raw, scheme, user: null, password: null, host: null, port: null, database, params };
  }
  // Network form: [user[:password]@]host[:port][/database]
  const at = rest.lastIndexOf('@');
  let cred = '';
  let hostPart = rest;
  if (at >= 0) {
    cred = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
  }
  const slash = hostPart.indexOf('/');
  const database = slash >= 0 ? hostPart.slice(slash + 1) : '';
  const hostPort = slash >= 0 ? hostPart.slice(0, slash) : hostPart;
  let host: string | null = hostPort;
  let port: number | null = null;
  const pm = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(hostPort);
  if (pm === null) throw new DbError('url', `bad database URL '${raw}': cannot read host[:port] '${hostPort}'`);
  host = pm[1] === '' ? null : pm[1]!;
  if (pm[2] !== undefined) {
    port = Number(pm[2]);
    if (port < 1 || port > 65535) throw new DbError('url', `bad database URL '${raw}': port ${pm[2]} is out of range`);
  }
  let user: string | null = null;
  let password: string | null = null;
  if (cred !== '') {
    const colon = cred.indexOf(':');
    user = decodeURIComponent(colon < 0 ? cred : cred.slice(0, colon));
    password = colon < 0 ? null : decodeURIComponent(cred.slice(colon + 1));
  }
  return { raw, scheme, user, password, host, port, database, params };
}

/** The URL with its password replaced by `***`, for logs and errors. */
export function redactDbUrl(raw: string): string {
  return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** A key identifying the database a URL points at (two spellings of one file share a connection). */
export function dbUrlKey(u: DbUrl): string {
  if (u.scheme === 'sqlite') return `sqlite:${u.database}`;
  return `${u.scheme}://${u.user ?? ''}@${u.host ?? ''}:${u.port ?? ''}/${u.database}`;
}
