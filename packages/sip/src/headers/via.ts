/**
 * Via (RFC 3261 §20.42, §25.1 via-parm; RFC 3581 rport; RFC 5118 IPv6).
 * `SIP / 2.0 / UDP host:port;params` with LWS allowed around "/" and ":".
 */
import { ParseError } from '../errors';
import { GEN_VALUE_CHAR, Param } from '../params';
import { C_HOST, CHAR_CLASS, eqLowerAt, parseUnsigned, scanQuotedString, scanToken, skipLws, trimEnd } from '../scan';
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

/** Cursor of the via scanner; `branch` receives the branch in validate-only mode. */
interface ViaCursor {
  pos: number;
  branch: string | null;
}

/**
 * Scans one via-parm at s[i]. With `full` it returns the Via; without, it
 * performs exactly the same checks but builds nothing except the branch
 * (left in cursor.branch) and returns null. cursor.pos is left after the
 * via-parm (after LWS), where the caller expects "," or the end.
 */
function scanVia(s: string, i: number, end: number, cursor: ViaCursor, full: boolean): Via | null {
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
  const hostEnd = i;
  let port: number | null = null;
  let j = skipLws(s, i, end);
  if (j < end && s.charCodeAt(j) === 58) {
    j = skipLws(s, j + 1, end);
    let k = j;
    while (k < end && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
    port = parseUnsigned(s, j, k, 65535, H, 'port');
    i = k;
  }

  // Parameters. The syntax of the whole list is checked first; a bad value
  // of a known parameter is reported after it (`pending`), as if the list
  // had been parsed before its values were examined.
  const params: Param[] | null = full ? [] : null;
  let branch: string | null = null;
  let received: string | null = null;
  let rport: Via['rport'] = null;
  let maddr: string | null = null;
  let ttl: number | null = null;
  let pending: ParseError | null = null;
  i = skipLws(s, i, end);
  while (i < end && s.charCodeAt(i) === 59 /* ; */) {
    i = skipLws(s, i + 1, end);
    const nameStart = i;
    const nameEnd = scanToken(s, i, end);
    if (nameEnd === i) throw new ParseError('expected parameter name after ";"', H, i);
    i = skipLws(s, nameEnd, end);
    // value: quoted (text in `quotedValue`), unquoted s[at, vEnd), or none (vEnd === -1)
    let at = nameStart;
    let vEnd = -1;
    let quotedValue: string | null = null;
    if (i < end && s.charCodeAt(i) === 61 /* = */) {
      i = skipLws(s, i + 1, end);
      at = i;
      if (i < end && s.charCodeAt(i) === 34) {
        quotedValue = scanQuotedString(s, i, end, H, cursor);
        i = cursor.pos;
        vEnd = at + quotedValue.length; // values are checked on the text at `at`, as written
      } else {
        while (i < end) {
          const c = s.charCodeAt(i);
          if (c < 256 && GEN_VALUE_CHAR[c] === 1) i++;
          else break;
        }
        if (i === at) throw new ParseError(`missing value for parameter "${s.slice(nameStart, nameEnd)}"`, H, i);
        vEnd = i;
      }
      i = skipLws(s, i, end);
    }
    const len = nameEnd - nameStart;
    // cheap dispatch on length before the case-insensitive compare
    if (len === 6) {
      if (branch === null && eqLowerAt(s, nameStart, nameEnd, 'branch')) {
        if (vEnd === -1) pending ??= new ParseError('branch without a value', H, at);
        else branch = quotedValue ?? s.slice(at, vEnd);
      }
    } else if (len === 8) {
      if (received === null && eqLowerAt(s, nameStart, nameEnd, 'received')) {
        if (vEnd === -1) pending ??= new ParseError('received without a value', H, at);
        else received = quotedValue ?? (full ? s.slice(at, vEnd) : '');
      }
    } else if (len === 5) {
      if (rport === null && eqLowerAt(s, nameStart, nameEnd, 'rport')) {
        if (vEnd === -1) rport = 'empty';
        else if (pending === null) {
          try {
            rport = parseUnsigned(s, at, vEnd, 65535, H, 'rport');
          } catch (e) {
            pending = e as ParseError;
          }
        }
      } else if (maddr === null && eqLowerAt(s, nameStart, nameEnd, 'maddr')) {
        if (vEnd === -1) pending ??= new ParseError('maddr without a value', H, at);
        else maddr = quotedValue ?? (full ? s.slice(at, vEnd) : '');
      }
    } else if (len === 3) {
      if (ttl === null && eqLowerAt(s, nameStart, nameEnd, 'ttl')) {
        if (vEnd === -1) pending ??= new ParseError('ttl without a value', H, at);
        else if (pending === null) {
          try {
            ttl = parseUnsigned(s, at, vEnd, 255, H, 'ttl');
          } catch (e) {
            pending = e as ParseError;
          }
        }
      }
    }
    if (params !== null) {
      const name = s.slice(nameStart, nameEnd);
      if (quotedValue !== null) params.push({ name, value: quotedValue, quoted: true });
      else params.push({ name, value: vEnd === -1 ? null : s.slice(at, vEnd) });
    }
  }
  cursor.pos = i;
  if (pending !== null) throw pending;
  if (params === null) {
    cursor.branch = branch;
    return null;
  }
  return {
    protocol,
    transport,
    host: s.slice(hostStart, hostEnd),
    hostType,
    port,
    params,
    branch,
    received,
    rport,
    maddr,
    ttl,
    raw: s.slice(start, trimEnd(s, start, i)),
  };
}

/** Parses a Via header body; one line may hold several comma-separated via-parms. */
export function parseVia(body: string): Via[] {
  const out: Via[] = [];
  const cursor: ViaCursor = { pos: 0, branch: null };
  const end = body.length;
  let i = 0;
  for (;;) {
    out.push(scanVia(body, i, end, cursor, true) as Via);
    i = cursor.pos;
    if (i >= end) return out;
    if (body.charCodeAt(i) !== 44) throw new ParseError('unexpected character after via-parm', H, i);
    i++;
  }
}

const branchCursor: ViaCursor = { pos: 0, branch: null };

/**
 * Only the branch of the first via-parm of a Via value in text[start, end).
 * The whole value (every via-parm in it) is validated exactly as parseVia()
 * validates it, with the same errors at offsets into `text`, but no Via
 * objects are built: what a proxy matching transactions needs.
 */
export function viaBranch(text: string, start: number = 0, end: number = text.length): string | null {
  let i = start;
  let first: string | null = null;
  for (let k = 0; ; k++) {
    scanVia(text, i, end, branchCursor, false);
    if (k === 0) first = branchCursor.branch;
    i = branchCursor.pos;
    if (i >= end) return first;
    if (text.charCodeAt(i) !== 44) throw new ParseError('unexpected character after via-parm', H, i);
    i++;
  }
}
