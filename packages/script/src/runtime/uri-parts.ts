import { parseUri } from '@tsips/sip';

/**
 * The parts of a URI the core pseudo-variables read and rewrite ($rU, $rd, $rp, $fU ...),
 * built on @tsips/sip's parseUri. The last few results are cached: a route reads the same
 * RURI/From URI many times per message.
 */
export interface UriParts {
  scheme: string;
  user: string | null;
  password: string | null;
  host: string;
  port: number | null;
  /** Everything after host[:port]: `;params?headers`, as written. */
  rest: string;
}

const cache = new Map<string, UriParts | null>();
const CACHE_MAX = 64;

// A few most recent texts, compared before hashing: a route reads the RURI and the From
// URI over and over, and each read may hand over a fresh (equal) string.
const recentText: string[] = ['', '', '', ''];
const recentParts: Array<UriParts | null> = [null, null, null, null];
let recentNext = 0;

export function uriParts(text: string): UriParts | null {
  for (let i = 0; i < 4; i++) if (recentText[i] === text && text !== '') return recentParts[i]!;
  const parts = uriPartsCached(text);
  recentText[recentNext] = text;
  recentParts[recentNext] = parts;
  recentNext = (recentNext + 1) & 3;
  return parts;
}

function uriPartsCached(text: string): UriParts | null {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  let parts: UriParts | null = null;
  try {
    const u = parseUri(text);
    if (u.scheme === 'sip' || u.scheme === 'sips') {
      const su = u as { scheme: string; user: string | null; password: string | null; host: string; port: number | null };
      parts = { scheme: su.scheme, user: su.user, password: su.password, host: su.host, port: su.port, rest: restOf(text) };
    } else if (u.scheme === 'tel') {
      const tu = u as { number: string };
      parts = { scheme: 'tel', user: tu.number, password: null, host: '', port: null, rest: '' };
    }
  } catch {
    parts = null;
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(text, parts);
  return parts;
}

/** `;transport=udp?X=y` part of a sip/sips URI text. */
function restOf(text: string): string {
  const at = text.lastIndexOf('@');
  let i = at >= 0 ? at + 1 : text.indexOf(':') + 1;
  if (text.charCodeAt(i) === 91 /* [ */) {
    const close = text.indexOf(']', i);
    if (close > 0) i = close + 1;
  }
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 59 /* ; */ || c === 63 /* ? */) return text.slice(i);
  }
  return '';
}

export function buildUri(p: UriParts): string {
  let s = `${p.scheme}:`;
  if (p.user !== null && p.user !== '') {
    s += p.user;
    if (p.password !== null) s += `:${p.password}`;
    s += '@';
  }
  s += p.host;
  if (p.port !== null) s += `:${p.port}`;
  return s + p.rest;
}
