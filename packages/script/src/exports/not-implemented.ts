import type { FunctionExport, FunctionResult, ParamSpec, RouteTypeName } from './types';
import type { ScriptContext } from '../runtime/context';

/** Return code of a declared function whose behaviour is not written yet. */
export const NOT_IMPLEMENTED_CODE = -127;

/**
 * An `impl` for a function that a module declares ahead of its behaviour. Calling it logs
 * an error naming the function and the reason, and returns a negative code: a script never
 * believes such a call succeeded.
 */
export function notImplemented(
  reason: string,
): (ctx: ScriptContext, ...args: never[]) => FunctionResult {
  const impl = (ctx: ScriptContext): number => {
    ctx.logError(`function ${ctx.currentFunction ?? '?'}() is not implemented yet: ${reason}`);
    return NOT_IMPLEMENTED_CODE;
  };
  (impl as { notImplementedReason?: string }).notImplementedReason = reason;
  return impl;
}

/** Declares a whole function entry whose impl is {@link notImplemented}. */
export function declaredFunction(
  name: string,
  params: readonly ParamSpec[],
  routes: readonly RouteTypeName[],
  reason: string,
): FunctionExport {
  return { name, params, routes, impl: notImplemented(reason), notImplemented: reason };
}

export function isNotImplemented(fn: FunctionExport): boolean {
  return (
    fn.notImplemented !== undefined ||
    (fn.impl as { notImplementedReason?: string }).notImplementedReason !== undefined
  );
}
