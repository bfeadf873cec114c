/**
 * The digest authentication steps of the auth module (OpenSIPS modules/auth api.c,
 * challenge.c): finding and checking credentials (pre_auth), recomputing the response,
 * building challenges, and consuming credentials.
 */
import type { ScriptContext, Services } from '@tsips/script';
import { parseCredentials, type DigestCredentials } from '@tsips/sip';
import { TM } from '../tm/api';
import {
  AUTH_ERROR, AUTHORIZED, DO_AUTHORIZATION, NO_CREDENTIALS, STALE_NONCE,
  type AuthApi, type AuthHeader, type PreAuthResult,
} from './api';
import {
  ALG_MD5, ALG_UNSPEC, algorithmById, algorithmByName, computeHa1, computeHa2, computeResponse, sessionKey,
  type DigestAlgorithm,
} from './digest';
import { isNonceStale, LocalNonceIndexStore, Noncer, QOP_AUTH, QOP_AUTHINT, QOP_BOTH, QOP_NONE, type NonceIndexStore } from './nonce';
import type { QopType } from './qop';

export interface AuthConfig {
  secret: string | null;
  nonceExpire: number;
  disableNonceCheck: boolean;
  realmPrefix: string;
}

/** The credentials pre_auth marked as the ones being authorized (OpenSIPS mark_authorized_cred). */
interface Marked {
  header: string;
  /** Which of the headers with that name (0-based). */
  index: number;
  /** Set when the nonce was refused: the next challenge says stale=true. */
  stale: boolean;
  cred: DigestCredentials;
}

const UNSPEC_ONLY: readonly number[] = [ALG_UNSPEC];
const MARK: Record<AuthHeader, string> = { www: 'auth:cred:www', proxy: 'auth:cred:proxy' };
const HEADER: Record<AuthHeader, string> = { www: 'Authorization', proxy: 'Proxy-Authorization' };
/** Per-message note of the nonce index this request already used (see preAuth). */
const NONCE_USED_KEY = 'auth:nonce-used';

function qopCode(q: string | undefined): number {
  if (q === undefined) return QOP_NONE;
  if (q === 'auth') return QOP_AUTH;
  if (q === 'auth-int') return QOP_AUTHINT;
  return -1;
}

export class AuthCore implements AuthApi {
  private noncer_: Noncer | null = null;
  private noncerSecret: string | null = null;
  services: Services | null = null;

  constructor(
    readonly cfg: AuthConfig,
    readonly store: NonceIndexStore = new LocalNonceIndexStore(),
  ) {}

  /** Made on first use, after the modparams were applied. */
  get noncer(): Noncer {
    // A random key (secret unset) is drawn once per instance; a set secret is used as given.
    if (this.noncer_ === null || (this.cfg.secret !== null && this.cfg.secret !== this.noncerSecret)) {
      this.noncer_ = new Noncer(this.cfg.secret);
      this.noncerSecret = this.cfg.secret;
    }
    return this.noncer_;
  }

  /** OpenSIPS get_realm + strip_realm: the To host for REGISTER with Authorization, else the From host. */
  private realmOf(ctx: ScriptContext, hf: AuthHeader): string | null {
    const msg = ctx.msg!;
    try {
      const uri = msg.method === 'REGISTER' && hf === 'www' ? msg.to().uri : msg.from().uri;
      const host = ctx.uriPartsOf(uri)?.host;
      if (host === undefined || host === '') return null;
      const p = this.cfg.realmPrefix;
      return p !== '' && host.startsWith(p) ? host.slice(p.length) : host;
    } catch {
      return null;
    }
  }

  async reply(ctx: ScriptContext, status: number, reason: string, headers: readonly string[] = []): Promise<number> {
    const start = ctx.replyHeaders.length;
    ctx.replyHeaders.push(...headers);
    try {
      const tm = this.services?.find(TM);
      if (tm !== undefined && tm.transactionOf(ctx) !== null) return await tm.reply(ctx, status, reason);
      return await ctx.sinks.reply(ctx, status, reason);
    } finally {
      ctx.replyHeaders.splice(start, headers.length);
    }
  }

