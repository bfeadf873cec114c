/**
 * Via (RFC 3261 §20.42, §25.1 via-parm; RFC 3581 rport; RFC 5118 IPv6).
 * `SIP / 2.0 / UDP host:port;params` with LWS allowed around "/" and ":".
 */
import { ParseError } from '../errors';
import { Param, parseHeaderParams } from '../params';
import { C_HOST, CHAR_CLASS, eqLower, parseUnsigned, scanToken, skipLws, trimEnd } from '../scan';
import { classifyHost, isIPv6 } from '../uri';

export interface Via {
  /** protocol-name "/" protocol-version as written without LWS, e.g. "SIP/2.0". */
  protocol: string;
  /** Transport token, upper-cased: UDP, TCP, TLS, SCTP, WS, WSS or an extension. */
  transport: string;
  /** sent-by host as written; IPv6 references keep brackets. */
  host: string;
  hostType: 'ipv4' | 'ipv6' | 'domain';
  port: number | null;
  params: Param[];
  branch: string | null;
  received: string | null;
  /** null: absent; 'empty': `;rport` without value (a request for it); number: filled in. */
  rport: number | 'empty' | null;
  maddr: string | null;
  ttl: number | null;
  /** The text of this via-parm, trimmed. */
  raw: string;
}

const H = 'Via';
// local aliases: module-level constants are cheaper to read in hot loops than imported bindings
const CC = CHAR_CLASS;
const HOST_CHAR = C_HOST;

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'WSS', 'WS', 'SCTP'];

/** The transport at s[i] when it is one of the usual upper-case ones followed by white space. */
function knownTransport(s: string, i: number, end: number): string | null {
  for (let k = 0; k < TRANSPORTS.length; k++) {
    const tr = TRANSPORTS[k];
    const e = i + tr.length;
    if (e < end && s.startsWith(tr, i)) {
      const c = s.charCodeAt(e);
      if (c === 32 || c === 9) return tr;
    }
  }
  return null;
}

/** toUpperCase() without a new string in the usual already-upper-case case. */
function upper(t: string): string {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 97 && c <= 122) return t.toUpperCase();
  }
  return t;
}

function expectSlash(s: string, i: number, end: number): number {
  i = skipLws(s, i, end);
  if (i >= end || s.charCodeAt(i) !== 47) throw new ParseError('expected "/" in sent-protocol', H, i);
  return skipLws(s, i + 1, end);
}

function scanVia(s: string, i: number, end: number, cursor: { pos: number }): Via {
  i = skipLws(s, i, end);
  const start = i;
  let protocol: string;
  let transport: string;
  let t: number;
  // fast path for the usual "SIP/2.0/UDP " spelling: no slices, no LWS scans
  const fast = s.startsWith('SIP/2.0/', i) ? knownTransport(s, i + 8, end) : null;
  if (fast !== null) {
    protocol = 'SIP/2.0';
    transport = fast;
    t = i + 8 + fast.length;
  } else {
    t = scanToken(s, i, end);
    if (t === i) throw new ParseError('expected protocol name', H, i);
    const name = s.slice(i, t);
    i = expectSlash(s, t, end);
    t = scanToken(s, i, end);
    if (t === i) throw new ParseError('expected protocol version', H, i);
    const version = s.slice(i, t);
    i = expectSlash(s, t, end);
    t = scanToken(s, i, end);
    if (t === i) throw new ParseError('expected transport', H, i);
    protocol = name + '/' + version;
    transport = upper(s.slice(i, t));
  }
  const afterProto = t;
  i = skipLws(s, t, end);
  if (i >= end) throw new ParseError('missing sent-by host', H, i);
  if (i === afterProto) throw new ParseError('expected white space before sent-by', H, i);

  // sent-by = host [ COLON port ]
  const hostStart = i;
  let hostType: Via['hostType'];
  if (i < end && s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= end) throw new ParseError('unterminated IPv6 reference', H, i);
    if (!isIPv6(s, i + 1, close)) throw new ParseError('invalid IPv6 address', H, i + 1);
    i = close + 1;
    hostType = 'ipv6';
  } else {
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 128 && (CC[c] & HOST_CHAR) !== 0) i++;
      else break;
    }
    if (i === hostStart) throw new ParseError('missing sent-by host', H, i);
    hostType = classifyHost(s, hostStart, i, H);
  }
  const host = s.slice(hostStart, i);
  let port: number | null = null;
  let j = skipLws(s, i, end);
  if (j < end && s.charCodeAt(j) === 58) {
    j = skipLws(s, j + 1, end);
    let k = j;
    while (k < end && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
    port = parseUnsigned(s, j, k, 65535, H, 'port');
    i = k;
  }

  const params: Param[] = [];
  const at: number[] = [];
  parseHeaderParams(s, i, end, H, params, cursor, at);
  let branch: string | null = null;
  let received: string | null = null;
  let rport: Via['rport'] = null;
  let maddr: string | null = null;
  let ttl: number | null = null;
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const n = p.name;
    // cheap dispatch on length before the case-insensitive compare
    if (branch === null && eqLower(n, 'branch')) {
      if (p.value === null) throw new ParseError('branch without a value', H, at[k]);
      branch = p.value;
    } else if (received === null && eqLower(n, 'received')) {
      if (p.value === null) throw new ParseError('received without a value', H, at[k]);
      received = p.value;
    } else if (n.length === 5) {
      if (rport === null && eqLower(n, 'rport')) {
        rport = p.value === null ? 'empty' : parseUnsigned(s, at[k], at[k] + p.value.length, 65535, H, 'rport');
      } else if (maddr === null && eqLower(n, 'maddr')) {
        if (p.value === null) throw new ParseError('maddr without a value', H, at[k]);
        maddr = p.value;
      }
    } else if (ttl === null && eqLower(n, 'ttl')) {
      if (p.value === null) throw new ParseError('ttl without a value', H, at[k]);
      ttl = parseUnsigned(s, at[k], at[k] + p.value.length, 255, H, 'ttl');
    }
  }
  return {
    protocol,
    transport,
    host,
    hostType,
    port,
    params,
    branch,
    received,
    rport,
    maddr,
    ttl,
    raw: s.slice(start, trimEnd(s, start, cursor.pos)),
  };
}

/** Parses a Via header body; one line may hold several comma-separated via-parms. */
export function parseVia(body: string): Via[] {
  const out: Via[] = [];
  const cursor = { pos: 0 };
  const end = body.length;
  let i = 0;
  for (;;) {
    out.push(scanVia(body, i, end, cursor));
    i = cursor.pos;
    if (i >= end) return out;
    if (body.charCodeAt(i) !== 44) throw new ParseError('unexpected character after via-parm', H, i);
    i++;
  }
}
