import type { FunctionExport, ModuleExports } from '@tsips/script';
import { implementedFn } from '../shared/declare';

/**
 * A module table whose declared functions get their behaviour: names, parameters and
 * route types stay exactly as declared; functions without an implementation keep failing
 * loudly as declared.
 */
export function implement(table: ModuleExports, impls: ReadonlyMap<string, FunctionExport['impl']>): ModuleExports {
  const functions = (table.functions ?? []).map((f) => {
    const impl = impls.get(f.name);
    if (impl === undefined) return f;
    return implementedFn(f, impl);
  });
  return { ...table, functions };
}
