/**
 * pike: flood detection per source IP. Requests are counted per address in a prefix tree
 * (so a flood spread over a subnet shows up on the shared prefix); a source sending more
 * than reqs_density_per_unit requests per sampling_time_unit turns "red" and stays blocked
 * until it has been quiet for remove_latency seconds. With check_route set, every incoming
 * message is counted before parsing (automatic mode); otherwise the script calls
 * pike_check_req(). A new block raises E_PIKE_BLOCKED.
 */
import type { ModuleExports } from '@tsips/script';
import { event, fn, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';

export const pike: ModuleExports = {
  name: 'pike',
  functions: [
    fn('pike_check_req', [], ['REQUEST_ROUTE'], ISSUE.outsideAttacks,
      'Counts the request against its source IP. 1 within limits; -2 the source has just turned red (first time); -1 it was already red.'),
  ],
  params: [
    intParam('sampling_time_unit', 2, 'Length (s) of the window requests are counted in; keep it small.'),
    intParam('reqs_density_per_unit', 30, 'Requests per window above which a source is blocked.'),
    intParam('remove_latency', 120, 'Seconds a blocked source must stay quiet before it is unblocked and forgotten.'),
    strParam('check_route', null, 'Route run for every message in automatic mode (dropping there exempts the source); unset: manual mode with pike_check_req().'),
    intParam('pike_log_level', 1, 'Log level of the "source blocked" messages (L_WARN by default).', {
      validate: (v) => {
        const n = Number(v);
        return Number.isInteger(n) && n >= -3 && n <= 4 ? undefined : `pike_log_level must be a log level (-3..4), got ${v}`;
      },
    }),
  ],
  mi: [
    // 4.x names the commands pike:list / pike:rm; 3.x called them pike_list / pike_rm.
    mi('pike', 'list', { aliases: ['pike_list'], reason: ISSUE.outsideAttacks, doc: 'Lists the blocked (red) addresses and prefixes.' }),
    mi('pike', 'rm', { aliases: ['pike_rm'], params: [{ name: 'ip' }], reason: ISSUE.outsideAttacks, doc: 'Unblocks an address now.' }),
  ],
  events: [event('E_PIKE_BLOCKED', ['ip'], 'A source IP was just blocked (raised once per block).')],
};
