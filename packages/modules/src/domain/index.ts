/**
 * domain: the list of SIP domains this proxy is responsible for (the domain table),
 * answering "is this host local?".
 */
import type { ModuleExports } from '@tsips/script';
import { column, fn, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { outVar, str } from '../shared/params';
import { REQ_BRANCH_FAIL_LOCAL } from '../shared/routes';

const R = ISSUE.unscheduled;

export const domain: ModuleExports = {
  name: 'domain',
  functions: [
    fn('is_from_local', [outVar('attributes', true)], REQ_BRANCH_FAIL_LOCAL, R, 'True when the From domain is local.'),
    fn('is_uri_host_local', [outVar('attributes', true)], REQ_BRANCH_FAIL_LOCAL, R, 'True when the Request-URI host is local.'),
    fn('is_domain_local', [str('domain'), outVar('attributes', true)], REQ_BRANCH_FAIL_LOCAL, R, 'True when the given domain is local.'),
  ],
  params: [
    strParam('db_url', null, 'Database of the domain table.'),
    intParam('db_mode', 0, 'Query the database per call (0) or cache the table (1).'),
    strParam('domain_table', 'domain', 'Domain table.'),
    column('domain_col', 'domain'),
    column('attrs_col', 'attrs'),
    column('accept_subdomain_col', 'accept_subdomain'),
  ],
  mi: [
    mi('domain', 'reload', { aliases: ['domain_reload'], reason: R, doc: 'Reloads the domain table (cache mode).' }),
    mi('domain', 'dump', { aliases: ['domain_dump'], reason: R, doc: 'Lists the cached domains.' }),
  ],
};
