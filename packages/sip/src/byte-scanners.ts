/**
 * Fast paths of the message layer's cheap accessors (topViaBranch, fromTag,
 * toTag, cseq), reading a header value's bytes in place.
 *
 * In V8 a typed-array load costs a fraction of String#charCodeAt, so these
 * scanners read `bytes` (the message buffer) and slice results from `text`
 * (its latin1 view: same offsets). Each one accepts only the common, simple
 * spelling of its header and returns `undefined` ("not handled") for
 * anything else, including every input that is an error: the caller then
 * runs the string parser, which produces the result or the exact ParseError.
 * So a fast path never decides anything the string parser would decide
 * differently; property tests (byte-scanners.test.ts) check this.
 *
 * Callers guarantee that bytes[start, end) is not folded. The scanners
 * accept only ASCII (any byte above 0x7f makes them return undefined), so a
 * value they handle reads the same as latin1 and as UTF-8.
 */
import { C_ALPHA, C_DIGIT, C_HOST, C_PARAM_EXTRA, C_PASS_EXTRA, C_TOKEN, C_UNRESERVED, C_USER_EXTRA, CHAR_CLASS, eqLower, MAX_UINT32 } from './scan';
import { SipUri } from './uri';
import { GEN_VALUE_CHAR, Param } from './params';
import { Via } from './headers/via';
import { FromTo } from './headers/from-to';
import { Contact, ContactList } from './headers/contact';
import { ContentType, mediaTypeOf } from './headers/content-type';

/** CHAR_CLASS widened to 256 entries so any byte indexes it. */
const CLASS: Uint16Array = (() => {
  const t = new Uint16Array(256);
  t.set(CHAR_CLASS);
  return t;
})();

function skipWs(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i];
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

function scanTok(b: Uint8Array, i: number, end: number): number {
  while (i < end && (CLASS[b[i]] & C_TOKEN) !== 0) i++;
  return i;
}

/** Unquoted gen-value. */
function scanGen(b: Uint8Array, i: number, end: number): number {
  while (i < end && GEN_VALUE_CHAR[b[i]] === 1) i++;
  return i;
}

/** Digits in [start, end) as a number, or -1 when empty, not all digits, or above max. */
function digits(b: Uint8Array, start: number, end: number, max: number): number {
  if (start >= end) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
    if (v > max) return -1;
  }
  return v;
}

/** Case-insensitive compare of b[start, end) with a lower-case ASCII name. */
function eqLowerB(b: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let k = 0; k < lower.length; k++) {
    const c = b[start + k];
    const l = lower.charCodeAt(k);
    if (c !== l && !(l >= 97 && l <= 122 && c === l - 32)) return false;
  }
  return true;
}

/** Dotted quad occupying exactly b[start, end): four parts of 1-3 digits, each <= 255. */
function isIPv4B(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  for (let part = 0; part < 4; part++) {
    const s = i;
    let v = 0;
    while (i < end && i - s < 3 && b[i] !== 46) v = v * 10 + (b[i++] - 48);
    if (i === s || v > 255) return false;
    if (part < 3) {
      if (i >= end || b[i] !== 46) return false;
      i++;
    }
  }
  return i === end;
}

/** End of the host scanned by scanHost(). */
let hostEnd = 0;

/**
 * Scans host characters (C_HOST) from `start` (up to `end`) and classifies
 * them in the same pass, as classifyHost() would classify that range:
 * 1 IPv4, 2 domain, 0 invalid. The end of the host goes to `hostEnd`.
 */
function scanHost(b: Uint8Array, start: number, end: number): number {
  let i = start;
  let numeric = true; // only digits and dots
  let emptyLabel = false;
  let labelStart = start;
  let topStart = start;
  while (i < end) {
    const c = b[i];
    if (c === 46) {
      if (i === labelStart) emptyLabel = true;
      topStart = labelStart;
      labelStart = i + 1;
    } else if ((CLASS[c] & C_HOST) === 0) break;
    else if (c < 48 || c > 57) numeric = false;
    i++;
  }
  hostEnd = i;
  if (i === start) return 0;
  if (numeric) return isIPv4B(b, start, i) ? 1 : 0;
  // one trailing dot (FQDN) is allowed: then the top label is the one before it
  if (labelStart === i) {
    if (emptyLabel || i - 1 === start) return 0;
  } else {
    if (emptyLabel) return 0;
    topStart = labelStart;
  }
  return (CLASS[b[topStart]] & C_ALPHA) !== 0 ? 2 : 0;
}

