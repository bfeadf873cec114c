/**
 * SIP, SIPS and tel URI parsing (RFC 3261 §19.1 and §25.1, RFC 3966,
 * RFC 5118 for IPv6 references). Other schemes are accepted as opaque
 * absolute URIs after a character check.
 *
 * User, password, parameter and header texts are kept exactly as written
 * (still %-escaped, as OpenSIPS exposes them); use unescapeUriPart() for
 * comparisons that RFC 3261 §19.1.4 defines on unescaped values.
 */
import { ParseError } from './errors';
import { Param } from './params';
import {
  C_ALPHA,
  C_DIGIT,
  C_HEX,
  C_HNV_EXTRA,
  C_HOST,
  C_PARAM_EXTRA,
  C_PASS_EXTRA,
  C_UNRESERVED,
  C_USER_EXTRA,
  CHAR_CLASS,
  checkEscape,
} from './scan';

export interface SipUri {
  scheme: 'sip' | 'sips';
  user: string | null;
  password: string | null;
  /** As written; IPv6 references keep their brackets: "[2001:db8::1]". */
  host: string;
  hostType: 'ipv4' | 'ipv6' | 'domain';
  port: number | null;
  params: Param[];
  headers: Param[];
  /** Exactly the input text. */
  raw: string;
}
export interface TelUri {
  scheme: 'tel';
  /** The telephone-subscriber number as written (e.g. "+1-201-555-0123", "7042"). */
  number: string;
  /** True for a global number (leading "+"). */
  global: boolean;
  params: Param[];
  raw: string;
}
export interface AbsoluteUri {
  /** Lower-cased scheme name. */
  scheme: string;
  raw: string;
}
export type Uri = SipUri | TelUri | AbsoluteUri;

const H = 'uri';

export function isSipUri(u: Uri): u is SipUri {
  return u.scheme === 'sip' || u.scheme === 'sips';
}
export function isTelUri(u: Uri): u is TelUri {
  return u.scheme === 'tel';
}

function cls(c: number): number {
  return c < 128 ? CHAR_CLASS[c] : 0;
}

/** End of the scheme (index of ":"), or throws. scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
function scanScheme(text: string): number {
  const n = text.length;
  if (n === 0) throw new ParseError('empty URI', H, 0);
  if ((cls(text.charCodeAt(0)) & C_ALPHA) === 0) throw new ParseError('URI scheme must start with a letter', H, 0);
  let i = 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 58) return i;
    if ((cls(c) & (C_ALPHA | C_DIGIT)) === 0 && c !== 43 && c !== 45 && c !== 46) {
      throw new ParseError('invalid character in URI scheme', H, i);
    }
    i++;
  }
  throw new ParseError('missing ":" after URI scheme', H, n);
}

/** Parses any URI; throws ParseError('...', 'uri', offset) on bad syntax. */
export function parseUri(text: string): Uri {
  const colon = scanScheme(text);
  if (colon === 3) {
    const a = text.charCodeAt(0) | 32;
    const b = text.charCodeAt(1) | 32;
    const c = text.charCodeAt(2) | 32;
    if (a === 115 && b === 105 && c === 112) return parseSipUri(text, 'sip', 4);
    if (a === 116 && b === 101 && c === 108) return parseTelUri(text, 4);
  } else if (colon === 4) {
    if (text.slice(0, 4).toLowerCase() === 'sips') return parseSipUri(text, 'sips', 5);
  }
  return parseAbsoluteUri(text, colon);
}

function parseAbsoluteUri(text: string, colon: number): AbsoluteUri {
  const n = text.length;
  if (colon + 1 >= n) throw new ParseError('empty URI after scheme', H, n);
  for (let i = colon + 1; i < n; i++) {
    const c = text.charCodeAt(i);
    // RFC 3986 allows only printable ASCII outside these delimiters.
    if (c <= 32 || c >= 127 || c === 34 || c === 60 || c === 62 || c === 92 || c === 94 || c === 96 || c === 123 || c === 124 || c === 125) {
      throw new ParseError('invalid character in URI', H, i);
    }
    if (c === 37) checkEscape(text, i, n, H);
  }
  return { scheme: text.slice(0, colon).toLowerCase(), raw: text };
}

