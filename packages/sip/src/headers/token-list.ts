/**
 * Comma-separated token lists: Allow (§20.5), Supported (§20.37), Require
 * (§20.32), Proxy-Require (§20.29), Unsupported (§20.40). An empty body is an
 * empty list (Allow and Supported may be empty). Tokens are returned as
 * written; empty elements ("a,,b") are rejected.
 */
import { ParseError } from '../errors';
import { scanToken, skipLws } from '../scan';

/** Tokens collected so far (reused: growing a new array by push costs more than one slice at the end). */
const T: string[] = ['', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''];

export function parseTokenList(body: string, header = 'token-list'): string[] {
  const end = body.length;
  let i = skipLws(body, 0, end);
  if (i === end) return [];
  let n = 0;
  for (;;) {
    const t = scanToken(body, i, end);
    if (t === i) throw new ParseError('expected a token', header, i);
    if (n < T.length) T[n] = body.slice(i, t);
    else T.push(body.slice(i, t));
    n++;
    i = skipLws(body, t, end);
    if (i === end) return T.slice(0, n);
    if (body.charCodeAt(i) !== 44) throw new ParseError('expected "," between tokens', header, i);
    i = skipLws(body, i + 1, end);
  }
}
