/**
 * userblacklist: per-user and global number blacklists/whitelists from the database,
 * matched by longest prefix.
 */
import type { ModuleExports } from '@tsips/script';
import { fn, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { staticStr, str } from '../shared/params';
import { REQ_FAIL } from '../shared/routes';

const R = ISSUE.insideAttacks;

export const userblacklist: ModuleExports = {
  name: 'userblacklist',
  functions: [
    fn('check_user_blacklist', [str('user'), str('domain'), str('number', true), str('table', true)], REQ_FAIL, R,
      "False when the number (default: the Request-URI user) matches a blacklist entry of the user and no whitelist entry; true otherwise."),
    fn('check_blacklist', [staticStr('table')], REQ_FAIL, R,
      'False when the Request-URI user matches a global blacklist entry of the table (loaded at start); true otherwise.'),
  ],
  params: [
    strParam('db_url', null, 'Database of the blacklist tables.'),
    strParam('db_table', 'userblacklist', 'Per-user table.'),
    intParam('use_domain', 1, 'Match the domain of the user too.'),
  ],
  mi: [mi('userblacklist', 'reload', { aliases: ['reload_blacklist'], reason: R, doc: 'Reloads the global blacklists.' })],
};
