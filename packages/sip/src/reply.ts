/**
 * Reply construction for a received request (RFC 3261 §8.2.6): the reply
 * copies every Via, From, To, Call-ID and CSeq line of the request byte for
 * byte (compact names and all), adds a To-tag when the To has none (not for
 * 100 Trying, §8.2.6.2), and can add RFC 3581 received/rport to the top Via.
 */
import { randomBytes } from 'node:crypto';
import { ParseError } from './errors';
import { HeaderId } from './header-names';
import { checkHeader, SipMessage, topLevelComma } from './message';

export interface ReplyOptions {
  /** To-tag to add when the request's To has none (default: 16 random hex chars). */
  toTag?: string;
  /** Value of a Server header; no Server header when absent. */
  server?: string;
  /** Extra header lines, in order, after the copied ones. */
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  /** Content-Type of `body`; omitted when not given. */
  contentType?: string;
  /**
   * Source address of the request. Added to the top Via as `received` when it
   * differs from the sent-by host or the Via asks for rport (RFC 3261
   * §18.2.1, RFC 3581 §4); an existing `received` is replaced.
   */
  received?: string;
  /** Source port of the request: fills in `rport` when the top Via carries it (RFC 3581 §4). */
  rport?: number;
}

/** A fresh random To-tag. */
export function newTag(): string {
  return randomBytes(8).toString('hex');
}

/** Build a reply to `req`. Throws ParseError when the request has no Via to answer along. */
export function buildReply(req: SipMessage, status: number, reason: string, opts: ReplyOptions = {}): Buffer {
  if (!req.isRequest) throw new ParseError('cannot reply to a reply', 'start-line', 0);
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new ParseError(`status ${status} outside 100-699`, 'start-line', 0);
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) throw new ParseError('CR, LF or NUL in reason phrase', 'start-line', i);
  }
  const parts: Buffer[] = [Buffer.from(`SIP/2.0 ${status} ${reason}\r\n`, 'utf8')];
  const line = (s: string, latin1 = false): void => {
    parts.push(Buffer.from(s, latin1 ? 'latin1' : 'utf8'));
  };

  let firstVia = true;
  let seen = 0; // bit per copied single header: From, To, Call-ID, CSeq
  const need = [HeaderId.FROM, HeaderId.TO, HeaderId.CALL_ID, HeaderId.CSEQ];
  const count = req.headerLineCount;
  for (let h = 0; h < count; h++) {
    const li = req.lineInfo(h);
    if (li.id === HeaderId.VIA) {
      if (firstVia) {
        firstVia = false;
        line(topViaLine(req, li, opts), true);
      } else line(copyLine(req, li.lineStart, li.valueEnd) + '\r\n', true);
      continue;
    }
    const k = need.indexOf(li.id);
    if (k === -1 || seen & (1 << k)) continue;
    seen |= 1 << k;
    if (li.id === HeaderId.TO && status !== 100 && !hasTag(req)) {
      const tag = opts.toTag ?? newTag();
      checkHeader('To', tag);
      line(copyLine(req, li.lineStart, li.valueEnd), true);
      line(`;tag=${tag}\r\n`);
    } else line(copyLine(req, li.lineStart, li.valueEnd) + '\r\n', true);
  }
  // Only the Via is needed to send a reply at all; a missing From, To, Call-ID or CSeq is
  // simply not copied, as OpenSIPS's build_res_buf_from_sip_req() does (so the 400 that a
  // script sends after sipmsg_validate() found one missing still goes out).
  if (firstVia) throw new ParseError('missing header', 'Via', 0);

  if (opts.server !== undefined) {
    checkHeader('Server', opts.server);
    line(`Server: ${opts.server}\r\n`);
  }
  for (const [name, value] of opts.headers ?? []) {
    checkHeader(name, value);
    line(`${name}: ${value}\r\n`);
  }
  const body = opts.body === undefined ? Buffer.alloc(0) : typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;
  if (opts.contentType !== undefined) {
    checkHeader('Content-Type', opts.contentType);
    line(`Content-Type: ${opts.contentType}\r\n`);
  }
  line(`Content-Length: ${body.length}\r\n\r\n`);
  parts.push(body);
  return Buffer.concat(parts);
}

/**
 * Does the request's To carry a tag? A To the parser rejects counts as
 * untagged, so a 400 for it can still be built (with a tag added).
 */
function hasTag(req: SipMessage): boolean {
  try {
    return req.to().tag !== null;
  } catch (e) {
    if (e instanceof ParseError) return false;
    throw e;
  }
}

/** The bytes of a received header line up to the end of its value (line ends normalised to CRLF by the caller). */
function copyLine(req: SipMessage, lineStart: number, valueEnd: number): string {
  return req.rawSlice(lineStart, valueEnd);
}

/**
 * The first Via line, with received/rport set on its first value when asked.
 * Parameters are edited in the text so everything else stays as received.
 */
function topViaLine(req: SipMessage, li: { lineStart: number; valueStart: number; valueEnd: number }, opts: ReplyOptions): string {
  const copied = copyLine(req, li.lineStart, li.valueEnd) + '\r\n';
  if (opts.received === undefined && opts.rport === undefined) return copied;
  let via;
  try {
    via = req.topVia();
  } catch (e) {
    // A 400 to a request with a broken Via still goes out, unannotated.
    if (e instanceof ParseError) return copied;
    throw e;
  }
  const hasRport = via.rport !== null;
  const addReceived = opts.received !== undefined && (hasRport || opts.received !== via.host);
  const fillRport = opts.rport !== undefined && hasRport;
  if (!addReceived && !fillRport) return copied;
  if (opts.received !== undefined) checkHeader('Via', opts.received);
  if (opts.rport !== undefined && !(Number.isInteger(opts.rport) && opts.rport >= 0 && opts.rport <= 65535)) {
    throw new ParseError(`rport ${opts.rport} is not a port`, 'Via', 0);
  }

  const vs = li.valueStart;
  const comma = topLevelComma(req.rawSlice(0, li.valueEnd), vs, li.valueEnd);
  const end = comma === -1 ? li.valueEnd : comma;
  let valueEnd = end;
  while (valueEnd > vs && isWs(req.rawSlice(valueEnd - 1, valueEnd))) valueEnd--;
  const params = splitParams(req.rawSlice(vs, valueEnd));
  const kept: string[] = [params[0]];
  for (let i = 1; i < params.length; i++) {
    const name = paramName(params[i]);
    if (name === 'received' && addReceived) continue;
    if (name === 'rport' && fillRport) {
      kept.push(`rport=${opts.rport}`);
      continue;
    }
    kept.push(params[i]);
  }
  if (addReceived) kept.push(`received=${opts.received}`);
  return req.rawSlice(li.lineStart, vs) + kept.join(';') + req.rawSlice(valueEnd, li.valueEnd) + '\r\n';
}

function isWs(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** Split a Via value on ';' outside quoted strings. */
function splitParams(s: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x3b) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  out.push(s.slice(from));
  return out;
}

function paramName(p: string): string {
  const eq = p.indexOf('=');
  return (eq === -1 ? p : p.slice(0, eq)).trim().toLowerCase();
}
