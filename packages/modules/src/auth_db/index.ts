/**
 * auth_db: credentials from the subscriber table. www_authorize / proxy_authorize return
 * OpenSIPS's codes in $retcode: 1 authorized, -1 no such user, -2 wrong password,
 * -3 stale nonce, -4 no credentials, -5 error. The digest work (nonces, responses) is the
 * auth module's, reached through its AUTH service.
 */
import type { FunctionExport, ModparamExport, ModuleEnv, ModuleExports, ParamSpec, PvRef, ScriptContext } from '@tsips/script';
import { checkTableVersion, dbManagerOf, expectedVersion, type DbConnection, type DbRow, type DbValue } from '@tsips/core';
import type { DigestCredentials } from '@tsips/sip';
import { fn, implementedFn, intParam, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { outVar, staticStr, str } from '../shared/params';
import { REQ, REQ_FAIL_LOCAL } from '../shared/routes';
import { AUTH, AUTH_ERROR, DO_AUTHORIZATION, INVALID_PASSWORD, USER_UNKNOWN, type AuthApi, type AuthHeader } from '../auth/api';
import { ALG_MD5, ALG_MD5SESS, ALG_SHA256, ALG_SHA256SESS, ALG_UNSPEC, type DigestAlgorithm } from '../auth/digest';

/** The table is fixed at load (OpenSIPS prepares its queries then). */
const table = staticStr('table');

const DECLARED: ModuleExports = {
  name: 'auth_db',
  functions: [
    fn('www_authorize', [str('realm'), table], REQ, ISSUE.outsideAttacks,
      'Checks the Authorization header against the table (realm "" = the To domain for REGISTER, else the From domain). 1 ok; -1 no such user; -2 wrong password; -3 stale nonce; -4 no credentials; -5 error.'),
    fn('proxy_authorize', [str('realm'), table], REQ, ISSUE.outsideAttacks,
      'Checks the Proxy-Authorization header against the table (realm "" = the From domain); codes as www_authorize.'),
    fn('db_does_uri_exist', [str('uri'), table], REQ_FAIL_LOCAL, ISSUE.unscheduled,
      'True (1) when user and host of the URI name a row of the subscriber-style table; -5 no such row, -4 query error, -1 not a SIP URI.'),
    fn('db_is_to_authorized', [table], REQ, ISSUE.unscheduled,
      'True (1) when the uri-style table lists the To user for the authorized credentials; -9 not listed (spoofed), -2 no authorized credentials, -4 To without user, -8 query error.'),
    fn('db_is_from_authorized', [table], REQ, ISSUE.unscheduled,
      'As db_is_to_authorized for the From user.'),
    fn('db_get_auth_id', [table, str('uri'), outVar('auth user'), outVar('auth realm')], REQ_FAIL_LOCAL, ISSUE.unscheduled,
      'Finds the authentication id (user, realm) of a URI in the uri-style table and stores them; -4 not found, -8 query error, -1 bad URI.'),
  ],
  params: [
    strParam('db_url', null, 'Database holding the subscriber table (unset: db_default_url).'),
    strParam('user_column', 'username', 'column of the user name'),
    strParam('domain_column', 'domain', 'column of the domain'),
    strParam('password_column', 'ha1', 'column of the HA1 (MD5) or the plain password with calculate_ha1'),
    strParam('password_column_2', null, 'OpenSIPS 2.x: column of the HA1 computed with "user@domain" as the user (ha1b), used for MD5 credentials whose username carries a domain. Unset (3.x): not used.'),
    strParam('hash_column_sha256', 'ha1_sha256', 'column of the SHA-256 HA1'),
    strParam('hash_column_sha512t256', 'ha1_sha512t256', 'column of the SHA-512-256 HA1'),
    strParam('uri_user_column', 'username', 'column of the user in the uri table'),
    strParam('uri_domain_column', 'domain', 'column of the domain in the uri table'),
    strParam('uri_uriuser_column', 'uri_user', 'column of the URI user in the uri table'),
    intParam('calculate_ha1', 0, 'The password column holds plain text (1) and HA1 is computed, or HA1 values (0).'),
    intParam('use_domain', 1, 'Match the domain too when looking users up.'),
    strParam('load_credentials', null, 'Columns loaded into AVPs on success ("$avp(x)=column;column2;...": an AVP named after the column when no $avp is given).'),
    intParam('skip_version_check', 0, 'Do not check the table version at start.'),
  ],
  dependencies: ['auth'],
};

interface LoadedCredential {
  avp: string;
  column: string;
}

/** Parses load_credentials as OpenSIPS's parse_aaa_avps: `[$avp(name)=]column` items separated by ';'. */
export function parseLoadCredentials(text: string | null): LoadedCredential[] {
  if (text === null || text.trim() === '') return [];
  const out: LoadedCredential[] = [];
  for (const raw of text.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    let avp: string | null = null;
    let column = item;
    if (eq >= 0) {
      const spec = item.slice(0, eq).trim();
      const m = /^\$avp\(([^()\s]+)\)$/.exec(spec);
      if (m === null) throw new Error(`load_credentials: '${spec}' is not an $avp(name)`);
      avp = m[1]!;
      column = item.slice(eq + 1).trim();
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(column)) throw new Error(`load_credentials: '${column}' is not a column name`);
    out.push({ avp: avp ?? column, column });
  }
  return out;
}

/** A fresh auth_db instance (its connection and modparams are per server). */
export function createAuthDb(): ModuleExports {
  const values = new Map<string, string | number>();
  const cfg = <T extends string | number | null>(name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v as T;
    return (DECLARED.params!.find((p) => p.name === name)?.default ?? null) as T;
  };
  /** Tables named by the script, with the layout their functions read (checked at start). */
  const usedTables = new Map<string, 'subscriber' | 'uri'>();
  let env: ModuleEnv | null = null;
  let api: AuthApi | null = null;
  let conn: DbConnection | null = null;
  let creds: LoadedCredential[] = [];

  /**
   * One query shape per (table, column): the key/column arrays are made once, so the
   * driver's statement cache (keyed by SQL text) holds one prepared statement for each.
   */
  interface Prepared { keys: string[]; columns: string[] }
  const prepared = new Map<string, Prepared>();
  const query = (tableName: string, column: string): Prepared => {
    const key = `${tableName}\u0000${column}`;
    let p = prepared.get(key);
    if (p === undefined) {
      const useDomain = cfg<number>('use_domain') !== 0;
      const keys = useDomain ? [cfg<string>('user_column'), cfg<string>('domain_column')] : [cfg<string>('user_column')];
      p = { keys, columns: [column, ...creds.map((c) => c.column)] };
      prepared.set(key, p);
    }
    return p;
  };

  /** OpenSIPS get_cred_column: the password column with calculate_ha1, else the HA1 column of the algorithm. */
  const credColumn = (alg: DigestAlgorithm, cred: DigestCredentials): string => {
    if (cfg<number>('calculate_ha1') !== 0) return cfg<string>('password_column');
    switch (alg.id) {
      case ALG_UNSPEC:
      case ALG_MD5:
      case ALG_MD5SESS: {
        const ha1b = cfg<string | null>('password_column_2');
        return ha1b !== null && ha1b !== '' && (cred.username ?? '').includes('@') ? ha1b : cfg<string>('password_column');
      }
      case ALG_SHA256:
      case ALG_SHA256SESS:
        return cfg<string>('hash_column_sha256');
      default:
        return cfg<string>('hash_column_sha512t256');
    }
  };

  const fail500 = async (ctx: ScriptContext, a: AuthApi, why: string): Promise<number> => {
    ctx.log(-1, `auth_db: ${why}`);
    await a.reply(ctx, 500, 'Server Internal Error');
    return AUTH_ERROR;
  };

  const authorize = (hf: AuthHeader) => async (ctx: ScriptContext, realm: string, tableName: string): Promise<number> => {
    const a = api;
    if (a === null || conn === null) {
      ctx.log(-1, 'auth_db: not initialised (the auth module and a database are needed)');
      return AUTH_ERROR;
    }
    const pre = await a.preAuth(ctx, realm, hf);
    if (pre.code !== DO_AUTHORIZATION) return pre.code;
    const cred = pre.cred!;
    const alg = pre.alg!;
    const whole = cred.username ?? '';
    const at = whole.indexOf('@');
    const user = at < 0 ? whole : whole.slice(0, at);
    const domain = at < 0 ? pre.realm : whole.slice(at + 1);
    const column = credColumn(alg, cred);
    const q = query(tableName, column);
    let rows: DbRow[];
    try {
      rows = await conn.query(tableName, { keys: q.keys, values: q.keys.length === 2 ? [user, domain] : [user], columns: q.columns, limit: 1 });
    } catch (e) {
      return fail500(ctx, a, `failed to query the database: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (rows.length === 0) {
      ctx.log(4, `auth_db: no result for user '${user}@${domain}'`);
      return USER_UNKNOWN;
    }
    const row = rows[0]!;
    const secret = row[column];
    const secretText = secret === null || secret === undefined ? '' : String(secret);
    const hashed = cfg<number>('calculate_ha1') === 0;
    const key = a.sessionKey(cred, alg, pre.realm, secretText, hashed);
    if (key === null) {
      return fail500(ctx, a, `incorrect length of the pre-hashed credentials in '${column}' for ${alg.name ?? 'MD5'}: ${alg.hexLen} expected, ${secretText.length} found`);
    }
    if (!a.checkResponse(ctx, cred, alg, key)) return INVALID_PASSWORD;
    for (const c of creds) {
      const v: DbValue | undefined = row[c.column];
      if (v === null || v === undefined) continue;
      if (typeof v === 'number' || typeof v === 'bigint') ctx.avps.push(c.avp, Number(v));
      else if (typeof v === 'string') {
        if (v !== '') ctx.avps.push(c.avp, v);
      } else ctx.log(-1, `auth_db: column '${c.column}' has a type load_credentials does not support`);
    }
    return 1;
  };

  const run = async (ctx: ScriptContext, what: string, tableName: string, q: { keys: string[]; values: string[]; columns: string[] }): Promise<DbRow[] | null> => {
    if (conn === null) {
      ctx.log(-1, `auth_db: ${what}: no database (auth_db not initialised)`);
      return null;
    }
    try {
      return await conn.query(tableName, q);
    } catch (e) {
      ctx.log(-1, `auth_db: ${what}: error while querying the database: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  };
  const useDomainKeys = <T>(both: T[]): T[] => (cfg<number>('use_domain') !== 0 ? both : both.slice(0, 1));

  /** OpenSIPS does_uri_exist: the URI's user and host as a row of a subscriber-style table. */
  const doesUriExist = async (ctx: ScriptContext, uri: string, tableName: string): Promise<number> => {
    const p = uri === '' ? null : ctx.uriPartsOf(uri);
    if (p === null) {
      ctx.log(4, `auth_db: URI parameter is not a valid SIP URI <${uri}>`);
      return -1;
    }
    const rows = await run(ctx, 'db_does_uri_exist', tableName, {
      keys: useDomainKeys([cfg<string>('user_column'), cfg<string>('domain_column')]),
      values: useDomainKeys([p.user ?? '', p.host]), columns: [cfg<string>('user_column')],
    });
    if (rows === null) return -4;
    return rows.length === 0 ? -5 : 1;
  };

  /** OpenSIPS check_username: the uri table must list (digest user, digest realm, URI user). */
  const isAuthorized = (which: 'to' | 'from') => async (ctx: ScriptContext, tableName: string): Promise<number> => {
    const msg = ctx.msg;
    if (msg === null || api === null) return -1;
    let uri: string;
    try {
      uri = which === 'to' ? msg.to().uri : msg.from().uri;
    } catch {
      ctx.log(-1, `auth_db: error while parsing the ${which === 'to' ? 'To' : 'From'} header field`);
      return -1;
    }
    const p = ctx.uriPartsOf(uri);
    if (p === null) {
      ctx.log(-1, `auth_db: error while parsing the ${which === 'to' ? 'To' : 'From'} header URI`);
      return -1;
    }
    const cred = api.authorizedCredentials(ctx);
    if (cred === null) {
      ctx.log(-1, `auth_db: no authorized credentials found (call www_authorize or proxy_authorize before db_is_${which}_authorized)`);
      return -2;
    }
    if (p.user === null || p.user === '') {
      ctx.log(-1, 'auth_db: username not found in URI');
      return -4;
    }
    const whole = cred.username ?? '';
    const at = whole.indexOf('@');
    // GET_REALM: the domain of a user@domain username, else the realm.
    const realm = at >= 0 && at < whole.length - 1 ? whole.slice(at + 1) : cred.realm ?? '';
    const rows = await run(ctx, `db_is_${which}_authorized`, tableName, {
      keys: [cfg<string>('uri_user_column'), cfg<string>('uri_domain_column'), cfg<string>('uri_uriuser_column')],
      values: [at < 0 ? whole : whole.slice(0, at), realm, p.user], columns: [cfg<string>('uri_user_column')],
    });
    if (rows === null) return -8;
    if (rows.length === 0) {
      ctx.log(4, `auth_db: ${which === 'to' ? 'To' : 'From'} user '${p.user}' is spoofed`);
      return -9;
    }
    return 1;
  };

  /** OpenSIPS get_auth_id: the (user, domain) the uri table gives for a URI user (and host). */
  const getAuthId = async (ctx: ScriptContext, tableName: string, uri: string, userOut: PvRef, realmOut: PvRef): Promise<number> => {
    const p = uri === '' ? null : ctx.uriPartsOf(uri);
    if (p === null || p.user === null || p.user === '') {
      ctx.log(-1, `auth_db: the URI must be a URI with a user name (val = '${uri}')`);
      return -1;
    }
    const userCol = cfg<string>('uri_user_column');
    const domainCol = cfg<string>('uri_domain_column');
    const rows = await run(ctx, 'db_get_auth_id', tableName, {
      keys: useDomainKeys([cfg<string>('uri_uriuser_column'), domainCol]), values: useDomainKeys([p.user, p.host]), columns: [userCol, domainCol],
    });
    if (rows === null) return -8;
    if (rows.length === 0) return -4;
    if (rows.length > 1) ctx.log(1, 'auth_db: multiple entries are matching the given uri; consider setting the use_domain param');
    const u = rows[0]![userCol];
    const d = rows[0]![domainCol];
    if (typeof u !== 'string' || typeof d !== 'string') {
      ctx.log(-1, `auth_db: the '${userCol}'/'${domainCol}' columns are not strings`);
      return -3;
    }
    userOut.set(ctx, u);
    realmOut.set(ctx, d);
    return 1;
  };

  const impls: Record<string, FunctionExport['impl']> = {
    www_authorize: authorize('www') as FunctionExport['impl'],
    proxy_authorize: authorize('proxy') as FunctionExport['impl'],
    db_does_uri_exist: doesUriExist as FunctionExport['impl'],
    db_is_to_authorized: isAuthorized('to') as FunctionExport['impl'],
    db_is_from_authorized: isAuthorized('from') as FunctionExport['impl'],
    db_get_auth_id: getAuthId as FunctionExport['impl'],
  };
  const LAYOUT: Record<string, 'subscriber' | 'uri'> = {
    www_authorize: 'subscriber', proxy_authorize: 'subscriber', db_does_uri_exist: 'subscriber',
    db_is_to_authorized: 'uri', db_is_from_authorized: 'uri', db_get_auth_id: 'uri',
  };
  const wrapSpec = (fnName: string, spec: ParamSpec): ParamSpec => {
    if (spec.name !== 'table' || spec.kind !== 'static-string') return spec;
    return { ...spec, parse: (literal: string) => { usedTables.set(literal, LAYOUT[fnName] ?? 'subscriber'); return literal; } };
  };
  const functions: FunctionExport[] = DECLARED.functions!.map((f) => {
    const impl = impls[f.name];
    if (impl === undefined) return f;
    return implementedFn(f, impl, { params: f.params.map((p) => wrapSpec(f.name, p)) });
  });
  const params: ModparamExport[] = DECLARED.params!.map((p) => {
    const out: ModparamExport = { ...p, set: (v: string | number) => { values.set(p.name, v); } };
    if (p.name === 'load_credentials') {
      out.validate = (v) => {
        try {
          parseLoadCredentials(String(v));
          return undefined;
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
      };
    }
    return out;
  });

  return {
    ...DECLARED,
    functions,
    params,
    async init(e) {
      env = e;
      api = e.services.find(AUTH) ?? null;
      if (api === null) throw new Error('auth_db needs the auth module (loadmodule "auth.so" before auth_db)');
      creds = parseLoadCredentials(cfg<string | null>('load_credentials'));
      prepared.clear();
      const dbm = dbManagerOf(e.services);
      conn = await dbm.open(dbm.resolveUrl(cfg<string | null>('db_url'), 'auth_db'));
      if (cfg<number>('skip_version_check') === 0) {
        for (const [t, layout] of usedTables) await checkTableVersion(conn, t, expectedVersion(layout), dbm.versionTable);
      }
      env.log(4, `auth_db: using table(s) ${[...usedTables.keys()].join(', ') || '(none)'}`);
    },
    async destroy() {
      if (conn !== null) await conn.close();
      conn = null;
    },
  };
}

/** The auth_db table for checking scripts (no state is used until init). */
export const auth_db: ModuleExports = createAuthDb();
