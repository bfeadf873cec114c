/**
 * Short builders for parameter specs, named after the OpenSIPS CMD_PARAM_* flags they
 * stand for, so a module table reads like its cmd_export_t:
 * - STR            -> str()        (a string; may hold pseudo-variables)
 * - STR|STATIC     -> staticStr()  (known at load) or a flags spec (see flags.ts)
 * - INT            -> intOrVar()   (literal or variable read per call)
 * - INT|STATIC     -> int()
 * - VAR            -> outVar() / inVar()
 * - REGEX          -> regex()
 * - a route name   -> route(name, routeType)
 * CMD_PARAM_OPT is the `optional` argument of each builder.
 */
import type { FixupArg, ParamSpec, RouteTypeName } from '@tsips/script';

export const OPT = true;

export function str(name: string, optional = false): ParamSpec {
  return optional ? { name, kind: 'string', optional } : { name, kind: 'string' };
}

export function staticStr(name: string, optional = false, validate?: (literal: string) => string | undefined): ParamSpec {
  const spec: ParamSpec = { name, kind: 'static-string' };
  if (optional) spec.optional = true;
  if (validate) spec.validate = validate;
  return spec;
}

export function intOrVar(name: string, optional = false): ParamSpec {
  return optional ? { name, kind: 'int-or-var', optional } : { name, kind: 'int-or-var' };
}

export function int(name: string, optional = false): ParamSpec {
  return optional ? { name, kind: 'int', optional } : { name, kind: 'int' };
}

/** A variable the function writes (OpenSIPS checks it is writable at load). */
export function outVar(name: string, optional = false): ParamSpec {
  const spec: ParamSpec = { name, kind: 'var', writable: true };
  if (optional) spec.optional = true;
  return spec;
}

/** A variable the function only reads as a reference (e.g. an AVP holding a list). */
export function inVar(name: string, optional = false): ParamSpec {
  const spec: ParamSpec = { name, kind: 'var', writable: false };
  if (optional) spec.optional = true;
  return spec;
}

export function regex(name: string, optional = false): ParamSpec {
  return optional ? { name, kind: 'regex', optional } : { name, kind: 'regex' };
}

export function route(name: string, routeType: RouteTypeName, optional = false): ParamSpec {
  const spec: ParamSpec = { name, kind: 'route', routeType };
  if (optional) spec.optional = true;
  return spec;
}

/** Accepts one of a fixed set of words; `ignoreCase` where OpenSIPS compares with strcasecmp. */
export function oneOf(words: readonly string[], ignoreCase = false): (literal: string) => string | undefined {
  const norm = (w: string) => (ignoreCase ? w.toLowerCase() : w);
  const set = new Set(words.map(norm));
  return (literal) => (set.has(norm(literal.trim())) ? undefined : `'${literal}' is not one of: ${words.join(', ')}`);
}

/**
 * Load-time check of a reply status code given as a literal: OpenSIPS refuses codes outside
 * 100..699 when the script loads. A code in a variable is checked per call by the function.
 */
export function replyCodeFixup(index = 0): (args: readonly FixupArg[]) => string | undefined {
  return (args) => {
    const a = args[index];
    if (a === undefined) return undefined;
    const code = a.int ?? (a.literal !== null && /^\s*-?\d+\s*$/.test(a.literal) ? Number(a.literal) : null);
    if (code === null) return undefined;
    return code >= 100 && code <= 699 ? undefined : `reply code ${code} is out of range (100..699)`;
  };
}
