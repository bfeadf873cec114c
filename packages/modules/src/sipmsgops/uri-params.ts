/**
 * Request-URI parameter edits at the text level, so the rest of the URI stays exactly as
 * written: the parameter section is what follows host[:port] up to the `?` of the URI
 * headers (user parameters inside the userinfo are not URI parameters).
 */
export interface UriSections {
  /** Offset where the host starts (after `scheme:` or `userinfo@`). */
  hostStart: number;
  /** Offset of the first `;` of the parameters, or `headersStart` when there is none. */
  paramsStart: number;
  /** Offset of `?`, or the length. */
  headersStart: number;
}

export function uriSections(uri: string): UriSections | null {
  const colon = uri.indexOf(':');
  if (colon <= 0) return null;
  const q = uri.indexOf('?');
  const headersStart = q === -1 ? uri.length : q;
  const at = uri.lastIndexOf('@', headersStart - 1);
  const hostStart = at > colon ? at + 1 : colon + 1;
  const semi = uri.indexOf(';', hostStart);
  const paramsStart = semi === -1 || semi > headersStart ? headersStart : semi;
  return { hostStart, paramsStart, headersStart };
}

export interface UriParamToken {
  name: string;
  value: string | null;
  /** Offsets of the token in the URI, its leading `;` included. */
  start: number;
  end: number;
}

/** The URI parameters as written, in order. */
export function uriParamTokens(uri: string, s: UriSections): UriParamToken[] {
  const out: UriParamToken[] = [];
  let i = s.paramsStart;
  while (i < s.headersStart) {
    let j = uri.indexOf(';', i + 1);
    if (j === -1 || j > s.headersStart) j = s.headersStart;
    const tok = uri.slice(i + 1, j);
    const eq = tok.indexOf('=');
    out.push({ name: eq === -1 ? tok : tok.slice(0, eq), value: eq === -1 ? null : tok.slice(eq + 1), start: i, end: j });
    i = j;
  }
  return out;
}

/** The URI with `;param` added at the end of its parameters (before any `?headers`). */
export function addUriParam(uri: string, param: string): string | null {
  const s = uriSections(uri);
  if (s === null) return null;
  return `${uri.slice(0, s.headersStart)};${param}${uri.slice(s.headersStart)}`;
}

/** The URI without the parameters called `name` (case-sensitive, as OpenSIPS); null when none. */
export function deleteUriParam(uri: string, name: string): string | null {
  const s = uriSections(uri);
  if (s === null) return null;
  const hits = uriParamTokens(uri, s).filter((t) => t.name === name);
  if (hits.length === 0) return null;
  let out = '';
  let cursor = 0;
  for (const h of hits) {
    out += uri.slice(cursor, h.start);
    cursor = h.end;
  }
  return out + uri.slice(cursor);
}
