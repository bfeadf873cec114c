/**
 * acc: accounting of transactions and calls (CDRs with the dialog module) to syslog, a
 * database, AAA or the event interface.
 */
import type { ModuleExports } from '@tsips/script';
import { column, event, fn, intParam, multiStrParam, pvar, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { staticStr, str } from '../shared/params';
import { ALL, REQ_BRANCH_FAIL_LOCAL } from '../shared/routes';

const R = ISSUE.unscheduled;

/** A "|"-separated list of words from a fixed set (do_accounting's type and flags). */
function pipeList(what: string, words: readonly string[]): (literal: string) => string | undefined {
  return (literal) => {
    const bad = literal.split('|').map((w) => w.trim().toLowerCase()).filter((w) => w !== '' && !words.includes(w));
    return bad.length === 0 ? undefined : `unknown accounting ${what} ${bad.map((b) => `'${b}'`).join(', ')} (expected ${words.join(', ')}, "|"-separated)`;
  };
}
const TYPES = ['log', 'db', 'aaa', 'evi'];
const FLAGS = ['cdr', 'missed', 'failed'];

const EVENT_BASE = ['method', 'from_tag', 'to_tag', 'callid', 'sip_code', 'sip_reason', 'time'];

export const acc: ModuleExports = {
  name: 'acc',
  functions: [
    fn('acc_log_request', [str('comment')], REQ_BRANCH_FAIL_LOCAL, R, 'Logs the request to syslog now (with the comment as reason).'),
    fn('acc_db_request', [str('comment'), str('table')], REQ_BRANCH_FAIL_LOCAL, R, 'Writes the request to the accounting table now.'),
    fn('acc_aaa_request', [str('comment')], REQ_BRANCH_FAIL_LOCAL, R, 'Sends the request to the AAA server now.'),
    fn('acc_evi_request', [str('comment')], REQ_BRANCH_FAIL_LOCAL, R, 'Raises E_ACC_EVENT for the request now.'),
    fn('do_accounting', [staticStr('type', false, pipeList('type', TYPES)), staticStr('flags', true, pipeList('flag', FLAGS)), str('table', true)], REQ_BRANCH_FAIL_LOCAL, R,
      'Accounts the transaction (or the call, with "cdr") when it completes: type log|db|aaa|evi, flags cdr|missed|failed.'),
    fn('drop_accounting', [staticStr('type', true, pipeList('type', TYPES)), staticStr('flags', true, pipeList('flag', FLAGS))], REQ_BRANCH_FAIL_LOCAL, R,
      'Cancels accounting set by do_accounting.'),
    fn('acc_new_leg', [], REQ_BRANCH_FAIL_LOCAL, R, 'Starts a new leg in the multi-leg accounting data.'),
    fn('acc_load_ctx_from_dlg', [], ALL, R, 'Loads the accounting context of the current dialog.'),
    fn('acc_unload_ctx_from_dlg', [], ALL, R, 'Undoes acc_load_ctx_from_dlg.'),
  ],
  params: [
    intParam('early_media', 0, 'Account 183 replies too.'),
    intParam('report_cancels', 0, 'Account CANCELed transactions.'),
    intParam('detect_direction', 0, 'Swap From/To for upstream requests.'),
    intParam('log_level', 2, 'Log level of syslog accounting (L_NOTICE).'),
    strParam('log_facility', 'LOG_DAEMON', 'Syslog facility of syslog accounting.'),
    strParam('aaa_url', null, 'AAA server.'),
    intParam('service_type', null, 'RADIUS Service-Type (unset: none).'),
    multiStrParam('extra_fields', 'Extra values to account: "backend: name=$pvar; ...".'),
    multiStrParam('leg_fields', 'Per-leg values to account.'),
    strParam('db_url', null, 'Database for accounting.'),
    strParam('db_table_acc', 'acc', 'Accounting table.'),
    strParam('db_table_missed_calls', 'missed_calls', 'Missed calls table.'),
    strParam('db_table_avp', null, 'AVP naming the accounting table per call (overrides db_table_acc).'),
    column('acc_method_column', 'method'),
    column('acc_from_tag_column', 'from_tag'),
    column('acc_to_tag_column', 'to_tag'),
    column('acc_callid_column', 'callid'),
    column('acc_sip_code_column', 'sip_code'),
    column('acc_sip_reason_column', 'sip_reason'),
    column('acc_time_column', 'time'),
  ],
  pvars: [
    pvar('acc_extra', { inner: 'required', writable: true }, R, 'An extra accounting value declared in extra_fields.'),
    pvar('acc_leg', { inner: 'required', indexable: true, writable: true }, R, 'A per-leg accounting value declared in leg_fields.'),
    pvar('acc_current_leg', { inner: 'none' }, R, 'Index of the current accounting leg.'),
  ],
  events: [
    event('E_ACC_CDR', [...EVENT_BASE, 'duration', 'ms_duration', 'setuptime', 'created'], 'A call ended (cdr accounting to evi).'),
    event('E_ACC_EVENT', EVENT_BASE, 'A transaction was accounted (evi).'),
    event('E_ACC_MISSED_EVENT', [...EVENT_BASE, 'created', 'setuptime'], 'A call was missed (evi).'),
  ],
  dependencies: ['tm'],
};
