/**
 * `re.subst` (OpenSIPS tr_eval_re with the sed-like expressions of re.c)
 * and `s.eval` (expand pseudo-variables found in a value).
 */
import { valueToFormatString, valueToString } from '../../values';
import { parseFormat, parsePvSpecAt, PvSyntaxError } from '../pv-syntax';
import type { PvSpec } from '../pv-syntax';
import { strOf } from './common';
import { compilePosixEre, PosixRegexError } from './posix-regex';
import type { TransformDef, TransformEnv } from './types';

type ReplPart =
  | { kind: 'text'; text: string }
  | { kind: 'group'; n: number }
  | { kind: 'ruri' }
  | { kind: 'pv'; spec: PvSpec };

export interface SubstExpr {
  re: RegExp;
  global: boolean;
  replacement: ReplPart[];
  maxGroup: number;
}

export class SubstError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'SubstError';
  }
}

/**
 * Parse `<sep>regex<sep>replacement<sep>flags` (any separator but '\').
 * Replacement escapes: \\ \n \r \t \$ , \u (the Request-URI), \0-\9 (match
 * groups; \0 the whole match); another escaped character stands for
 * itself; `$...` is a pseudo-variable. Flags: i (ignore case), g (every
 * match), s (let '.' match newlines). Throws SubstError.
 */
export function parseSubst(exprIn: string): SubstExpr {
  // OpenSIPS first drops the backslash of \{ and \} (they were needed to
  // keep the transformation's braces balanced).
  const expr = exprIn.replace(/\\([{}])/g, '$1');
  if (expr.length < 3) throw new SubstError('expression is too short', 0);
  const sep = expr[0];
  if (sep === '\\') throw new SubstError("'\\' cannot be the separator", 0);
  let p = 1;
  while (p < expr.length && !(expr[p] === sep && expr[p - 1] !== '\\')) p++;
  if (p >= expr.length) throw new SubstError(`no closing '${sep}' after the regular expression`, expr.length);
  const reText = expr.slice(1, p);
  if (expr.length < p + 2) throw new SubstError('missing replacement part', p);
  p++;
  const replacement: ReplPart[] = [];
  let text = '';
  let maxGroup = 0;
  let closed = false;
  while (p < expr.length) {
    const c = expr[p];
    if (c === '\\') {
      if (p + 1 >= expr.length) {
        p++;
        break;
      }
      const e = expr[p + 1];
      p += 2;
      if (e === 'n') text += '\n';
      else if (e === 'r') text += '\r';
      else if (e === 't') text += '\t';
      else if (e === 'u') {
        if (text) replacement.push({ kind: 'text', text });
        text = '';
        replacement.push({ kind: 'ruri' });
      } else if (e >= '0' && e <= '9') {
        if (text) replacement.push({ kind: 'text', text });
        text = '';
        const n = e.charCodeAt(0) - 48;
        if (n > maxGroup) maxGroup = n;
        replacement.push({ kind: 'group', n });
      } else text += e; // \\ \$ \<sep> and unknown escapes: the character itself
      continue;
    }
    if (c === '$') {
      if (text) replacement.push({ kind: 'text', text });
      text = '';
      let r: { spec: PvSpec; end: number };
      try {
        r = parsePvSpecAt(expr, p);
      } catch (e) {
        if (e instanceof PvSyntaxError) throw new SubstError(`bad pseudo-variable in replacement: ${e.message}`, e.offset);
        throw e;
      }
      replacement.push({ kind: 'pv', spec: r.spec });
      p = r.end;
      continue;
    }
    if (c === sep) {
      closed = true;
      break;
    }
    text += c;
    p++;
  }
  if (!closed) throw new SubstError(`no closing '${sep}' after the replacement`, expr.length);
  if (text) replacement.push({ kind: 'text', text });
  p++;
  let icase = false;
  let global = false;
  let newline = true;
  for (; p < expr.length; p++) {
    const f = expr[p];
    if (f === 'i') icase = true;
    else if (f === 'g') global = true;
    else if (f === 's') newline = false;
    else throw new SubstError(`unknown flag '${f}'`, p);
  }
  let re: RegExp;
  try {
    re = compilePosixEre(reText, { icase, newline, global: true });
  } catch (e) {
    if (e instanceof PosixRegexError) throw new SubstError(`bad regular expression '${reText}': ${e.message}`, 1 + e.offset);
    throw e;
  }
  if (maxGroup > 0) {
    // glibc refuses a back-reference to a group the regex does not have
    const groups = new RegExp(`${re.source}|`).exec('')!.length - 1;
    if (maxGroup > groups) throw new SubstError(`replacement uses \\${maxGroup} but the expression has ${groups} group(s)`, 0);
  }
  return { re, global, replacement, maxGroup };
}

