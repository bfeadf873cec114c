/**
 * Header parameter lists (`;name=value;flag`, RFC 3261 §25.1 generic-param)
 * and the Param type shared by every typed parser.
 */
import { ParseError } from './errors';
import { C_TOKEN, CHAR_CLASS, eqLower, eqLowerAt, scanQuotedString, scanToken, skipLws, skipQuotedString } from './scan';

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
 * Indexed by code unit (0..255; callers check the range).
 */
export const GEN_VALUE_CHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 128; c++) if ((CHAR_CLASS[c] & C_TOKEN) !== 0 || c === 58 || c === 91 || c === 93) t[c] = 1;
  return t;
})();

function isGenValueChar(c: number): boolean {
  return c < 256 && GEN_VALUE_CHAR[c] === 1;
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

/** What findHeaderParam() reports. Callers reuse one object (scanning is synchronous). */
export interface ParamHit extends Cursor {
  /** Whether the parameter is present. */
  found: boolean;
  /** Its value (unquoted, unescaped), null for a flag or when absent. */
  value: string | null;
  /** True when the value was a quoted-string. */
  quoted: boolean;
  /** Offset of the value (of the name for a flag); -1 when absent. */
  at: number;
}

export function newParamHit(): ParamHit {
  return { pos: 0, found: false, value: null, quoted: false, at: -1 };
}

/**
 * The first parameter named `lower` (a lower-case name, matched
 * case-insensitively) in `*( SEMI generic-param )` at s[i]: the same scan and
 * the same syntax checks as parseHeaderParams(), without building the list
 * (only the wanted value is sliced). The stop position goes to hit.pos.
 */
export function findHeaderParam(s: string, i: number, end: number, header: string, lower: string, hit: ParamHit): void {
  hit.found = false;
  hit.value = null;
  hit.quoted = false;
  hit.at = -1;
  i = skipLws(s, i, end);
  while (i < end && s.charCodeAt(i) === 59 /* ; */) {
    i = skipLws(s, i + 1, end);
    const nameStart = i;
    const nameEnd = scanToken(s, i, end);
    if (nameEnd === i) throw new ParseError('expected parameter name after ";"', header, i);
    const wanted = !hit.found && eqLowerAt(s, nameStart, nameEnd, lower);
    i = skipLws(s, nameEnd, end);
    if (i < end && s.charCodeAt(i) === 61 /* = */) {
      i = skipLws(s, i + 1, end);
      const vStart = i;
      if (i < end && s.charCodeAt(i) === 34) {
        if (wanted) {
          hit.value = scanQuotedString(s, i, end, header, hit);
          hit.quoted = true;
          i = hit.pos;
        } else {
          i = skipQuotedString(s, i, end, header);
        }
      } else {
        while (i < end && isGenValueChar(s.charCodeAt(i))) i++;
        if (i === vStart) throw new ParseError(`missing value for parameter "${s.slice(nameStart, nameEnd)}"`, header, i);
        if (wanted) hit.value = s.slice(vStart, i);
      }
      if (wanted) {
        hit.found = true;
        hit.at = vStart;
      }
      i = skipLws(s, i, end);
    } else if (wanted) {
      hit.found = true;
      hit.at = nameStart;
    }
  }
  hit.pos = i;
}
