/**
 * Digest computations of RFC 2617 (MD5, MD5-sess, qop auth/auth-int), RFC 7616 (SHA-256,
 * SHA-512-256 and their -sess variants) and RFC 8760 (their use in SIP), with node:crypto.
 *
 * Algorithm ids follow OpenSIPS's alg_t order (ALG_UNSPEC first), which also decides the
 * order of the challenges of www_challenge (strongest first).
 */
import * as crypto from 'node:crypto';

export const ALG_UNSPEC = 0;
export const ALG_MD5 = 1;
export const ALG_MD5SESS = 2;
export const ALG_SHA256 = 3;
export const ALG_SHA256SESS = 4;
export const ALG_SHA512_256 = 5;
export const ALG_SHA512_256SESS = 6;
export type AlgId = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export interface DigestAlgorithm {
  id: AlgId;
  /** The name as written in `algorithm=` (null for ALG_UNSPEC: no parameter). */
  name: string | null;
  /** node:crypto hash name. */
  hash: 'md5' | 'sha256' | 'sha512-256';
  /** Length of a hex digest. */
  hexLen: number;
  sess: boolean;
}

const TABLE: readonly DigestAlgorithm[] = [
  { id: ALG_UNSPEC, name: null, hash: 'md5', hexLen: 32, sess: false },
  { id: ALG_MD5, name: 'MD5', hash: 'md5', hexLen: 32, sess: false },
  { id: ALG_MD5SESS, name: 'MD5-sess', hash: 'md5', hexLen: 32, sess: true },
  { id: ALG_SHA256, name: 'SHA-256', hash: 'sha256', hexLen: 64, sess: false },
  { id: ALG_SHA256SESS, name: 'SHA-256-sess', hash: 'sha256', hexLen: 64, sess: true },
  { id: ALG_SHA512_256, name: 'SHA-512-256', hash: 'sha512-256', hexLen: 64, sess: false },
  { id: ALG_SHA512_256SESS, name: 'SHA-512-256-sess', hash: 'sha512-256', hexLen: 64, sess: true },
];

export function algorithmById(id: number): DigestAlgorithm | undefined {
  return TABLE[id];
}

/** The algorithm of an `algorithm=` value (case-insensitive); absent means ALG_UNSPEC (MD5). */
export function algorithmByName(name: string | undefined): DigestAlgorithm | undefined {
  if (name === undefined) return TABLE[ALG_UNSPEC];
  const lower = name.toLowerCase();
  for (let i = 1; i < TABLE.length; i++) if (TABLE[i]!.name!.toLowerCase() === lower) return TABLE[i];
  return undefined;
}

export function hexHash(alg: DigestAlgorithm, text: string | Buffer): string {
  return crypto.createHash(alg.hash).update(text).digest('hex');
}

/** HA1 = H(username:realm:password) (RFC 7616 3.4.2), before any -sess step. */
export function computeHa1(alg: DigestAlgorithm, user: string, realm: string, password: string): string {
  return hexHash(alg, `${user}:${realm}:${password}`);
}

/** The -sess step: H(HA1:nonce:cnonce); other algorithms return HA1 unchanged. */
export function sessionKey(alg: DigestAlgorithm, ha1: string, nonce: string, cnonce: string): string {
  return alg.sess ? hexHash(alg, `${ha1}:${nonce}:${cnonce}`) : ha1;
}

/** HA2 = H(method:uri) or, for qop=auth-int, H(method:uri:H(body)). */
export function computeHa2(alg: DigestAlgorithm, method: string, uri: string, authInt: boolean, body: Buffer | string): string {
  if (!authInt) return hexHash(alg, `${method}:${uri}`);
  return hexHash(alg, `${method}:${uri}:${hexHash(alg, body)}`);
}

/**
 * request-digest: H(HA1:nonce:nc:cnonce:qop:HA2) with a qop, else the RFC 2069 form
 * H(HA1:nonce:HA2). `ha1` is the session key already (see {@link sessionKey}).
 */
export function computeResponse(alg: DigestAlgorithm, ha1: string, nonce: string, ha2: string, qop?: string, nc?: string, cnonce?: string): string {
  if (qop === undefined || qop === '') return hexHash(alg, `${ha1}:${nonce}:${ha2}`);
  return hexHash(alg, `${ha1}:${nonce}:${nc ?? ''}:${cnonce ?? ''}:${qop}:${ha2}`);
}

/** Everything a client puts in its credentials, for tests and tools. */
export interface ClientDigestInput {
  alg: DigestAlgorithm;
  user: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  body?: Buffer | string;
}

/** The response a user agent computes from its password. */
export function clientResponse(i: ClientDigestInput): string {
  const ha1 = sessionKey(i.alg, computeHa1(i.alg, i.user, i.realm, i.password), i.nonce, i.cnonce ?? '');
  const ha2 = computeHa2(i.alg, i.method, i.uri, i.qop === 'auth-int', i.body ?? '');
  return computeResponse(i.alg, ha1, i.nonce, ha2, i.qop, i.nc, i.cnonce);
}
