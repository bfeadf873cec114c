/**
 * drouting: dynamic routing by prefix and time to gateways and carriers kept in the
 * dr_gateways / dr_rules / dr_carriers / dr_groups tables, with gateway probing and
 * blacklists built from gateway types (define_blacklist = 'name= type,type').
 */
import type { ModuleExports } from '@tsips/script';
import { column, event, fn, intParam, mi, multiStrParam, strParam } from '../shared/declare';
import { letterFlagsParam } from '../shared/flags';
import { ISSUE } from '../shared/issues';
import { intOrVar, outVar, str } from '../shared/params';
import { ALL, MSG_NO_ERR, REQ_FAIL_LOCAL_BRANCH } from '../shared/routes';

const R = ISSUE.insideAttacks;
/** do_routing / dr_match flags: F rule fallback, L strict prefix length, C only check. */
const routingFlags = letterFlagsParam('flags', 'do_routing', { F: 'rule-fallback', L: 'strict-length', C: 'check-only' }, true);
const matchFlags = letterFlagsParam('flags', 'dr_match', { L: 'strict-length' }, true);
/** Gateway matching flags: s/p apply strip/prefix, i set gateway id, n ignore port, r check protocol, c set carrier id. */
const gwFlags = (fnName: string) =>
  letterFlagsParam('flags', fnName, { s: 'strip', p: 'prefix', i: 'gateway-id', n: 'ignore-port', r: 'check-proto', c: 'carrier-id' }, true);
const partition = str('partition', true);
const attrs = (what: string) => outVar(`${what} attributes`, true);