/** What scanViaParm() found; reused (scanning is synchronous). Offsets are -1 when absent. */
const via = {
  start: 0,
  transport: '',
  hostStart: 0,
  hostEnd: 0,
  hostKind: 0,
  port: -1,
  branchAt: -1,
  branchEnd: -1,
  receivedAt: -1,
  receivedEnd: -1,
  /** -2 absent, -1 flag (`;rport`), else the number. */
  rport: -2,
  maddrAt: -1,
  maddrEnd: -1,
  ttl: -1,
  end: 0,
};

/**
 * Scans a Via value holding one via-parm of the usual shape
 * (`SIP/2.0/<UDP|TCP|TLS|SCTP|WS|WSS> host[:port] *(;param)`, IPv4 or domain
 * host, unquoted parameter values), validating it as parseVia() does, into
 * `via`. With `params` it also collects the parameters. false: not handled.
 */
function scanViaParm(b: Uint8Array, text: string, start: number, end: number, params: Param[] | null): boolean {
  let i = skipWs(b, start, end);
  via.start = i;
  // "SIP/2.0/"
  if (
    end - i < 12 ||
    b[i] !== 83 ||
    b[i + 1] !== 73 ||
    b[i + 2] !== 80 ||
    b[i + 3] !== 47 ||
    b[i + 4] !== 50 ||
    b[i + 5] !== 46 ||
    b[i + 6] !== 48 ||
    b[i + 7] !== 47
  ) {
    return false;
  }
  i += 8;
  const t = scanTok(b, i, end);
  const len = t - i;
  // the upper-case transports the string parser's fast path knows, then white space
  const t0 = b[i];
  let transport = '';
  if (len === 3) {
    if (t0 === 85 && b[i + 1] === 68 && b[i + 2] === 80) transport = 'UDP';
    else if (t0 === 84 && b[i + 1] === 67 && b[i + 2] === 80) transport = 'TCP';
    else if (t0 === 84 && b[i + 1] === 76 && b[i + 2] === 83) transport = 'TLS';
    else if (t0 === 87 && b[i + 1] === 83 && b[i + 2] === 83) transport = 'WSS';
  } else if (len === 2) {
    if (t0 === 87 && b[i + 1] === 83) transport = 'WS';
  } else if (len === 4 && t0 === 83 && b[i + 1] === 67 && b[i + 2] === 84 && b[i + 3] === 80) transport = 'SCTP';
  if (transport === '' || t >= end || (b[t] !== 32 && b[t] !== 9)) return false;
  via.transport = transport;
  i = skipWs(b, t, end);
  // sent-by
  const hostStart = i;
  const kind = scanHost(b, i, end);
  i = hostEnd;
  if (kind === 0) return false;
  via.hostStart = hostStart;
  via.hostEnd = i;
  via.hostKind = kind;
  via.port = -1;
  let j = skipWs(b, i, end);
  if (j < end && b[j] === 58) {
    j = skipWs(b, j + 1, end);
    let k = j;
    while (k < end && b[k] >= 48 && b[k] <= 57) k++;
    via.port = digits(b, j, k, 65535);
    if (via.port < 0) return false;
    i = k;
  }
  // params
  via.branchAt = via.receivedAt = via.maddrAt = via.ttl = -1;
  via.rport = -2;
  i = skipWs(b, i, end);
  while (i < end && b[i] === 59) {
    i = skipWs(b, i + 1, end);
    const nameStart = i;
    const nameEnd = scanTok(b, i, end);
    if (nameEnd === nameStart) return false;
    i = skipWs(b, nameEnd, end);
    let at = -1;
    let vEnd = -1;
    if (i < end && b[i] === 61) {
      i = skipWs(b, i + 1, end);
      if (i < end && b[i] === 34) return false; // quoted value
      at = i;
      i = scanGen(b, i, end);
      if (i === at) return false;
      vEnd = i;
      i = skipWs(b, i, end);
    }
    const n = nameEnd - nameStart;
    if (n === 6) {
      if (via.branchAt < 0 && eqLowerB(b, nameStart, nameEnd, 'branch')) {
        if (at < 0) return false;
        via.branchAt = at;
        via.branchEnd = vEnd;
      }
    } else if (n === 8) {
      if (via.receivedAt < 0 && eqLowerB(b, nameStart, nameEnd, 'received')) {
        if (at < 0) return false;
        via.receivedAt = at;
        via.receivedEnd = vEnd;
      }
    } else if (n === 5) {
      if (via.rport === -2 && eqLowerB(b, nameStart, nameEnd, 'rport')) {
        via.rport = at < 0 ? -1 : digits(b, at, vEnd, 65535);
        if (via.rport === -1 && at >= 0) return false;
      } else if (via.maddrAt < 0 && eqLowerB(b, nameStart, nameEnd, 'maddr')) {
        if (at < 0) return false;
        via.maddrAt = at;
        via.maddrEnd = vEnd;
      }
    } else if (n === 3) {
      if (via.ttl < 0 && eqLowerB(b, nameStart, nameEnd, 'ttl')) {
        via.ttl = at < 0 ? -1 : digits(b, at, vEnd, 255);
        if (via.ttl < 0) return false;
      }
    }
    if (params !== null) params.push({ name: text.slice(nameStart, nameEnd), value: at < 0 ? null : text.slice(at, vEnd) });
  }
  via.end = i;
  return i === end; // otherwise more via-parms, or an error
}

