/**
 * cachedb_local: the in-memory key-value engine behind the core cache_* functions
 * (cache_store, cache_fetch, cache_add, ... are core functions; this module is the "local"
 * engine they reach). Keys live in named collections with optional expiry.
 */
import type { ModuleExports } from '@tsips/script';
import { fn, intParam, mi, multiStrParam, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { str } from '../shared/params';

export const cachedb_local: ModuleExports = {
  name: 'cachedb_local',
  functions: [
    fn('cache_remove_chunk', [str('collection', true), str('glob')],
      ['REQUEST_ROUTE', 'ONREPLY_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE', 'LOCAL_ROUTE', 'STARTUP_ROUTE'], ISSUE.outsideAttacks,
      'Removes every key of the collection ("default" when omitted) that matches the glob.'),
  ],
  params: [
    intParam('cache_clean_period', 600, 'Seconds between sweeps removing expired keys.'),
    intParam('exec_threshold', 0, 'Log operations slower than this many microseconds (0: never).'),
    multiStrParam('cache_collections', 'Collections and their sizes: "name[/r][=log2 size]; ..." (default collection always exists, 2^9 buckets).'),
    multiStrParam('cachedb_url', 'Engine URLs binding a collection to a cachedb group ("local://name/collection").'),
    intParam('cluster_id', 0, 'Cluster replicating "/r" collections (0: none).'),
    strParam('cluster_persistency', 'sync-from-cluster', 'At start, pull replicated collections from the cluster (sync-from-cluster) or not (none).'),
    intParam('enable_restart_persistency', 0, 'Keep the cache across restarts.'),
  ],
  mi: [
    mi('cachedb_local', 'remove_chunk', { aliases: ['cache_remove_chunk'], params: [{ name: 'glob' }, { name: 'collection', optional: true }], reason: ISSUE.outsideAttacks, doc: 'Removes the keys matching a glob.' }),
    mi('cachedb_local', 'fetch_chunk', { aliases: ['cache_fetch_chunk'], params: [{ name: 'glob' }, { name: 'collection', optional: true }], reason: ISSUE.outsideAttacks, doc: 'Lists the keys matching a glob with their values.' }),
  ],
};
