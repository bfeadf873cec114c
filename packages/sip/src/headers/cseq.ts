/** CSeq (RFC 3261 §20.16): `1*DIGIT LWS Method`, sequence number below 2**31 per §8.1.1.5 when generated, 32-bit when received. */
import { ParseError } from '../errors';
import { MAX_UINT32, parseUnsigned, scanToken, skipLws, trimEnd } from '../scan';

export interface CSeq {
  seq: number;
  /** Method token as written (case-sensitive per RFC 3261 §7.1). */
  method: string;
}

const H = 'CSeq';

export function parseCSeq(body: string): CSeq {
  return scanCSeq(body, 0, body.length);
}

/** parseCSeq() on text[start, end); ParseError offsets are indexes into `text`. */
export function scanCSeq(text: string, start: number, end: number): CSeq {
  end = trimEnd(text, start, end);
  start = skipLws(text, start, end);
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  if (i === start) throw new ParseError('sequence number is not a number', H, start);
  // RFC 3261 §8.1.1.5: the number MUST be expressible as a 32-bit unsigned integer
  const seq = parseUnsigned(text, start, i, MAX_UINT32, H, 'sequence number');
  const m = skipLws(text, i, end);
  if (m === i) throw new ParseError(m >= end ? 'missing method' : 'expected white space after sequence number', H, m);
  const mEnd = scanToken(text, m, end);
  if (mEnd === m) throw new ParseError('missing method', H, m);
  if (mEnd !== end) throw new ParseError('unexpected text after method', H, mEnd);
  return { seq, method: text.slice(m, mEnd) };
}
