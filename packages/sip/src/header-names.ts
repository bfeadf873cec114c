/**
 * Header names: canonical spelling, compact forms and a small numeric id for
 * the headers the message layer itself cares about. The index pass of
 * `parseMessage` turns every header name into one of these ids (or UNKNOWN)
 * once, so later look-ups compare integers instead of strings.
 */

/** Numeric ids of well-known headers. UNKNOWN (-1) means "compare by lower-case name". */
export enum HeaderId {
  UNKNOWN = -1,
  VIA = 0,
  FROM,
  TO,
  CALL_ID,
  CSEQ,
  CONTACT,
  MAX_FORWARDS,
  CONTENT_LENGTH,
  CONTENT_TYPE,
  CONTENT_ENCODING,
  EXPIRES,
  ROUTE,
  RECORD_ROUTE,
  SUPPORTED,
  REQUIRE,
  PROXY_REQUIRE,
  UNSUPPORTED,
  ALLOW,
  AUTHORIZATION,
  PROXY_AUTHORIZATION,
  WWW_AUTHENTICATE,
  PROXY_AUTHENTICATE,
  SUBJECT,
  EVENT,
  ALLOW_EVENTS,
  REFER_TO,
  REFERRED_BY,
  SESSION_EXPIRES,
  ACCEPT_CONTACT,
  REJECT_CONTACT,
  REQUEST_DISPOSITION,
  IDENTITY,
  IDENTITY_INFO,
  USER_AGENT,
  SERVER,
  ACCEPT,
  MIN_EXPIRES,
  SUBSCRIPTION_STATE,
  PATH,
  DIVERSION,
  P_ASSERTED_IDENTITY,
  PRIVACY,
}

/** Canonical spelling per id (index = id). */
export const CANONICAL_NAMES: readonly string[] = [
  'Via',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Contact',
  'Max-Forwards',
  'Content-Length',
  'Content-Type',
  'Content-Encoding',
  'Expires',
  'Route',
  'Record-Route',
  'Supported',
  'Require',
  'Proxy-Require',
  'Unsupported',
  'Allow',
  'Authorization',
  'Proxy-Authorization',
  'WWW-Authenticate',
  'Proxy-Authenticate',
  'Subject',
  'Event',
  'Allow-Events',
  'Refer-To',
  'Referred-By',
  'Session-Expires',
  'Accept-Contact',
  'Reject-Contact',
  'Request-Disposition',
  'Identity',
  'Identity-Info',
  'User-Agent',
  'Server',
  'Accept',
  'Min-Expires',
  'Subscription-State',
  'Path',
  'Diversion',
  'P-Asserted-Identity',
  'Privacy',
];

/**
 * Compact forms (RFC 3261 §7.3.3 and the extensions that registered one:
 * RFC 3265 o/u, RFC 3515 r, RFC 3892 b, RFC 4028 x, RFC 3841 a/j/d, RFC 4474 y/n).
 */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/**
 * Every spelling we expect to meet on the wire maps straight to its id, so the
 * common case is one Map hit with no lower-casing. Other spellings fall back
 * to a lower-cased look-up.
 */
const ID_BY_SPELLING = new Map<string, number>();
const ID_BY_LOWER = new Map<string, number>();

function register(name: string, id: number): void {
  const lower = name.toLowerCase();
  ID_BY_LOWER.set(lower, id);
  ID_BY_SPELLING.set(name, id);
  ID_BY_SPELLING.set(lower, id);
  ID_BY_SPELLING.set(name.toUpperCase(), id);
  // "Call-Id", "Www-Authenticate", "Cseq": each word capitalised.
  ID_BY_SPELLING.set(lower.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase()), id);
}

CANONICAL_NAMES.forEach((name, id) => register(name, id));
for (const [compact, full] of Object.entries(COMPACT_FORMS)) {
  const id = ID_BY_LOWER.get(full.toLowerCase());
  if (id === undefined) throw new Error(`compact form ${compact} names unknown header ${full}`);
  ID_BY_SPELLING.set(compact, id);
  ID_BY_SPELLING.set(compact.toUpperCase(), id);
  ID_BY_LOWER.set(compact, id);
}

/**
 * The last name asked for and its id: callers look the same name up several
 * times in a row (every line of getHeaders / parsedHeader / removeHeader
 * repeats the search), and comparing with the same string costs less than a
 * Map look-up (and, for an unknown name, a toLowerCase).
 */
let lastName: string | null = null;
let lastId = 0;

/** Id of a header name as written (any case, compact form accepted); HeaderId.UNKNOWN when not well known. */
export function headerId(name: string): number {
  if (name === lastName) return lastId;
  const direct = ID_BY_SPELLING.get(name);
  let id: number;
  if (direct !== undefined) id = direct;
  else {
    const lower = ID_BY_LOWER.get(name.toLowerCase());
    id = lower === undefined ? HeaderId.UNKNOWN : lower;
  }
  lastName = name;
  lastId = id;
  return id;
}

/**
 * The canonical spelling of a header name: compact forms expanded, known
 * headers in their RFC spelling, unknown ones returned as given.
 */
export function canonicalHeaderName(name: string): string {
  const id = headerId(name);
  return id === HeaderId.UNKNOWN ? name : CANONICAL_NAMES[id];
}

/** The compact form of a header, or null when it has none. */
export function compactForm(name: string): string | null {
  const canonical = canonicalHeaderName(name);
  for (const [compact, full] of Object.entries(COMPACT_FORMS)) if (full === canonical) return compact;
  return null;
}

/**
 * Key used to compare header names: the id for known headers, the lower-cased
 * name for others. Two names denote the same header iff their keys are equal.
 */