/**
 * The branch of a Via value of the usual shape (see scanViaParm), validated
 * as parseVia() validates it. undefined: not handled here.
 */
export function fastViaBranch(b: Uint8Array, text: string, start: number, end: number): string | null | undefined {
  if (!scanViaParm(b, text, start, end, null)) return undefined;
  return via.branchAt < 0 ? null : text.slice(via.branchAt, via.branchEnd);
}

/** parseVia()'s one Via for a value of the usual shape (see scanViaParm). undefined: not handled here. */
export function fastVia(b: Uint8Array, text: string, start: number, end: number): Via | undefined {
  const params: Param[] = [];
  if (!scanViaParm(b, text, start, end, params)) return undefined;
  let e = via.end;
  while (e > via.start && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  return {
    protocol: 'SIP/2.0',
    transport: via.transport,
    host: text.slice(via.hostStart, via.hostEnd),
    hostType: via.hostKind === 1 ? 'ipv4' : 'domain',
    port: via.port < 0 ? null : via.port,
    params,
    branch: via.branchAt < 0 ? null : text.slice(via.branchAt, via.branchEnd),
    received: via.receivedAt < 0 ? null : text.slice(via.receivedAt, via.receivedEnd),
    rport: via.rport === -2 ? null : via.rport === -1 ? 'empty' : via.rport,
    maddr: via.maddrAt < 0 ? null : text.slice(via.maddrAt, via.maddrEnd),
    ttl: via.ttl < 0 ? null : via.ttl,
    raw: text.slice(via.start, e),
  };
}

/** `scheme ":" 1*char` at b[start, end), as name-addr's checkScheme() accepts it. */
function schemeOk(b: Uint8Array, start: number, end: number): boolean {
  if (start >= end || (CLASS[b[start]] & C_ALPHA) === 0) return false;
  for (let i = start + 1; i < end; i++) {
    const c = b[i];
    if (c === 58) return i + 1 < end;
    if ((CLASS[c] & (C_ALPHA | C_DIGIT)) === 0 && c !== 43 && c !== 45 && c !== 46) return false;
  }
  return false;
}

/**
 * Bytes inside `<...>` of a name-addr, one load per byte: 0 URI character,
 * 1 the closing ">", 2 not handled here (white space, controls, "<", DQUOTE,
 * bytes from 0x7f up).
 */
const ANGLE_URI: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) if (c <= 32 || c === 60 || c === 34 || c >= 127) t[c] = 2;
  t[62] = 1;
  return t;
})();

/** What scanNameAddrB() found; reused. */
const na = {
  start: 0,
  /** 0 none, 1 quoted (nameStart/nameEnd exclude the quotes), 2 tokens. */
  nameKind: 0,
  nameStart: 0,
  nameEnd: 0,
  uriStart: 0,
  uriEnd: 0,
  /** The wanted parameter: -2 absent, else offset of its value. */
  wantedAt: -2,
  wantedEnd: 0,
  end: 0,
};

