/**
 * The SIP message (RFC 3261 §7): a lazy index over the received bytes plus a
 * record of edits ("lumps") that are applied only when the message is
 * serialized again.
 *
 * Parsing is split the way OpenSIPS splits it:
 *  - `parseMessage` makes ONE pass over the start line and the header section
 *    and records, per header line, where its name and value are. It checks
 *    the framing (start line, header line shape, line ends, Content-Length and
 *    body size) and nothing else: a broken Contact value does not fail it.
 *  - every typed accessor (`vias()`, `cseq()`, `from()`, `sdp()` ...) parses
 *    its header value the first time it is called and caches the result.
 *
 * The bytes are read through a latin1 view of the buffer, so one character is
 * one byte and every offset in the index is also a byte offset for the edits.
 * Header values are returned as UTF-8 (decoded on access when they hold bytes
 * above 0x7f).
 */
import { isAscii } from 'node:buffer';
import { ParseError } from './errors';
import { hasNonAscii } from './scan';
import { fastContact, fastContentType, fastCSeq, fastFromTo, fastNameAddrParam, fastSipUri, fastTokenList, fastVia, fastViaBranch, methodText } from './byte-scanners';
import { CANONICAL_NAMES, COMPACT_CHAR, HeaderId, headerId, identifyHeaderBytes, isToken, NAME_FIRST, NAME_LENGTH, TOKEN_CHAR } from './header-names';
import { applyLumps, Lump } from './lumps';
import { parseUri, Uri } from './uri';
import { NameAddr } from './name-addr';
import { parseRecordRoute, parseRoute } from './headers/route';
import { parseVia, Via, viaBranch } from './headers/via';
import { ContactList, parseContacts } from './headers/contact';
import { FromTo, fromToTag, parseFromTo } from './headers/from-to';
import { CSeq, parseCSeq, scanCSeq } from './headers/cseq';
import { parseExpires, parseMaxForwards } from './headers/numeric';
import { ContentType, parseContentType } from './headers/content-type';
import { parseSdp, Sdp } from './sdp';
import { parseTokenList } from './headers/token-list';

export type Transport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss' | 'sctp';

export interface ParseOptions {
  /**
   * 'datagram' (default; UDP, SCTP, one WebSocket frame): the body ends at the
   * end of the data; Content-Length may be absent (body = rest), a shorter
   * body is an error, a longer one is cut to Content-Length (RFC 3261 §18.3).
   * 'stream' (one message framed out of TCP/TLS by StreamFramer):
   * Content-Length is mandatory and must match the data exactly.
   */
  transport?: 'datagram' | 'stream';
  /**
   * Datagrams only: keep a message whose body is shorter than its Content-Length (the body
   * is what arrived; contentLength() still says what the header declared) instead of
   * refusing it. OpenSIPS accepts such a UDP request and leaves it to the script
   * (sipmsg_validate() answers -5); the SIP core parses with this on.
   */
  keepShortBody?: boolean;
}

// Per-header slots in SipMessage#ix (one flat array of small integers, STRIDE per header line).
const ID = 0;
const LINE_START = 1; // also where the name starts
const NAME_END = 2;
const VALUE_START = 3;
const VALUE_END = 4;
const LINE_END = 5;
const FLAGS = 6;
const STRIDE = 7;
const FOLDED = 1;

/**
 * Reused while indexing one message; the message keeps an exact-size copy.
 * Built by push, not `new Array(n).fill(0)`: that array is HOLEY_SMI, its
 * slices inherit the kind, and every later read of the index then pays a
 * hole check. A packed array's slices stay packed.
 */
let scratch: number[] = packedZeros(64 * STRIDE);

function packedZeros(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}

/** Parsed values, filled on first use. A class so every message's cache has one shape (monomorphic property access). */
class Caches {
  vias: Via[] | undefined = undefined;
  topVia: Via | undefined = undefined;
  cSeq: CSeq | undefined = undefined;
  from: FromTo | undefined = undefined;
  to: FromTo | undefined = undefined;
  contacts: ContactList | undefined = undefined;
  contentType: ContentType | null | undefined = undefined;
  routes: NameAddr[] | undefined = undefined;
  recordRoutes: NameAddr[] | undefined = undefined;
  uri: Uri | undefined = undefined;
  sdp: Sdp | null | undefined = undefined;
  lowerNames: string[] | undefined = undefined;
  viaBranch: string | null | undefined = undefined;
  fromTag: string | null | undefined = undefined;
  toTag: string | null | undefined = undefined;
}

interface Edits {
  newRuri: string | null;
  inserts: Insert[] | null;
  deleted: Uint8Array | null;
  replaced: (string | undefined)[] | null;
  newBody: Buffer | null;
  newBodyType: string | null;
  viasRemoved: number;
  editSeq: number;
}

const CL_ID = HeaderId.CONTENT_LENGTH as number;
/**
 * Until a line's name is identified, its ID slot holds a cheap key of the
 * name, nameKey(first letter, length) (always below HeaderId.UNKNOWN), so a
 * look-up skips lines that cannot be the wanted header with one compare.
 */
function nameKey(firstLower: number, length: number): number {
  return -3 - firstLower - length * 256;
}
/** Per known header id: the key of its full name, and of its compact form (or the full name's key again). */
const NAME_KEY: Int32Array = Int32Array.from(NAME_LENGTH, (len, id) => nameKey(NAME_FIRST[id], len));
const COMPACT_KEY: Int32Array = Int32Array.from(COMPACT_CHAR, (c, id) => (c === 0 ? NAME_KEY[id] : nameKey(c, 1)));
const VIA_ID = HeaderId.VIA as number;

/** Parse one SIP request or reply. Throws ParseError (and nothing else) on malformed framing. */
export function parseMessage(data: Buffer, opts?: ParseOptions): SipMessage {
  if (!Buffer.isBuffer(data)) throw new ParseError('message must be a Buffer', 'message', 0);
  return new SipMessage(data, opts?.transport === 'stream', opts?.keepShortBody === true);
}

/** Is `s` SIP-Version ("SIP/" 1*DIGIT "." 1*DIGIT, "SIP" in any case)? */
function isSipVersion(s: Uint8Array, start: number, end: number): boolean {
  if (end - start < 7) return false;
  if ((s[start] | 0x20) !== 0x73 || (s[start + 1] | 0x20) !== 0x69) return false;
  if ((s[start + 2] | 0x20) !== 0x70 || s[start + 3] !== 0x2f) return false;
  let i = start + 4;
  const major = i;
  while (i < end && isDigit(s[i])) i++;
  if (i === major || i >= end || s[i] !== 0x2e) return false;
  i++;
  const minor = i;
  while (i < end && isDigit(s[i])) i++;
  return i > minor && i === end;
}

