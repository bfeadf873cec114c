/**
 * fraud_detection: per-user call statistics (calls per minute, total, concurrent,
 * sequential, duration) checked against warning and critical thresholds of fraud rules
 * (prefix, time window, profile); crossing one raises E_FRD_WARNING / E_FRD_CRITICAL.
 */
import type { ModuleExports } from '@tsips/script';
import { column, event, fn, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, str } from '../shared/params';
import { REQ_REPLY } from '../shared/routes';

const R = ISSUE.unscheduled;
const EVENT_PARAMS = ['param', 'value', 'threshold', 'user', 'called_number', 'rule_id', 'profile_id'];

export const fraud_detection: ModuleExports = {
  name: 'fraud_detection',
  functions: [
    fn('check_fraud', [str('user'), str('number'), intOrVar('profile id')], REQ_REPLY, R,
      'Updates the user statistics and checks the matching rule: 2 no rule; 1 rule, no threshold crossed; -1 warning crossed; -2 critical crossed; -3 error.'),
  ],
  params: [
    strParam('db_url', null, 'Database of the fraud rules.'),
    intParam('use_utc_time', 0, 'Rule time windows are in UTC (1) or local time (0).'),
    strParam('table_name', 'fraud_detection', 'Rules table.'),
    column('rid_col', 'ruleid'),
    column('pid_col', 'profileid'),
    column('prefix_col', 'prefix'),
    column('start_h_col', 'start_hour'),
    column('end_h_col', 'end_hour'),
    column('days_col', 'daysoftheweek'),
    column('cpm_thresh_warn_col', 'cpm_warning'),
    column('cpm_thresh_crit_col', 'cpm_critical'),
    column('calldur_thresh_warn_col', 'call_duration_warning'),
    column('calldur_thresh_crit_col', 'call_duration_critical'),
    column('totalc_thresh_warn_col', 'total_calls_warning'),
    column('totalc_thresh_crit_col', 'total_calls_critical'),
    column('concalls_thresh_warn_col', 'concurrent_calls_warning'),
    column('concalls_thresh_crit_col', 'concurrent_calls_critical'),
    column('seqcalls_thresh_warn_col', 'sequential_calls_warning'),
    column('seqcalls_thresh_crit_col', 'sequential_calls_critical'),
  ],
  mi: [
    mi('fraud_detection', 'show_stats', { aliases: ['show_fraud_stats'], params: [{ name: 'user' }, { name: 'prefix' }], reason: R, doc: 'Statistics of a user for a prefix.' }),
    mi('fraud_detection', 'reload', { aliases: ['fraud_reload'], reason: R, doc: 'Reloads the rules.' }),
  ],
  events: [
    event('E_FRD_WARNING', EVENT_PARAMS, 'A user crossed a warning threshold.'),
    event('E_FRD_CRITICAL', EVENT_PARAMS, 'A user crossed a critical threshold.'),
  ],
  dependencies: ['drouting', 'dialog'],
};
