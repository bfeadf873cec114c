import type { TransformSpec } from '../pv-syntax';
import { findTransform } from './registry';

/**
 * Load-time check of one parsed transformation: known name, argument count
 * and literal arguments. Returns a message or undefined. (Argument counts
 * of known transformations are already enforced by the parser; this also
 * covers specs built by other means and names unknown to the parser.)
 */
export function checkTransform(t: TransformSpec): string | undefined {
  const def = findTransform(t.name);
  if (!def) return `unknown transformation '${t.name}'`;
  const n = t.args.length;
  const min = def.minArgs;
  const max = def.maxArgs;
  if (n < min || n > max) {
    return `${def.name} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${n}`;
  }
  if (def.checkArgs) return def.checkArgs(t.args.map((a) => (a.kind === 'literal' ? a.text : undefined)));
  return undefined;
}
