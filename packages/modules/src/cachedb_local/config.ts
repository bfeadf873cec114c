/** Parsing of cachedb_local's cache_collections and cachedb_url modparams. */

export class CachedbLocalConfigError extends Error {
  constructor(message: string) {
    super(`cachedb_local: ${message}`);
    this.name = 'CachedbLocalConfigError';
  }
}

export const DEFAULT_COLLECTION = 'default';
/** OpenSIPS HASH_SIZE_DEFAULT: 2^9 buckets. */
export const DEFAULT_HASH_SIZE = 9;

export interface CollectionSpec {
  name: string;
  /** log2 of OpenSIPS's bucket count (validated, see docs: tsips has no buckets). */
  hashSize: number;
  /** "/r": replicated over a cluster in OpenSIPS. */
  replicated: boolean;
}

/** `"col1/r; col2 = 5; default = 4"` (one modparam value; the parameter may be given again). */
export function parseCollections(text: string): CollectionSpec[] {
  const out: CollectionSpec[] = [];
  for (const item of text.split(';')) {
    const kv = item.split('=');
    if (kv.length > 2) throw new CachedbLocalConfigError(`failed to parse 'cache_collections': '${item.trim()}' has more than one '='`);
    let name = kv[0]!.trim();
    let hashSize = DEFAULT_HASH_SIZE;
    if (kv.length === 2) {
      const size = kv[1]!.trim();
      if (!/^\d+$/.test(size) || Number(size) > 31) throw new CachedbLocalConfigError(`invalid hash size <${size}> in 'cache_collections' (log2 of the bucket count, 0..31)`);
      hashSize = Number(size);
    }
    if (name === '') {
      if (kv.length === 2) throw new CachedbLocalConfigError(`failed to parse 'cache_collections': a size without a collection name in '${item.trim()}'`);
      continue;
    }
    let replicated = false;
    if (name.endsWith('/r')) {
      replicated = true;
      name = name.slice(0, -2).trim();
    }
    if (!/^[^\s/:]+$/.test(name)) throw new CachedbLocalConfigError(`invalid collection name '${name}' in 'cache_collections'`);
    out.push({ name, hashSize, replicated });
  }
  return out;
}

export interface LocalUrl {
  url: string;
  /** Script id group: "local:group" (null: plain "local"). */
  group: string | null;
  /** Collection the URL points to. */
  collection: string;
}

/**
 * `local://`, `local:///collection`, `local:group://`, `local:group:///collection`
 * (OpenSIPS cachedb_id: scheme[:group]://[host][/database]; local has no host).
 */
export function parseLocalUrl(url: string): LocalUrl {
  const m = /^([A-Za-z0-9_]+)(?::([^:/]*))?:\/\/([^/]*)(?:\/(.*))?$/.exec(url.trim());
  if (m === null) throw new CachedbLocalConfigError(`bad cachedb_url '${url}' (expected local[:group]://[/collection])`);
  const [, scheme, group, host, db] = m;
  if (scheme !== 'local') throw new CachedbLocalConfigError(`cachedb_url '${url}' is not a local:// URL`);
  if (host !== '') throw new CachedbLocalConfigError(`cachedb_url '${url}': a local cache has no host (write local:///collection)`);
  if (db !== undefined && db.includes('/')) throw new CachedbLocalConfigError(`cachedb_url '${url}': '${db}' is not a collection name`);
  return { url, group: group === undefined || group === '' ? null : group, collection: db === undefined || db === '' ? DEFAULT_COLLECTION : db };
}

/** cache_max_entries: a positive integer. */
export function checkMaxEntries(v: number): string | undefined {
  return Number.isInteger(v) && v > 0 ? undefined : `cache_max_entries must be a positive integer (got ${v})`;
}
