/**
 * name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1),
 * the shape shared by From, To, Contact, Route, Record-Route, Reply-To...
 *
 * The URI is returned as raw text; the scanner only checks the structure
 * (scheme, no white space or "<>" inside, RFC 3261 §20.10's rule that a bare
 * addr-spec ends at ";" and may not contain "," or "?"). Call parseUri() on
 * it for full URI validation.
 */
import { ParseError } from './errors';
import { Cursor, findHeaderParam, Param, ParamHit, parseHeaderParams } from './params';
import { C_ALPHA, C_DIGIT, C_TOKEN, CHAR_CLASS, scanQuotedString, skipLws, skipQuotedString, trimEnd } from './scan';

export interface NameAddr {
  /** Unquoted, unescaped display name; null when absent. */
  displayName: string | null;
  /** Raw URI text (what was inside <> when brackets were used). */
  uri: string;
  /** Header parameters (after ">" or after a bare addr-spec). */
  params: Param[];
  /** The text of this element, trimmed. */
  raw: string;
}

function cls(c: number): number {
  return c < 128 ? CHAR_CLASS[c] : 0;
}

/** Checks `scheme ":"` at the start of a URI text inside [start, end). */
function checkScheme(s: string, start: number, end: number, header: string): void {
  if (start >= end || (cls(s.charCodeAt(start)) & C_ALPHA) === 0) throw new ParseError('expected a URI', header, start);
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) {
      if (i + 1 === end) throw new ParseError('empty URI after scheme', header, i + 1);
      return;
    }
    if ((cls(c) & (C_ALPHA | C_DIGIT)) === 0 && c !== 43 && c !== 45 && c !== 46) break;
  }
  throw new ParseError('URI has no scheme', header, start);
}

/** Where scanAddress() found the parts of one element. Reused: scanning is synchronous. */
interface AddressParts {
  /** 0: no display name, 1: quoted-string, 2: token sequence. */
  nameKind: number;
  nameStart: number;
  nameEnd: number;
  uriStart: number;
  uriEnd: number;
}
const parts: AddressParts = { nameKind: 0, nameStart: 0, nameEnd: 0, uriStart: 0, uriEnd: 0 };

/**
 * Scans and validates the display name and URI of one name-addr or
 * addr-spec starting at s[i] (leading LWS allowed), recording positions in
 * `parts`. Returns the index after the URI (after ">"), where header
 * parameters may follow.
 */
function scanAddress(s: string, i: number, end: number, header: string, inList: boolean): number {
  if (i >= end) throw new ParseError('empty value', header, i);
  parts.nameKind = 0;
  let c = s.charCodeAt(i);
  let angle = false;
  if (c === 34 /* " */) {
    parts.nameKind = 1;
    parts.nameStart = i;
    const after = skipQuotedString(s, i, end, header);
    parts.nameEnd = after;
    i = skipLws(s, after, end);
    if (i >= end || s.charCodeAt(i) !== 60) throw new ParseError('expected "<" after quoted display name', header, i);
    angle = true;
  } else if (c === 60 /* < */) {
    angle = true;
  } else {
    // Either `token *(LWS token) <uri>` or a bare addr-spec: look ahead over
    // tokens and LWS; a "<" decides for a display name.
    let j = i;
    let lastTokenEnd = i;
    while (j < end) {
      c = s.charCodeAt(j);
      if (c === 32 || c === 9 || c === 13 || c === 10) j++;
      else if ((cls(c) & C_TOKEN) !== 0 || c >= 128) {
        // non-ASCII is tolerated in unquoted display names (seen in the wild;
        // RFC 3261 wants them quoted) since the "<" that must follow keeps it unambiguous
        j++;
        lastTokenEnd = j;
      } else break;
    }
    if (j < end && s.charCodeAt(j) === 60) {
      if (lastTokenEnd > i) {
        parts.nameKind = 2;
        parts.nameStart = i;
        parts.nameEnd = lastTokenEnd;
      }
      i = j;
      angle = true;
    }
  }

  if (angle) {
    const uriStart = i + 1;
    let j = uriStart;
    while (j < end) {
      c = s.charCodeAt(j);
      if (c === 62 /* > */) break;
      if (c <= 32 || c === 60 || c === 34 || c === 127) {
        throw new ParseError(c <= 32 ? 'white space inside <URI>' : 'invalid character inside <URI>', header, j);
      }
      j++;
    }
    if (j >= end) throw new ParseError('missing ">"', header, i);
    checkScheme(s, uriStart, j, header);
    parts.uriStart = uriStart;
    parts.uriEnd = j;
    return j + 1;
  }
  // RFC 3261 §20.10: a bare addr-spec ends at ";" (header params follow);
  // it may contain neither "," nor "?".
  const uriStart = i;
  let j = i;
  while (j < end) {
    c = s.charCodeAt(j);
    if (c === 59 || c <= 32) break;
    if (c === 44) {
      if (inList) break;
      throw new ParseError('"," in a URI requires <>', header, j);
    }
    if (c === 63) throw new ParseError('"?" in a URI requires <>', header, j);
    if (c === 60 || c === 62 || c === 34 || c === 127) throw new ParseError('invalid character in URI', header, j);
    j++;
  }
  checkScheme(s, uriStart, j, header);
  parts.uriStart = uriStart;
  parts.uriEnd = j;
  return j;
}

