/**
 * Comma-separated token lists: Allow (§20.5), Supported (§20.37), Require
 * (§20.32), Proxy-Require (§20.29), Unsupported (§20.40). An empty body is an
 * empty list (Allow and Supported may be empty). Tokens are returned as
 * written; empty elements ("a,,b") are rejected.
 */
import { ParseError } from '../errors';
import { scanToken, skipLws } from '../scan';

export function parseTokenList(body: string, header = 'token-list'): string[] {
  const out: string[] = [];
  const end = body.length;
  let i = skipLws(body, 0, end);
  if (i === end) return out;
  for (;;) {
    const t = scanToken(body, i, end);
    if (t === i) throw new ParseError('expected a token', header, i);
    out.push(body.slice(i, t));
    i = skipLws(body, t, end);
    if (i === end) return out;
    if (body.charCodeAt(i) !== 44) throw new ParseError('expected "," between tokens', header, i);
    i = skipLws(body, i + 1, end);
  }
}
