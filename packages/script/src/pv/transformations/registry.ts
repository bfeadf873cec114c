/**
 * The transformation registry: every built-in `{class.name}` plus the ones
 * modules register. Names are case-insensitive, as in OpenSIPS.
 */
import { csvTransforms } from './csv';
import { ipTransforms } from './ip';
import { nameaddrTransforms } from './nameaddr';
import { paramAliases, paramTransforms } from './param-list';
import { sdpTransforms } from './sdp';
import { stringTransforms } from './string';
import { substTransforms } from './subst';
import type { TransformDef } from './types';
import { uriAliases, uriTransforms } from './uri';
import { viaAliases, viaTransforms } from './via';

const defs = new Map<string, TransformDef>();
const aliases = new Map<string, string>();

function addAll(list: TransformDef[]): void {
  for (const d of list) defs.set(d.name, d);
}

addAll(stringTransforms);
addAll(substTransforms);
addAll(paramTransforms);
addAll(csvTransforms);
addAll(ipTransforms);
addAll(uriTransforms);
addAll(nameaddrTransforms);
addAll(viaTransforms);
addAll(sdpTransforms);
for (const table of [paramAliases, uriAliases, viaAliases]) {
  for (const [alias, target] of Object.entries(table)) aliases.set(alias, target);
}

/** Look a transformation up by name ("s.int", "URI.Host", "uri.domain"). */
export function findTransform(name: string): TransformDef | undefined {
  const n = name.toLowerCase();
  return defs.get(n) ?? defs.get(aliases.get(n) ?? '');
}

/** Every name a script may use, aliases included, sorted. */
export function transformNames(): string[] {
  return [...defs.keys(), ...aliases.keys()].sort();
}

/**
 * Add a module's transformation. Refuses to replace an existing name, as
 * OpenSIPS refuses a module class that clashes with a core one.
 */
export function registerTransform(def: TransformDef): void {
  const n = def.name.toLowerCase();
  if (defs.has(n) || aliases.has(n)) throw new Error(`transformation '${def.name}' is already registered`);
  if (def.args.length !== def.maxArgs || def.minArgs > def.maxArgs) {
    throw new Error(`transformation '${def.name}': args must list maxArgs entries and minArgs <= maxArgs`);
  }
  defs.set(n, { ...def, name: n });
}
