/**
 * alias_db: Request-URI aliases from a database table (alias -> user), in both directions.
 */
import type { ModuleExports } from '@tsips/script';
import { column, fn, intParam, strParam } from '../shared/declare';
import { letterFlagsParam } from '../shared/flags';
import { ISSUE } from '../shared/issues';
import { outVar, str } from '../shared/params';
import { REQ_FAIL } from '../shared/routes';

const R = ISSUE.unscheduled;
/** d: ignore the domain part; r: reverse lookup (user -> alias). */
const aliasFlags = (fnName: string) => letterFlagsParam('flags', fnName, { d: 'no-domain', r: 'reverse' }, true);

export const alias_db: ModuleExports = {
  name: 'alias_db',
  functions: [
    fn('alias_db_lookup', [str('table'), aliasFlags('alias_db_lookup')], REQ_FAIL, R, 'Replaces the Request-URI with the user the alias points to.'),
    fn('alias_db_find', [str('table'), str('input uri'), outVar('output'), aliasFlags('alias_db_find')],
      ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'ONREPLY_ROUTE', 'BRANCH_ROUTE', 'LOCAL_ROUTE', 'STARTUP_ROUTE'], R, 'Looks an alias up and stores the result in a variable.'),
  ],
  params: [
    strParam('db_url', null, 'Database of the alias table.'),
    column('user_column', 'username'),
    column('domain_column', 'domain'),
    column('alias_user_column', 'alias_username'),
    column('alias_domain_column', 'alias_domain'),
    strParam('domain_prefix', null, 'Prefix stripped from domains before lookup.'),
    intParam('append_branches', 0, 'Add every match as a branch (1) or only rewrite the Request-URI (0).'),
  ],
};
