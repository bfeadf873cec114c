/** Single-number headers: Max-Forwards (§20.22), Content-Length (§20.14), Expires (§20.19). */
import { MAX_UINT32, parseUnsigned, skipLws, trimEnd } from '../scan';

function number(body: string, max: number, header: string, what: string): number {
  const end = trimEnd(body, 0, body.length);
  const start = skipLws(body, 0, end);
  return parseUnsigned(body, start, end, max, header, what);
}

/** Max-Forwards: 1*DIGIT in 0..255 (leading zeros allowed, e.g. "0068"). */
export function parseMaxForwards(body: string): number {
  return number(body, 255, 'Max-Forwards', 'value');
}

/** Content-Length: 1*DIGIT; capped at 2**32-1 (no SIP message comes close). */
export function parseContentLength(body: string): number {
  return number(body, MAX_UINT32, 'Content-Length', 'value');
}

/** Expires: delta-seconds, rejected above 2**32-1 (RFC 4475 §3.1.2.16 allows either rejecting or clamping; we reject). */
export function parseExpires(body: string): number {
  return number(body, MAX_UINT32, 'Expires', 'value');
}
