/**
 * Expression semantics shared by the closure compiler and the code generator, so that a
 * route means the same whichever of the two runs it.
 */
import { arith, type ArithOp, bitNot, type ScriptValue, valueToString } from '../values';
import type { SourceLoc } from '../syntax/diagnostics';
import type { ScriptContext } from '../runtime/context';

/** `v =~ re` (or `!~`): 1, 0, or -1 when the pattern did not compile. NULL never matches. */
export function regexTest(v: ScriptValue, re: RegExp | null, negate: boolean): number {
  if (re === null) return -1;
  if (v === null) return negate ? 1 : 0;
  return re.test(valueToString(v)) !== negate ? 1 : 0;
}

/** `a op b` for arithmetic/bitwise/concatenation; logs and gives NULL when invalid. */
export function arithValue(ctx: ScriptContext, op: ArithOp, a: ScriptValue, b: ScriptValue, loc: SourceLoc): ScriptValue {
  // String building is the common case: concatenate without the generic dispatch.
  if (op === '+' && typeof a === 'string') {
    return b === null ? a : typeof b === 'string' ? a + b : a + String(b | 0);
  }
  const v = arith(op, a, b);
  if (v === undefined) {
    ctx.logError(`${loc.file}:${loc.line}: invalid operands for '${op}'`);
    return null;
  }
  return v;
}

/** Unary `-` and `~` (integers only; logs and gives NULL otherwise). */
export function unaryValue(ctx: ScriptContext, op: '-' | '~', v: ScriptValue, loc: SourceLoc): ScriptValue {
  if (op === '-') {
    if (typeof v === 'number') return -v | 0;
    ctx.logError(`${loc.file}:${loc.line}: unary minus needs an integer`);
    return null;
  }
  const r = bitNot(v);
  if (r === undefined) {
    ctx.logError(`${loc.file}:${loc.line}: '~' needs an integer`);
    return null;
  }
  return r;
}
