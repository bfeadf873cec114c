/**
 * auth: digest authentication (RFC 2617, RFC 7616, RFC 8760) independent of where the
 * credentials live: challenges, nonces signed with `secret` and expiring after
 * `nonce_expire`, replay protection, and checks against a password given in variables.
 * auth_db adds the database lookups (www_authorize / proxy_authorize) through the AUTH
 * service this module provides.
 */
import type { FunctionExport, ModparamExport, ModuleExports, ScriptContext, ScriptValue } from '@tsips/script';
import { fn, implementedFn, intParam, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { str } from '../shared/params';
import { REQ, REQ_BRANCH_FAIL } from '../shared/routes';
import { AUTH, AUTH_ERROR, DO_AUTHORIZATION, INVALID_PASSWORD, USER_UNKNOWN, type AuthHeader } from './api';
import { AuthCore } from './authenticate';
import { algorithmByName } from './digest';
import type { NonceIndexStore } from './nonce';
import { algorithmsFixup, algorithmsParam, parseAlgorithms, qopParam, type ParsedQop } from './qop';

const DECLARED: ModuleExports = {
  name: 'auth',
  functions: [
    fn('www_challenge', [str('realm'), qopParam, algorithmsParam], REQ, ISSUE.outsideAttacks,
      'Answers 401 with a WWW-Authenticate challenge (realm "" = the To domain for REGISTER, else the From domain) and stops the script. qop: "auth", "auth-int" or both; algorithms: MD5 (default), MD5-sess, SHA-256[-sess], SHA-512-256[-sess].'),
    fn('proxy_challenge', [str('realm'), qopParam, algorithmsParam], REQ, ISSUE.outsideAttacks,
      'Answers 407 with a Proxy-Authenticate challenge (realm "" = the From domain); arguments as www_challenge.'),
    fn('pv_www_authorize', [str('realm')], REQ, ISSUE.outsideAttacks,
      'Checks Authorization credentials against the user in username_spec and the password (or HA1) in password_spec. 1 ok; -1 other user; -2 wrong password; -3 stale nonce; -4 no credentials; -5 error.'),
    fn('pv_proxy_authorize', [str('realm')], REQ, ISSUE.outsideAttacks,
      'Checks Proxy-Authorization credentials against username_spec/password_spec. Codes as pv_www_authorize.'),
    fn('consume_credentials', [], REQ, ISSUE.outsideAttacks,
      'Removes the credentials that authorized the request before it is relayed.'),
    fn('is_rpid_user_e164', [], REQ, ISSUE.unscheduled, 'True when the user of the Remote-Party-ID URI in rpid_avp is an E.164 number (+ and 2 to 15 digits).'),
    fn('append_rpid_hf', [str('prefix', true), str('suffix', true)], REQ_BRANCH_FAIL, ISSUE.unscheduled,
      'Adds a Remote-Party-ID header from rpid_avp, wrapped in the prefix/suffix (both or none; default: the modparams).'),
  ],
  params: [
    strParam('secret', null, 'Key signing the nonces (unset: random at start, so nonces do not survive a restart).'),
    intParam('nonce_expire', 30, 'Seconds a nonce stays valid; older ones get a stale=true challenge.'),
    strParam('rpid_prefix', '', 'Text put before the Remote-Party-ID value.'),
    strParam('rpid_suffix', ';party=calling;id-type=subscriber;screen=yes', 'Text put after the Remote-Party-ID value.'),
    strParam('realm_prefix', '', 'Prefix stripped from the From/To domain when it becomes the realm.'),
    strParam('rpid_avp', '$avp(rpid)', 'AVP holding the Remote-Party-ID value.'),
    strParam('username_spec', null, 'Variable holding the user name, for pv_*_authorize ($avp(name) or $var(name)).'),
    strParam('password_spec', null, 'Variable holding the password (or HA1), for pv_*_authorize ($avp(name) or $var(name)).'),
    intParam('calculate_ha1', 0, 'password_spec holds a plain-text password (1) or an HA1 (0).'),
    intParam('disable_nonce_check', 0, 'Do not track nonce use (turns replay protection off).'),
  ],
  dependencies: ['signaling'],
};

/** A variable named by a modparam ($avp(x) / $var(x)), read per message. */
interface VarRef {
  kind: 'avp' | 'var';
  name: string;
}

function parseVarRef(text: string, avpOnly: boolean): VarRef | string {
  const m = /^\$(avp|var)\(([^()\s]+)\)$/.exec(text.trim());
  if (m === null || (avpOnly && m[1] !== 'avp')) return `'${text}' is not ${avpOnly ? 'an $avp(name)' : 'an $avp(name) or $var(name)'} variable`;
  return { kind: m[1] as 'avp' | 'var', name: m[2]! };
}

function readVar(ctx: ScriptContext, ref: VarRef): ScriptValue {
  if (ref.kind === 'avp') return ctx.avps.get(ref.name);
  const slot = ctx.tables.varSlots.get(ref.name);
  return slot === undefined ? null : ctx.getVar(slot);
}

export interface AuthOptions {
  /** Replay-protection store (default: the local ring). */
  nonceStore?: NonceIndexStore;
}

/** A fresh auth instance (nonce secret, replay state and modparams are per server). */
export function createAuth(opts: AuthOptions = {}): ModuleExports {
  const values = new Map<string, string | number>();
  const cfg = <T extends string | number | null>(name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v as T;
    return (DECLARED.params!.find((p) => p.name === name)?.default ?? null) as T;
  };
  const core = new AuthCore({ secret: null, nonceExpire: 30, disableNonceCheck: false, realmPrefix: '' }, opts.nonceStore);
  const applyConfig = (): void => {
    core.cfg.secret = cfg<string | null>('secret');
    core.cfg.nonceExpire = cfg<number>('nonce_expire');
    core.cfg.disableNonceCheck = cfg<number>('disable_nonce_check') !== 0;
    core.cfg.realmPrefix = cfg<string>('realm_prefix') ?? '';
    parseRefs();
  };
  /** The variables named by modparams, parsed once when they are set. */
  const refs: Record<'username_spec' | 'password_spec' | 'rpid_avp', VarRef | null> = { username_spec: null, password_spec: null, rpid_avp: null };
  const varParam = (name: keyof typeof refs): VarRef | null => refs[name];
  const parseRefs = (): void => {
    for (const name of Object.keys(refs) as Array<keyof typeof refs>) {
      const v = cfg<string | null>(name);
      const r = v === null || v === '' ? null : parseVarRef(v, name === 'rpid_avp');
      refs[name] = typeof r === 'string' ? null : r;
    }
  };
  applyConfig();

  /** Algorithm lists seen (literal or variable values), as ids strongest first; bounded. */
  const algCache = new Map<string, readonly number[]>();
  const NO_ALGS: readonly number[] = [];
  const algIds = (ctx: ScriptContext, text: string | null): readonly number[] | null => {
    if (text === null || text === '') return NO_ALGS;
    const have = algCache.get(text);
    if (have !== undefined) return have;
    let ids: number[];
    try {
      ids = parseAlgorithms(text).map((a) => algorithmByName(a)!.id).sort((x, y) => y - x);
    } catch (e) {
      ctx.logError(`${ctx.currentFunction ?? 'challenge'}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
    if (algCache.size >= 64) algCache.clear();
    algCache.set(text, ids);
    return ids;
  };

  const challenge = (hf: AuthHeader) => (ctx: ScriptContext, realm: string, qop: ParsedQop | null, algs: string | null): Promise<number> | number => {
    const ids = algIds(ctx, algs);
    if (ids === null) return -1;
    return core.challenge(ctx, realm, qop?.qop ?? [], ids, hf);
  };

  const pvAuthorize = (hf: AuthHeader) => async (ctx: ScriptContext, realm: string): Promise<number> => {
    const pre = await core.preAuth(ctx, realm, hf);
    if (pre.code !== DO_AUTHORIZATION) return pre.code;
    const cred = pre.cred!;
    const alg = pre.alg!;
    const fail = async (why: string): Promise<number> => {
      ctx.log(-1, `auth: ${why}`);
      await core.reply(ctx, 500, 'Server Internal Error');
      return AUTH_ERROR;
    };
    const userRef = varParam('username_spec');
    if (userRef === null) return fail('before calling pv_*_authorize(), define the username_spec modparam');
    const user = readVar(ctx, userRef);
    if (user === null || user === '' || typeof user !== 'string') return fail(`no user name in ${cfg<string>('username_spec')}`);
    if (user.toLowerCase() !== (cred.username ?? '').toLowerCase()) {
      ctx.log(4, `auth: username mismatch [${cred.username ?? ''}] [${user}]`);
      return USER_UNKNOWN;
    }
    const passRef = varParam('password_spec');
    if (passRef === null) return fail('before calling pv_*_authorize(), define the password_spec modparam');
    const pass = readVar(ctx, passRef);
    if (pass === null || pass === '' || typeof pass !== 'string') return fail(`no password in ${cfg<string>('password_spec')}`);
    const hashed = cfg<number>('calculate_ha1') === 0;
    // A stored HA1 of the wrong length cannot match: OpenSIPS compares it as it is.
    const key = core.sessionKey(cred, alg, pre.realm, pass, hashed);
    if (key === null) return INVALID_PASSWORD;
    return core.checkResponse(ctx, cred, alg, key) ? 1 : INVALID_PASSWORD;
  };

  const rpidValue = (ctx: ScriptContext): string | null => {
    const ref = varParam('rpid_avp');
    if (ref === null) {
      ctx.log(-1, 'auth: rpid avp not defined');
      return null;
    }
    const v = readVar(ctx, ref);
    return typeof v === 'string' && v !== '' ? v : null;
  };

  const isRpidUserE164 = (ctx: ScriptContext): number => {
    const rpid = rpidValue(ctx);
    if (rpid === null) return -1;
    let uri = rpid.trim();
    const lt = uri.indexOf('<');
    if (lt >= 0) {
      const gt = uri.indexOf('>', lt);
      if (gt < 0) {
        ctx.log(-1, 'auth: failed to parse RPID');
        return -1;
      }
      uri = uri.slice(lt + 1, gt);
    }
    const user = ctx.uriPartsOf(uri)?.user ?? null;
    if (user === null) {
      ctx.log(-1, 'auth: failed to parse RPID URI');
      return -1;
    }
    return /^\+\d{2,15}$/.test(user) ? 1 : -1;
  };

  const appendRpidHf = (ctx: ScriptContext, prefix: string | null, suffix: string | null): number => {
    if ((prefix === null) !== (suffix === null)) {
      ctx.log(-1, 'auth: append_rpid_hf takes both prefix and suffix, or neither');
      return -1;
    }
    const rpid = rpidValue(ctx);
    if (rpid === null || ctx.msg === null) return -1;
    const value = (prefix ?? cfg<string>('rpid_prefix') ?? '') + rpid + (suffix ?? cfg<string>('rpid_suffix') ?? '');
    try {
      ctx.msg.addHeader('Remote-Party-ID', value, 'last');
    } catch (e) {
      ctx.log(-1, `auth: cannot add Remote-Party-ID: ${e instanceof Error ? e.message : String(e)}`);
      return -1;
    }
    return 1;
  };

  const impls: Record<string, FunctionExport['impl']> = {
    www_challenge: challenge('www') as FunctionExport['impl'],
    proxy_challenge: challenge('proxy') as FunctionExport['impl'],
    pv_www_authorize: pvAuthorize('www') as FunctionExport['impl'],
    pv_proxy_authorize: pvAuthorize('proxy') as FunctionExport['impl'],
    consume_credentials: ((ctx: ScriptContext) => core.consume(ctx)) as FunctionExport['impl'],
    is_rpid_user_e164: isRpidUserE164 as FunctionExport['impl'],
    append_rpid_hf: appendRpidHf as FunctionExport['impl'],
  };
  const functions: FunctionExport[] = DECLARED.functions!.map((f) => {
    const out = implementedFn(f, impls[f.name]!);
    if (f.name === 'www_challenge' || f.name === 'proxy_challenge') out.fixup = algorithmsFixup(2);
    return out;
  });
  const varValidate = (avpOnly: boolean) => (v: string | number): string | undefined => {
    const r = parseVarRef(String(v), avpOnly);
    return typeof r === 'string' ? r : undefined;
  };
  const params: ModparamExport[] = DECLARED.params!.map((p) => {
    const out: ModparamExport = { ...p, set: (v: string | number) => { values.set(p.name, v); applyConfig(); } };
    if (p.name === 'username_spec' || p.name === 'password_spec') out.validate = varValidate(false);
    if (p.name === 'rpid_avp') out.validate = (v) => (String(v) === '' ? undefined : varValidate(true)(v));
    if (p.name === 'nonce_expire') out.validate = (v) => (Number(v) > 0 ? undefined : `nonce_expire must be positive, got ${v}`);
    return out;
  });

  return {
    ...DECLARED,
    functions,
    params,
    init(env) {
      applyConfig();
      core.services = env.services;
      const secret = core.cfg.secret;
      if (secret === null) env.log(4, 'no secret set: using a random one (nonces do not survive a restart)');
      else if (Buffer.byteLength(secret, 'utf8') !== 32) {
        // OpenSIPS 3.2+ needs a 32-byte AES key; 2.x took any phrase, and an HMAC key may be any length.
        env.log(2, `secret is ${Buffer.byteLength(secret, 'utf8')} bytes: OpenSIPS 3.2+ refuses anything but exactly 32 (accepted as in 2.x)`);
      }
      env.services.provide(AUTH, core);
    },
  };
}

/** The auth table for checking scripts (no state is used until init). */
export const auth: ModuleExports = createAuth();
export { AUTH, type AuthApi } from './api';
export * from './digest';
