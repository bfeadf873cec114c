/**
 * auth_db: credentials from the subscriber table. www_authorize / proxy_authorize return
 * OpenSIPS's codes in $retcode: 1 authorized, -1 no such user, -2 wrong password,
 * -3 stale nonce, -4 no credentials, -5 error.
 */
import type { ModuleExports } from '@tsips/script';
import { fn, intParam, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { outVar, staticStr, str } from '../shared/params';
import { REQ, REQ_FAIL_LOCAL } from '../shared/routes';

/** The table is fixed at load (OpenSIPS prepares its queries then). */
const table = staticStr('table');

export const auth_db: ModuleExports = {
  name: 'auth_db',
  functions: [
    fn('www_authorize', [str('realm'), table], REQ, ISSUE.outsideAttacks,
      'Checks the Authorization header against the table (realm "" = the From domain). 1 ok; -1 no such user; -2 wrong password; -3 stale nonce; -4 no credentials; -5 error.'),
    fn('proxy_authorize', [str('realm'), table], REQ, ISSUE.outsideAttacks,
      'Checks the Proxy-Authorization header against the table; codes as www_authorize.'),
    fn('db_does_uri_exist', [str('uri'), table], REQ_FAIL_LOCAL, ISSUE.unscheduled, 'True when the URI names a subscriber.'),
    fn('db_is_to_authorized', [table], REQ, ISSUE.unscheduled, 'True when the To URI belongs to the authenticated user.'),
    fn('db_is_from_authorized', [table], REQ, ISSUE.unscheduled, 'True when the From URI belongs to the authenticated user.'),
    fn('db_get_auth_id', [table, str('uri'), outVar('auth user'), outVar('auth realm')], REQ_FAIL_LOCAL, ISSUE.unscheduled,
      'Finds the authentication id (user, realm) of a URI.'),
  ],
  params: [
    strParam('db_url', null, 'Database holding the subscriber table.'),
    strParam('user_column', 'username', 'column of the user name'),
    strParam('domain_column', 'domain', 'column of the domain'),
    strParam('password_column', 'ha1', 'column of the HA1 (MD5) or the plain password with calculate_ha1'),
    strParam('hash_column_sha256', 'ha1_sha256', 'column of the SHA-256 HA1'),
    strParam('hash_column_sha512t256', 'ha1_sha512t256', 'column of the SHA-512-256 HA1'),
    strParam('uri_user_column', 'username', 'column of the user in the uri table'),
    strParam('uri_domain_column', 'domain', 'column of the domain in the uri table'),
    strParam('uri_uriuser_column', 'uri_user', 'column of the URI user in the uri table'),
    intParam('calculate_ha1', 0, 'The password column holds plain text (1) and HA1 is computed, or HA1 values (0).'),
    intParam('use_domain', 1, 'Match the domain too when looking users up.'),
    strParam('load_credentials', null, 'Columns loaded into AVPs on success ("$avp(x)=column;...").'),
    intParam('skip_version_check', 0, 'Do not check the table version at start.'),
  ],
  dependencies: ['auth'],
};
