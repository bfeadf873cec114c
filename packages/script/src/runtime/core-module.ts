import type { ModuleExports } from '../exports/types';
import { ModuleRegistry } from '../exports/registry';
import { coreFunctions, type RandState } from './core-functions';
import { corePvars } from './core-pvars';

export const CORE_MODULE = 'core';

/** The core table: core functions and pseudo-variables. Fresh state per call. */
export function createCoreModule(opts: { random?: () => number; initialProbability?: number } = {}): ModuleExports {
  const initial = opts.initialProbability ?? 10;
  const rand: RandState = { probability: initial, initial, random: opts.random ?? Math.random };
  return { name: CORE_MODULE, functions: coreFunctions(rand), pvars: corePvars() };
}

/** A registry of the given modules plus the core table. */
export function createModuleRegistry(
  modules: readonly ModuleExports[],
  coreOpts?: { random?: () => number; initialProbability?: number },
): ModuleRegistry {
  return new ModuleRegistry([createCoreModule(coreOpts), ...modules], CORE_MODULE);
}
