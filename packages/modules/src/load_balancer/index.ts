/**
 * load_balancer: call distribution by resource capacity (e.g. "pstn;transc") over
 * destinations, counting ongoing calls with the dialog module, with probing.
 */
import type { ModuleExports } from '@tsips/script';
import { event, fn, intParam, mi, multiStrParam, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, outVar, str } from '../shared/params';
import { MSG_NO_ERR, REQ_BRANCH_FAIL } from '../shared/routes';

const R = ISSUE.unscheduled;
/** Flags are read per call: n negative availability, r relative value, s random pick when several tie. */
const flags = str('flags', true);

export const load_balancer: ModuleExports = {
  name: 'load_balancer',
  functions: [
    fn('lb_start', [intOrVar('group'), str('resources'), flags, outVar('attributes', true)], REQ_BRANCH_FAIL, R,
      'Starts balancing: picks the destination with most free capacity for the resources. 1 ok; -1 error; -2 no capacity; -3 no destination.'),
    fn('load_balance', [intOrVar('group'), str('resources'), flags, outVar('attributes', true)], REQ_BRANCH_FAIL, R, 'Older name of lb_start.'),
    fn('lb_start_or_next', [intOrVar('group'), str('resources'), flags, outVar('attributes', true)], REQ_BRANCH_FAIL, R, 'lb_start the first time, lb_next after.'),
    fn('lb_next', [outVar('attributes', true)], REQ_BRANCH_FAIL, R, 'Moves to the next best destination.'),
    fn('lb_reset', [], REQ_BRANCH_FAIL, R, 'Forgets the balancing state of the call.'),
    fn('lb_is_started', [], REQ_BRANCH_FAIL, R, 'True when balancing started for this call.'),
    fn('lb_disable_dst', [], REQ_BRANCH_FAIL, R, 'Marks the last destination as down.'),
    fn('lb_is_destination', [str('ip'), intOrVar('port'), intOrVar('group', true), intOrVar('active only', true), outVar('attributes', true)], MSG_NO_ERR, R,
      'True when the address is a destination (of the group).'),
    fn('lb_count_call', [str('ip'), intOrVar('port'), intOrVar('group'), str('resources'), intOrVar('undo', true)], REQ_BRANCH_FAIL, R,
      'Counts the call against a destination without routing.'),
  ],
  params: [
    strParam('db_url', null, 'Database of the destinations.'),
    strParam('db_table', 'load_balancer', 'Destinations table.'),
    intParam('probing_interval', 30, 'Seconds between probes.'),
    intParam('probing_verbose', 0, 'Log every state change found by probing.'),
    strParam('probing_method', 'OPTIONS', 'Method of the probes.'),
    strParam('probing_from', 'sip:prober@localhost', 'From URI of the probes.'),
    strParam('probing_reply_codes', null, 'Extra reply codes that count as "up".'),
    multiStrParam('lb_define_blacklist', "A blacklist filled with the destinations of some groups: 'name= group[,group]'."),
    intParam('cluster_id', 0, 'Cluster sharing destination states (0: none).'),
    strParam('cluster_sharing_tag', null, 'Sharing tag deciding which node probes.'),
    intParam('fetch_freeswitch_stats', 0, 'Take capacity from FreeSWITCH load reports.'),
    intParam('initial_freeswitch_load', 1000, 'Capacity assumed before the first FreeSWITCH report.'),
  ],
  mi: [
    mi('load_balancer', 'reload', { aliases: ['lb_reload'], reason: R, doc: 'Reloads the destinations.' }),
    mi('load_balancer', 'resize', { aliases: ['lb_resize'], params: [{ name: 'destination_id' }, { name: 'res_name' }, { name: 'new_capacity' }], reason: R, doc: 'Changes a resource capacity.' }),
    mi('load_balancer', 'list', { aliases: ['lb_list'], reason: R, doc: 'Lists destinations, resources and load.' }),
    mi('load_balancer', 'status', { aliases: ['lb_status'], params: [{ name: 'destination_id' }, { name: 'new_status', optional: true }], reason: R, doc: 'Shows or sets a destination state.' }),
  ],
  events: [event('E_LOAD_BALANCER_STATUS', ['group', 'uri', 'status'], 'A destination changed state.')],
  dependencies: ['dialog'],
};