/**
 * Scans a From/To-shaped value (one name-addr or addr-spec, display name
 * without quoted-pairs, unquoted parameter values) as parseNameAddr()
 * validates it, into `na`; the first parameter named `lower` goes to
 * na.wantedAt (a flag-only one is not handled). With `params` it also
 * collects the parameters. false: not handled.
 */
function scanNameAddrB(b: Uint8Array, text: string, start: number, end: number, lower: string, params: Param[] | null): boolean {
  let i = skipWs(b, start, end);
  if (i >= end) return false;
  na.start = i;
  na.nameKind = 0;
  let c = b[i];
  let angle = false;
  if (c === 34) {
    // quoted display name without quoted-pairs
    na.nameStart = ++i;
    for (;;) {
      if (i >= end) return false;
      c = b[i];
      if (c === 34) break;
      if (c === 92 || c >= 127 || (c < 32 && c !== 9)) return false;
      i++;
    }
    na.nameKind = 1;
    na.nameEnd = i;
    i = skipWs(b, i + 1, end);
    if (i >= end || b[i] !== 60) return false;
    angle = true;
  } else if (c === 60) {
    angle = true;
  } else {
    // token display name before "<", or a bare addr-spec
    let j = i;
    let lastTokenEnd = i;
    while (j < end) {
      c = b[j];
      if (c === 32 || c === 9) j++;
      else if ((CLASS[c] & C_TOKEN) !== 0) lastTokenEnd = ++j;
      else break;
    }
    if (j < end && b[j] === 60) {
      if (lastTokenEnd > i) {
        na.nameKind = 2;
        na.nameStart = i;
        na.nameEnd = lastTokenEnd;
      }
      i = j;
      angle = true;
    }
  }
  if (angle) {
    const uriStart = i + 1;
    let j = uriStart;
    while (j < end) {
      const k = ANGLE_URI[b[j]];
      if (k === 0) j++;
      else if (k === 1) break;
      else return false;
    }
    if (j >= end || !schemeOk(b, uriStart, j)) return false;
    na.uriStart = uriStart;
    na.uriEnd = j;
    i = j + 1;
  } else {
    const uriStart = i;
    let j = i;
    while (j < end) {
      c = b[j];
      if (c === 59 || c <= 32) break;
      if (c === 44 || c === 63 || c === 60 || c === 62 || c === 34 || c >= 127) return false;
      j++;
    }
    if (!schemeOk(b, uriStart, j)) return false;
    na.uriStart = uriStart;
    na.uriEnd = j;
    i = j;
  }
  na.wantedAt = -2;
  i = skipWs(b, i, end);
  while (i < end && b[i] === 59) {
    i = skipWs(b, i + 1, end);
    const nameStart = i;
    const nameEnd = scanTok(b, i, end);
    if (nameEnd === nameStart) return false;
    i = skipWs(b, nameEnd, end);
    const wanted = na.wantedAt === -2 && eqLowerB(b, nameStart, nameEnd, lower);
    let at = -1;
    let vEnd = -1;
    if (i < end && b[i] === 61) {
      i = skipWs(b, i + 1, end);
      if (i < end && b[i] === 34) return false;
      at = i;
      i = scanGen(b, i, end);
      if (i === at) return false;
      vEnd = i;
      if (wanted) {
        na.wantedAt = at;
        na.wantedEnd = i;
      }
      i = skipWs(b, i, end);
    } else if (wanted) {
      return false;
    }
    if (params !== null) params.push({ name: text.slice(nameStart, nameEnd), value: at < 0 ? null : text.slice(at, vEnd) });
  }
  na.end = i;
  return i === end;
}

/**
 * One header parameter (by lower-case name) of a From/To-shaped value (see
 * scanNameAddrB), validated as parseNameAddr() validates it. Returns the
 * value; null when the parameter is absent; undefined: not handled here
 * (also for a flag-only parameter, which parseFromTo rejects for `tag`).
 */
export function fastNameAddrParam(b: Uint8Array, text: string, start: number, end: number, lower: string): string | null | undefined {
  if (!scanNameAddrB(b, text, start, end, lower, null)) return undefined;
  return na.wantedAt === -2 ? null : text.slice(na.wantedAt, na.wantedEnd);
}

