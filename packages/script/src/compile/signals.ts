import type { ScriptValue } from '../values';
import type { ScriptContext } from '../runtime/context';

/** Control signals a compiled statement returns. */
export const NEXT = 0;
export const BREAK = 1;
export const RETURN = 2;
export const EXIT = 3;
export type Sig = number;

/** Condition result of a function that returned 0 (OpenSIPS EXPR_DROP): the script ends. */
export const EXPR_DROP = -127;

export type Exec = (ctx: ScriptContext) => Sig | Promise<Sig>;
export type Ev = (ctx: ScriptContext) => ScriptValue | Promise<ScriptValue>;
export type Cond = (ctx: ScriptContext) => number | Promise<number>;

/** Script values are strings, numbers or null: any other object is a pending result. */
export function isPromise<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof x === 'object' && x !== null;
}
