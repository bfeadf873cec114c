/**
 * cachedb_local: the in-memory key-value engine "local" behind the core cache_* functions
 * (cache_store, cache_fetch, cache_add, ... are core functions; this module is the engine
 * they reach). Keys live in named collections, each bounded by a least-recently-used cap,
 * with optional expiry swept every cache_clean_period seconds.
 */
import type { CacheDbEngine, MiExport, ModparamExport, ModuleEnv, ModuleExports, ScriptContext } from '@tsips/script';
import { CacheMiError, MI_INVALID_PARAMS } from '@tsips/script';
import { CORE } from '@tsips/core';
import { implementedMi, intParam, mi, multiStrParam, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { str } from '../shared/params';
import { LocalCollection } from './collection';
import { CachedbLocalConfigError, checkMaxEntries, DEFAULT_COLLECTION, DEFAULT_HASH_SIZE, parseCollections, parseLocalUrl, type CollectionSpec, type LocalUrl } from './config';

export { LocalCollection, strToSint } from './collection';
export { globToRegExp } from './glob';
export { CachedbLocalConfigError, parseCollections, parseLocalUrl } from './config';

const ROUTES = ['REQUEST_ROUTE', 'ONREPLY_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE', 'LOCAL_ROUTE', 'STARTUP_ROUTE'] as const;

/** Default of the tsips-only cache_max_entries (keys per collection). */
export const DEFAULT_MAX_ENTRIES = 100_000;

const validated = (parse: (v: string) => unknown) => (v: string | number): string | undefined => {
  try {
    parse(String(v));
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
};

const PARAMS = [
  intParam('cache_clean_period', 600, 'Seconds between sweeps removing expired keys.', {
    validate: (v) => (Number(v) > 0 ? undefined : 'cache_clean_period must be a positive number of seconds'),
  }),
  intParam('exec_threshold', 0, 'Log operations slower than this many microseconds (0: never).'),
  { ...multiStrParam('cache_collections', 'Collections: "name[/r][=log2 size]; ..." (the default collection always exists).'), validate: validated(parseCollections) },
  { ...multiStrParam('cachedb_url', 'Engine URLs binding a group to a collection: "local://", "local:///collection", "local:group:///collection".'), validate: validated(parseLocalUrl) },
  intParam('cluster_id', 0, 'Cluster replicating "/r" collections (0: none). tsips has no clusterer: a non-zero value is a start-up error.'),
  strParam('cluster_persistency', 'sync-from-cluster', 'At start, pull replicated collections from the cluster (sync-from-cluster) or not (none); only with cluster_id.', {
    validate: (v) => (['none', 'sync-from-cluster'].includes(String(v).toLowerCase()) ? undefined : `unknown 'cluster_persistency' value: ${String(v)} (none, sync-from-cluster)`),
  }),
  intParam('enable_restart_persistency', 0, 'Keep the cache across restarts. Not supported by tsips: a non-zero value is a start-up error.'),
  intParam('cache_max_entries', DEFAULT_MAX_ENTRIES, 'tsips: most keys one collection holds; storing one more drops the least recently used.', {
    validate: (v) => checkMaxEntries(Number(v)),
  }),
];

const DECLARED_MI = [
  mi('cachedb_local', 'remove_chunk', { aliases: ['cache_remove_chunk'], params: [{ name: 'glob' }, { name: 'collection', optional: true }], reason: ISSUE.outsideAttacks, doc: 'Removes the keys matching a glob.' }),
  mi('cachedb_local', 'fetch_chunk', { aliases: ['cache_fetch_chunk'], params: [{ name: 'glob' }, { name: 'collection', optional: true }], reason: ISSUE.outsideAttacks, doc: 'Lists the keys matching a glob with their values.' }),
];

export interface CachedbLocalOptions {
  /** Milliseconds since the epoch (default: the core's clock, else Date.now). */
  now?: () => number;
}

/** The module table plus handles for tests and tools. */
export interface CachedbLocalModule extends ModuleExports {
  /** Collections by name (empty before init). */
  collections(): ReadonlyMap<string, LocalCollection>;
  /** Runs the expiry sweep now; returns how many keys went. */
  clean(): number;
}

/** A fresh instance: its collections, URLs and sweep timer. */
export function createCachedbLocal(opts: CachedbLocalOptions = {}): CachedbLocalModule {
  const values = new Map<string, string | number>();
  const collectionSpecs: string[] = [];
  const urls: string[] = [];
  const param = (name: string): string | number => values.get(name) ?? (PARAMS.find((p) => p.name === name)!.default as string | number);

  let env: ModuleEnv | null = null;
  let timer: NodeJS.Timeout | null = null;
  const collections = new Map<string, LocalCollection>();
  /** Connections by group ('' for the URL without a group). */
  const connections = new Map<string, LocalCollection>();
  const now = opts.now ?? ((): number => env?.services.find(CORE)?.now() ?? Date.now());

  const clean = (): number => {
    let n = 0;
    for (const c of collections.values()) n += c.clean();
    return n;
  };

  const collectionOf = (name: string | null): LocalCollection | undefined => collections.get(name ?? DEFAULT_COLLECTION);

  const removeChunk = (ctx: ScriptContext, collection: string | null, glob: string): number => {
    const col = collectionOf(collection);
    if (col === undefined) {
      ctx.logError(`cache_remove_chunk: collection <${collection ?? DEFAULT_COLLECTION}> not defined!`);
      return -1;
    }
    col.removeChunk(glob);
    return 1;
  };

  const miCollection = (p: Record<string, string>): LocalCollection | undefined => collectionOf(p['collection'] ?? null);
  const miGlob = (p: Record<string, string>): string => {
    const g = p['glob'];
    if (g === undefined) throw new CacheMiError(MI_INVALID_PARAMS, "Invalid params: missing 'glob'");
    return g;
  };
  const miImpl: Record<string, MiExport['handler']> = {
    'cachedb_local:remove_chunk': (p) => {
      const glob = miGlob(p);
      const col = miCollection(p);
      if (col === undefined) throw new CacheMiError(500, 'Internal error');
      col.removeChunk(glob);
      return 'OK';
    },
    'cachedb_local:fetch_chunk': (p) => {
      const glob = miGlob(p);
      const col = miCollection(p);
      if (col === undefined) throw new CacheMiError(MI_INVALID_PARAMS, 'Invalid params');
      return { keys: col.fetchChunk(glob) };
    },
  };

  const setup = (): void => {
    if (Number(param('enable_restart_persistency')) !== 0) {
      throw new CachedbLocalConfigError('enable_restart_persistency is not supported by tsips (OpenSIPS keeps the cache in a restart-persistent shared memory file; tsips has none): remove the modparam or set it to 0');
    }
    if (Number(param('cluster_id')) !== 0) {
      throw new CachedbLocalConfigError('cluster_id: tsips has no clusterer module, so collections cannot be replicated; remove the modparam or set it to 0');
    }
    const period = Number(param('cache_clean_period'));
    if (!(period > 0)) throw new CachedbLocalConfigError('Wrong parameter cache_clean_period - need a positive value');
    const specs: CollectionSpec[] = [];
    for (const text of collectionSpecs) {
      for (const spec of parseCollections(text)) {
        if (specs.some((s) => s.name === spec.name)) throw new CachedbLocalConfigError(`collection <${spec.name}> defined more than once!`);
        specs.push(spec);
      }
    }
    if (!specs.some((s) => s.name === DEFAULT_COLLECTION)) specs.unshift({ name: DEFAULT_COLLECTION, hashSize: DEFAULT_HASH_SIZE, replicated: false });
    const maxEntries = Number(param('cache_max_entries'));
    const threshold = Number(param('exec_threshold'));
    const log = (level: number, text: string): void => env?.log(level, text);
    collections.clear();
    connections.clear();
    for (const s of specs) {
      if (s.replicated) log(1, `collection <${s.name}> is replicated but no 'cluster_id' defined!`);
      collections.set(s.name, new LocalCollection({ name: s.name, maxEntries, now, execThresholdUs: threshold, log, replicated: s.replicated }));
    }
    const parsed: LocalUrl[] = (urls.length > 0 ? urls : ['local://']).map(parseLocalUrl);
    for (const u of parsed) {
      const col = collections.get(u.collection);
      if (col === undefined) throw new CachedbLocalConfigError(`collection <${u.collection}> of cachedb_url '${u.url}' not defined! (add it to cache_collections)`);
      // A URL with the same group as an earlier one replaces it.
      connections.set(u.group ?? '', col);
    }
    timer = setInterval(clean, period * 1000);
    timer.unref();
  };

  const params: ModparamExport[] = PARAMS.map((p) => ({
    ...p,
    set: (v: string | number) => {
      if (p.name === 'cache_collections') collectionSpecs.push(String(v));
      else if (p.name === 'cachedb_url') urls.push(String(v));
      else values.set(p.name, v);
    },
  }));

  return {
    name: 'cachedb_local',
    functions: [
      {
        name: 'cache_remove_chunk',
        params: [str('collection', true), str('glob')],
        routes: ROUTES,
        impl: removeChunk,
        doc: 'cache_remove_chunk([collection,] glob): removes every key of the collection ("default" when omitted) matching the glob.',
      },
    ],
    params,
    mi: DECLARED_MI.map((m) => implementedMi(m, miImpl[m.name]!)),
    cachedb: {
      scheme: 'local',
      connection: (group: string | null): CacheDbEngine | undefined => connections.get(group ?? ''),
    },
    init(e) {
      env = e;
      setup();
    },
    destroy() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
    collections: () => collections,
    clean,
  };
}

/** The static table (for checking scripts); a server gets its own instance from createCachedbLocal(). */
export const cachedb_local: ModuleExports = createCachedbLocal();