/** parseFromTo() for a value of the usual shape (see scanNameAddrB). undefined: not handled here. */
export function fastFromTo(b: Uint8Array, text: string, start: number, end: number): FromTo | undefined {
  const params: Param[] = [];
  if (!scanNameAddrB(b, text, start, end, 'tag', params)) return undefined;
  let e = na.end;
  while (e > na.start && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  return {
    displayName: na.nameKind === 0 ? null : text.slice(na.nameStart, na.nameEnd),
    uri: text.slice(na.uriStart, na.uriEnd),
    params,
    raw: text.slice(na.start, e),
    tag: na.wantedAt === -2 ? null : text.slice(na.wantedAt, na.wantedEnd),
  };
}

/** RFC 3261 / 3262 / 3265 / 3311 / 3428 / 3515 / 3903 / 6086 methods: shared strings instead of a new one per message. */
const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE'];

/**
 * The one candidate per (length, low 5 bits of the first byte): no two of
 * METHODS share a key, so a look-up and one compare replace a walk over the
 * list. '' where there is none. Filled by push so the array stays packed.
 */
const METHOD_KEYS = 10 * 32;
const METHOD_BY_KEY: string[] = [];
for (let k = 0; k < METHOD_KEYS; k++) METHOD_BY_KEY.push('');
for (const m of METHODS) {
  const key = m.length * 32 + (m.charCodeAt(0) & 31);
  if (METHOD_BY_KEY[key] !== '') throw new Error(`methods ${METHOD_BY_KEY[key]} and ${m} share a key`);
  METHOD_BY_KEY[key] = m;
}

/** The token b[start, end) as a string (text is the latin1 view of b); a known method comes back without allocating. */
export function methodText(b: Uint8Array, text: string, start: number, end: number): string {
  const len = end - start;
  if (len < 10) {
    const m = METHOD_BY_KEY[len * 32 + (b[start] & 31)];
    if (m.length === len) {
      let i = 0;
      while (i < len && m.charCodeAt(i) === b[start + i]) i++;
      if (i === len) return m;
    }
  }
  return text.slice(start, end);
}

export interface FastCSeq {
  seq: number;
  method: string;
}

/** CSeq `digits SP method` as parseCSeq() reads it; undefined: not handled here. */
export function fastCSeq(b: Uint8Array, text: string, start: number, end: number): FastCSeq | undefined {
  let i = skipWs(b, start, end);
  const numStart = i;
  let seq = 0;
  while (i < end) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) break;
    seq = seq * 10 + d;
    if (seq > MAX_UINT32) return undefined;
    i++;
  }
  if (i === numStart) return undefined;
  const m = skipWs(b, i, end);
  if (m === i) return undefined;
  const mEnd = scanTok(b, m, end);
  if (mEnd === m || skipWs(b, mEnd, end) !== end) return undefined;
  return { seq, method: methodText(b, text, m, mEnd) };
}

const URI_PARAM = C_UNRESERVED | C_PARAM_EXTRA;
const USERINFO = C_UNRESERVED | C_USER_EXTRA | C_PASS_EXTRA;
const PASSWORD = C_UNRESERVED | C_PASS_EXTRA;

/**
 * parseUri() for a sip/sips URI of the usual shape: no %-escapes, IPv4 or
 * domain host, no `?headers`. `b[start, end)` holds the URI, `text` is the
 * latin1 view of `b` and `uri` the URI text itself (for `raw`). undefined:
 * not handled here.
 */