function parseSipUri(text: string, scheme: 'sip' | 'sips', start: number): SipUri {
  const n = text.length;
  let user: string | null = null;
  let password: string | null = null;
  // userinfo: everything up to the first "@", provided all of it is made of
  // user/password characters (user may contain ";" "?" "/", so the "@" decides).
  let i = start;
  const USERINFO = C_UNRESERVED | C_USER_EXTRA | C_PASS_EXTRA;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 58 || c === 37 || (cls(c) & USERINFO) !== 0) i++;
    else break;
  }
  if (i < n && text.charCodeAt(i) === 64 /* @ */) {
    const at = i;
    let p = start;
    let userEnd = at;
    for (; p < at; p++) {
      const c = text.charCodeAt(p);
      if (c === 58) {
        userEnd = p;
        break;
      }
      if (c === 37) checkEscape(text, p, at, H);
    }
    if (userEnd === start) throw new ParseError('empty user part before "@"', H, start);
    user = text.slice(start, userEnd);
    if (userEnd < at) {
      for (p = userEnd + 1; p < at; p++) {
        const c = text.charCodeAt(p);
        if (c === 37) checkEscape(text, p, at, H);
        else if ((cls(c) & (C_UNRESERVED | C_PASS_EXTRA)) === 0) throw new ParseError('invalid character in password', H, p);
      }
      password = text.slice(userEnd + 1, at);
    }
    i = at + 1;
  } else {
    i = start;
  }

  // host
  const hostStart = i;
  let hostType: SipUri['hostType'];
  if (i < n && text.charCodeAt(i) === 91 /* [ */) {
    const close = text.indexOf(']', i);
    if (close < 0) throw new ParseError('unterminated IPv6 reference', H, i);
    if (!isIPv6(text, i + 1, close)) throw new ParseError('invalid IPv6 address', H, i + 1);
    i = close + 1;
    hostType = 'ipv6';
  } else {
    i = scanHost(text, i, n);
    hostType = classifyHost(text, hostStart, i);
  }
  const host = text.slice(hostStart, i);

  let port: number | null = null;
  if (i < n && text.charCodeAt(i) === 58) {
    const pStart = ++i;
    let v = 0;
    while (i < n) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      if (v > 65535) throw new ParseError('port out of range (0-65535)', H, pStart);
      i++;
    }
    if (i === pStart) throw new ParseError('missing or invalid port', H, pStart);
    port = v;
  }

  const params: Param[] = [];
  while (i < n && text.charCodeAt(i) === 59 /* ; */) {
    i = scanUriParam(text, i + 1, n, params, C_UNRESERVED | C_PARAM_EXTRA);
  }
  const headers: Param[] = [];
  if (i < n && text.charCodeAt(i) === 63 /* ? */) {
    i = scanUriHeader(text, i + 1, n, headers);
    while (i < n && text.charCodeAt(i) === 38 /* & */) i = scanUriHeader(text, i + 1, n, headers);
  }
  if (i < n) throw new ParseError(`unexpected character ${JSON.stringify(text[i])} in URI`, H, i);
  return { scheme, user, password, host, hostType, port, params, headers, raw: text };
}

/** Scans one `pname[=pvalue]` of a URI; returns the end index. */
function scanUriParam(text: string, i: number, n: number, out: Param[], allowed: number): number {
  const nameStart = i;
  i = scanUriChars(text, i, n, allowed);
  if (i === nameStart) throw new ParseError('empty URI parameter name', H, i);
  const name = text.slice(nameStart, i);
  if (i < n && text.charCodeAt(i) === 61) {
    const vStart = ++i;
    i = scanUriChars(text, i, n, allowed);
    if (i === vStart) throw new ParseError(`empty value for URI parameter "${name}"`, H, i);
    out.push({ name, value: text.slice(vStart, i) });
  } else {
    out.push({ name, value: null });
  }
  return i;
}

function scanUriHeader(text: string, i: number, n: number, out: Param[]): number {
  const allowed = C_UNRESERVED | C_HNV_EXTRA;
  const nameStart = i;
  i = scanUriChars(text, i, n, allowed);
  if (i === nameStart) throw new ParseError('empty URI header name', H, i);
  if (i >= n || text.charCodeAt(i) !== 61) throw new ParseError('URI header without "="', H, i);
  const vStart = ++i;
  i = scanUriChars(text, i, n, allowed);
  out.push({ name: text.slice(nameStart, vStart - 1), value: text.slice(vStart, i) });
  return i;
}

function scanUriChars(text: string, i: number, n: number, allowed: number): number {
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 37) {
      checkEscape(text, i, n, H);
      i += 3;
    } else if ((cls(c) & allowed) !== 0) i++;
    else break;
  }
  return i;
}

/** Scans domain/IPv4 characters; returns end index. */
function scanHost(text: string, i: number, n: number): number {
  while (i < n && (cls(text.charCodeAt(i)) & C_HOST) !== 0) i++;
  return i;
}

/**
 * hostname / IPv4address (RFC 3261 §25.1). All-digit dotted text must be a
 * valid IPv4 address; a domain needs non-empty labels and a top label that
 * starts with a letter (one trailing dot allowed). "_" is tolerated in labels
 * because deployed SRV-style names use it.
 */
