/**
 * Stream framing (RFC 3261 §18.3): on TCP/TLS/SCTP-stream connections the
 * messages follow each other with nothing between them but optional CRLF
 * keep-alives (RFC 5626 §3.5.1), so the end of a message is found from its
 * Content-Length, which is mandatory there.
 */
import { ParseError } from './errors';
import { HeaderId, headerId } from './header-names';
import { readContentLength } from './message';

export interface StreamFramerOptions {
  /** Largest message (headers + body) accepted, in bytes. Default 65535. */
  maxMessageSize?: number;
}

const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');
const LF_LF = Buffer.from('\n\n', 'latin1');
const LF_CRLF = Buffer.from('\n\r\n', 'latin1');

/**
 * Cuts a byte stream into SIP messages. Feed every chunk read from the
 * connection to push(); it returns the messages completed by that chunk
 * (possibly none, possibly several). A ParseError means the stream can no
 * longer be framed (no or bad Content-Length, message too large): the
 * connection must be closed; later push() calls throw the same error.
 */
export class StreamFramer {
  readonly maxMessageSize: number;
  /** Double-CRLF keep-alive pings seen between messages (a server answers each with CRLF). */
  keepalives = 0;
  /**
   * Unframed bytes are store[start, end). The store grows by doubling, so a
   * peer trickling one byte at a time costs linear, not quadratic, copying.
   * Bytes before `end` are never overwritten: emitted messages are views.
   */
  private store: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Where the header-end search resumes in `pending` (bytes before it hold no header end). */
  private searchFrom = 0;
  /** Total length of the message at the head of `pending`, once its headers are complete; -1 before. */
  private expected = -1;
  private failure: ParseError | null = null;
  private crlfRun = 0;
  /** The caller's chunk when `store` is one (must be copied before appending). */
  private borrowed: Buffer | null = null;

  constructor(opts: StreamFramerOptions = {}) {
    const max = opts.maxMessageSize ?? 65535;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxMessageSize must be a positive integer');
    this.maxMessageSize = max;
  }

  /** Bytes received but not yet part of a complete message. */
  get buffered(): number {
    return this.end - this.start;
  }

  private get pending(): Buffer {
    return this.store.subarray(this.start, this.end);
  }

  private append(chunk: Buffer): void {
    if (this.start === this.end) {
      // Nothing pending: work on the chunk itself (it is never written to).
      this.store = chunk;
      this.borrowed = chunk;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    const used = this.end - this.start;
    if (this.end + chunk.length > this.store.length || this.store === this.borrowed) {
      const grown = Buffer.allocUnsafe(Math.max(used + chunk.length, 2 * used, 4096));
      this.store.copy(grown, 0, this.start, this.end);
      this.store = grown;
      this.start = 0;
      this.end = used;
    }
    chunk.copy(this.store, this.end);
    this.end += chunk.length;
    this.borrowed = null;
  }

  private consume(n: number): void {
    this.start += n;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failure !== null) throw this.failure;
    try {
      return this.frame(chunk);
    } catch (e) {
      if (e instanceof ParseError) this.failure = e;
      throw e;
    }
  }

  private frame(chunk: Buffer): Buffer[] {
    this.append(chunk);
    const out: Buffer[] = [];
    for (;;) {
      if (this.expected === -1) {
        this.skipKeepalives();
        if (this.pending.length === 0) break;
        if (!this.findHeaders()) {
          if (this.pending.length > this.maxMessageSize) {
            throw new ParseError(`header section exceeds ${this.maxMessageSize} bytes`, 'message', this.maxMessageSize);
          }
          break;
        }
      }
      if (this.pending.length < this.expected) break;
      out.push(this.pending.subarray(0, this.expected));
      this.consume(this.expected);
      this.expected = -1;
      this.searchFrom = 0;
    }
    return out;
  }

  /** Drop CRLF / LF bytes before a message, counting "\r\n\r\n" pings. */
  private skipKeepalives(): void {
    const p = this.pending;
    let i = 0;
    while (i < p.length && (p[i] === 0x0d || p[i] === 0x0a)) {
      if (p[i] === 0x0a) {
        this.crlfRun++;
        if (this.crlfRun === 2) {
          this.keepalives++;
          this.crlfRun = 0;
        }
      }
      i++;
    }
    if (i > 0) {
      this.consume(i);
      this.searchFrom = 0;
    }
    if (i < p.length) this.crlfRun = 0;
  }

  /** Look for the end of the header section; on success set `expected`. */
  private findHeaders(): boolean {
    const p = this.pending;
    const from = Math.max(0, this.searchFrom - 3);
    let end = p.indexOf(CRLF_CRLF, from);
    let sepLen = 4;
    const lf = p.indexOf(LF_LF, from);
    if (lf !== -1 && (end === -1 || lf < end)) {
      end = lf;
      sepLen = 2;
    }
    const mixed = p.indexOf(LF_CRLF, from);
    if (mixed !== -1 && (end === -1 || mixed < end)) {
      end = mixed;
      sepLen = 3;
    }
    if (end === -1) {
      this.searchFrom = p.length;
      return false;
    }
    const headerLen = end + sepLen;
    if (headerLen > this.maxMessageSize) {
      throw new ParseError(`header section exceeds ${this.maxMessageSize} bytes`, 'message', this.maxMessageSize);
    }
    const length = contentLengthOf(p.toString('latin1', 0, end));
    if (headerLen + length > this.maxMessageSize) {
      throw new ParseError(`message of ${headerLen + length} bytes exceeds ${this.maxMessageSize}`, 'Content-Length', 0);
    }
    this.expected = headerLen + length;
    return true;
  }
}

/** Content-Length from a header section (start line included); mandatory on streams. */
function contentLengthOf(head: string): number {
  let value = -1;
  let pos = head.indexOf('\n') + 1;
  if (pos === 0) pos = head.length;
  while (pos < head.length) {
    let eol = head.indexOf('\n', pos);
    if (eol === -1) eol = head.length;
    const colon = head.indexOf(':', pos);
    if (colon !== -1 && colon < eol) {
      let ne = colon;
      while (ne > pos && (head.charCodeAt(ne - 1) === 0x20 || head.charCodeAt(ne - 1) === 0x09)) ne--;
      if (headerId(head.slice(pos, ne)) === HeaderId.CONTENT_LENGTH) {
        let vs = colon + 1;
        let ve = eol;
        if (ve > vs && head.charCodeAt(ve - 1) === 0x0d) ve--;
        while (vs < ve && (head.charCodeAt(vs) === 0x20 || head.charCodeAt(vs) === 0x09)) vs++;
        while (ve > vs && (head.charCodeAt(ve - 1) === 0x20 || head.charCodeAt(ve - 1) === 0x09)) ve--;
        const v = readContentLength(head, vs, ve);
        if (value !== -1 && value !== v) throw new ParseError('conflicting Content-Length values', 'Content-Length', vs);
        value = v;
      }
    }
    pos = eol + 1;
  }
  if (value === -1) throw new ParseError('Content-Length is mandatory on stream transports', 'Content-Length', 0);
  return value;
}