/** 'name= 1,2' or 'partition:name= 1,2': a blacklist filled with the IPs of those gateway types. */
function validateDefineBlacklist(value: string | number): string | undefined {
  const text = String(value);
  const m = /^\s*(?:([A-Za-z0-9_]+)\s*:\s*)?([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(text);
  if (m === null) return `define_blacklist '${text}' must read 'name= type[,type...]'`;
  const types = m[3]!.split(',').map((t) => t.trim());
  const bad = types.filter((t) => !/^\d+$/.test(t));
  return bad.length === 0 ? undefined : `define_blacklist '${text}': gateway types must be numbers, got ${bad.map((b) => `'${b}'`).join(', ')}`;
}

export const drouting: ModuleExports = {
  name: 'drouting',
  functions: [
    fn('do_routing', [intOrVar('group id', true), routingFlags, str('gateway whitelist', true), attrs('rule'), attrs('gateway'), attrs('carrier'), partition], ALL, R,
      'Finds the rule for the Request-URI user (prefix, time, group) and routes to its first gateway, keeping the others for use_next_gw.'),
    fn('route_to_carrier', [str('carriers'), attrs('gateway'), attrs('carrier'), partition], ALL, R, 'Routes to the gateways of the listed carriers.'),
    fn('route_to_gw', [str('gateway ids'), attrs('gateway'), attrs('carrier'), partition], ALL, R, 'Routes to the listed gateways.'),
    fn('use_next_gw', [attrs('rule'), attrs('gateway'), attrs('carrier'), partition], REQ_FAIL_LOCAL_BRANCH, R, 'Moves to the next gateway of the current rule (from failure_route).'),
    fn('is_from_gw', [intOrVar('type', true), gwFlags('is_from_gw'), attrs('gateway'), attrs('carrier'), partition],
      ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE', 'ONREPLY_ROUTE'], R, 'True when the source address is a gateway (of that type).'),
    fn('goes_to_gw', [intOrVar('type', true), gwFlags('goes_to_gw'), attrs('gateway'), attrs('carrier'), partition], MSG_NO_ERR, R,
      'True when the destination ($du or Request-URI) is a gateway (of that type).'),
    fn('dr_is_gw', [str('sip uri'), intOrVar('type', true), gwFlags('dr_is_gw'), attrs('gateway'), attrs('carrier'), partition], ALL, R,
      'True when the URI points at a gateway (of that type).'),
    fn('dr_disable', [partition], MSG_NO_ERR, R, 'Marks the gateway of the current branch as down (probing brings it back).'),
    fn('dr_match', [intOrVar('group id'), matchFlags, str('number'), attrs('rule'), partition], MSG_NO_ERR, R, 'True when a rule of the group matches the number (no routing).'),
  ],
  params: [
    intParam('use_partitions', 0, 'Several routing partitions read from db_partitions_table.'),
    strParam('db_partitions_url', null, 'Database of the partitions table.'),
    strParam('db_partitions_table', 'dr_partitions', 'Table listing the partitions.'),
    strParam('db_url', null, 'Database of the routing tables (without partitions).'),
    strParam('drd_table', 'dr_gateways', 'Gateways table.'),
    strParam('drr_table', 'dr_rules', 'Rules table.'),
    strParam('drg_table', 'dr_groups', 'User-to-group table.'),
    strParam('drc_table', 'dr_carriers', 'Carriers table.'),
    intParam('use_domain', 1, 'Match the domain too when looking up the user group.'),
    column('drg_user_col', 'username'),
    column('drg_domain_col', 'domain'),
    column('drg_grpid_col', 'groupid'),
    strParam('ruri_avp', '$avp(___dr_ruri__)', 'AVP keeping the Request-URIs of the remaining gateways.'),
    strParam('gw_id_avp', '$avp(___dr_gw_id__)', 'AVP keeping the ids of the remaining gateways.'),
    strParam('gw_priprefix_avp', null, 'AVP receiving the prefix of the used gateway.'),
    strParam('gw_sock_avp', '$avp(___dr_sock__)', 'AVP keeping the sockets of the remaining gateways.'),
    strParam('rule_id_avp', null, 'AVP receiving the id of the matched rule.'),
    strParam('rule_prefix_avp', null, 'AVP receiving the matched prefix.'),
    strParam('carrier_id_avp', null, 'AVP receiving the id of the used carrier.'),
    intParam('force_dns', 1, 'Resolve gateway names at load (1) or per call (0).'),
    intParam('default_group', null, 'Group used when the user has none (unset: no default).'),
    {
      ...multiStrParam('define_blacklist', "A blacklist filled with the addresses of the gateways of some types: 'name= type[,type]' (may be repeated)."),
      validate: validateDefineBlacklist,
    },
    intParam('probing_interval', 30, 'Seconds between OPTIONS probes of gateways marked for probing.'),
    strParam('probing_method', 'OPTIONS', 'Method of the probes.'),
    strParam('probing_from', 'sip:prober@localhost', 'From URI of the probes.'),
    strParam('probing_socket', null, 'Socket the probes leave from.'),
    strParam('probing_reply_codes', null, 'Extra reply codes that count as "up" (200 always does).'),
    intParam('persistent_state', 1, 'Store gateway states in the database.'),
    multiStrParam('rule_tables_query', 'Custom query per partition for loading rules.'),
    intParam('no_concurrent_reload', 0, 'Refuse a reload while another one runs.'),
    strParam('partition_id_pvar', null, 'Variable receiving the partition of the gateway found by is_from_gw & co.'),
    intParam('cluster_id', 0, 'Cluster sharing gateway states (0: none).'),
    strParam('cluster_sharing_tag', null, 'Sharing tag deciding which node probes.'),
    strParam('cluster_probing_mode', 'all', 'Which cluster nodes probe: all, by-shtag, distributed.'),
    intParam('enable_restart_persistency', 0, 'Keep routing data across restarts.'),
    strParam('extra_prefix_chars', null, 'Extra characters allowed in prefixes besides digits.'),
    strParam('extra_id_chars', '_-.', 'Extra characters allowed in gateway/carrier ids.'),
    strParam('gw_socket_filter_mode', 'all', 'Which gateways are usable given their socket: all, ignore, matched-only.'),
    intParam('generate_data_checksum', 0, 'Compute a checksum of the loaded data (shown by reload_status).'),
  ],
  mi: [
    mi('drouting', 'reload', { aliases: ['dr_reload'], params: [{ name: 'partition_name', optional: true }, { name: 'inherit_state', optional: true }], reason: R, doc: 'Reloads gateways, carriers and rules (and refreshes the define_blacklist lists).' }),
    mi('drouting', 'gw_status', { aliases: ['dr_gw_status'], params: [{ name: 'partition_name', optional: true }, { name: 'gw_id', optional: true }, { name: 'status', optional: true }], reason: R, doc: 'Shows or sets gateway states.' }),
    mi('drouting', 'carrier_status', { aliases: ['dr_carrier_status'], params: [{ name: 'partition_name', optional: true }, { name: 'carrier_id', optional: true }, { name: 'status', optional: true }], reason: R, doc: 'Shows or sets carrier states.' }),
    mi('drouting', 'number_routing', { aliases: ['dr_number_routing'], params: [{ name: 'partition_name', optional: true }, { name: 'group_id', optional: true }, { name: 'number' }], reason: R, doc: 'Which rule and gateways a number would use.' }),
    mi('drouting', 'reload_status', { aliases: ['dr_reload_status'], params: [{ name: 'partition_name', optional: true }], reason: R, doc: 'When the data was last loaded.' }),
    mi('drouting', 'enable_probing', { aliases: ['dr_enable_probing'], params: [{ name: 'status', optional: true }], reason: R, doc: 'Shows or switches gateway probing.' }),
  ],
  events: [event('E_DROUTING_STATUS', ['partition', 'gwid', 'address', 'status'], 'A gateway changed state (probing or MI).')],
};
