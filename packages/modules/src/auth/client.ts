/**
 * The user-agent side of digest authentication: reading a challenge and writing the
 * credentials that answer it. Used by the tests (responses are computed, never copied)
 * and usable by tools that talk to a tsips server.
 */
import { algorithmByName, clientResponse } from './digest';

export interface Challenge {
  realm: string;
  nonce: string;
  qop: string | null;
  algorithm: string | null;
  stale: boolean;
}

/** Parses a `WWW-Authenticate: Digest ...` / `Proxy-Authenticate: ...` line (or its value). */
export function parseChallengeLine(line: string): Challenge {
  const value = line.replace(/^[A-Za-z-]+:\s*/, '');
  const get = (name: string): string | null => {
    const m = new RegExp(`(?:^|[ ,])${name}=(?:"([^"]*)"|([^,\\s]+))`, 'i').exec(value);
    return m === null ? null : (m[1] ?? m[2] ?? null);
  };
  return { realm: get('realm') ?? '', nonce: get('nonce') ?? '', qop: get('qop'), algorithm: get('algorithm'), stale: get('stale') === 'true' };
}

export interface AnswerOptions {
  user: string;
  password: string;
  method: string;
  uri: string;
  /** Defaults: the challenge's realm, nonce and algorithm; qop "auth" when offered. */
  realm?: string;
  nonce?: string;
  algorithm?: string | null;
  qop?: string | null;
  nc?: string;
  cnonce?: string;
  body?: string | Buffer;
  /** Replaces the computed response. */
  response?: string;
  /** Parameters left out of the header (e.g. "realm", "cnonce"). */
  omit?: readonly string[];
}

/** The value of an Authorization / Proxy-Authorization header answering the challenge. */
export function answerChallenge(ch: Challenge, o: AnswerOptions): string {
  const realm = o.realm ?? ch.realm;
  const nonce = o.nonce ?? ch.nonce;
  const algorithm = o.algorithm === undefined ? ch.algorithm : o.algorithm;
  const offered = ch.qop === null ? [] : ch.qop.split(',').map((q) => q.trim());
  const qop = o.qop === undefined ? (offered.includes('auth') ? 'auth' : offered[0] ?? null) : o.qop;
  const nc = qop !== null ? (o.nc ?? '00000001') : undefined;
  const cnonce = qop !== null ? (o.cnonce ?? 'c0ffee42') : undefined;
  const alg = algorithmByName(algorithm ?? undefined);
  if (alg === undefined) throw new Error(`unknown algorithm ${algorithm}`);
  const input: Parameters<typeof clientResponse>[0] = { alg, user: o.user, realm, password: o.password, method: o.method, uri: o.uri, nonce };
  if (qop !== null) input.qop = qop;
  if (nc !== undefined) input.nc = nc;
  if (cnonce !== undefined) input.cnonce = cnonce;
  if (o.body !== undefined) input.body = o.body;
  const response = o.response ?? clientResponse(input);
  const parts: Array<[string, string, boolean]> = [
    ['username', o.user, true], ['realm', realm, true], ['nonce', nonce, true], ['uri', o.uri, true], ['response', response, true],
  ];
  if (algorithm !== null) parts.push(['algorithm', algorithm, false]);
  if (qop !== null) parts.push(['qop', qop, false], ['nc', nc!, false], ['cnonce', cnonce!, true]);
  const omit = new Set(o.omit ?? []);
  return `Digest ${parts.filter(([n]) => !omit.has(n)).map(([n, v, q]) => (q ? `${n}="${v}"` : `${n}=${v}`)).join(', ')}`;
}