export function classifyHost(text: string, start: number, end: number, header: string = H): 'ipv4' | 'domain' {
  if (start === end) throw new ParseError('missing host', header, start);
  let allNumeric = true;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 46 && (c < 48 || c > 57)) {
      allNumeric = false;
      break;
    }
  }
  if (allNumeric) {
    if (!isIPv4(text, start, end)) throw new ParseError('invalid IPv4 address', header, start);
    return 'ipv4';
  }
  let last = end;
  if (text.charCodeAt(last - 1) === 46) last--; // one trailing dot (FQDN)
  let labelStart = start;
  let topStart = start;
  for (let i = start; i <= last; i++) {
    if (i === last || text.charCodeAt(i) === 46) {
      if (i === labelStart) throw new ParseError('empty label in host name', header, i);
      topStart = labelStart;
      labelStart = i + 1;
    }
  }
  if ((cls(text.charCodeAt(topStart)) & C_ALPHA) === 0) throw new ParseError('host name top label must start with a letter', header, topStart);
  return 'domain';
}

/** Dotted-quad IPv4 address occupying exactly [start, end). */
export function isIPv4(text: string, start: number, end: number): boolean {
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const s = i;
    let v = 0;
    while (i < end && i - s < 3) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    if (i === s || v > 255) return false;
    parts++;
    if (parts < 4) {
      if (i >= end || text.charCodeAt(i) !== 46) return false;
      i++;
    }
  }
  return i === end;
}

/** RFC 3986 / RFC 5118 IPv6address occupying exactly [start, end) (no brackets). */
export function isIPv6(text: string, start: number, end: number): boolean {
  if (end - start < 2) return false;
  let groups = 0;
  let doubleColon = false;
  let i = start;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false;
    doubleColon = true;
    i += 2;
    if (i === end) return true;
  }
  while (i < end) {
    // one group: 1-4 hex digits, or a trailing IPv4 address
    const gStart = i;
    while (i < end && i - gStart < 5 && (cls(text.charCodeAt(i)) & C_HEX) !== 0) i++;
    if (i < end && text.charCodeAt(i) === 46) {
      if (!isIPv4(text, gStart, end)) return false;
      groups += 2;
      i = end;
      break;
    }
    if (i === gStart || i - gStart > 4) return false;
    groups++;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && text.charCodeAt(i) === 58) {
      if (doubleColon) return false;
      doubleColon = true;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false; // trailing single colon
    }
  }
  return doubleColon ? groups <= 7 : groups === 8;
}

/**
 * tel URI (RFC 3966 §3): global numbers "+" with at least one digit and
 * visual separators "-" "." "(" ")"; local numbers of hex digits, "*", "#"
 * and separators. The phone-context parameter RFC 3966 requires for local
 * numbers is not enforced (deployed equipment omits it; policy belongs to the
 * script). Parameters use the URI parameter character set; no headers.
 */
function parseTelUri(text: string, start: number): TelUri {
  const n = text.length;
  let i = start;
  const global = i < n && text.charCodeAt(i) === 43;
  if (global) i++;
  let meaningful = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 45 || c === 46 || c === 40 || c === 41) {
      i++;
      continue;
    }
    const k = cls(c);
    if (global ? (k & C_DIGIT) !== 0 : (k & C_HEX) !== 0 || c === 42 || c === 35) {
      meaningful++;
      i++;
      continue;
    }
    break;
  }
  if (meaningful === 0) throw new ParseError('tel URI without digits', H, start);
  const number = text.slice(start, i);
  const params: Param[] = [];
  while (i < n && text.charCodeAt(i) === 59) i = scanUriParam(text, i + 1, n, params, C_UNRESERVED | C_PARAM_EXTRA);
  if (i < n) throw new ParseError(`unexpected character ${JSON.stringify(text[i])} in tel URI`, H, i);
  return { scheme: 'tel', number, global, params, raw: text };
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 32;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Decodes %XX escapes. Runs of escaped bytes are decoded as UTF-8 (RFC 3986
 * §2.5); a "%" not followed by two hex digits is kept literally, so this never
 * throws.
 */
export function unescapeUriPart(s: string): string {
  const pct = s.indexOf('%');
  if (pct < 0) return s;
  let out = s.slice(0, pct);
  const n = s.length;
  let i = pct;
  const bytes: number[] = [];
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < n) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        bytes.push(h * 16 + l);
        i += 3;
        continue;
      }
    }
    if (bytes.length > 0) {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
    out += s[i];
    i++;
  }
  if (bytes.length > 0) out += Buffer.from(bytes).toString('utf8');
  return out;
}
