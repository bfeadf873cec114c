/**
 * userblacklist: per-user and global number blacklists/whitelists from the database,
 * matched by longest prefix. The per-user table is queried on every check (as OpenSIPS
 * does); the global tables named by check_blacklist() are loaded at start into digit trees
 * and reloaded by MI.
 */
import type { FunctionExport, ModparamExport, ModuleExports, ScriptContext } from '@tsips/script';
import { checkTableVersion, dbManagerOf, type DbConnection, type DbRow } from '@tsips/core';
import { fn, implementedFn, implementedMi, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { staticStr, str } from '../shared/params';
import { REQ_FAIL } from '../shared/routes';
import { digitsOf, PrefixTree } from './prefix-tree';

export { PrefixTree, digitsOf } from './prefix-tree';

const R = ISSUE.insideAttacks;
/** OpenSIPS MAXNUMBERLEN: longer numbers are an error. */
const MAX_NUMBER_LEN = 31;
const TABLE_VERSION = 2;

const DECLARED: ModuleExports = {
  name: 'userblacklist',
  functions: [
    fn('check_user_blacklist', [str('user'), str('domain'), str('number', true), str('table', true)], REQ_FAIL, R,
      'False (-1) when the longest prefix of the number (default: the Request-URI user) among the entries of the user is a blacklist entry; true (1) when it is whitelisted or nothing matches. -1 too on errors.'),
    fn('check_blacklist', [staticStr('table')], REQ_FAIL, R,
      'False (-1) when the longest prefix of the Request-URI user in the global table (loaded at start) is a blacklist entry; true (1) otherwise.'),
  ],
  params: [
    strParam('db_url', null, 'Database of the blacklist tables (unset: db_default_url).'),
    strParam('db_table', 'userblacklist', 'Per-user table (default of check_user_blacklist; its version is checked at start).'),
    intParam('use_domain', 1, 'Match the domain of the user too.'),
  ],
  mi: [mi('userblacklist', 'reload', { aliases: ['reload_blacklist'], reason: R, doc: 'Reloads the global blacklists.' })],
};

/** An MI failure with OpenSIPS's code and text. */
export class UserblacklistMiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'UserblacklistMiError';
  }
}

/**
 * Where the global trees live: a local map by default; a shared backend can hold them
 * for several processes later.
 */
export interface BlacklistTreeStore {
  get(table: string): PrefixTree | undefined;
  set(table: string, tree: PrefixTree): void;
}

export function localBlacklistTreeStore(): BlacklistTreeStore {
  const m = new Map<string, PrefixTree>();
  return { get: (t) => m.get(t), set: (t, tree) => void m.set(t, tree) };
}

/** Builds a tree from (prefix, whitelist) rows, skipping rows with NULLs or a wrong type as OpenSIPS does. */
export function treeFromRows(rows: readonly DbRow[], log: (level: number, text: string) => void): PrefixTree {
  const t = new PrefixTree();
  for (const r of rows) {
    const prefix = r['prefix'];
    const white = r['whitelist'];
    if (prefix === null || prefix === undefined || white === null || white === undefined) continue;
    if (typeof prefix !== 'string' || (typeof white !== 'number' && typeof white !== 'bigint')) {
      log(-1, 'userblacklist: got invalid result type from query');
      continue;
    }
    if (!t.insert(prefix, Number(white) !== 0)) log(-1, `userblacklist: cannot insert non-numerical number '${prefix}'`);
  }
  return t;
}

/**
 * The verdict of the longest prefix among (prefix, whitelist) rows for a number, without
 * building a tree (the per-user rows are read per call): the same answer as inserting the
 * rows into a {@link PrefixTree} in order and asking it (a later row wins a tie).
 */
export function longestOfRows(rows: readonly DbRow[], digits: string, log: (level: number, text: string) => void): 'white' | 'black' | null {
  let best = -1;
  let white = false;
  for (const r of rows) {
    const prefix = r['prefix'];
    const w = r['whitelist'];
    if (prefix === null || prefix === undefined || w === null || w === undefined) continue;
    if (typeof prefix !== 'string' || (typeof w !== 'number' && typeof w !== 'bigint')) {
      log(-1, 'userblacklist: got invalid result type from query');
      continue;
    }
    if (!/^[0-9]*$/.test(prefix)) {
      log(-1, `userblacklist: cannot insert non-numerical number '${prefix}'`);
      continue;
    }
    if (prefix.length >= best && digits.startsWith(prefix)) {
      best = prefix.length;
      white = Number(w) !== 0;
    }
  }
  if (best < 0) return null;
  return white ? 'white' : 'black';
}

const COLUMNS = ['prefix', 'whitelist'] as const;