function buildReplacement(m: RegExpExecArray, parts: ReplPart[], env?: TransformEnv): string {
  let out = '';
  for (const part of parts) {
    switch (part.kind) {
      case 'text':
        out += part.text;
        break;
      case 'group':
        out += m[part.n] ?? '';
        break;
      case 'ruri':
        out += env?.requestUri?.() ?? '';
        break;
      case 'pv':
        // OpenSIPS appends the value's string part; a failed lookup adds nothing
        out += env?.evalPv ? valueToString(env.evalPv(part.spec)) : '';
        break;
    }
  }
  return out;
}

/** Apply a parsed expression; null when nothing matched (the caller keeps its input). */
export function runSubst(se: SubstExpr, input: string, env?: TransformEnv): string | null {
  const re = se.re;
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  let matched = false;
  for (;;) {
    const m = re.exec(input);
    if (!m) break;
    matched = true;
    out += input.slice(last, m.index) + buildReplacement(m, se.replacement, env);
    last = m.index + m[0].length;
    if (!se.global) break;
    if (m[0].length === 0) {
      // step over an empty match so the loop always advances
      if (re.lastIndex >= input.length) break;
      out += input[re.lastIndex];
      last = ++re.lastIndex;
    }
  }
  if (!matched) return null;
  return out + input.slice(last);
}

const cache = new Map<string, SubstExpr | null>();
const CACHE_MAX = 512;

function compiled(expr: string): SubstExpr | null {
  let se = cache.get(expr);
  if (se === undefined) {
    try {
      se = parseSubst(expr);
    } catch {
      se = null;
    }
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(expr, se);
  }
  return se;
}

export const substTransforms: TransformDef[] = [
  {
    name: 're.subst',
    minArgs: 1,
    maxArgs: 1,
    args: ['subst'],
    checkArgs(l) {
      if (l[0] === undefined) return undefined;
      try {
        parseSubst(l[0]);
        return undefined;
      } catch (e) {
        if (e instanceof SubstError) return `re.subst: ${e.message}`;
        throw e;
      }
    },
    apply(v, a, env) {
      if (v === null) return null;
      const s = strOf(v);
      if (s.length === 0) return null;
      const expr = a[0];
      if (expr === null || expr === undefined) return null;
      const exprText = strOf(expr);
      if (exprText.length === 0) return null;
      const se = compiled(exprText);
      if (se === null) return null;
      const r = runSubst(se, s, env);
      return r === null ? v : r; // no match: the value is left as it was
    },
  },
  {
    name: 's.eval',
    minArgs: 0,
    maxArgs: 0,
    args: [],
    apply(v, _a, env) {
      if (v === null) return null;
      let parts;
      try {
        parts = parseFormat(strOf(v));
      } catch {
        return null;
      }
      let out = '';
      for (const part of parts) {
        if (part.kind === 'text') out += part.text;
        else out += env?.evalPv ? valueToFormatString(env.evalPv(part.spec)) : '';
      }
      return out;
    },
  },
];

