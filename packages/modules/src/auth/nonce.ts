/**
 * Nonces of the auth module. A nonce carries what the server needs to check the answer
 * without remembering the challenge: the expiry time, the algorithm and qop it was issued
 * for, and an index for replay protection; an HMAC-SHA256 with the `secret` modparam
 * (random when unset) makes any other value a forgery.
 *
 * Layout (32 bytes, base64url: 43 characters):
 *   0..3   index (uint32; 0 with disable_nonce_check)
 *   4..9   expiry, milliseconds since the epoch (uint48)
 *   10     algorithm id, 11 qop code (see QOP_*)
 *   12..15 random
 *   16..31 first 16 bytes of HMAC-SHA256(secret, bytes 0..15)
 * OpenSIPS encrypts the same fields with AES; tsips signs them (they are not secret, only
 * their integrity matters), which is what makes a forged or altered nonce "stale".
 */
import * as crypto from 'node:crypto';

/** qop a nonce was issued for (OpenSIPS qop_type_t without the "other" value). */
export const QOP_NONE = 0;
export const QOP_AUTH = 1;
export const QOP_AUTHINT = 2;
export const QOP_BOTH = 3;

export interface NonceParams {
  index: number;
  /** Expiry, ms since the epoch. */
  expires: number;
  alg: number;
  qop: number;
}

const PAYLOAD = 16;
const MAC = 16;

export class Noncer {
  private readonly key: Buffer;

  constructor(secret: string | null) {
    this.key = secret === null ? crypto.randomBytes(32) : Buffer.from(secret, 'utf8');
  }

  create(p: NonceParams): string {
    const buf = Buffer.allocUnsafe(PAYLOAD + MAC);
    buf.writeUInt32BE(p.index >>> 0, 0);
    buf.writeUIntBE(Math.max(0, Math.floor(p.expires)), 4, 6);
    buf[10] = p.alg;
    buf[11] = p.qop;
    crypto.randomFillSync(buf, 12, 4);
    this.mac(buf).copy(buf, PAYLOAD, 0, MAC);
    return buf.toString('base64url');
  }

  /** The fields of a nonce this server made, or null (wrong length, bad encoding, forged). */
  decode(nonce: string): NonceParams | null {
    if (nonce.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(nonce)) return null;
    const buf = Buffer.from(nonce, 'base64url');
    if (buf.length !== PAYLOAD + MAC) return null;
    const want = this.mac(buf).subarray(0, MAC);
    if (!crypto.timingSafeEqual(want, buf.subarray(PAYLOAD))) return null;
    return { index: buf.readUInt32BE(0), expires: buf.readUIntBE(4, 6), alg: buf[10]!, qop: buf[11]! };
  }

  private mac(buf: Buffer): Buffer {
    return crypto.createHmac('sha256', this.key).update(buf.subarray(0, PAYLOAD)).digest();
  }
}

/**
 * OpenSIPS is_nonce_stale: expired, or expiring further ahead than nonce_expire allows
 * (a nonce from before the modparam was lowered, or from a clock that jumped back).
 */
export function isNonceStale(p: NonceParams, nowMs: number, nonceExpireSec: number): boolean {
  if (nowMs >= p.expires) return true;
  return nowMs + nonceExpireSec * 1000 < p.expires;
}

/**
 * Replay protection: every challenge reserves an index, and credentials with a nonce are
 * accepted only the first time its index is presented (OpenSIPS's nonce_buf bitmap). An
 * interface so a shared store (Redis: SETNX with the nonce lifetime) can replace the local
 * one when several servers answer for the same users.
 */
export interface NonceIndexStore {
  /** A fresh index for a new nonce. */
  reserve(): number;
  /** True the first time an index reserved by this store is presented, false after (or when unknown). */
  consume(index: number): boolean | Promise<boolean>;
}

/**
 * The local store: a ring of `capacity` slots (a power of two, so the uint32 index wraps
 * cleanly), each remembering which index owns it and whether it was used. Memory is fixed
 * (5 bytes a slot); an index older than `capacity` newer challenges is refused as stale,
 * as OpenSIPS refuses indexes outside its window. OpenSIPS stops issuing nonces when its
 * 100000 indexes are all within nonce_expire; this ring recycles the oldest instead.
 */
export class LocalNonceIndexStore implements NonceIndexStore {
  private readonly owner: Uint32Array;
  private readonly used: Uint8Array;
  private readonly mask: number;
  private next = 1;

  constructor(capacity = 1 << 17) {
    if (capacity < 2 || (capacity & (capacity - 1)) !== 0) throw new Error('nonce index capacity must be a power of two');
    this.owner = new Uint32Array(capacity);
    this.used = new Uint8Array(capacity).fill(1);
    this.mask = capacity - 1;
  }

  reserve(): number {
    const index = this.next;
    // 0 is the index of nonces made with disable_nonce_check; never hand it out here.
    this.next = this.next === 0xffffffff ? 1 : this.next + 1;
    const slot = index & this.mask;
    this.owner[slot] = index;
    this.used[slot] = 0;
    return index;
  }

  consume(index: number): boolean {
    const slot = index & this.mask;
    if (this.owner[slot] !== index || this.used[slot] !== 0) return false;
    this.used[slot] = 1;
    return true;
  }
}