export function fastSipUri(b: Uint8Array, text: string, start: number, end: number, uri: string): SipUri | undefined {
  let i = start;
  let scheme: 'sip' | 'sips';
  if (end - i < 5 || (b[i] | 0x20) !== 115 || (b[i + 1] | 0x20) !== 105 || (b[i + 2] | 0x20) !== 112) return undefined;
  if (b[i + 3] === 58) {
    scheme = 'sip';
    i += 4;
  } else if ((b[i + 3] | 0x20) === 115 && b[i + 4] === 58) {
    scheme = 'sips';
    i += 5;
  } else return undefined;
  const userStart = i;
  // userinfo: up to the first "@", when everything before it is user/password text
  while (i < end && (b[i] === 58 || (CLASS[b[i]] & USERINFO) !== 0)) i++;
  let user: string | null = null;
  let password: string | null = null;
  if (i < end && b[i] === 64) {
    const at = i;
    let userEnd = userStart;
    while (userEnd < at && b[userEnd] !== 58) userEnd++;
    if (userEnd === userStart) return undefined;
    user = text.slice(userStart, userEnd);
    if (userEnd < at) {
      for (let p = userEnd + 1; p < at; p++) if ((CLASS[b[p]] & PASSWORD) === 0) return undefined;
      password = text.slice(userEnd + 1, at);
    }
    i = at + 1;
  } else if (i < end && b[i] === 37) {
    return undefined; // an escape: the string parser checks it
  } else {
    i = userStart;
  }
  const hostStart = i;
  const kind = scanHost(b, i, end);
  i = hostEnd;
  if (kind === 0) return undefined;
  const host = text.slice(hostStart, i);
  let port: number | null = null;
  if (i < end && b[i] === 58) {
    const p = ++i;
    while (i < end && b[i] >= 48 && b[i] <= 57) i++;
    port = digits(b, p, i, 65535);
    if (port < 0) return undefined;
  }
  const params: Param[] = [];
  while (i < end && b[i] === 59) {
    const nameStart = ++i;
    while (i < end && (CLASS[b[i]] & URI_PARAM) !== 0) i++;
    if (i === nameStart) return undefined;
    const name = text.slice(nameStart, i);
    if (i < end && b[i] === 61) {
      const vStart = ++i;
      while (i < end && (CLASS[b[i]] & URI_PARAM) !== 0) i++;
      if (i === vStart) return undefined;
      params.push({ name, value: text.slice(vStart, i) });
    } else params.push({ name, value: null });
  }
  if (i !== end) return undefined; // "?headers", an escape, or an error
  return { scheme, user, password, host, hostType: kind === 1 ? 'ipv4' : 'domain', port, params, headers: [], raw: uri };
}

/**
 * parseContacts() for a Contact value holding one address of the usual shape
 * (see scanNameAddrB) without `q` or `expires` parameters. undefined: not
 * handled here (`*`, lists, q/expires, anything unusual, errors).
 */
export function fastContact(b: Uint8Array, text: string, start: number, end: number): ContactList | undefined {
  const params: Param[] = [];
  if (!scanNameAddrB(b, text, start, end, '', params)) return undefined;
  for (let k = 0; k < params.length; k++) {
    const n = params[k].name;
    if (eqLower(n, 'q') || eqLower(n, 'expires')) return undefined;
  }
  let e = na.end;
  while (e > na.start && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  const contact: Contact = {
    displayName: na.nameKind === 0 ? null : text.slice(na.nameStart, na.nameEnd),
    uri: text.slice(na.uriStart, na.uriEnd),
    params,
    raw: text.slice(na.start, e),
    expires: null,
    q: null,
  };
  return { star: false, contacts: [contact] };
}

/** Tokens collected by fastTokenList (reused; one slice at the end). */
const TOKENS: string[] = ['', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''];

/**
 * parseTokenList() (Allow, Supported, Require ...) over b[start, end):
 * the same list, read from the bytes. undefined for anything the string
 * parser would reject (it then reports the error).
 */
export function fastTokenList(b: Uint8Array, text: string, start: number, end: number): string[] | undefined {
  let i = skipLwsB(b, start, end);
  if (i === end) return [];
  let n = 0;
  for (;;) {
    const t = scanTok(b, i, end);
    if (t === i) return undefined;
    if (n < TOKENS.length) TOKENS[n] = text.slice(i, t);
    else TOKENS.push(text.slice(i, t));
    n++;
    i = skipLwsB(b, t, end);
    if (i === end) return TOKENS.slice(0, n);
    if (b[i] !== 44) return undefined;
    i = skipLwsB(b, i + 1, end);
  }
}

/** skipLws() on bytes: SP, HT, CR, LF. */
function skipLwsB(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  return i;
}

/**
 * parseContentType() for a value that is exactly `type "/" subtype` (no
 * parameters, no white space; the caller passes the trimmed value).
 * undefined: not handled here.
 */
export function fastContentType(b: Uint8Array, text: string, start: number, end: number): ContentType | undefined {
  const slash = scanTok(b, start, end);
  if (slash === start || slash >= end || b[slash] !== 47) return undefined;
  if (slash + 1 === end || scanTok(b, slash + 1, end) !== end) return undefined;
  const type = text.slice(start, slash);
  const subtype = text.slice(slash + 1, end);
  return { type, subtype, params: [], mediaType: mediaTypeOf(type, subtype) };
}
