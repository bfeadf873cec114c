import type { ModuleExports } from '../exports/types';
import { ModuleRegistry } from '../exports/registry';
import type { CacheDbProvider, CacheDbProviders } from '../cachedb/engine';
import { cacheFunctions, cacheMi } from '../cachedb/core-cache';
import { coreFunctions, type RandState } from './core-functions';
import { corePvars } from './core-pvars';
import { BlacklistStore } from './blacklists';
import { blacklistFunctions, blacklistMi } from './blacklist-functions';

export const CORE_MODULE = 'core';

export interface CoreModuleOptions {
  random?: () => number;
  initialProbability?: number;
  /** Engines the cache_* functions and cache:* MI commands reach, by scheme ("local"). */
  cachedb?: CacheDbProviders;
}

/** The core table: core functions and pseudo-variables. Fresh state per call. */
export function createCoreModule(opts: CoreModuleOptions = {}): ModuleExports {
  const initial = opts.initialProbability ?? 10;
  const rand: RandState = { probability: initial, initial, random: opts.random ?? Math.random };
  const cachedb = opts.cachedb ?? new Map<string, CacheDbProvider>();
  // Filled from the script's dst_blacklist at check time; modules add their lists to it.
  const blacklists = new BlacklistStore();
  return {
    name: CORE_MODULE,
    functions: [...coreFunctions(rand), ...cacheFunctions(cachedb), ...blacklistFunctions()],
    pvars: corePvars(),
    mi: [...cacheMi(cachedb), ...blacklistMi(blacklists)],
    blacklists,
  };
}

/** The cachedb engines the modules export, by scheme (a scheme exported twice is a table error the registry reports). */
export function cacheDbProviders(modules: readonly ModuleExports[]): Map<string, CacheDbProvider> {
  const out = new Map<string, CacheDbProvider>();
  for (const m of modules) if (m.cachedb !== undefined && !out.has(m.cachedb.scheme)) out.set(m.cachedb.scheme, m.cachedb);
  return out;
}

/** A registry of the given modules plus the core table (whose cache functions reach the modules' cachedb engines). */
export function createModuleRegistry(
  modules: readonly ModuleExports[],
  coreOpts?: { random?: () => number; initialProbability?: number },
): ModuleRegistry {
  return new ModuleRegistry([createCoreModule({ ...coreOpts, cachedb: cacheDbProviders(modules) }), ...modules], CORE_MODULE);
}
