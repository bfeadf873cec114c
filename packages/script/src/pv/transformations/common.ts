/**
 * Shared helpers for transformation implementations.
 *
 * Strings in the script runtime are byte strings: the SIP layer reads
 * messages through a latin1 view (one character per byte), so a character
 * code below 256 IS a byte. Byte-level transformations (hex, base64, hashes,
 * lengths) therefore treat such strings as latin1. A string holding a
 * character above 255 can only come from script text typed in UTF-8; it is
 * encoded as UTF-8 bytes. Results are returned as byte strings (latin1).
 */
import type { ScriptValue } from '../../values';
import { intToStr, strToIntStrict } from '../../values';

export function toBytes(s: string): Buffer {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 255) return Buffer.from(s, 'utf8');
  }
  return Buffer.from(s, 'latin1');
}

export function fromBytes(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** The string part OpenSIPS uses: integers in decimal. Call only for non-null. */
export function strOf(v: string | number): string {
  return typeof v === 'number' ? intToStr(v) : v;
}

/**
 * An integer argument. Literal arguments arrive as their decimal text
 * (validated at load); a pseudo-variable argument must hold an integer,
 * as OpenSIPS requires PV_VAL_INT there. Returns undefined otherwise.
 */
export function intArg(v: ScriptValue | undefined, literal = true): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && literal) return strToIntStrict(v);
  return undefined;
}

/**
 * A string argument: a literal, or a pseudo-variable holding a non-empty
 * string (OpenSIPS refuses NULL and empty values there).
 */
export function strArg(v: ScriptValue | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = strOf(v);
  return s.length > 0 ? s : undefined;
}

/** Load-time check that a literal is an integer. */
export function checkIntLiteral(name: string, text: string | undefined, what = 'argument'): string | undefined {
  if (text === undefined) return undefined;
  return strToIntStrict(text) === undefined ? `${name}: ${what} must be an integer, got '${text}'` : undefined;
}

/** Whitespace as OpenSIPS's trim functions see it. */
export function isTrimWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}