  async preAuth(ctx: ScriptContext, realmIn: string, hf: AuthHeader): Promise<PreAuthResult> {
    const out: PreAuthResult = { code: AUTH_ERROR, realm: realmIn, cred: null, alg: null };
    const msg = ctx.msg;
    if (msg === null || !msg.isRequest) return out;
    // ACK and CANCEL cannot be challenged: they pass.
    if (msg.method === 'ACK' || msg.method === 'CANCEL') {
      out.code = AUTHORIZED;
      return out;
    }
    let realm = realmIn;
    if (realm === '') {
      const r = this.realmOf(ctx, hf);
      if (r === null) {
        ctx.log(-1, 'auth: failed to extract realm');
        await this.reply(ctx, 400, 'Bad Request');
        return out;
      }
      realm = r;
    }
    out.realm = realm;

    const name = HEADER[hf];
    const bodies = msg.getHeaders(name);
    let cred: DigestCredentials | null = null;
    let alg: DigestAlgorithm | undefined;
    let at = -1;
    const lowerRealm = realm.toLowerCase();
    for (let i = 0; i < bodies.length; i++) {
      let c: DigestCredentials;
      try {
        c = parseCredentials(bodies[i]!, name);
      } catch {
        ctx.log(-1, `auth: failed to parse the ${name} credentials`);
        await this.reply(ctx, 400, 'Bad Request');
        return out;
      }
      if (c.scheme.toLowerCase() !== 'digest') continue;
      // Credentials without a realm, with another realm or with an algorithm we do not know are not ours.
      if (c.realm === undefined || c.realm.toLowerCase() !== lowerRealm) continue;
      alg = algorithmByName(c.algorithm);
      if (alg === undefined) continue;
      cred = c;
      at = i;
      break;
    }
    if (cred === null || alg === undefined) {
      out.code = NO_CREDENTIALS;
      return out;
    }
    // check_dig_cred: every field a response needs (cnonce and nc too when qop is given).
    if (cred.username === undefined || cred.nonce === undefined || cred.uri === undefined || cred.response === undefined
      || (cred.qop !== undefined && (cred.cnonce === undefined || cred.nc === undefined))) {
      ctx.log(4, 'auth: received credentials are not filled properly');
      await this.reply(ctx, 400, 'Bad Request');
      return out;
    }
    const mark: Marked = { header: name, index: at, stale: false, cred };
    ctx.moduleState.set(MARK[hf], mark);
    out.cred = cred;
    out.alg = alg;

    const np = this.noncer.decode(cred.nonce);
    const stale = (why: string): PreAuthResult => {
      ctx.log(4, `auth: ${why}`);
      mark.stale = true;
      out.code = STALE_NONCE;
      return out;
    };
    if (np === null) return stale('failed to decode the nonce (stale/invalid)');
    const ealg = alg.id === ALG_UNSPEC ? ALG_MD5 : alg.id;
    if (np.alg !== ealg) return stale('nonce does not match the algorithm');
    let qop = qopCode(cred.qop);
    // RFC 8760: without a qop parameter, "auth" is meant.
    if (qop === QOP_NONE && np.qop !== QOP_NONE) qop = QOP_AUTH;
    if (np.qop !== qop && !(np.qop === QOP_BOTH && (qop === QOP_AUTH || qop === QOP_AUTHINT))) {
      return stale('nonce does not match the qop');
    }
    if (isNonceStale(np, ctx.clock.now(), this.cfg.nonceExpire)) return stale('stale nonce value received');
    if (!this.cfg.disableNonceCheck) {
      // One request uses its nonce once, however often the script checks it: a second
      // www_authorize on the same message (the talk's snippet placed after a first call)
      // must see the same answer, not a replay of itself.
      const seen = ctx.moduleState.get(NONCE_USED_KEY) === np.index;
      if (np.index === 0 || (!seen && !(await this.store.consume(np.index)))) return stale('nonce index not valid (used before or unknown)');
      ctx.moduleState.set(NONCE_USED_KEY, np.index);
    } else if (np.index !== 0) {
      return stale('nonce index not valid');
    }
    out.code = DO_AUTHORIZATION;
    return out;
  }

  sessionKey(cred: DigestCredentials, alg: DigestAlgorithm, realm: string, secret: string, hashed: boolean): string | null {
    let ha1: string;
    if (hashed) {
      if (secret.length !== alg.hexLen) return null;
      // Used as stored (OpenSIPS copies it): an upper-case HA1 hashes differently and fails.
      ha1 = secret;
    } else {
      ha1 = computeHa1(alg, cred.username ?? '', realm, secret);
    }
    return sessionKey(alg, ha1, cred.nonce ?? '', cred.cnonce ?? '');
  }