/**
 * Parses one name-addr or addr-spec (plus header params) starting at s[i]
 * (leading LWS allowed). Returns the element; cursor.pos is left at the first
 * character after it (after LWS), which the caller checks (",", end).
 * `positions` receives the offsets of the header parameters' values.
 */
export function scanNameAddr(s: string, i: number, end: number, header: string, inList: boolean, cursor: Cursor, positions?: number[]): NameAddr {
  i = skipLws(s, i, end);
  const elemStart = i;
  i = scanAddress(s, i, end, header, inList);
  let displayName: string | null = null;
  if (parts.nameKind === 1) displayName = scanQuotedString(s, parts.nameStart, end, header, cursor);
  else if (parts.nameKind === 2) displayName = s.slice(parts.nameStart, parts.nameEnd);
  const uri = s.slice(parts.uriStart, parts.uriEnd);
  const params: Param[] = [];
  parseHeaderParams(s, i, end, header, params, cursor, positions);
  const raw = s.slice(elemStart, trimEnd(s, elemStart, cursor.pos));
  return { displayName, uri, params, raw };
}

/**
 * One header parameter of the single name-addr in text[start, end) (the
 * From tag, say), validating the whole value exactly as parseNameAddr()
 * does but building nothing else. `hit` reports the parameter (see
 * findHeaderParam). ParseError offsets are indexes into `text`.
 */
export function findNameAddrParam(text: string, start: number, end: number, header: string, lower: string, hit: ParamHit): void {
  const i = scanAddress(text, skipLws(text, start, end), end, header, false);
  findHeaderParam(text, i, end, header, lower, hit);
  if (hit.pos < end) throw new ParseError('unexpected text after address', header, hit.pos);
}

/** One name-addr / addr-spec with its header params (From, To, Reply-To...). */
export function parseNameAddr(text: string, header = 'name-addr'): NameAddr {
  const cursor = { pos: 0 };
  const na = scanNameAddr(text, 0, text.length, header, false, cursor);
  if (cursor.pos < text.length) throw new ParseError('unexpected text after address', header, cursor.pos);
  return na;
}

/**
 * Comma-separated list of name-addrs (Route, Record-Route, Path...). Commas
 * inside quotes and <> do not split. Empty elements are rejected.
 */
export function parseNameAddrList(text: string, header = 'name-addr'): NameAddr[] {
  const out: NameAddr[] = [];
  const cursor = { pos: 0 };
  const end = text.length;
  let i = 0;
  for (;;) {
    out.push(scanNameAddr(text, i, end, header, true, cursor));
    i = cursor.pos;
    if (i >= end) return out;
    if (text.charCodeAt(i) !== 44) throw new ParseError('expected "," between addresses', header, i);
    i++;
  }
}
