/**
 * permissions: address-based access control from the address table (groups of IPs or
 * subnets, with optional port, protocol and a pattern on the Request-URI), plus the
 * allow/deny file rules of the routing and registration checks.
 */
import type { ModuleExports } from '@tsips/script';
import { column, fn, intParam, mi, multiStrParam, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, outVar, staticStr, str } from '../shared/params';
import { REQ_FAIL_LOCAL, REQ_FAIL_LOCAL_BRANCH } from '../shared/routes';

const R = ISSUE.insideAttacks;
const WITH_TIMERS = [...REQ_FAIL_LOCAL_BRANCH, 'STARTUP_ROUTE', 'TIMER_ROUTE', 'EVENT_ROUTE'] as const;
const partition = str('partition', true);
const PROTOS = ['any', 'udp', 'tcp', 'tls', 'sctp', 'ws', 'wss', 'none'];

export const permissions: ModuleExports = {
  name: 'permissions',
  functions: [
    fn('check_address', [intOrVar('group id'), str('ip'), intOrVar('port'), str('proto'), outVar('context info', true), str('pattern', true), partition], WITH_TIMERS, R,
      'True when the address (ip, port 0 = any, proto "any") is in the group (0 = any group); the entry context goes to the variable. Proto: ' + PROTOS.join(', ') + '.'),
    fn('check_source_address', [intOrVar('group id'), outVar('context info', true), str('pattern', true), partition], REQ_FAIL_LOCAL_BRANCH, R,
      'check_address with the source IP, port and protocol of the request.'),
    fn('get_source_group', [outVar('group'), partition], REQ_FAIL_LOCAL_BRANCH, R, 'Stores the group of the source address; false when it is in none.'),
    fn('allow_routing', [staticStr('basename', true)], REQ_FAIL_LOCAL, ISSUE.unscheduled, 'Checks From/Request-URI against the allow/deny files.'),
    fn('allow_register', [staticStr('basename')], REQ_FAIL_LOCAL, ISSUE.unscheduled, 'Checks To/Contacts of a REGISTER against the allow/deny files.'),
    fn('allow_uri', [staticStr('basename'), str('uri')], WITH_TIMERS, ISSUE.unscheduled, 'Checks the From user against a URI using the allow/deny files.'),
  ],
  params: [
    strParam('default_allow_file', 'permissions.allow', 'Allow rules of allow_routing() without basename.'),
    strParam('default_deny_file', 'permissions.deny', 'Deny rules of allow_routing() without basename.'),
    intParam('check_all_branches', 1, 'allow_register checks every Contact, not only the first.'),
    strParam('allow_suffix', '.allow', 'Suffix of allow files.'),
    strParam('deny_suffix', '.deny', 'Suffix of deny files.'),
    multiStrParam('partition', 'An address partition: "name: db_url=...; table_name=..." (may be repeated).'),
    strParam('db_url', null, 'Database of the default address partition.'),
    strParam('address_table', 'address', 'Table of the default partition.'),
    column('ip_col', 'ip'),
    column('proto_col', 'proto'),
    column('pattern_col', 'pattern'),
    column('info_col', 'context_info'),
    column('grp_col', 'grp'),
    column('mask_col', 'mask'),
    column('port_col', 'port'),
  ],
  mi: [
    mi('permissions', 'address_reload', { aliases: ['address_reload'], params: [{ name: 'partition', optional: true }], reason: R, doc: 'Reloads the address table.' }),
    mi('permissions', 'address_dump', { aliases: ['address_dump'], params: [{ name: 'partition', optional: true }], reason: R, doc: 'Lists the single addresses.' }),
    mi('permissions', 'subnet_dump', { aliases: ['subnet_dump'], params: [{ name: 'partition', optional: true }], reason: R, doc: 'Lists the subnets.' }),
    mi('permissions', 'allow_uri', { params: [{ name: 'basename' }, { name: 'uri' }, { name: 'contact' }], reason: ISSUE.unscheduled, doc: 'allow_uri from the outside.' }),
  ],
};