/** Is data[at, at + 7) exactly "SIP/2.0"? */
function isSip20(data: Uint8Array, at: number): boolean {
  return data[at] === 0x53 && data[at + 1] === 0x49 && data[at + 2] === 0x50 && data[at + 3] === 0x2f && data[at + 4] === 0x32 && data[at + 5] === 0x2e && data[at + 6] === 0x30;
}

function parseTo(body: string): FromTo {
  return parseFromTo(body, 'To');
}

function toTag(text: string, start: number, end: number): string | null {
  return fromToTag(text, start, end, 'To');
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

type Latin1Slicer = { latin1Slice?: (start: number, end: number) => string };

/**
 * The latin1 text of a buffer. Node's Buffer#latin1Slice skips the encoding
 * dispatch of toString(); fall back to toString where it does not exist.
 */
function latin1(data: Buffer): string {
  const slicer = (data as unknown as Latin1Slicer).latin1Slice;
  return slicer === undefined ? data.toString('latin1') : slicer.call(data, 0, data.length);
}

/** latin1 text of data[start, end) as a new flat string. */
function latin1Range(data: Buffer, start: number, end: number): string {
  const slicer = (data as unknown as Latin1Slicer).latin1Slice;
  return slicer === undefined ? data.toString('latin1', start, end) : slicer.call(data, start, end);
}

function highByteIn(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] > 0x7f) return true;
  return false;
}

/**
 * Join continuation lines: each line break plus the whitespace around it
 * becomes one SP (RFC 3261 §7.3.1). Written as a loop, not a regex, so runs
 * of whitespace cost linear time.
 */
