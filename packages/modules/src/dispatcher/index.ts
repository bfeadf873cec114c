/**
 * dispatcher: load distribution over sets of destinations (round robin, hashing, weights,
 * ...), failover to the next destination, and OPTIONS probing of destinations.
 */
import type { ModuleExports } from '@tsips/script';
import { column, event, fn, intParam, mi, multiStrParam, strParam } from '../shared/declare';
import { letterFlagsParam } from '../shared/flags';
import { ISSUE } from '../shared/issues';
import { intOrVar, outVar, str } from '../shared/params';
import { ALL, MSG_NO_ERR, REQ_BRANCH_FAIL_LOCAL, REQ_FAIL } from '../shared/routes';

const R = ISSUE.unscheduled;
const selectFlags = letterFlagsParam('flags', 'ds_select_dst', {
  f: 'failover', F: 'failover', u: 'user-only', U: 'user-only', d: 'use-default', D: 'use-default', a: 'append', A: 'append', ' ': 'none',
}, true);
/** ds_count filter: a/1 active, i/0 inactive, p/2 probing (combinable). */
const countFilter = letterFlagsParam('filter', 'ds_count', {
  a: 'active', A: 'active', '1': 'active', i: 'inactive', I: 'inactive', '0': 'inactive', p: 'probing', P: 'probing', '2': 'probing',
});
const partition = str('partition', true);

export const dispatcher: ModuleExports = {
  name: 'dispatcher',
  functions: [
    fn('ds_select_dst', [intOrVar('set'), intOrVar('algorithm'), selectFlags, partition, intOrVar('max results', true)], REQ_BRANCH_FAIL_LOCAL, R,
      'Picks a destination of the set with the algorithm and puts it in $du (the others kept for ds_next_dst with the f flag).'),
    fn('ds_select_domain', [intOrVar('set'), intOrVar('algorithm'), selectFlags, partition, intOrVar('max results', true)], REQ_BRANCH_FAIL_LOCAL, R,
      'As ds_select_dst, but rewrites the host:port of the Request-URI.'),
    fn('ds_next_dst', [partition], REQ_FAIL, R, 'Moves $du to the next destination kept by ds_select_dst.'),
    fn('ds_next_domain', [partition], REQ_FAIL, R, 'Moves the Request-URI host to the next destination.'),
    fn('ds_mark_dst', [str('state', true), partition], REQ_FAIL, R, 'Marks the current destination inactive ("i"), probing ("p") or active ("a").'),
    fn('ds_is_in_list', [str('ip'), intOrVar('port'), intOrVar('set', true), partition, intOrVar('active only', true), str('uri', true)], MSG_NO_ERR, R,
      'True when the address is one of the destinations (of the set).'),
    fn('ds_count', [intOrVar('set'), countFilter, outVar('result'), partition], [...REQ_BRANCH_FAIL_LOCAL, 'TIMER_ROUTE', 'EVENT_ROUTE'], R,
      'Counts the destinations of the set in the given states.'),
    fn('ds_push_script_attrs', [str('attributes'), str('uri'), intOrVar('set'), intOrVar('port', true), partition], ALL, R,
      'Attaches script attributes to the matching destination.'),
    fn('ds_get_script_attrs', [str('uri'), intOrVar('set'), partition, outVar('attributes')], ALL, R,
      'Reads the script attributes of a destination.'),
  ],
  params: [
    multiStrParam('partition', 'A destination partition: "name: db_url=...; table_name=..." (may be repeated).'),
    strParam('db_url', null, 'Database of the default partition.'),
    strParam('table_name', 'dispatcher', 'Table of the default partition.'),
    column('setid_col', 'setid'),
    column('destination_col', 'destination'),
    column('socket_col', 'socket'),
    column('state_col', 'state'),
    column('weight_col', 'weight'),
    column('priority_col', 'priority'),
    column('attrs_col', 'attrs'),
    column('description_col', 'description'),
    column('probe_mode_col', 'probe_mode'),
    strParam('dst_avp', null, 'AVP keeping the remaining destinations (failover).'),
    strParam('grp_avp', null, 'AVP keeping the selected set.'),
    strParam('cnt_avp', null, 'AVP keeping the number of destinations.'),
    strParam('sock_avp', null, 'AVP keeping the sockets of the destinations.'),
    strParam('attrs_avp', null, 'AVP receiving the attributes of the selected destination.'),
    strParam('script_attrs_avp', null, 'AVP receiving the script attributes of the selected destination.'),
    strParam('algo_route', null, 'Route computing the score of each destination (algorithm 10).'),
    strParam('hash_pvar', null, 'Format hashed by algorithm 7.'),
    strParam('setid_pvar', null, 'Variable receiving the set of a destination matched by ds_is_in_list.'),
    strParam('pvar_algo_pattern', null, 'Pattern whose value ranks destinations (algorithm 9).'),
    intParam('ds_probing_threshhold', 3, 'Old misspelling of ds_probing_threshold, kept by OpenSIPS.'),
    intParam('ds_probing_threshold', 3, 'Failed requests before a destination is marked for probing.'),
    strParam('ds_ping_method', 'OPTIONS', 'Method of the probes.'),
    strParam('ds_ping_from', 'sip:dispatcher@localhost', 'From URI of the probes.'),
    intParam('ds_ping_interval', 0, 'Seconds between probes (0: no probing).'),
    intParam('ds_ping_maxfwd', null, 'Max-Forwards of the probes (unset: tm default).'),
    intParam('ds_probing_mode', 0, 'Probe only destinations in probing state (0) or all (1).'),
    strParam('options_reply_codes', null, 'Extra reply codes that count as "up".'),
    strParam('ds_probing_sock', null, 'Socket the probes leave from.'),
    multiStrParam('ds_probing_list', 'Sets to probe (unset: all).'),
    multiStrParam('ds_define_blacklist', "A blacklist filled with the destinations of some sets: 'name= set[,set]'."),
    intParam('persistent_state', 1, 'Store destination states in the database.'),
    intParam('fetch_freeswitch_stats', 0, 'Weight FreeSWITCH destinations by their reported load.'),
    intParam('max_freeswitch_weight', 100, 'Weight of an idle FreeSWITCH destination.'),
    intParam('cluster_id', 0, 'Cluster sharing destination states (0: none).'),
    strParam('cluster_sharing_tag', null, 'Sharing tag deciding which node probes.'),
    strParam('cluster_probing_mode', 'all', 'Which cluster nodes probe: all, by-shtag, distributed.'),
  ],
  mi: [
    mi('dispatcher', 'set_state', { aliases: ['ds_set_state'], params: [{ name: 'state' }, { name: 'group' }, { name: 'address' }], reason: R, doc: 'Sets the state of a destination.' }),
    mi('dispatcher', 'list', { aliases: ['ds_list'], params: [{ name: 'partition', optional: true }, { name: 'full', optional: true }], reason: R, doc: 'Lists the sets and destinations.' }),
    mi('dispatcher', 'reload', { aliases: ['ds_reload'], params: [{ name: 'partition', optional: true }, { name: 'inherit_state', optional: true }], reason: R, doc: 'Reloads the destinations.' }),
    mi('dispatcher', 'push_script_attrs', { aliases: ['ds_push_script_attrs'], params: [{ name: 'attrs' }, { name: 'ip' }, { name: 'port' }, { name: 'set' }, { name: 'partition', optional: true }], reason: R, doc: 'Attaches script attributes to a destination.' }),
  ],
  events: [event('E_DISPATCHER_STATUS', ['partition', 'group', 'address', 'status'], 'A destination changed state.')],
};