/** A fresh userblacklist instance (its connection and trees are per server). */
export function createUserblacklist(opts: { store?: BlacklistTreeStore } = {}): ModuleExports {
  const store = opts.store ?? localBlacklistTreeStore();
  const values = new Map<string, string | number>();
  const cfg = <T extends string | number | null>(name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v as T;
    return (DECLARED.params!.find((p) => p.name === name)?.default ?? null) as T;
  };
  /** Global tables named by check_blacklist() call sites, loaded at start and on reload. */
  const sources: string[] = [];
  let conn: DbConnection | null = null;
  let log: (level: number, text: string) => void = () => undefined;
  const keysWithDomain = ['username', 'domain'] as const;
  const keysUserOnly = ['username'] as const;

  /** The number to check: the given one or the Request-URI user; null (logged) when unusable. */
  const numberOf = (ctx: ScriptContext, number: string | null): string | null => {
    const msg = ctx.msg;
    if (msg === null || !msg.isRequest) {
      ctx.logError('userblacklist: SIP msg is not a request');
      return null;
    }
    let n = number;
    if (n === null) {
      const p = ctx.uriPartsOf(ctx.ruri());
      if (p === null || p.user === null || p.user.length > MAX_NUMBER_LEN) {
        ctx.logError('userblacklist: cannot parse msg URI');
        return null;
      }
      n = p.user;
    } else if (n.length > MAX_NUMBER_LEN) {
      ctx.logError('userblacklist: number to long');
      return null;
    }
    return digitsOf(n);
  };

  const checkUser = async (ctx: ScriptContext, user: string, domain: string, number: string | null, table: string | null): Promise<number> => {
    const n = numberOf(ctx, number);
    if (n === null) return -1;
    if (conn === null) {
      ctx.logError('userblacklist: no database (module not initialised)');
      return -1;
    }
    const useDomain = cfg<number>('use_domain') !== 0;
    let rows: DbRow[];
    try {
      rows = await conn.query(table ?? cfg<string>('db_table'), {
        keys: useDomain ? keysWithDomain : keysUserOnly, values: useDomain ? [user, domain] : [user], columns: COLUMNS,
      });
    } catch (e) {
      ctx.logError(`userblacklist: error while executing query: ${e instanceof Error ? e.message : String(e)}`);
      return -1;
    }
    const verdict = longestOfRows(rows, n, (l, t) => ctx.log(l, t));
    if (verdict === 'black') {
      ctx.log(4, `userblacklist: entry ${n} is blacklisted`);
      return -1;
    }
    return 1;
  };

  const checkGlobal = (ctx: ScriptContext, table: string): number => {
    const n = numberOf(ctx, null);
    if (n === null) return -1;
    const tree = store.get(table);
    if (tree === undefined) {
      ctx.logError(`userblacklist: invalid table '${table}'`);
      return -1;
    }
    if (tree.longestMatch(n) === 'black') {
      ctx.log(4, `userblacklist: entry ${n} is blacklisted`);
      return -1;
    }
    return 1;
  };

  const reloadSources = async (): Promise<void> => {
    if (conn === null) throw new Error('no database');
    for (const t of sources) {
      const tree = treeFromRows(await conn.query(t, { columns: COLUMNS }), log);
      store.set(t, tree);
      log(3, `userblacklist: got ${tree.size} entries from '${t}'`);
    }
  };

  const functions: FunctionExport[] = DECLARED.functions!.map((f) => {
    if (f.name === 'check_user_blacklist') return implementedFn(f, checkUser as FunctionExport['impl']);
    return implementedFn(f, checkGlobal as FunctionExport['impl'], {
      params: [{
        ...f.params[0]!,
        parse: (literal: string) => {
          if (!sources.includes(literal)) sources.push(literal);
          return literal;
        },
      }],
    });
  });
  const params: ModparamExport[] = DECLARED.params!.map((p) => ({ ...p, set: (v: string | number) => { values.set(p.name, v); } }));

  const miReload = async (): Promise<unknown> => {
    try {
      await reloadSources();
    } catch (e) {
      log(-1, `userblacklist: cannot reload the blacklists: ${e instanceof Error ? e.message : String(e)}`);
      throw new UserblacklistMiError(500, 'cannot reload blacklist');
    }
    return 'OK';
  };

  return {
    ...DECLARED,
    functions,
    params,
    mi: [implementedMi(DECLARED.mi![0]!, miReload)],
    async init(e) {
      log = e.log;
      const dbm = dbManagerOf(e.services);
      conn = await dbm.open(dbm.resolveUrl(cfg<string | null>('db_url'), 'userblacklist'));
      await checkTableVersion(conn, cfg<string>('db_table'), TABLE_VERSION, dbm.versionTable);
      await reloadSources();
    },
    async destroy() {
      if (conn !== null) await conn.close();
      conn = null;
    },
  };
}

/** The userblacklist table for checking scripts (no state is used until init). */
export const userblacklist: ModuleExports = createUserblacklist();
