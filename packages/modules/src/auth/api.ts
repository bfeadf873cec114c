/**
 * What auth offers to the modules that look credentials up (auth_db; later others), in the
 * spirit of OpenSIPS's auth_api_t (pre_auth, calc_HA1, check_response, send_resp).
 */
import { serviceKey, type ScriptContext } from '@tsips/script';
import type { DigestCredentials } from '@tsips/sip';
import type { DigestAlgorithm } from './digest';

/** OpenSIPS auth_result_t values as the script sees them in $retcode. */
export const AUTH_ERROR = -5;
export const NO_CREDENTIALS = -4;
export const STALE_NONCE = -3;
export const INVALID_PASSWORD = -2;
export const USER_UNKNOWN = -1;
export const AUTHORIZED = 1;
/** pre_auth's "go on and check the password" (never returned to the script). */
export const DO_AUTHORIZATION = 2;

export type AuthHeader = 'www' | 'proxy';

export interface PreAuthResult {
  /** DO_AUTHORIZATION, or the code to return to the script. */
  code: number;
  /** The realm used (the argument, or the one taken from To/From). */
  realm: string;
  /** The credentials with that realm (set with DO_AUTHORIZATION). */
  cred: DigestCredentials | null;
  alg: DigestAlgorithm | null;
}

export interface AuthApi {
  /**
   * Finds the credentials with the realm, checks that they are complete (400 otherwise)
   * and that the nonce is ours, fresh and unused (STALE_NONCE otherwise).
   */
  preAuth(ctx: ScriptContext, realm: string, hf: AuthHeader): Promise<PreAuthResult>;
  /**
   * The session key from a stored secret: a plain password (`hashed` false: HA1 is computed
   * from the username as written and the realm) or an HA1 of the credentials' algorithm.
   * Null when a stored HA1 has the wrong length for the algorithm.
   */
  sessionKey(cred: DigestCredentials, alg: DigestAlgorithm, realm: string, secret: string, hashed: boolean): string | null;
  /** Recomputes the response with the session key; true when it matches the credentials. */
  checkResponse(ctx: ScriptContext, cred: DigestCredentials, alg: DigestAlgorithm, sessKey: string): boolean;
  /**
   * The credentials the last authorize call of this request worked on (Authorization first,
   * then Proxy-Authorization; OpenSIPS get_authorized_cred), or null.
   */
  authorizedCredentials(ctx: ScriptContext): DigestCredentials | null;
  /** Sends a reply (through tm when the request has a transaction). */
  reply(ctx: ScriptContext, status: number, reason: string, headers?: readonly string[]): Promise<number>;
}

export const AUTH = serviceKey<AuthApi>('auth');
