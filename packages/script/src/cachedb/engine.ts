/**
 * The key-value interface behind the core cache_* functions (OpenSIPS cachedb/cachedb.c).
 * A cachedb module (cachedb_local, later cachedb_redis) exports a {@link CacheDbProvider}
 * in its table; the core functions and MI commands find it by the engine part of an id
 * such as "local" or "redis:cluster1" and ask it for the connection of the group.
 *
 * Every operation may answer synchronously (cachedb_local, a Map away) or with a Promise
 * (a network backend); the core functions pass a Promise on to the script runtime.
 */

/** What a counter operation writes besides its return code. */
export interface CacheCounterOut {
  value: number;
}

/** One connection (OpenSIPS cachedb_con): a collection of cachedb_local, a Redis server. */
export interface CacheDbEngine {
  /** Sets `key` to `value`; `expires` seconds (0: never). >0 stored, <0 error. */
  store(key: string, value: string, expires: number): number | Promise<number>;
  /** Deletes `key`; a missing key is not an error. >=0 done, <0 error. */
  remove(key: string): number | Promise<number>;
  /** The value of `key`, or a negative code: -2 missing or expired, -1 error. */
  fetch(key: string): string | number | Promise<string | number>;
  /**
   * The integer value of `key` into `out.value`: >0 found, -2 missing or expired, -3 the
   * value is not an integer, -1 error.
   */
  fetchCounter(key: string, out: CacheCounterOut): number | Promise<number>;
  /**
   * Adds `delta` to the integer value of `key` (creating it with `delta` and `expires`
   * when missing or expired) and writes the new value to `out.value`. Absent when the
   * backend has no such operation (OpenSIPS CACHEDB_CAP_ADD). >=0 done, <0 error.
   */
  add?(key: string, delta: number, expires: number, out: CacheCounterOut): number | Promise<number>;
  /** Subtracts `delta`, as {@link add} (OpenSIPS CACHEDB_CAP_SUB). */
  sub?(key: string, delta: number, expires: number, out: CacheCounterOut): number | Promise<number>;
}

/** What a cachedb module exports: its engine name and its connections by group. */
export interface CacheDbProvider {
  /** Engine name in script ids and URLs ("local", "redis"). */
  readonly scheme: string;
  /**
   * The connection of a group (`null`: the URL without a group), or undefined when the
   * module has none for it (no such cachedb_url, or the module was not initialised).
   */
  connection(group: string | null): CacheDbEngine | undefined;
}

/** Engines by scheme, as the core functions see them. */
export type CacheDbProviders = ReadonlyMap<string, CacheDbProvider>;

/** `"local:grp"` -> engine "local", group "grp"; no colon or an empty group -> group null. */
export function parseCacheDbId(id: string): { engine: string; group: string | null } {
  const colon = id.indexOf(':');
  if (colon < 0) return { engine: id, group: null };
  const group = id.slice(colon + 1);
  return { engine: id.slice(0, colon), group: group === '' ? null : group };
}

/** The connection an id names, or the error OpenSIPS logs when there is none. */
export function resolveCacheDb(providers: CacheDbProviders, id: string): CacheDbEngine | string {
  const { engine, group } = parseCacheDbId(id);
  const provider = providers.get(engine);
  if (provider === undefined) return `Wrong argument <${engine}> - no cachedb system with this name registered`;
  const con = provider.connection(group);
  if (con === undefined) return `failed to get connection for grp name [${group ?? ''}] : check db_url`;
  return con;
}

/** An MI command failure with the code OpenSIPS answers (400 "Value not found", 500...). */
export class CacheMiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'CacheMiError';
  }
}

/** JSON-RPC "invalid params" (OpenSIPS JSONRPC_INVAL_PARAMS_CODE). */
export const MI_INVALID_PARAMS = -32602;