export function headerKey(name: string): number | string {
  const id = headerId(name);
  return id === HeaderId.UNKNOWN ? name.toLowerCase() : id;
}

/** RFC 3261 token characters (used for header names and methods). */
export const TOKEN_CHAR = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "-.!%*_+`'~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

/** True when `s` is a non-empty RFC 3261 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || TOKEN_CHAR[c] === 0) return false;
  }
  return true;
}

/**
 * Candidates per lower-cased first character, for identifyHeader(). Built
 * from CANONICAL_NAMES; compact forms are handled by COMPACT_ID.
 */
const BY_FIRST: Array<Array<[string, number]>> = (() => {
  const t: Array<Array<[string, number]>> = [];
  for (let c = 0; c < 128; c++) t.push([]);
  CANONICAL_NAMES.forEach((name, id) => {
    const lower = name.toLowerCase();
    t[lower.charCodeAt(0)].push([lower, id]);
  });
  return t;
})();

const COMPACT_ID: Int8Array = (() => {
  const t = new Int8Array(128).fill(HeaderId.UNKNOWN);
  for (const [compact, full] of Object.entries(COMPACT_FORMS)) {
    const id = CANONICAL_NAMES.indexOf(full);
    t[compact.charCodeAt(0)] = id;
    t[compact.toUpperCase().charCodeAt(0)] = id;
  }
  return t;
})();

/**
 * Id of the header name s[start, end) without slicing it out: the hot path of
 * the message index (no string allocation, no hashing). Same answers as
 * headerId(s.slice(start, end)).
 */
export function identifyHeader(s: string, start: number, end: number): number {
  const len = end - start;
  const first = s.charCodeAt(start);
  if (first >= 128) return HeaderId.UNKNOWN;
  if (len === 1) return COMPACT_ID[first];
  const candidates = BY_FIRST[first | 0x20];
  if (candidates === undefined) return HeaderId.UNKNOWN;
  outer: for (let k = 0; k < candidates.length; k++) {
    const cand = candidates[k];
    const name = cand[0];
    if (name.length !== len) continue;
    for (let i = 1; i < len; i++) {
      if ((s.charCodeAt(start + i) | 0x20) !== name.charCodeAt(i)) continue outer;
    }
    return cand[1];
  }
  return HeaderId.UNKNOWN;
}

/** Per id: length of the canonical name, its lower-cased first letter, and the compact form's letter (0 when none). */
export const NAME_LENGTH: Int16Array = Int16Array.from(CANONICAL_NAMES, (n) => n.length);
export const NAME_FIRST: Int16Array = Int16Array.from(CANONICAL_NAMES, (n) => n.toLowerCase().charCodeAt(0));
export const COMPACT_CHAR: Int16Array = (() => {
  const t = new Int16Array(CANONICAL_NAMES.length);
  for (const [compact, full] of Object.entries(COMPACT_FORMS)) t[CANONICAL_NAMES.indexOf(full)] = compact.charCodeAt(0);
  return t;
})();

/**
 * Flat tables for identifyHeaderBytes(): the candidates for (length, lower-case
 * first letter) are CAND_IDS[CAND_START[k] .. CAND_START[k + 1]) with
 * k = length * 128 + first; NAME_BYTES[NAME_OFFSET[id] ..] is the lower-case name.
 */
const MAX_NAME = 24;
const NAME_OFFSET: Int32Array = new Int32Array(CANONICAL_NAMES.length);
const NAME_BYTES: Uint8Array = (() => {
  let total = 0;
  CANONICAL_NAMES.forEach((n, id) => {
    NAME_OFFSET[id] = total;
    total += n.length;
  });
  const t = new Uint8Array(total);
  CANONICAL_NAMES.forEach((n, id) => {
    for (let i = 0; i < n.length; i++) t[NAME_OFFSET[id] + i] = n.toLowerCase().charCodeAt(i);
  });
  return t;
})();
const CAND_START: Int32Array = new Int32Array(MAX_NAME * 128 + 1);
const CAND_IDS: Int16Array = (() => {
  const lists: number[][] = [];
  for (let k = 0; k < MAX_NAME * 128; k++) lists.push([]);
  CANONICAL_NAMES.forEach((n, id) => {
    if (n.length < MAX_NAME && n.length > 1) lists[n.length * 128 + n.toLowerCase().charCodeAt(0)].push(id);
  });
  const flat: number[] = [];
  for (let k = 0; k < lists.length; k++) {
    CAND_START[k] = flat.length;
    for (const id of lists[k]) flat.push(id);
  }
  CAND_START[lists.length] = flat.length;
  return Int16Array.from(flat);
})();

/**
 * identifyHeader() over bytes (the message layer reads its buffer: cheaper
 * than charCodeAt). The bytes must be token characters (as in a parsed
 * header line): the comparison folds case with `| 0x20`.
 */
export function identifyHeaderBytes(b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  const first = b[start];
  if (first >= 128) return HeaderId.UNKNOWN;
  if (len === 1) return COMPACT_ID[first];
  if (len >= MAX_NAME) return HeaderId.UNKNOWN;
  const k = len * 128 + (first | 0x20);
  const stop = CAND_START[k + 1];
  outer: for (let j = CAND_START[k]; j < stop; j++) {
    const id = CAND_IDS[j];
    const off = NAME_OFFSET[id];
    for (let i = 1; i < len; i++) {
      if ((b[start + i] | 0x20) !== NAME_BYTES[off + i]) continue outer;
    }
    return id;
  }
  return HeaderId.UNKNOWN;
}