export function unfold(s: string): string {
  let out = '';
  let from = 0;
  let i = s.indexOf('\n');
  while (i !== -1) {
    let a = i;
    if (a > 0 && s.charCodeAt(a - 1) === 0x0d) a--;
    while (a > from && (s.charCodeAt(a - 1) === 0x20 || s.charCodeAt(a - 1) === 0x09)) a--;
    let b = i + 1;
    while (b < s.length && (s.charCodeAt(b) === 0x20 || s.charCodeAt(b) === 0x09)) b++;
    out += s.slice(from, a) + ' ';
    from = b;
    i = s.indexOf('\n', b);
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * Re-throw a typed parser's ParseError with the message's header name and an
 * offset into the whole message (exact unless the value was folded or held
 * UTF-8).
 */
function relocate(e: unknown, header: string, base: number): never {
  if (!(e instanceof ParseError)) throw e;
  let text = e.message;
  if (e.header && text.startsWith(`${e.header}: `)) text = text.slice(e.header.length + 2);
  const suffix = ` (at offset ${e.offset})`;
  if (e.offset >= 0 && text.endsWith(suffix)) text = text.slice(0, text.length - suffix.length);
  if (e.header && e.header.toLowerCase() !== header.toLowerCase()) text = `${e.header}: ${text}`;
  throw new ParseError(text, header, base + Math.max(0, e.offset));
}

interface Insert {
  offset: number;
  order: number;
  text: string;
}

export class SipMessage {
  /** The bytes this message was parsed from (never modified). */
  readonly data: Buffer;
  readonly isRequest: boolean;
  /** Requests: the method token as written; replies: '' (use cseq().method). */
  readonly method: string;
  /** Replies: the status code; 0 for requests. */
  readonly status: number;
  /** "SIP/2.0" as written. */
  readonly version: string;
  /** True when parsed as one message of a stream transport (Content-Length mandatory). */
  readonly fromStream: boolean;

  /** latin1 view of `data`: character i is byte i. */
  private readonly raw: string;
  /** STRIDE slots per header line; see the constants above. */
  private readonly ix: number[];
  /** Offset of the start line (after skipped leading CRLFs). */
  private readonly msgStart: number;
  private readonly ruriStart: number;
  private readonly ruriEnd: number;
  private readonly reasonStart: number;
  private readonly reasonEnd: number;
  /** Offset of the first header line (just after the start line). */
  private readonly headersStart: number;
  /** Offset of the empty line that ends the header section. */
  private readonly headersEnd: number;
  private readonly bodyStart: number;
  private readonly bodyLength: number;
  /** The Content-Length value, -1 when absent. */
  private readonly declaredLength: number;
  /** Number of header lines. */
  private readonly count: number;
  private cc: Caches | null = null;
  /** -1 unknown, 0 no, 1 yes: see headerAscii(). */
  private ascii = -1;
  private ed: Edits | null = null;

  private get c(): Caches {
    if (this.cc === null) this.cc = new Caches();
    return this.cc;
  }

  private get e(): Edits {
    if (this.ed === null) {
      this.ed = { newRuri: null, inserts: null, deleted: null, replaced: null, newBody: null, newBodyType: null, viasRemoved: 0, editSeq: 0 };
    }
    return this.ed;
  }

  /**
   * Whether the message is pure ASCII: one native check on first need, so
   * values are examined for UTF-8 only in messages that have high bytes.
   */
  private headerAscii(): boolean {
    let a = this.ascii;
    if (a === -1) {
      // The whole buffer: no view to allocate, and SIMD-fast. A non-ASCII
      // body only means values get checked one by one.
      a = isAscii(this.data) ? 1 : 0;
      this.ascii = a;
    }
    return a === 1;
  }

  /** Id of header line h, identified on first need and remembered. */
  private idAt(h: number): number {
    const b = h * STRIDE;
    let id = this.ix[b + ID];
    if (id < HeaderId.UNKNOWN) {
      id = identifyHeaderBytes(this.data, this.ix[b + LINE_START], this.ix[b + NAME_END]);
      this.ix[b + ID] = id;
    }
    return id;
  }

  /** Is header line h the known header `id`? Rejects on first letter and length before identifying. */
  private is(h: number, id: number): boolean {
    const cur = this.ix[h * STRIDE + ID];
    if (cur >= HeaderId.UNKNOWN) return cur === id;
    if (cur !== NAME_KEY[id] && cur !== COMPACT_KEY[id]) return false;
    return this.idAt(h) === id;
  }

  /** Use parseMessage(). */
  constructor(data: Buffer, stream: boolean, keepShortBody = false) {
    this.data = data;
    this.fromStream = stream;
    // Character checks read the bytes (a typed-array load is several times
    // cheaper than String#charCodeAt in V8); searches and slices use the
    // latin1 string (native indexOf, cheap substrings). Same offsets in both.
    const raw = latin1(data);
    const tokenChar = TOKEN_CHAR;
    this.raw = raw;
    const len = raw.length;
    let sc = scratch;

    // RFC 3261 §7.5: CRLFs before the start line are ignored.
    let pos = 0;
    while (pos < len) {
      const c = data[pos];
      if (c === 0x0a || (c === 0x0d && data[pos + 1] === 0x0a)) pos += c === 0x0a ? 1 : 2;
      else break;
    }
    if (pos >= len) throw new ParseError('empty message', 'start-line', pos);
    this.msgStart = pos;

    // ---- start line
    const nl = raw.indexOf('\n', pos);
    if (nl === -1) throw new ParseError('start line is not terminated by CRLF', 'start-line', len);
    const lineEnd = nl > pos && data[nl - 1] === 0x0d ? nl - 1 : nl;
    // The usual request line: a token, SP, URI characters, SP. Scanning the
    // token finds the first SP (token characters exclude it) and proves the
    // method valid; a status line stops the scan at its "/".
    let tok = pos;
    while (tokenChar[data[tok]] === 1) tok++;
    const plainMethod = tok > pos && tok < lineEnd && data[tok] === 0x20;
    const sp1 = plainMethod ? tok : raw.indexOf(' ', pos);
    if (sp1 === -1 || sp1 >= lineEnd) throw new ParseError('start line has no SP-separated parts', 'start-line', pos);
    if (!plainMethod && isSipVersion(data, pos, sp1)) {
      // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
      this.isRequest = false;
      this.version = raw.slice(pos, sp1);
      const c0 = data[sp1 + 1];
      const c1 = data[sp1 + 2];
      const c2 = data[sp1 + 3];
      if (!(c0 >= 0x31 && c0 <= 0x36 && isDigit(c1) && isDigit(c2)) || sp1 + 4 > lineEnd) {
        throw new ParseError('status code must be three digits 100-699', 'start-line', sp1 + 1);
      }
      this.status = (c0 - 0x30) * 100 + (c1 - 0x30) * 10 + (c2 - 0x30);
      if (sp1 + 4 < lineEnd && data[sp1 + 4] !== 0x20) {
        throw new ParseError('status code must be followed by SP', 'start-line', sp1 + 4);
      }
      // A missing reason phrase ("SIP/2.0 200") is accepted as empty.
      this.reasonStart = Math.min(sp1 + 5, lineEnd);
      this.reasonEnd = lineEnd;
      this.method = '';
      this.ruriStart = this.ruriEnd = 0;
    } else {
      // Request-Line = Method SP Request-URI SP SIP-Version
      this.isRequest = true;
      this.status = 0;
      this.reasonStart = this.reasonEnd = 0;
      if (!plainMethod) {
        for (let i = pos; i < sp1; i++) {
          if (tokenChar[data[i]] === 0) throw new ParseError('method is not a token', 'start-line', i);
        }
      }
      this.method = methodText(data, raw, pos, sp1);
      // URI characters up to the first byte below 0x21: when that is an SP,
      // it is the SP indexOf would find, and the URI is already checked.
      let u = sp1 + 1;
      while (u < lineEnd) {
        const c = data[u];
        if (c < 0x21 || c === 0x7f) break;
        u++;
      }
      const plainUri = u > sp1 + 1 && u < lineEnd && data[u] === 0x20;
      const sp2 = plainUri ? u : raw.indexOf(' ', sp1 + 1);
      if (sp2 === -1 || sp2 >= lineEnd) throw new ParseError('request line needs Method SP Request-URI SP SIP-Version', 'start-line', sp1 + 1);
      if (sp2 === sp1 + 1) throw new ParseError('empty Request-URI (extra SP in request line)', 'start-line', sp2);
      if (!plainUri) {
        for (let i = sp1 + 1; i < sp2; i++) {
          const c = data[i];
          if (c < 0x21 || c === 0x7f) throw new ParseError('control character or whitespace in Request-URI', 'start-line', i);
        }
      }
      this.ruriStart = sp1 + 1;
      this.ruriEnd = sp2;
      if (!isSipVersion(data, sp2 + 1, lineEnd)) throw new ParseError('bad SIP-Version in request line', 'start-line', sp2 + 1);
      this.version = lineEnd - sp2 === 8 && isSip20(data, sp2 + 1) ? 'SIP/2.0' : raw.slice(sp2 + 1, lineEnd);
    }

    // A CR is only allowed as part of CRLF in the start line and headers:
    // a bare CR is a line end to some parsers and not to others, which lets
    // one message be read two ways (header smuggling). `cr` is the next CR
    // not yet checked; each line checks the CRs before its LF, so the whole
    // check costs one native search per CR.
    let cr = raw.indexOf('\r', this.msgStart);
    while (cr !== -1 && cr < nl) {
      if (data[cr + 1] !== 0x0a) throw new ParseError('bare CR in header section', 'header', cr);
      cr = raw.indexOf('\r', cr + 2);
    }

    // ---- header index
    let n = 0;
    let declared = -1;
    pos = nl + 1;
    this.headersStart = pos;
    let headersEnd = -1;
    let bodyStart = -1;
    while (pos < len) {
      const c = data[pos];
      if (c === 0x0d && data[pos + 1] === 0x0a) {
        headersEnd = pos;
        bodyStart = pos + 2;
        break;
      }
      if (c === 0x0a) {
        headersEnd = pos;
        bodyStart = pos + 1;
        break;
      }
      if (c === 0x20 || c === 0x09) throw new ParseError('continuation line without a header before it', 'header', pos);
      // name = token, then optional SP/HT, then ':'
      // Letters and "-" (nearly every byte of a name) by arithmetic, the
      // other token characters through the table: one load less per byte.
      let nameEnd = pos;
      for (;;) {
        const ch = data[nameEnd];
        if (((ch | 0x20) - 0x61) >>> 0 < 26 || ch === 0x2d || tokenChar[ch] === 1) nameEnd++;
        else break;
      }
      let colon = nameEnd;
      for (;;) {
        const ch = data[colon];
        if (ch === 0x20 || ch === 0x09) colon++;
        else break;
      }
      const eol = raw.indexOf('\n', colon);
      if (eol === -1) break; // unterminated header section, reported below
      if (data[colon] !== 0x3a || nameEnd === pos) {
        if (nameEnd === pos && data[colon] === 0x3a) throw new ParseError('empty header name', 'header', pos);
        const c = raw.indexOf(':', pos);
        if (c === -1 || c > eol) throw new ParseError('header line has no colon', 'header', pos);
        throw new ParseError('header name is not a token', 'header', nameEnd);
      }
      let vs = colon + 1;
      // Find the end of the value, following continuation lines.
      let end = eol;
      let flags = 0;
      for (;;) {
        const next = data[end + 1];
        if (next !== 0x20 && next !== 0x09) break;
        const more = raw.indexOf('\n', end + 1);
        if (more === -1) {
          end = -1;
          break;
        }
        flags = FOLDED;
        end = more;
      }
      if (end === -1) break; // unterminated folded line at the end: reported below
      while (cr !== -1 && cr < end) {
        if (data[cr + 1] !== 0x0a) throw new ParseError('bare CR in header section', 'header', cr);
        cr = raw.indexOf('\r', cr + 2);
      }
      const lineEndPos = end + 1;
      let ve = end;
      if (ve > vs && data[ve - 1] === 0x0d) ve--;
      while (vs < ve) {
        const ch = data[vs];
        if (ch === 0x20 || ch === 0x09) vs++;
        else if ((ch === 0x0d || ch === 0x0a) && flags === FOLDED) vs++;
        else break;
      }
      // Trailing LWS, including whitespace-only continuation lines.
      while (ve > vs) {
        const ch = data[ve - 1];
        if (ch === 0x20 || ch === 0x09 || ((ch === 0x0d || ch === 0x0a) && flags === FOLDED)) ve--;
        else break;
      }
      // Names are identified lazily (see is()); only Content-Length is needed now.
      const first = data[pos] | 0x20;
      const nameLen = nameEnd - pos;
      const id = (nameLen === 14 && first === 0x63) || (nameLen === 1 && first === 0x6c) ? identifyHeaderBytes(data, pos, nameEnd) : nameKey(first, nameLen);
      if (id === CL_ID) {
        const value = readContentLength(raw, vs, ve);
        if (declared !== -1 && declared !== value) throw new ParseError('conflicting Content-Length values', 'Content-Length', vs);
        declared = value;
      }
      let b = n * STRIDE;
      if (b + STRIDE > sc.length) {
        for (let k = sc.length; k > 0; k--) sc.push(0);
        scratch = sc;
      }
      sc[b++] = id;
      sc[b++] = pos;
      sc[b++] = nameEnd;
      sc[b++] = vs;
      sc[b++] = ve;
      sc[b++] = lineEndPos;
      sc[b] = flags;
      n++;
      pos = lineEndPos;
    }
    if (headersEnd === -1) throw new ParseError('header section does not end with an empty line', 'header', pos);
    this.count = n;
    this.headersEnd = headersEnd;
    this.bodyStart = bodyStart;

    // ---- body (RFC 3261 §18.3)
    const available = len - bodyStart;
    this.declaredLength = declared;
    if (declared === -1) {
      if (stream) throw new ParseError('Content-Length is mandatory on stream transports', 'Content-Length', headersEnd);
      this.bodyLength = available;
    } else if (declared > available && !stream && keepShortBody) {
      this.bodyLength = available;
    } else if (declared > available) {
      throw new ParseError(`body is ${available} bytes, Content-Length says ${declared}`, 'Content-Length', len);
    } else if (stream && declared < available) {
      throw new ParseError(`${available - declared} bytes after the body on a stream message`, 'Content-Length', bodyStart + declared);
    } else {
      this.bodyLength = declared;
    }
    this.ix = sc.slice(0, n * STRIDE);
  }

  // ------------------------------------------------------------ start line

  /** Requests: the Request-URI (after setRuri, the new one); replies: ''. */
  get ruri(): string {
    if (this.ed !== null && this.ed.newRuri !== null) return this.ed.newRuri;
    return this.isRequest ? this.raw.slice(this.ruriStart, this.ruriEnd) : '';
  }

  /** Requests: the Request-URI as received, whatever setRuri did. */
  get originalRuri(): string {
    return this.isRequest ? this.raw.slice(this.ruriStart, this.ruriEnd) : '';
  }

  /** Replies: the reason phrase (UTF-8 decoded); requests: ''. */
  get reason(): string {
    return this.text(this.reasonStart, this.reasonEnd, 0);
  }

  // ------------------------------------------------------------ raw headers

  /** Number of header lines. */
  get headerLineCount(): number {
    return this.count;
  }

  /** Names as written, in order, one per header line. */
  headerNames(): string[] {
    const out: string[] = new Array(this.count);
    for (let h = 0; h < this.count; h++) out[h] = this.raw.slice(this.ix[h * STRIDE + LINE_START], this.ix[h * STRIDE + NAME_END]);
    return out;
  }

  /** Value of the index-th header line (0-based, in order; see headerNames()); undefined past the end. */
  headerValue(index: number): string | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.count ? this.valueOf(index) : undefined;
  }

  /** Value of the first header called `name` (any case, compact form accepted), trimmed and unfolded. */
  getHeader(name: string): string | undefined {
    const h = this.find(name, 0);
    return h === -1 ? undefined : this.valueOf(h);
  }

  /** Values of every header line called `name`, in order. */
  getHeaders(name: string): string[] {
    const out: string[] = [];
    for (let h = this.find(name, 0); h !== -1; h = this.find(name, h + 1)) out.push(this.valueOf(h));
    return out;
  }

  hasHeader(name: string): boolean {
    return this.find(name, 0) !== -1;
  }

  headerCount(name: string): number {
    let k = 0;
    for (let h = this.find(name, 0); h !== -1; h = this.find(name, h + 1)) k++;
    return k;
  }

  /** Offsets of the header section and the body in `data`. */
  get layout(): { start: number; headersStart: number; headersEnd: number; bodyStart: number; bodyLength: number } {
    return {
      start: this.msgStart,
      headersStart: this.headersStart,
      headersEnd: this.headersEnd,
      bodyStart: this.bodyStart,
      bodyLength: this.bodyLength,
    };
  }

  /** The body as received (a view of `data`, cut to Content-Length). */
  get body(): Buffer {
    return this.data.subarray(this.bodyStart, this.bodyStart + this.bodyLength);
  }

  /** The body decoded as UTF-8. */
  bodyText(): string {
    return this.data.toString('utf8', this.bodyStart, this.bodyStart + this.bodyLength);
  }

  /** Index of the first header line at or after `from` whose name matches; -1 when none. */
  private find(name: string, from: number): number {
    const id = headerId(name);
    const idx = this.ix;
    if (id !== HeaderId.UNKNOWN) {
      for (let h = from; h < this.count; h++) if (this.is(h, id)) return h;
      return -1;
    }
    const lower = name.toLowerCase();
    for (let h = from; h < this.count; h++) {
      if (idx[h * STRIDE + NAME_END] - idx[h * STRIDE + LINE_START] === lower.length && this.lowerName(h) === lower && this.idAt(h) === HeaderId.UNKNOWN) return h;
    }
    return -1;
  }

  private lowerName(h: number): string {
    if (this.c.lowerNames === undefined) this.c.lowerNames = new Array(this.count);
    let s = this.c.lowerNames[h];
    if (s === undefined) {
      s = this.raw.slice(this.ix[h * STRIDE + LINE_START], this.ix[h * STRIDE + NAME_END]).toLowerCase();
      this.c.lowerNames[h] = s;
    }
    return s;
  }

  private valueOf(h: number): string {
    const b = h * STRIDE;
    return this.text(this.ix[b + VALUE_START], this.ix[b + VALUE_END], this.ix[b + FLAGS]);
  }

  /** Text of data[start, end): latin1 fast path, UTF-8 when high bytes are present, unfolded when folded. */
  private text(start: number, end: number, flags: number): string {
    let s = this.raw.slice(start, end);
    // One native check of the whole message (SIMD) costs less than a byte
    // loop over a 40-byte value; only a non-ASCII message is examined per value.
    if (this.ascii !== 1 && !this.headerAscii() && highByteIn(this.data, start, end)) s = this.data.toString('utf8', start, end);
    return flags & FOLDED ? unfold(s) : s;
  }

  /** First header line with this id, or throw "missing". */
  private required(id: number): number {
    const h = this.optional(id);
    if (h === -1) throw new ParseError('missing header', CANONICAL_NAMES[id], this.headersEnd);
    return h;
  }

  /** First header line with this id, or -1: is() with the keys read once. */
  private optional(id: number): number {
    const ix = this.ix;
    const full = NAME_KEY[id];
    const compact = COMPACT_KEY[id];
    const n = this.count * STRIDE;
    for (let b = 0; b < n; b += STRIDE) {
      const cur = ix[b];
      if (cur === id || ((cur === full || cur === compact) && this.idAt(b / STRIDE) === id)) return b / STRIDE;
    }
    return -1;
  }

  /** Run a typed parser on header line h, relocating its errors into the message. */
  private parseLine<T>(h: number, parse: (body: string) => T): T {
    const value = this.valueOf(h);
    try {
      return parse(value);
    } catch (e) {
      return relocate(e, CANONICAL_NAMES[this.idAt(h)] ?? this.lowerName(h), this.ix[h * STRIDE + VALUE_START]);
    }
  }

  // ------------------------------------------------------------ typed accessors

  /** Every Via (all header lines, comma-separated values split), top first. */
  vias(): Via[] {
    if (this.c.vias === undefined) {
      const all: Via[] = [];
      for (let h = 0; h < this.count; h++) {
        if (!this.is(h, VIA_ID)) continue;
        const fast = this.fastViaLine(h);
        if (fast !== undefined) all.push(fast);
        else for (const v of this.parseLine(h, parseVia)) all.push(v);
      }
      if (all.length === 0) throw new ParseError('missing header', 'Via', this.headersEnd);
      this.c.vias = all;
    }
    return this.c.vias;
  }

  /** The topmost Via; parses only the first Via header line. */
  topVia(): Via {
    if (this.c.topVia === undefined) {
      if (this.c.vias !== undefined) this.c.topVia = this.c.vias[0];
      else {
        const h = this.required(VIA_ID);
        const fast = this.fastViaLine(h);
        if (fast !== undefined) this.c.topVia = fast;
        else {
          const list = this.parseLine(h, parseVia);
          if (list.length === 0) throw new ParseError('empty Via header', 'Via', this.headersEnd);
          this.c.topVia = list[0];
        }
      }
    }
    return this.c.topVia;
  }

  /** Via line h by the byte fast path (one usual via-parm, unfolded); undefined: use parseVia. */
  private fastViaLine(h: number): Via | undefined {
    const b = h * STRIDE;
    return this.ix[b + FLAGS] === 0 ? fastVia(this.data, this.raw, this.ix[b + VALUE_START], this.ix[b + VALUE_END]) : undefined;
  }

  /** From/To line h: the byte fast path for the usual shape, else the string parser. */
  private fromToLine(h: number, parse: (body: string) => FromTo): FromTo {
    const b = h * STRIDE;
    const fast = this.ix[b + FLAGS] === 0 ? fastFromTo(this.data, this.raw, this.ix[b + VALUE_START], this.ix[b + VALUE_END]) : undefined;
    return fast !== undefined ? fast : this.parseLine(h, parse);
  }

  callId(): string {
    const h = this.required(HeaderId.CALL_ID);
    const v = this.valueOf(h);
    if (v.length === 0) throw new ParseError('empty Call-ID', 'Call-ID', this.ix[h * STRIDE + VALUE_START]);
    return v;
  }

  /** CSeq; on requests its method must equal the request method (RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17). */
  cseq(): CSeq {
    if (this.c.cSeq === undefined) {
      const h = this.required(HeaderId.CSEQ);
      const b = h * STRIDE;
      const vs = this.ix[b + VALUE_START];
      const ve = this.ix[b + VALUE_END];
      // Digits, LWS and a token: read straight from the message (offsets exact).
      // The byte fast path accepts only ASCII, so only folding has to be excluded.
      let cseq: CSeq | undefined = this.ix[b + FLAGS] === 0 ? fastCSeq(this.data, this.raw, vs, ve) : undefined;
      if (cseq === undefined) cseq = this.plainLine(h) ? this.scanLine(h, scanCSeq, 'CSeq') : this.parseLine(h, parseCSeq);
      if (this.isRequest && cseq.method !== this.method) {
        throw new ParseError(`method ${cseq.method} does not match the request method ${this.method}`, 'CSeq', this.ix[b + VALUE_START]);
      }
      this.c.cSeq = cseq;
    }
    return this.c.cSeq;
  }

  /**
   * The branch of the topmost Via (null when it has none), without building
   * Via objects: the first Via line is validated exactly as topVia() would
   * validate it (same ParseError), so the two never disagree.
   */
  topViaBranch(): string | null {
    const c = this.c;
    if (c.viaBranch === undefined) {
      if (c.topVia !== undefined) c.viaBranch = c.topVia.branch;
      else {
        const h = this.required(VIA_ID);
        const b = h * STRIDE;
        // The byte fast paths accept only ASCII, so only folding has to be excluded.
        const fast = this.ix[b + FLAGS] === 0 ? fastViaBranch(this.data, this.raw, this.ix[b + VALUE_START], this.ix[b + VALUE_END]) : undefined;
        if (fast !== undefined) c.viaBranch = fast;
        else c.viaBranch = this.plainLine(h) ? this.scanLine(h, viaBranch, 'Via') : this.topVia().branch;
      }
    }
    return c.viaBranch;
  }

  /** The From tag (null when absent), validated as from() validates the header, without building the address. */
  fromTag(): string | null {
    const c = this.c;
    if (c.fromTag === undefined) {
      if (c.from !== undefined) c.fromTag = c.from.tag;
      else {
        const h = this.required(HeaderId.FROM);
        const fast = this.fastTag(h);
        if (fast !== undefined) c.fromTag = fast;
        else c.fromTag = this.plainLine(h) ? this.scanLine(h, fromToTag, 'From') : this.from().tag;
      }
    }
    return c.fromTag;
  }

  /** The To tag (null when absent; a request outside a dialog), validated as to() validates the header. */
  toTag(): string | null {
    const c = this.c;
    if (c.toTag === undefined) {
      if (c.to !== undefined) c.toTag = c.to.tag;
      else {
        const h = this.required(HeaderId.TO);
        const fast = this.fastTag(h);
        if (fast !== undefined) c.toTag = fast;
        else c.toTag = this.plainLine(h) ? this.scanLine(h, toTag, 'To') : this.to().tag;
      }
    }
    return c.toTag;
  }

  /**
   * Can header line h be scanned in place in the latin1 text? Not when it is
   * folded (its value reads with SP where the line breaks are) or holds bytes
   * above 0x7f (its value reads as UTF-8).
   */
  private plainLine(h: number): boolean {
    const b = h * STRIDE;
    return this.ix[b + FLAGS] === 0 && (this.headerAscii() || !hasNonAscii(this.raw, this.ix[b + VALUE_START], this.ix[b + VALUE_END]));
  }

  /** The tag of From/To line h by the byte fast path (ASCII only, so only folding is excluded); undefined: not handled. */
  private fastTag(h: number): string | null | undefined {
    const b = h * STRIDE;
    return this.ix[b + FLAGS] === 0 ? fastNameAddrParam(this.data, this.raw, this.ix[b + VALUE_START], this.ix[b + VALUE_END], 'tag') : undefined;
  }

  /** Run a range scanner over header line h in place; its offsets are already offsets in the message. */
  private scanLine<T>(h: number, scan: (text: string, start: number, end: number) => T, header: string): T {
    const b = h * STRIDE;
    try {
      return scan(this.raw, this.ix[b + VALUE_START], this.ix[b + VALUE_END]);
    } catch (e) {
      return relocate(e, header, 0);
    }
  }

  from(): FromTo {
    if (this.c.from === undefined) this.c.from = this.fromToLine(this.required(HeaderId.FROM), parseFromTo);
    return this.c.from;
  }

  to(): FromTo {
    if (this.c.to === undefined) this.c.to = this.fromToLine(this.required(HeaderId.TO), parseTo);
    return this.c.to;
  }

  /** All Contact header lines merged; `star` for "Contact: *" (which must then stand alone). */
  contacts(): ContactList {
    if (this.c.contacts === undefined) {
      const merged: ContactList = { star: false, contacts: [] };
      let lines = 0;
      for (let h = 0; h < this.count; h++) {
        if (!this.is(h, HeaderId.CONTACT)) continue;
        lines++;
        const b = h * STRIDE;
        const fast = this.ix[b + FLAGS] === 0 ? fastContact(this.data, this.raw, this.ix[b + VALUE_START], this.ix[b + VALUE_END]) : undefined;
        const one = fast !== undefined ? fast : this.parseLine(h, parseContacts);
        if (one.star) merged.star = true;
        for (const c of one.contacts) merged.contacts.push(c);
        if (merged.star && (merged.contacts.length > 0 || lines > 1)) {
          throw new ParseError('"*" must be the only Contact', 'Contact', this.ix[h * STRIDE + VALUE_START]);
        }
      }
      this.c.contacts = merged;
    }
    return this.c.contacts;
  }

  maxForwards(): number | null {
    const h = this.optional(HeaderId.MAX_FORWARDS);
    return h === -1 ? null : this.parseLine(h, parseMaxForwards);
  }

  /** The Content-Length header's value; the body size when the header is absent (datagrams). */
  contentLength(): number {
    return this.declaredLength === -1 ? this.bodyLength : this.declaredLength;
  }

  contentType(): ContentType | null {
    if (this.c.contentType === undefined) {
      const h = this.optional(HeaderId.CONTENT_TYPE);
      if (h === -1) this.c.contentType = null;
      else {
        const b = h * STRIDE;
        const fast = this.ix[b + FLAGS] === 0 ? fastContentType(this.data, this.raw, this.ix[b + VALUE_START], this.ix[b + VALUE_END]) : undefined;
        this.c.contentType = fast !== undefined ? fast : this.parseLine(h, parseContentType);
      }
    }
    return this.c.contentType;
  }

  expires(): number | null {
    const h = this.optional(HeaderId.EXPIRES);
    return h === -1 ? null : this.parseLine(h, parseExpires);
  }

  /** Route headers, all lines merged, in order. */
  routes(): NameAddr[] {
    if (this.c.routes === undefined) this.c.routes = this.nameAddrs(HeaderId.ROUTE, parseRoute);
    return this.c.routes;
  }

  recordRoutes(): NameAddr[] {
    if (this.c.recordRoutes === undefined) this.c.recordRoutes = this.nameAddrs(HeaderId.RECORD_ROUTE, parseRecordRoute);
    return this.c.recordRoutes;
  }

  private nameAddrs(id: number, parse: (body: string) => NameAddr[]): NameAddr[] {
    const out: NameAddr[] = [];
    for (let h = 0; h < this.count; h++) {
      if (this.is(h, id)) for (const na of this.parseLine(h, parse)) out.push(na);
    }
    return out;
  }

  /** The (current) Request-URI, parsed. Throws ParseError for replies. */
  requestUri(): Uri {
    if (!this.isRequest) throw new ParseError('a reply has no Request-URI', 'start-line', this.msgStart);
    if (this.c.uri === undefined) {
      const received = this.ed === null || this.ed.newRuri === null;
      const base = received ? this.ruriStart : 0;
      // the received URI can be read in place; the byte fast path takes the usual shape
      let uri: Uri | undefined = received ? fastSipUri(this.data, this.raw, this.ruriStart, this.ruriEnd, this.ruri) : undefined;
      if (uri === undefined) {
        try {
          uri = parseUri(this.ruri);
        } catch (e) {
          return relocate(e, 'Request-URI', base);
        }
      }
      // RFC 3261 §19.1.1: URI headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
      if ((uri.scheme === 'sip' || uri.scheme === 'sips') && 'headers' in uri && uri.headers.length > 0) {
        throw new ParseError('headers ("?...") are not allowed in a Request-URI', 'Request-URI', base + uri.raw.indexOf('?'));
      }
      this.c.uri = uri;
    }
    return this.c.uri as Uri;
  }

  /** The SDP body, or null when there is no body or its Content-Type is not application/sdp. */
  sdp(): Sdp | null {
    if (this.c.sdp === undefined) {
      const ct = this.bodyLength === 0 ? null : this.contentType();
      if (ct === null || ct.mediaType !== 'application/sdp') this.c.sdp = null;
      else {
        try {
          // An all-ASCII message's body reads the same from the latin1 view: no decoding call.
          // A fresh (flat) string, not a slice of `raw`: the SDP parser reads
          // every character, and charCodeAt on a sliced string costs more.
          const text = this.headerAscii() ? latin1Range(this.data, this.bodyStart, this.bodyStart + this.bodyLength) : this.bodyText();
          this.c.sdp = parseSdp(text);
        } catch (e) {
          relocate(e, 'body', this.bodyStart);
        }
      }
    }
    return this.c.sdp as Sdp | null;
  }

  /**
   * Any header through any body parser, cached per (header, parser): e.g.
   * `msg.parsedHeader('Proxy-Authorization', parseCredentials)`. Returns one
   * result per header line; [] when absent.
   */
  parsedHeader<T>(name: string, parse: (body: string) => T): T[] {
    const out: T[] = [];
    for (let h = this.find(name, 0); h !== -1; h = this.find(name, h + 1)) {
      // The token-list parser (Allow, Supported, Require ...) reads an unfolded
      // line from the bytes: the same list, without a charCodeAt per character
      // of a sliced string. Anything it does not take goes to the parser.
      const fast = parse === (parseTokenList as unknown) && this.ix[h * STRIDE + FLAGS] === 0 ? this.fastTokens(h) : undefined;
      out.push(fast !== undefined ? (fast as unknown as T) : this.parseLine(h, parse));
    }
    return out;
  }

  private fastTokens(h: number): string[] | undefined {
    const b = h * STRIDE;
    return fastTokenList(this.data, this.raw, this.ix[b + VALUE_START], this.ix[b + VALUE_END]);
  }

  // ------------------------------------------------------------ edits (lumps)

  /** True when any edit is pending. */
  get modified(): boolean {
    const e = this.ed;
    return e !== null && (e.newRuri !== null || e.inserts !== null || e.deleted !== null || e.replaced !== null || e.newBody !== null);
  }

  /** Rewrite the Request-URI. The `ruri` property and requestUri() then report the new one. */
  setRuri(uri: string): void {
    if (!this.isRequest) throw new ParseError('a reply has no Request-URI', 'start-line', this.msgStart);
    if (uri.length === 0) throw new ParseError('empty Request-URI', 'Request-URI', 0);
    for (let i = 0; i < uri.length; i++) {
      const c = uri.charCodeAt(i);
      if (c <= 0x20 || c === 0x7f) throw new ParseError('whitespace or control character in Request-URI', 'Request-URI', i);
    }
    this.e.newRuri = uri;
    this.c.uri = undefined;
  }

  /**
   * Add a header line. 'first': before every header; 'last' (default): after
   * every header; 'afterVia': right after the last Via line. Reads of the
   * message (getHeader, typed accessors) keep reporting the received headers,
   * as in OpenSIPS; the new line appears in toBuffer().
   */
  addHeader(name: string, value: string, where: 'first' | 'last' | 'afterVia' = 'last'): void {
    checkHeader(name, value);
    let offset: number;
    let order: number;
    if (where === 'first') {
      offset = this.headersStart;
      order = -++this.e.editSeq;
    } else if (where === 'afterVia') {
      let last = -1;
      for (let h = 0; h < this.count; h++) if (this.is(h, VIA_ID)) last = h;
      offset = last === -1 ? this.headersStart : this.ix[last * STRIDE + LINE_END];
      order = ++this.e.editSeq;
    } else {
      offset = this.headersEnd;
      order = ++this.e.editSeq;
    }
    this.insert(offset, order, `${name}: ${value}\r\n`);
  }

  /**
   * Remove header lines called `name`: all of them, or only the index-th
   * occurrence (0-based; negative counts from the end, -1 = last). Returns how
   * many lines were removed by this call.
   */
  removeHeader(name: string, index?: number): number {
    const lines: number[] = [];
    for (let h = this.find(name, 0); h !== -1; h = this.find(name, h + 1)) lines.push(h);
    let targets = lines;
    if (index !== undefined) {
      const i = index < 0 ? lines.length + index : index;
      targets = i >= 0 && i < lines.length ? [lines[i]] : [];
    }
    let removed = 0;
    for (const h of targets) {
      if (this.e.deleted !== null && this.e.deleted[h] === 1) continue;
      if (this.e.deleted === null) this.e.deleted = new Uint8Array(this.count);
      this.e.deleted[h] = 1;
      removed++;
    }
    return removed;
  }

  /** Add a Via above the current top one (the proxy's own Via, RFC 3261 §16.6 step 8). */
  prependVia(value: string): void {
    checkHeader('Via', value);
    const h = this.optional(VIA_ID);
    const offset = h === -1 ? this.headersStart : this.ix[h * STRIDE + LINE_START];
    this.insert(offset, -++this.e.editSeq, `Via: ${value}\r\n`);
  }

  /**
   * Remove the topmost received Via value (a proxy forwarding a reply, RFC
   * 3261 §16.7 step 3). When the top line holds several comma-separated
   * values only the first goes; calling again removes the next one.
   */
  removeTopVia(): void {
    for (let h = 0; h < this.count; h++) {
      if (!this.is(h, VIA_ID) || (this.e.deleted !== null && this.e.deleted[h] === 1)) continue;
      const b = h * STRIDE;
      const vs = this.ix[b + VALUE_START];
      const ve = this.ix[b + VALUE_END];
      const from = this.e.replaced?.[h] === undefined ? vs : ve - (this.e.replaced[h] as string).length;
      const comma = topLevelComma(this.raw, from, ve);
      if (comma === -1) {
        if (this.e.deleted === null) this.e.deleted = new Uint8Array(this.count);
        this.e.deleted[h] = 1;
      } else {
        let rest = comma + 1;
        for (;;) {
          const c = this.raw.charCodeAt(rest);
          if (rest < ve && (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a)) rest++;
          else break;
        }
        if (this.e.replaced === null) this.e.replaced = new Array(this.count);
        // Stored as the raw (latin1) remainder; encoded back byte for byte.
        this.e.replaced[h] = this.raw.slice(rest, ve);
      }
      this.e.viasRemoved++;
      return;
    }
    throw new ParseError('no Via left to remove', 'Via', this.headersEnd);
  }

  /** Number of removeTopVia() calls applied. */
  get removedViaCount(): number {
    return this.ed === null ? 0 : this.ed.viasRemoved;
  }

  /**
   * Replace the body. Content-Length is rewritten (or added) to match; the
   * Content-Type is set when given, and removed when the new body is empty
   * and no type is given.
   */
  setBody(body: Buffer | string, contentType?: string): void {
    if (contentType !== undefined) checkHeader('Content-Type', contentType);
    this.e.newBody = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.e.newBodyType = contentType ?? null;
  }

  /** Serialize: the received bytes with every edit spliced in; untouched bytes are copied verbatim. */
  toBuffer(): Buffer {
    const bodyEnd = this.bodyStart + this.bodyLength;
    if (!this.modified) return this.msgStart === 0 && bodyEnd === this.data.length ? this.data : this.data.subarray(this.msgStart, bodyEnd);

    const lumps: Lump[] = [];
    if (this.e.newRuri !== null) lumps.push({ offset: this.ruriStart, remove: this.ruriEnd - this.ruriStart, text: this.e.newRuri, order: 0 });
    const replaced: (string | undefined)[] = this.e.replaced === null ? [] : this.e.replaced.slice();
    const deleted = this.e.deleted === null ? new Uint8Array(this.count) : this.e.deleted.slice();
    const extra: Insert[] = [];
    let body = this.body;
    if (this.e.newBody !== null) {
      body = this.e.newBody;
      this.bodyHeader(HeaderId.CONTENT_LENGTH, String(body.length), 'Content-Length', replaced, deleted, extra);
      if (this.e.newBodyType !== null) this.bodyHeader(HeaderId.CONTENT_TYPE, this.e.newBodyType, 'Content-Type', replaced, deleted, extra);
      else if (body.length === 0) for (let h = 0; h < this.count; h++) if (this.is(h, HeaderId.CONTENT_TYPE)) deleted[h] = 1;
    }
    for (let h = 0; h < this.count; h++) {
      const b = h * STRIDE;
      if (deleted[h] === 1) {
        lumps.push({ offset: this.ix[b + LINE_START], remove: this.ix[b + LINE_END] - this.ix[b + LINE_START], text: '', order: 0 });
      } else if (replaced[h] !== undefined) {
        const vs = this.ix[b + VALUE_START];
        lumps.push({ offset: vs, remove: this.ix[b + VALUE_END] - vs, text: replaced[h] as string, order: 0, latin1: this.e.replaced?.[h] === replaced[h] });
      }
    }
    if (this.e.inserts !== null) for (const ins of this.e.inserts) lumps.push({ offset: ins.offset, remove: 0, text: ins.text, order: ins.order });
    for (const ins of extra) lumps.push({ offset: ins.offset, remove: 0, text: ins.text, order: ins.order });
    const head = applyLumps(this.data, this.msgStart, this.bodyStart, lumps);
    return Buffer.concat([head, body]);
  }

  /** Content-Length / Content-Type for a new body: rewrite the first line, drop repeats, or add one at the end. */
  private bodyHeader(id: number, value: string, name: string, replaced: (string | undefined)[], deleted: Uint8Array, extra: Insert[]): void {
    let seen = false;
    for (let h = 0; h < this.count; h++) {
      if (!this.is(h, id) || deleted[h] === 1) continue;
      if (seen) deleted[h] = 1;
      else {
        replaced[h] = value;
        seen = true;
      }
    }
    if (!seen) extra.push({ offset: this.headersEnd, order: Number.MAX_SAFE_INTEGER, text: `${name}: ${value}\r\n` });
  }

  private insert(offset: number, order: number, text: string): void {
    if (this.e.inserts === null) this.e.inserts = [];
    this.e.inserts.push({ offset, order, text });
  }

  // ------------------------------------------------------------ helpers for reply building

  /** @internal Header line h's [lineStart, valueStart, valueEnd, lineEnd) and its id. */
  lineInfo(h: number): { id: number; lineStart: number; valueStart: number; valueEnd: number; lineEnd: number } {
    const b = h * STRIDE;
    return {
      id: this.idAt(h),
      lineStart: this.ix[b + LINE_START],
      valueStart: this.ix[b + VALUE_START],
      valueEnd: this.ix[b + VALUE_END],
      lineEnd: this.ix[b + LINE_END],
    };
  }

  /** @internal latin1 text of data[start, end) (byte-exact). */
  rawSlice(start: number, end: number): string {
    return this.raw.slice(start, end);
  }
}

/** Digits of a Content-Length value. Own scanner: it runs during framing, before any typed parser. */
export function readContentLength(s: string, start: number, end: number): number {
  if (start >= end) throw new ParseError('empty Content-Length', 'Content-Length', start);
  if (end - start > 10) throw new ParseError('Content-Length too large', 'Content-Length', start);
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw new ParseError('Content-Length is not a number', 'Content-Length', i);
    v = v * 10 + (c - 0x30);
  }
  if (v > 0x7fffffff) throw new ParseError('Content-Length too large', 'Content-Length', start);
  return v;
}

/** Offset of the first comma in s[start, end) outside a quoted string, or -1. */
export function topLevelComma(s: string, start: number, end: number): number {
  let quoted = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x2c) return i;
  }
  return -1;
}

/** Header names must be tokens and values must not break the line (header injection). */
export function checkHeader(name: string, value: string): void {
  if (!isToken(name)) throw new ParseError('header name is not a token', name, 0);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) throw new ParseError('CR, LF or NUL in header value', name, i);
  }
}
