/**
 * Shared character classes and small scanners for the typed SIP parsers.
 *
 * Everything here is a hand-written, single-pass scanner over a string: no
 * regular expressions, so every parser built on it runs in linear time no
 * matter what the input looks like. Character classes are bit flags in one
 * 128-entry table (RFC 3261 §25.1 sets); anything >= 0x80 is handled by the
 * callers (it is only legal inside quoted strings and a few free-text places).
 */
import { ParseError } from './errors';

export const C_TOKEN = 1; // token chars: alphanum - . ! % * _ + ` ' ~
export const C_UNRESERVED = 2; // alphanum - _ . ! ~ * ' ( )
export const C_USER_EXTRA = 4; // user-unreserved: & = + $ , ; ? /
export const C_PASS_EXTRA = 8; // password extras: & = + $ ,
export const C_PARAM_EXTRA = 16; // param-unreserved: [ ] / : & + $
export const C_HNV_EXTRA = 32; // hnv-unreserved: [ ] / ? : + $
export const C_HOST = 64; // domain-name chars we accept: alphanum - . _
export const C_DIGIT = 128;
export const C_HEX = 256;
export const C_ALPHA = 512;

export const CHAR_CLASS = new Uint16Array(128);
(function fill() {
  const add = (chars: string, flag: number): void => {
    for (let i = 0; i < chars.length; i++) CHAR_CLASS[chars.charCodeAt(i)] |= flag;
  };
  const digits = '0123456789';
  const alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const alnum = digits + alpha;
  add(digits, C_DIGIT | C_HEX);
  add('abcdefABCDEF', C_HEX);
  add(alpha, C_ALPHA);
  add(alnum + "-.!%*_+`'~", C_TOKEN);
  add(alnum + "-_.!~*'()", C_UNRESERVED);
  add('&=+$,;?/', C_USER_EXTRA);
  add('&=+$,', C_PASS_EXTRA);
  add('[]/:&+$', C_PARAM_EXTRA);
  add('[]/?:+$', C_HNV_EXTRA);
  add(alnum + '-._', C_HOST);
})();

/** True when the code unit is in any of the classes in `flags`. */
export function is(c: number, flags: number): boolean {
  return c < 128 && (CHAR_CLASS[c] & flags) !== 0;
}

export function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/** Skips linear white space (SP, HTAB and, for unfolded bodies, CR/LF). */
export function skipLws(s: string, i: number, end: number = s.length): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  return i;
}

/** End index of the run of token characters starting at i (== i when none). */
export function scanToken(s: string, i: number, end: number = s.length): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CHAR_CLASS[c] & C_TOKEN) === 0) break;
    i++;
  }
  return i;
}

/** Index after trailing white space is removed from [start, end). */
export function trimEnd(s: string, start: number, end: number): number {
  while (end > start && isWs(s.charCodeAt(end - 1))) end--;
  return end;
}

/**
 * Parses a quoted-string starting at s[i] === '"' (RFC 3261 §25.1: qdtext and
 * quoted-pair). Returns the unescaped content; the end index (after the closing
 * quote) is left in `cursor.pos`. Control characters other than HTAB and
 * folded line breaks are only allowed when escaped with a backslash.
 */
export function scanQuotedString(s: string, i: number, end: number, header: string, cursor: { pos: number }): string {
  const start = i;
  i++;
  let out = '';
  let runStart = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      out += s.slice(runStart, i);
      cursor.pos = i + 1;
      return out;
    }
    if (c === 92) {
      if (i + 1 >= end) break;
      const n = s.charCodeAt(i + 1);
      if (n === 13 || n === 10 || n > 127) throw new ParseError('invalid escape in quoted string', header, i);
      out += s.slice(runStart, i) + s[i + 1];
      i += 2;
      runStart = i;
      continue;
    }
    if (c < 32 && c !== 9 && c !== 13 && c !== 10) throw new ParseError('control character in quoted string', header, i);
    if (c === 127) throw new ParseError('control character in quoted string', header, i);
    i++;
  }
  throw new ParseError('unterminated quoted string', header, start);
}

/** Validates a %XX escape at s[i] === '%'; throws a ParseError naming `header` otherwise. */
export function checkEscape(s: string, i: number, end: number, header: string): void {
  if (i + 2 >= end || !is(s.charCodeAt(i + 1), C_HEX) || !is(s.charCodeAt(i + 2), C_HEX)) {
    throw new ParseError('bad %-escape', header, i);
  }
}

/**
 * Parses an unsigned decimal integer occupying exactly [start, end). Rejects
 * empty input, non-digits and values above `max` (checked digit by digit, so a
 * thousand-digit number is rejected without precision loss).
 */
export function parseUnsigned(s: string, start: number, end: number, max: number, header: string, what: string): number {
  if (start >= end) throw new ParseError(`missing ${what}`, header, start);
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new ParseError(`${what} is not a number`, header, i);
    v = v * 10 + d;
    if (v > max) throw new ParseError(`${what} out of range (max ${max})`, header, start);
  }
  return v;
}

export const MAX_UINT32 = 4294967295;

/**
 * ASCII case-insensitive equality against a lower-case literal, without the
 * allocation of toLowerCase(). Only letters fold; other characters compare exactly.
 */
export function eqLower(s: string, lower: string): boolean {
  const n = lower.length;
  if (s.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const l = lower.charCodeAt(i);
    if (c !== l && !(l >= 97 && l <= 122 && c === l - 32)) return false;
  }
  return true;
}

/**
 * Validates a quoted-string starting at s[i] === '"' exactly as
 * scanQuotedString does, without building its content. Returns the index
 * after the closing quote. For scanners that only need to step over a value.
 */
export function skipQuotedString(s: string, i: number, end: number, header: string): number {
  const start = i;
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) {
      if (i + 1 >= end) break;
      const n = s.charCodeAt(i + 1);
      if (n === 13 || n === 10 || n > 127) throw new ParseError('invalid escape in quoted string', header, i);
      i += 2;
      continue;
    }
    if ((c < 32 && c !== 9 && c !== 13 && c !== 10) || c === 127) throw new ParseError('control character in quoted string', header, i);
    i++;
  }
  throw new ParseError('unterminated quoted string', header, start);
}

/** eqLower() on s[start, end) without slicing it out. */
export function eqLowerAt(s: string, start: number, end: number, lower: string): boolean {
  const n = lower.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(start + i);
    const l = lower.charCodeAt(i);
    if (c !== l && !(l >= 97 && l <= 122 && c === l - 32)) return false;
  }
  return true;
}

/** True when s[start, end) holds a code unit above 0x7f. */
export function hasNonAscii(s: string, start: number = 0, end: number = s.length): boolean {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}
