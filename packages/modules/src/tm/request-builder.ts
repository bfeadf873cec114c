/**
 * Bytes of the requests tm sends: each branch's copy of the relayed request (our Via on
 * top, its own Request-URI), the hop-by-hop ACK of a non-2xx final reply (RFC 3261
 * §17.1.1.3) and the CANCEL of a pending branch (§9.1). ACK and CANCEL are built from the
 * request exactly as it was sent, so they carry the same Via branch, Route set, From,
 * Call-ID and CSeq number.
 */
import type { SipMessage } from '@tsips/sip';

const LF = 0x0a;

/**
 * Our Via while the request is a template: the core splices it in (with received/rport
 * set on the caller's Via, RFC 3261 §18.2.1) and each branch swaps in its own Via.
 */
export const PLACEHOLDER_VIA = 'SIP/2.0/UDP tm.invalid;branch=z9hG4bKtm-template';
const PLACEHOLDER = Buffer.from(PLACEHOLDER_VIA, 'latin1');

/**
 * A branch's request from a template (the request as the core serializes it for relaying,
 * holding {@link PLACEHOLDER_VIA}): the start line gets the branch's method and
 * Request-URI, the placeholder line becomes our Via followed by the Route lines of the
 * branch's Path (RFC 3327); every other byte is copied as it is.
 */
export function branchRequest(template: Buffer, method: string, ruri: string, via: string, routes: readonly string[] | null): Buffer {
  const eol = template.indexOf(LF);
  if (eol < 0) throw new Error('request without a start line');
  const p = template.indexOf(PLACEHOLDER, eol);
  let head = `${method} ${ruri} SIP/2.0\r\n`;
  if (p < 0) {
    // No placeholder (a core that does not splice Vias): our Via goes right after the start line.
    head += `Via: ${via}\r\n`;
    if (routes !== null) for (const r of routes) head += `Route: ${r}\r\n`;
    return Buffer.concat([Buffer.from(head, 'utf8'), template.subarray(eol + 1)]);
  }
  const lineStart = template.lastIndexOf(LF, p) + 1;
  const lineEnd = template.indexOf(LF, p) + 1;
  let mid = `Via: ${via}\r\n`;
  if (routes !== null) for (const r of routes) mid += `Route: ${r}\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), template.subarray(eol + 1, lineStart), Buffer.from(mid, 'utf8'), template.subarray(lineEnd)]);
}

/** Lines every generated in-transaction request copies from the request it belongs to. */
function copied(req: SipMessage, method: string, to: string): string {
  const via = req.getHeaders('Via')[0];
  if (via === undefined) throw new Error('sent request has no Via');
  let s = `${method} ${req.ruri} SIP/2.0\r\nVia: ${firstValue(via)}\r\n`;
  for (const r of req.getHeaders('Route')) s += `Route: ${r}\r\n`;
  s += `Max-Forwards: 70\r\nFrom: ${req.getHeader('From') ?? ''}\r\nTo: ${to}\r\nCall-ID: ${req.callId()}\r\nCSeq: ${req.cseq().seq} ${method}\r\n`;
  return s;
}

/** ACK for a non-2xx final reply to `req` (the INVITE as sent): To comes from the reply (its tag). */
export function buildAck(req: SipMessage, reply: SipMessage): Buffer {
  const to = reply.getHeader('To') ?? req.getHeader('To') ?? '';
  return Buffer.from(`${copied(req, 'ACK', to)}Content-Length: 0\r\n\r\n`, 'utf8');
}

/** CANCEL for `req` (the INVITE as sent), with extra header lines ("Reason: ..."). */
export function buildCancel(req: SipMessage, extra: readonly string[] = []): Buffer {
  let s = copied(req, 'CANCEL', req.getHeader('To') ?? '');
  for (const line of extra) s += `${line}\r\n`;
  return Buffer.from(`${s}Content-Length: 0\r\n\r\n`, 'utf8');
}

/** The first value of a header line that may hold several comma-separated ones (outside quotes). */
function firstValue(v: string): string {
  let quoted = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (c === 0x5c && quoted) i++;
    else if (c === 0x2c && !quoted) return v.slice(0, i).trim();
  }
  return v;
}

/**
 * t_relay's outbound proxy "[proto:]host[:port]" as a SIP URI the core can resolve
 * ("tcp:10.0.0.1:5070" -> "sip:10.0.0.1:5070;transport=tcp"). Null when malformed.
 */
export function outboundProxyUri(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  if (/^sips?:/i.test(t)) return t;
  const m = /^(?:(udp|tcp|tls|sctp|ws|wss):)?(\[[0-9a-fA-F:.]+\]|[^:[\]\s;]+)(?::(\d{1,5}))?$/i.exec(t);
  if (m === null) return null;
  const proto = m[1]?.toLowerCase();
  const port = m[3] === undefined ? '' : `:${m[3]}`;
  return `sip:${m[2]}${port}${proto === undefined || proto === 'udp' ? '' : `;transport=${proto}`}`;
}
