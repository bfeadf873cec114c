/**
 * auth: digest authentication (RFC 2617, RFC 7616, RFC 8760) independent of where the
 * credentials live: challenges, nonces signed with `secret` and expiring after
 * `nonce_expire`, replay protection, and checks against a password given in variables.
 * auth_db adds the database lookups (www_authorize / proxy_authorize).
 */
import type { ModuleExports } from '@tsips/script';
import { fn, intParam, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { str } from '../shared/params';
import { REQ, REQ_BRANCH_FAIL } from '../shared/routes';
import { algorithmsParam, qopParam } from './qop';

export const auth: ModuleExports = {
  name: 'auth',
  functions: [
    fn('www_challenge', [str('realm'), qopParam, algorithmsParam], REQ, ISSUE.outsideAttacks,
      'Answers 401 with a WWW-Authenticate challenge (realm "" = the From domain). qop: "auth", "auth-int" or both; algorithms: MD5 (default), MD5-sess, SHA-256[-sess], SHA-512-256[-sess].'),
    fn('proxy_challenge', [str('realm'), qopParam, algorithmsParam], REQ, ISSUE.outsideAttacks,
      'Answers 407 with a Proxy-Authenticate challenge; arguments as www_challenge.'),
    fn('pv_www_authorize', [str('realm')], REQ, ISSUE.outsideAttacks,
      'Checks Authorization credentials against the password (or HA1) in password_spec. Codes as www_authorize.'),
    fn('pv_proxy_authorize', [str('realm')], REQ, ISSUE.outsideAttacks,
      'Checks Proxy-Authorization credentials against password_spec. Codes as proxy_authorize.'),
    fn('consume_credentials', [], REQ, ISSUE.outsideAttacks,
      'Removes the credentials that authorized the request before it is relayed.'),
    fn('is_rpid_user_e164', [], REQ, ISSUE.unscheduled, 'True when the user of the Remote-Party-ID (rpid_avp) is an E.164 number.'),
    fn('append_rpid_hf', [str('prefix', true), str('suffix', true)], REQ_BRANCH_FAIL, ISSUE.unscheduled,
      'Adds a Remote-Party-ID header from rpid_avp, wrapped in the prefix/suffix (default: the modparams).'),
  ],
  params: [
    strParam('secret', null, 'Key signing the nonces (unset: random at start, so nonces do not survive a restart).'),
    intParam('nonce_expire', 30, 'Seconds a nonce stays valid; older ones get a stale=true challenge.'),
    strParam('rpid_prefix', '', 'Text put before the Remote-Party-ID value.'),
    strParam('rpid_suffix', ';party=calling;id-type=subscriber;screen=yes', 'Text put after the Remote-Party-ID value.'),
    strParam('realm_prefix', '', 'Prefix stripped from the From domain when it becomes the realm.'),
    strParam('rpid_avp', '$avp(rpid)', 'AVP holding the Remote-Party-ID value.'),
    strParam('username_spec', null, 'Variable holding the user name, for pv_*_authorize.'),
    strParam('password_spec', null, 'Variable holding the password (or HA1), for pv_*_authorize.'),
    intParam('calculate_ha1', 0, 'password_spec holds a plain-text password (1) or an HA1 (0).'),
    intParam('disable_nonce_check', 0, 'Do not track nonce use (turns replay protection off).'),
  ],
  dependencies: ['signaling'],
};