  checkResponse(ctx: ScriptContext, cred: DigestCredentials, alg: DigestAlgorithm, sessKey: string): boolean {
    const msg = ctx.message();
    const got = cred.response ?? '';
    if (got.length !== alg.hexLen) return false;
    const authInt = cred.qop === 'auth-int';
    const body = authInt ? ((msg as { body?: Buffer }).body ?? msg.bodyText()) : '';
    const ha2 = computeHa2(alg, msg.method, cred.uri ?? '', authInt, body);
    const want = computeResponse(alg, sessKey, cred.nonce ?? '', ha2, cred.qop, cred.nc, cred.cnonce);
    // Lower-case hex, compared exactly, as OpenSIPS's bcmp_hex128 does.
    return want === got;
  }

  /**
   * www_challenge / proxy_challenge: one challenge per offered algorithm, strongest first,
   * with stale=true when the credentials being authorized had a refused nonce. Returns 0
   * (the script stops, as in OpenSIPS) once the reply is sent, -1 when it could not be.
   */
  async challenge(ctx: ScriptContext, realmIn: string, qopList: readonly QopType[], algs: readonly number[], hf: AuthHeader): Promise<number> {
    // `algs`: algorithm ids, strongest first (RFC 8760 order); empty offers MD5 without algorithm=.
    const msg = ctx.msg;
    if (msg === null || !msg.isRequest) return -1;
    const marked = ctx.moduleState.get(MARK[hf]) as Marked | undefined;
    let realm = realmIn;
    if (realm === '') {
      const r = this.realmOf(ctx, hf);
      if (r === null) {
        ctx.log(-1, 'auth: failed to extract the realm');
        return (await this.reply(ctx, 400, 'Bad Request')) < 0 ? -1 : 0;
      }
      realm = r;
    }
    let qop = QOP_NONE;
    for (const q of qopList) qop |= q === 'auth' ? QOP_AUTH : QOP_AUTHINT;
    // RFC 8760 algorithms and the -sess ones need a qop; OpenSIPS adds "auth" whenever an
    // algorithm list was given at all.
    const offered = algs.length === 0 ? UNSPEC_ONLY : algs;
    if (algs.length > 0 && qop === QOP_NONE) qop = QOP_AUTH;
    // OpenSIPS lists both qop values in the reverse of the order written.
    const qopText = qop === QOP_NONE ? '' : qop === QOP_BOTH ? [...qopList].reverse().join(',') : qop === QOP_AUTH ? 'auth' : 'auth-int';
    const index = this.cfg.disableNonceCheck ? 0 : this.store.reserve();
    const expires = ctx.clock.now() + this.cfg.nonceExpire * 1000;
    const hname = hf === 'www' ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const headers: string[] = [];
    for (const id of offered) {
      const alg = algorithmById(id)!;
      const nonce = this.noncer.create({ index, expires, alg: id === ALG_UNSPEC ? ALG_MD5 : id, qop });
      let h = `${hname}: Digest realm="${realm}", nonce="${nonce}"`;
      if (qopText !== '') h += `, qop="${qopText}"`;
      if (marked?.stale === true) h += ', stale=true';
      if (alg.name !== null) h += `, algorithm=${alg.name}`;
      headers.push(h);
    }
    const r = hf === 'www' ? await this.reply(ctx, 401, 'Unauthorized', headers) : await this.reply(ctx, 407, 'Proxy Authentication Required', headers);
    return r < 0 ? -1 : 0;
  }

  authorizedCredentials(ctx: ScriptContext): DigestCredentials | null {
    const m = (ctx.moduleState.get(MARK.www) ?? ctx.moduleState.get(MARK.proxy)) as Marked | undefined;
    return m?.cred ?? null;
  }

  /** Removes the credentials marked by the last authorize call (Authorization first, then Proxy-Authorization). */
  consume(ctx: ScriptContext): number {
    const msg = ctx.msg;
    if (msg === null || !msg.isRequest) return -1;
    const m = (ctx.moduleState.get(MARK.www) ?? ctx.moduleState.get(MARK.proxy)) as Marked | undefined;
    if (m === undefined) {
      if (msg.method !== 'ACK' && msg.method !== 'CANCEL') ctx.log(-1, 'auth: no authorized credentials found (error in scripts)');
      return -1;
    }
    if (msg.removeHeader(m.header, m.index) === 0) return -1;
    ctx.moduleState.delete(ctx.moduleState.get(MARK.www) === m ? MARK.www : MARK.proxy);
    return 1;
  }
}
