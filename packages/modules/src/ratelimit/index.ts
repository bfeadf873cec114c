/**
 * ratelimit: named pipes with a limit and an algorithm, created on first use from any
 * string (rl_check("$si", 10) makes one pipe per source IP). Algorithms: TAILDROP, RED,
 * NETWORK, FEEDBACK and SBT (sliding window of window_size slots of slot_period ms).
 */
import type { ModuleExports } from '@tsips/script';
import { fn, intParam, mi, pvar, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, oneOf, outVar, regex, str } from '../shared/params';
import { ALL, ALL_BUT_STARTUP } from '../shared/routes';

export const RL_ALGORITHMS = ['TAILDROP', 'RED', 'NETWORK', 'FEEDBACK', 'SBT'] as const;

export const ratelimit: ModuleExports = {
  name: 'ratelimit',
  functions: [
    fn('rl_check', [str('pipe'), intOrVar('limit'), str('algorithm', true)], ALL_BUT_STARTUP, ISSUE.outsideAttacks,
      'Counts the message in the pipe (created on first use with the limit and algorithm); true while under the limit, false once over it. A "/s" or "/b" suffix on the name asks for replication.'),
    fn('rl_dec_count', [str('pipe')], ALL_BUT_STARTUP, ISSUE.outsideAttacks, 'Takes one back from the pipe counter.'),
    fn('rl_reset_count', [str('pipe')], ALL_BUT_STARTUP, ISSUE.outsideAttacks, 'Sets the pipe counter to zero.'),
    fn('rl_values', [outVar('result avp'), regex('name filter', true)], ALL, ISSUE.outsideAttacks,
      'Puts the names of the pipes (matching the filter) into the AVP.'),
  ],
  params: [
    intParam('timer_interval', 10, 'Seconds between recomputations of the RED/NETWORK/FEEDBACK state and counter resets.'),
    intParam('expire_time', 3600, 'Seconds after which an idle pipe is removed.'),
    intParam('hash_size', 1024, 'Buckets of the pipe table.'),
    strParam('default_algorithm', 'TAILDROP', 'Algorithm of pipes created without one.', {
      validate: (v) => oneOf(RL_ALGORITHMS)(String(v).toUpperCase()),
    }),
    strParam('cachedb_url', null, 'Shared backend for pipes replicated with the "/s" suffix.'),
    strParam('db_prefix', 'rl_pipe_', 'Key prefix of pipes in the shared backend.'),
    intParam('repl_buffer_threshold', 32767, 'Bytes per replication packet.'),
    intParam('repl_timer_interval', 200, 'Milliseconds between replication rounds.'),
    intParam('repl_timer_expire', 10, 'Seconds after which a silent node\'s counters are ignored.'),
    intParam('bridge_replication', 0, 'Replicate pipes between clusters too.'),
    intParam('bridge_repl_timer_interval', 500, 'Milliseconds between bridge replication rounds.'),
    intParam('bridge_repl_timer_expire', 20, 'Seconds after which a silent bridge peer is ignored.'),
    intParam('pipe_replication_cluster', 0, 'Cluster replicating "/b" pipes (0: none).'),
    intParam('window_size', 10, 'SBT: seconds covered by the sliding window.'),
    intParam('slot_period', 200, 'SBT: milliseconds per window slot.'),
    intParam('limit_per_interval', 0, 'Limits count per timer_interval (1) instead of per second (0).'),
  ],
  pvars: [
    pvar('rl_count', { inner: 'required' }, ISSUE.outsideAttacks, 'Counter of the named pipe; NULL when there is no such pipe.'),
  ],
  mi: [
    mi('ratelimit', 'list', { aliases: ['rl_list'], params: [{ name: 'pipe', optional: true }, { name: 'filter', optional: true }, { name: 'filter_out', optional: true }], reason: ISSUE.outsideAttacks, doc: 'Lists pipes with their algorithm, limit and counter.' }),
    mi('ratelimit', 'dump_pipe', { aliases: ['rl_dump_pipe'], params: [{ name: 'pipe' }], reason: ISSUE.outsideAttacks, doc: 'SBT slot counters of a pipe.' }),
    mi('ratelimit', 'reset_pipe', { aliases: ['rl_reset_pipe'], params: [{ name: 'pipe' }], reason: ISSUE.outsideAttacks, doc: 'Zeroes a pipe counter.' }),
    mi('ratelimit', 'set_pid', { aliases: ['rl_set_pid'], params: [{ name: 'ki' }, { name: 'kp' }, { name: 'kd' }], reason: ISSUE.outsideAttacks, doc: 'Sets the PID controller gains of FEEDBACK.' }),
    mi('ratelimit', 'get_pid', { aliases: ['rl_get_pid'], reason: ISSUE.outsideAttacks, doc: 'Shows the PID controller gains.' }),
  ],
};
