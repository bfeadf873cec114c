/**
 * `param.*` (OpenSIPS tr_eval_paramlist) and the lenient `name=value;...`
 * list reader they share with uri.param (OpenSIPS parse_params).
 */
import type { ScriptValue } from '../../values';
import { checkIntLiteral, intArg, strArg, strOf } from './common';
import type { TransformDef } from './types';

export interface LooseParam {
  name: string;
  /** null when written without '=' (a flag such as `lr`). */
  value: string | null;
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/**
 * Read a parameter list the way OpenSIPS's parse_params does: names run to
 * whitespace, ';', ',' or '='; a value is a quoted string (quotes removed)
 * or a token up to whitespace, ';' or ','; a ',' or '>' ends the list and
 * what follows is ignored. A leading ';' yields a first parameter with an
 * empty name, as in OpenSIPS. Returns null where OpenSIPS reports an error
 * ("a=" with no value, a ';' with nothing after it, junk between
 * parameters, an unterminated quote).
 */
export function parseLooseParams(s: string): LooseParam[] | null {
  const out: LooseParam[] = [];
  let i = 0;
  const n = s.length;
  for (;;) {
    const ns = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (isWs(c) || c === 59 || c === 44 || c === 61) break;
      i++;
    }
    const name = s.slice(ns, i);
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) {
      out.push({ name, value: null });
      return out;
    }
    let value: string | null = null;
    if (s.charCodeAt(i) === 61 /* = */) {
      i++;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      if (i >= n) return null;
      if (s.charCodeAt(i) === 34 /* " */) {
        let j = i + 1;
        let v = '';
        for (;;) {
          if (j >= n) return null;
          const c = s.charCodeAt(j);
          if (c === 92 /* \ */ && j + 1 < n) {
            v += s[j] + s[j + 1];
            j += 2;
            continue;
          }
          if (c === 34) break;
          v += s[j];
          j++;
        }
        value = v;
        i = j + 1;
      } else {
        const vs = i;
        while (i < n) {
          const c = s.charCodeAt(i);
          if (isWs(c) || c === 59 || c === 44) break;
          i++;
        }
        if (i === vs) return null;
        value = s.slice(vs, i);
      }
      while (i < n && isWs(s.charCodeAt(i))) i++;
      if (i >= n) {
        out.push({ name, value });
        return out;
      }
    }
    out.push({ name, value });
    const c = s.charCodeAt(i);
    if (c === 44 || c === 62) return out; // ',' or '>' ends the list
    if (c !== 59) return null;
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) return null; // name missing after ';'
  }
}

function lowerEq(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

/** Parse the input once per distinct string: scripts apply several param.* to the same value. */
let lastInput: string | null = null;
let lastParsed: LooseParam[] | null = null;
function paramsOf(v: string | number): LooseParam[] | null {
  const s = strOf(v);
  if (s.length === 0) return null;
  if (s !== lastInput) {
    lastInput = s;
    lastParsed = parseLooseParams(s);
  }
  return lastParsed;
}

function at<T>(list: T[], n: number): T | undefined {
  if (n >= 0) return list[n];
  const k = list.length + n;
  return k >= 0 ? list[k] : undefined;
}

function paramDef(name: string, apply: (list: LooseParam[], args: ScriptValue[]) => ScriptValue, args: TransformDef['args'], check?: TransformDef['checkArgs']): TransformDef {
  return {
    name,
    minArgs: args.length,
    maxArgs: args.length,
    args,
    checkArgs: check,
    apply(v, a) {
      if (v === null) return null;
      const list = paramsOf(v);
      return list === null ? null : apply(list, a);
    },
  };
}

export const paramTransforms: TransformDef[] = [
  paramDef('param.value', (list, a) => {
    const key = strArg(a[0]);
    if (key === undefined) return null;
    for (const p of list) if (lowerEq(p.name, key)) return p.value ?? '';
    return null;
  }, ['str']),
  paramDef('param.exist', (list, a) => {
    const key = strArg(a[0]);
    if (key === undefined) return null;
    return list.some((p) => lowerEq(p.name, key)) ? 1 : 0;
  }, ['str']),
  paramDef('param.valueat', (list, a) => {
    const n = intArg(a[0]);
    if (n === undefined) return null;
    const p = at(list, n);
    return p === undefined ? null : p.value ?? '';
  }, ['int'], (l) => checkIntLiteral('param.valueat', l[0], 'index')),
  paramDef('param.name', (list, a) => {
    const n = intArg(a[0]);
    if (n === undefined) return null;
    const p = at(list, n);
    return p === undefined ? null : p.name;
  }, ['int'], (l) => checkIntLiteral('param.name', l[0], 'index')),
  paramDef('param.count', (list) => list.length, []),
];

/** `param.exists` is accepted by OpenSIPS as a spelling of `param.exist`. */
export const paramAliases: Record<string, string> = { 'param.exists': 'param.exist' };
