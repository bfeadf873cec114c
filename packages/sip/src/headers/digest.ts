/**
 * Authorization / Proxy-Authorization credentials and WWW-Authenticate /
 * Proxy-Authenticate challenges (RFC 3261 §20.7, §20.27, §20.28, §20.44,
 * §25.1; digest parameters from RFC 2617, RFC 7616 and RFC 8760).
 *
 * Grammar: `auth-scheme LWS auth-param *(COMMA auth-param)` where
 * auth-param = token EQUAL ( token / quoted-string ). Every parameter is kept
 * in order in `params` (unknown ones included); the well-known digest ones are
 * also copied to named fields (first occurrence wins). For robustness, empty
 * list elements (",,") are skipped and unquoted values may contain any
 * printable character except white space, "," and '"' (some UAs send
 * `uri=sip:host` or `algorithm=SHA-256-sess` unquoted). A scheme with no
 * parameters at all is accepted ("NoOneKnowsThisScheme" in RFC 4475).
 * One challenge per header value: RFC 3261 puts each challenge in its own
 * header field.
 */
import { ParseError } from '../errors';
import { Param } from '../params';
import { scanQuotedString, scanToken, skipLws } from '../scan';

export interface DigestCredentials {
  /** Scheme as written, e.g. "Digest". */
  scheme: string;
  username?: string;
  realm?: string;
  nonce?: string;
  uri?: string;
  response?: string;
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  qop?: string;
  nc?: string;
  userhash?: string;
  /** Every parameter, in order. */
  params: Param[];
}

export interface DigestChallenge {
  scheme: string;
  realm?: string;
  domain?: string;
  nonce?: string;
  opaque?: string;
  stale?: boolean;
  algorithm?: string;
  /** qop-options split on commas, e.g. ["auth", "auth-int"]. */
  qop?: string[];
  charset?: string;
  userhash?: boolean;
  params: Param[];
}

function parseAuth(body: string, header: string): { scheme: string; params: Param[] } {
  const end = body.length;
  let i = skipLws(body, 0, end);
  const t = scanToken(body, i, end);
  if (t === i) throw new ParseError('expected authentication scheme', header, i);
  const scheme = body.slice(i, t);
  const params: Param[] = [];
  i = skipLws(body, t, end);
  if (i === t && i < end) throw new ParseError('expected white space after scheme', header, i);
  const cursor = { pos: 0 };
  while (i < end) {
    const c = body.charCodeAt(i);
    if (c === 44) {
      i = skipLws(body, i + 1, end);
      continue;
    }
    const nEnd = scanToken(body, i, end);
    if (nEnd === i) throw new ParseError('expected parameter name', header, i);
    const name = body.slice(i, nEnd);
    i = skipLws(body, nEnd, end);
    if (i >= end || body.charCodeAt(i) !== 61) throw new ParseError(`expected "=" after "${name}"`, header, i);
    i = skipLws(body, i + 1, end);
    if (i < end && body.charCodeAt(i) === 34) {
      const value = scanQuotedString(body, i, end, header, cursor);
      params.push({ name, value, quoted: true });
      i = cursor.pos;
    } else {
      const vStart = i;
      while (i < end) {
        const v = body.charCodeAt(i);
        if (v <= 32 || v === 44 || v === 34 || v === 127) break;
        i++;
      }
      if (i === vStart) throw new ParseError(`missing value for "${name}"`, header, i);
      params.push({ name, value: body.slice(vStart, i) });
    }
    i = skipLws(body, i, end);
    if (i < end && body.charCodeAt(i) !== 44) throw new ParseError('expected "," between parameters', header, i);
  }
  return { scheme, params };
}

/** Parses an Authorization / Proxy-Authorization body. */
export function parseCredentials(body: string, header = 'Authorization'): DigestCredentials {
  const { scheme, params } = parseAuth(body, header);
  const out: DigestCredentials = { scheme, params };
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const v = p.value as string;
    switch (p.name.toLowerCase()) {
      case 'username':
        if (out.username === undefined) out.username = v;
        break;
      case 'realm':
        if (out.realm === undefined) out.realm = v;
        break;
      case 'nonce':
        if (out.nonce === undefined) out.nonce = v;
        break;
      case 'uri':
        if (out.uri === undefined) out.uri = v;
        break;
      case 'response':
        if (out.response === undefined) out.response = v;
        break;
      case 'algorithm':
        if (out.algorithm === undefined) out.algorithm = v;
        break;
      case 'cnonce':
        if (out.cnonce === undefined) out.cnonce = v;
        break;
      case 'opaque':
        if (out.opaque === undefined) out.opaque = v;
        break;
      case 'qop':
        if (out.qop === undefined) out.qop = v;
        break;
      case 'nc':
        if (out.nc === undefined) out.nc = v;
        break;
      case 'userhash':
        if (out.userhash === undefined) out.userhash = v;
        break;
    }
  }
  return out;
}

/** Parses a WWW-Authenticate / Proxy-Authenticate body. */
export function parseChallenge(body: string, header = 'WWW-Authenticate'): DigestChallenge {
  const { scheme, params } = parseAuth(body, header);
  const out: DigestChallenge = { scheme, params };
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const v = p.value as string;
    switch (p.name.toLowerCase()) {
      case 'realm':
        if (out.realm === undefined) out.realm = v;
        break;
      case 'domain':
        if (out.domain === undefined) out.domain = v;
        break;
      case 'nonce':
        if (out.nonce === undefined) out.nonce = v;
        break;
      case 'opaque':
        if (out.opaque === undefined) out.opaque = v;
        break;
      case 'stale':
        // RFC 7616 §3.3: "true" (case-insensitive) means stale; anything else is false
        if (out.stale === undefined) out.stale = v.toLowerCase() === 'true';
        break;
      case 'algorithm':
        if (out.algorithm === undefined) out.algorithm = v;
        break;
      case 'charset':
        if (out.charset === undefined) out.charset = v;
        break;
      case 'userhash':
        if (out.userhash === undefined) out.userhash = v.toLowerCase() === 'true';
        break;
      case 'qop':
        if (out.qop === undefined) {
          const list: string[] = [];
          let s = 0;
          for (let j = 0; j <= v.length; j++) {
            if (j === v.length || v.charCodeAt(j) === 44) {
              const item = v.slice(s, j).trim();
              if (item.length > 0) list.push(item);
              s = j + 1;
            }
          }
          out.qop = list;
        }
        break;
    }
  }
  return out;
}
