import type { ScriptValue } from '../../values';
import { parsePvSpec } from '../pv-syntax';
import { findTransform } from './registry';
import type { TransformEnv } from './types';

/** Apply one transformation by name with already-evaluated arguments. */
export function tr(name: string, value: ScriptValue, ...args: ScriptValue[]): ScriptValue {
  const def = findTransform(name);
  if (!def) throw new Error(`no transformation ${name}`);
  return def.apply(value, args);
}

/**
 * Parse `$(x{...}{...})` and run its chain on `value`, the way the runtime
 * does: literal arguments as their text, pseudo-variable arguments from `pvs`.
 */
export function chain(spec: string, value: ScriptValue, pvs: Record<string, ScriptValue> = {}, env?: TransformEnv): ScriptValue {
  const s = parsePvSpec(spec);
  let v = value;
  for (const t of s.transforms) {
    const def = findTransform(t.name);
    if (!def) throw new Error(`no transformation ${t.name}`);
    const args = t.args.map((a) => (a.kind === 'literal' ? a.text : pvs[a.spec.raw] ?? null));
    v = def.apply(v, args, env);
  }
  return v;
}
