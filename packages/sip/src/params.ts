/**
 * Header parameter lists (`;name=value;flag`, RFC 3261 §25.1 generic-param)
 * and the Param type shared by every typed parser.
 */
import { ParseError } from './errors';
import { C_TOKEN, CHAR_CLASS, eqLower, scanQuotedString, scanToken, skipLws } from './scan';

export interface Param {
  name: string;
  /** null for a flag parameter such as `;lr`; quotes are removed from quoted values. */
  value: string | null;
  /** true when the value was written as a quoted-string. */
  quoted?: boolean;
}

/** First parameter whose name matches case-insensitively (RFC 3261 §7.3.1). */
export function findParam(params: readonly Param[], name: string): Param | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (eqLower(p.name, lower)) return p;
  }
  return undefined;
}

/** Value of a parameter (null for flags), or undefined when it is absent. */
export function getParam(params: readonly Param[], name: string): string | null | undefined {
  const p = findParam(params, name);
  return p === undefined ? undefined : p.value;
}

/** Mutable cursor so scanners can return a value and an end position without allocating. */
export interface Cursor {
  pos: number;
}

/**
 * Characters of an unquoted gen-value: token chars plus what a `host` may
 * contain (":" and brackets for IPv6 references such as `received=[::1]`).
 */
function isGenValueChar(c: number): boolean {
  return c < 128 && ((CHAR_CLASS[c] & C_TOKEN) !== 0 || c === 58 || c === 91 || c === 93);
}

/**
 * Parses `*( SEMI generic-param )` from s[i]. LWS is allowed around ";" and
 * "=" (SEMI and EQUAL in RFC 3261 §25.1). Stops (after skipping LWS) at the
 * first character that does not start another parameter and leaves that
 * position in cursor.pos; the caller decides whether it is legal there
 * (end of body, "," in a list, ...). Pushes parameters onto `out` and, when
 * `positions` is given, the offset of each parameter's value (of its name for
 * flags) onto it, so callers that validate values can report exact offsets.
 */
export function parseHeaderParams(s: string, i: number, end: number, header: string, out: Param[], cursor: Cursor, positions?: number[]): void {
  i = skipLws(s, i, end);
  while (i < end && s.charCodeAt(i) === 59 /* ; */) {
    i = skipLws(s, i + 1, end);
    const nameEnd = scanToken(s, i, end);
    if (nameEnd === i) throw new ParseError('expected parameter name after ";"', header, i);
    const name = s.slice(i, nameEnd);
    const nameStart = i;
    i = skipLws(s, nameEnd, end);
    if (i < end && s.charCodeAt(i) === 61 /* = */) {
      i = skipLws(s, i + 1, end);
      if (positions !== undefined) positions.push(i);
      if (i < end && s.charCodeAt(i) === 34) {
        const value = scanQuotedString(s, i, end, header, cursor);
        out.push({ name, value, quoted: true });
        i = cursor.pos;
      } else {
        const vStart = i;
        while (i < end && isGenValueChar(s.charCodeAt(i))) i++;
        if (i === vStart) throw new ParseError(`missing value for parameter "${name}"`, header, i);
        out.push({ name, value: s.slice(vStart, i) });
      }
      i = skipLws(s, i, end);
    } else {
      if (positions !== undefined) positions.push(nameStart);
      out.push({ name, value: null });
    }
  }
  cursor.pos = i;
}

/** Parses a complete parameter list body (text that starts with ";" or is empty). */
export function parseParamList(text: string, header = 'params'): Param[] {
  const out: Param[] = [];
  const cursor = { pos: 0 };
  parseHeaderParams(text, 0, text.length, header, out, cursor);
  if (cursor.pos !== text.length) throw new ParseError('unexpected character in parameter list', header, cursor.pos);
  return out;
}
