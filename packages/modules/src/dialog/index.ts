/**
 * dialog: SIP dialog tracking (RFC 3261 section 12). Dialogs are created on initial INVITEs,
 * matched on sequential requests (by the `did` Record-Route parameter and/or Call-ID and
 * tags), validated (CSeq, remote target, route set), timed out, counted in profiles, and
 * optionally kept in the database. State changes raise E_DLG_STATE_CHANGED.
 */
import type { ModuleExports } from '@tsips/script';
import { counter, event, fn, gauge, intParam, mi, pvar, strParam } from '../shared/declare';
import { flagsParam, type FlagSetSpec } from '../shared/flags';
import { ISSUE } from '../shared/issues';
import { inVar, intOrVar, oneOf, outVar, route, staticStr, str } from '../shared/params';
import { flagNameOrNumber } from '../shared/script-flags';
import { ALL, MSG_NO_ERR, REQ, REQ_FAIL_REPLY_BRANCH } from '../shared/routes';

/**
 * create_dialog() flags. Names compare case-insensitively as in OpenSIPS. The 2.x letters
 * load too: B bye-on-timeout, P OPTIONS pinging of both legs, R re-INVITE pinging of both.
 */
export const CREATE_DIALOG_FLAGS: FlagSetSpec = {
  fn: 'create_dialog',
  ignoreCase: true,
  named: [
    { name: 'bye-on-timeout', doc: 'when the dialog lifetime ends, send BYE to both sides' },
    { name: 'options-ping-caller', doc: 'ping the caller with OPTIONS every options_ping_interval' },
    { name: 'options-ping-callee', doc: 'ping the callee with OPTIONS every options_ping_interval' },
    { name: 'reinvite-ping-caller', doc: 'ping the caller with re-INVITEs every reinvite_ping_interval' },
    { name: 'reinvite-ping-callee', doc: 'ping the callee with re-INVITEs every reinvite_ping_interval' },
    { name: 'end-on-race-condition', doc: 'end the call race_condition_timeout after an RFC 5407 race' },
    { name: 'auto-prack', doc: 'send PRACK for reliable provisional replies (RSeq) ourselves' },
  ],
  legacy: [
    { letters: 'B', name: 'bye-on-timeout' },
    { letters: 'P', name: 'options-ping-caller,options-ping-callee' },
    { letters: 'R', name: 'reinvite-ping-caller,reinvite-ping-callee' },
  ],
};

const MATCH_MODES = ['did_only', 'did_fallback', 'did_none'];
const matchMode = staticStr('match mode', true, (lit) => {
  // OpenSIPS silently falls back to the module default for an unknown word; tsips says so at load.
  return MATCH_MODES.includes(lit.trim().toLowerCase()) ? undefined : `'${lit}' is not a dialog match mode (${MATCH_MODES.join(', ')})`;
});
const dlgFlag = staticStr('dialog flag', false, flagNameOrNumber('dialog flag'));

const DLG_RW = { inner: 'none', writable: true } as const;
const DLG_RO = { inner: 'none' } as const;

export const dialog: ModuleExports = {
  name: 'dialog',
  functions: [
    fn('create_dialog', [flagsParam('flags', CREATE_DIALOG_FLAGS, true)], REQ, ISSUE.insideAttacks,
      'Creates the dialog of an initial request (true also when it already exists).'),
    fn('match_dialog', [matchMode], REQ, ISSUE.insideAttacks,
      'Finds the dialog of a sequential request (did_only / did_fallback / did_none; default: dlg_match_mode). True when found.'),
    fn('validate_dialog', [], REQ, ISSUE.insideAttacks,
      'Checks a sequential request against its dialog: -1 bad CSeq, -2 bad remote target, -3 bad route set, -4 other error (no dialog, parse error).'),
    fn('fix_route_dialog', [], REQ, ISSUE.insideAttacks,
      "Rewrites the Request-URI and Route headers of a sequential request from the dialog's stored target and route set."),
    fn('get_dialog_info', [str('attribute'), outVar('avp'), str('key'), inVar('key value'), outVar('dialog count')], ALL, ISSUE.unscheduled,
      'Reads a dialog variable from the dialogs whose variable `key` has the given value.'),
    fn('get_dialog_vals', [outVar('names avp'), outVar('values avp'), str('callid')], ALL, ISSUE.unscheduled,
      'Loads every variable of the dialog with that Call-ID.'),
    fn('get_dialogs_by_val', [str('name'), inVar('value'), outVar('out avp'), outVar('dialog count')], ALL, ISSUE.unscheduled,
      'JSON of every dialog whose variable has the value.'),
    fn('get_dialogs_by_profile', [str('profile'), str('value', true), outVar('out avp'), outVar('dialog count')], ALL, ISSUE.unscheduled,
      'JSON of every dialog in a profile.'),
    fn('load_dialog_ctx', [str('dialog'), staticStr('id type', true, oneOf(['callid', 'did'], true)), intOrVar('active only', true)], ALL, ISSUE.unscheduled,
      'Makes another dialog the current one (by Call-ID or did).'),
    fn('unload_dialog_ctx', [], ALL, ISSUE.unscheduled, 'Undoes load_dialog_ctx.'),
    fn('set_dlg_profile', [str('profile'), str('value', true), intOrVar('clear values', true)], REQ_FAIL_REPLY_BRANCH, ISSUE.insideAttacks,
      'Adds the current dialog to a profile (with a value for profiles declared with values).'),
    fn('unset_dlg_profile', [str('profile'), str('value', true)], REQ_FAIL_REPLY_BRANCH, ISSUE.insideAttacks,
      'Removes the current dialog from a profile.'),
    fn('is_in_profile', [str('profile'), str('value', true)], REQ_FAIL_REPLY_BRANCH, ISSUE.insideAttacks,
      'True when the current dialog belongs to the profile (with that value).'),
    fn('get_profile_size', [str('profile'), str('value', true), outVar('size')], ALL, ISSUE.insideAttacks,
      'Number of dialogs in a profile (with that value), stored in the variable.'),
    fn('set_dlg_flag', [dlgFlag], MSG_NO_ERR, ISSUE.insideAttacks, 'Sets a flag of the current dialog.'),
    fn('test_and_set_dlg_flag', [dlgFlag, intOrVar('value')], MSG_NO_ERR, ISSUE.insideAttacks,
      'Atomically sets the dialog flag to the value when it was not already; true when it changed.'),
    fn('reset_dlg_flag', [dlgFlag], MSG_NO_ERR, ISSUE.insideAttacks, 'Clears a flag of the current dialog.'),
    fn('is_dlg_flag_set', [dlgFlag], MSG_NO_ERR, ISSUE.insideAttacks, 'True when the dialog flag is set.'),
    fn('store_dlg_value', [str('name'), inVar('value')], MSG_NO_ERR, ISSUE.insideAttacks, 'Stores a named value in the current dialog ($dlg_val).'),
    fn('fetch_dlg_value', [str('name'), outVar('destination')], MSG_NO_ERR, ISSUE.insideAttacks, 'Reads a named dialog value into a variable.'),
    fn('set_dlg_sharing_tag', [str('tag')], REQ, ISSUE.unscheduled, 'Cluster sharing tag of the dialog.'),
    fn('dlg_on_timeout', [route('route', 'REQUEST_ROUTE', true)], REQ_FAIL_REPLY_BRANCH, ISSUE.insideAttacks,
      'Route run when the dialog lifetime ends (no argument: cancel it).'),
    fn('dlg_on_answer', [route('route', 'REQUEST_ROUTE', true)], REQ_FAIL_REPLY_BRANCH, ISSUE.insideAttacks,
      'Route run when the dialog is answered.'),
    fn('dlg_on_hangup', [route('route', 'REQUEST_ROUTE', true)], REQ_FAIL_REPLY_BRANCH, ISSUE.insideAttacks,
      'Route run when the dialog ends.'),
    fn('dlg_send_sequential', [str('method'), staticStr('leg', false, oneOf(['caller', 'callee'], true)), str('body', true), str('content type', true), str('headers', true)],
      ALL, ISSUE.unscheduled, 'Sends an in-dialog request to the caller or callee leg.'),
    fn('dlg_inc_cseq', [str('tag', true), intOrVar('increment', true)], MSG_NO_ERR, ISSUE.unscheduled,
      'Raises the CSeq of the leg (for requests the proxy injects).'),
  ],
  params: [
    intParam('enable_stats', 1, 'Keep the dialog statistics.'),
    intParam('hash_size', 4096, 'Buckets of the dialog table (a power of two).'),
    intParam('log_profile_hash_size', 4, 'log2 of the buckets of each profile with values.'),
    strParam('rr_param', 'did', 'Record-Route parameter carrying the dialog id.'),
    intParam('default_timeout', 43200, 'Dialog lifetime (s) unless $DLG_timeout changes it.'),
    intParam('options_ping_interval', 30, 'Seconds between OPTIONS pings of a pinged leg.'),
    intParam('reinvite_ping_interval', 300, 'Seconds between re-INVITE pings of a pinged leg.'),
    intParam('delete_delay', 0, 'Seconds an ended dialog is kept (to absorb late requests).'),
    strParam('dlg_extra_hdrs', null, 'Headers added to the requests the dialog module sends (BYE, pings).'),
    intParam('dlg_match_mode', 1, 'Default matching of sequential requests: 0 did only, 1 did then Call-ID/tags, 2 Call-ID/tags only.'),
    intParam('auto_prack_hangup_on_failure', 0, 'End the call when an automatic PRACK fails.'),
    intParam('auto_prack_fr_timeout', 3, 'Seconds to wait for the reply to an automatic PRACK.'),
    strParam('db_url', null, 'Database for dialog persistence.'),
    intParam('db_mode', 0, 'Persistence: 0 none, 1 real time, 2 delayed, 3 on shutdown only.'),
    strParam('table_name', 'dialog', 'Table holding the dialogs.'),
    ...([
      ['dlg_id_column', 'dlg_id'], ['call_id_column', 'callid'], ['from_uri_column', 'from_uri'], ['from_tag_column', 'from_tag'],
      ['to_uri_column', 'to_uri'], ['to_tag_column', 'to_tag'], ['state_column', 'state'], ['start_time_column', 'start_time'],
      ['timeout_column', 'timeout'], ['to_cseq_column', 'callee_cseq'], ['from_cseq_column', 'caller_cseq'],
      ['to_route_column', 'callee_route_set'], ['from_route_column', 'caller_route_set'], ['to_contact_column', 'callee_contact'],
      ['from_contact_column', 'caller_contact'], ['to_sock_column', 'callee_sock'], ['from_sock_column', 'caller_sock'],
      ['profiles_column', 'profiles'], ['vars_column', 'vars'], ['sflags_column', 'script_flags'], ['mflags_column', 'module_flags'],
      ['flags_column', 'flags'],
    ] as const).map(([name, dflt]) => strParam(name, dflt, `column name (default '${dflt}')`)),
    intParam('db_update_period', 60, 'Seconds between database flushes in delayed mode.'),
    strParam('profiles_with_value', null, 'Profiles whose members carry a value ("name; name2/s" where /s shares it in a cluster).'),
    strParam('profiles_no_value', null, 'Profiles without values.'),
    intParam('db_flush_vals_profiles', 0, 'Also write dialog values and profiles on each flush.'),
    intParam('timer_bulk_del_no', 1, 'Expired dialogs deleted per database query.'),
    intParam('race_condition_timeout', 5, 'Seconds before ending a call after an RFC 5407 race (end-on-race-condition).'),
    strParam('cachedb_url', null, 'Backend for profiles shared between instances.'),
    strParam('profile_value_prefix', 'dlg_val_', 'Key prefix of profile values in the cachedb backend.'),
    strParam('profile_no_value_prefix', 'dlg_noval_', 'Key prefix of value-less profiles in the cachedb backend.'),
    strParam('profile_size_prefix', 'dlg_size_', 'Key prefix of profile sizes in the cachedb backend.'),
    intParam('profile_timeout', 86400, 'Lifetime (s) of profile keys in the cachedb backend.'),
    intParam('dialog_replication_cluster', 0, 'Cluster replicating dialogs (0: none).'),
    intParam('profile_replication_cluster', 0, 'Cluster replicating profile counters (0: none).'),
    intParam('replicate_profiles_timer', 200, 'Milliseconds between profile replication rounds.'),
    intParam('replicate_profiles_check', 10, 'Seconds between checks for stale replicated profiles.'),
    intParam('replicate_profiles_buffer', 1400, 'Bytes per profile replication packet.'),
    intParam('replicate_profiles_expire', 10, 'Seconds after which a silent node\'s profile counts expire.'),
    intParam('cluster_auto_sync', 1, 'Sync dialogs from the cluster at startup.'),
  ],
  pvars: [
    pvar('DLG_count', DLG_RO, ISSUE.insideAttacks, 'Number of dialogs in memory.'),
    pvar('DLG_lifetime', DLG_RO, ISSUE.insideAttacks, 'Seconds since the current dialog was created.'),
    pvar('DLG_status', DLG_RO, ISSUE.insideAttacks,
      'State of the current dialog: 1 unconfirmed, 2 early, 3 confirmed (no ACK yet), 4 confirmed, 5 deleted; NULL with no dialog.'),
    pvar('DLG_dir', DLG_RO, ISSUE.insideAttacks, "Direction of the request in its dialog: 'upstream' or 'downstream'."),
    pvar('DLG_flags', DLG_RW, ISSUE.insideAttacks, 'Dialog flags as a bit mask.'),
    pvar('dlg_val', { inner: 'required', writable: true }, ISSUE.insideAttacks, 'A named value stored in the current dialog.'),
    pvar('DLG_did', DLG_RO, ISSUE.insideAttacks, 'Id of the current dialog (the value of the did parameter).'),
    pvar('DLG_end_reason', DLG_RO, ISSUE.insideAttacks, 'Why the dialog ended (in dlg_on_hangup routes).'),
    pvar('DLG_timeout', DLG_RW, ISSUE.insideAttacks, 'Seconds left before the dialog times out; writable.'),
    pvar('DLG_json', DLG_RO, ISSUE.unscheduled, 'The current dialog as JSON.'),
    pvar('DLG_ctx_json', DLG_RO, ISSUE.unscheduled, 'Module context data of the current dialog as JSON.'),
    pvar('DLG_del_delay', DLG_RW, ISSUE.insideAttacks, 'delete_delay of the current dialog.'),
    pvar('DLG_options_ping_interval', DLG_RW, ISSUE.insideAttacks, 'OPTIONS ping interval of the current dialog.'),
    pvar('DLG_reinvite_ping_interval', DLG_RW, ISSUE.insideAttacks, 're-INVITE ping interval of the current dialog.'),
  ],
  mi: [
    mi('dialog', 'list', { aliases: ['dlg_list'], params: [{ name: 'callid', optional: true }, { name: 'from_tag', optional: true }, { name: 'index', optional: true }, { name: 'counter', optional: true }], reason: ISSUE.insideAttacks, doc: 'Lists dialogs (all, one Call-ID, or a page).' }),
    mi('dialog', 'list_ctx', { aliases: ['dlg_list_ctx'], params: [{ name: 'callid', optional: true }, { name: 'from_tag', optional: true }, { name: 'index', optional: true }, { name: 'counter', optional: true }], reason: ISSUE.unscheduled, doc: 'Like list, with module context data.' }),
    mi('dialog', 'end_dlg', { aliases: ['dlg_end_dlg'], params: [{ name: 'dialog_id' }, { name: 'extra_hdrs', optional: true }], reason: ISSUE.insideAttacks, doc: 'Ends a dialog by sending BYE to both sides.' }),
    mi('dialog', 'db_sync', { aliases: ['dlg_db_sync'], reason: ISSUE.insideAttacks, doc: 'Reloads dialogs from the database.' }),
    mi('dialog', 'restore_db', { aliases: ['dlg_restore_db'], reason: ISSUE.insideAttacks, doc: 'Rewrites the database from memory.' }),
    mi('dialog', 'cluster_sync', { aliases: ['dlg_cluster_sync'], params: [{ name: 'sharing_tag', optional: true }], reason: ISSUE.unscheduled, doc: 'Pulls dialogs from a cluster peer.' }),
    mi('dialog', 'profile_get_size', { params: [{ name: 'profile' }, { name: 'value', optional: true }], reason: ISSUE.insideAttacks, doc: 'Dialogs in a profile (with a value).' }),
    mi('dialog', 'profile_list_dlgs', { params: [{ name: 'profile' }, { name: 'value', optional: true }], reason: ISSUE.insideAttacks, doc: 'Lists the dialogs of a profile.' }),
    mi('dialog', 'profile_get_values', { params: [{ name: 'profile' }], reason: ISSUE.insideAttacks, doc: 'Values of a profile and the dialogs per value.' }),
    mi('dialog', 'list_all_profiles', { reason: ISSUE.insideAttacks, doc: 'Every profile and whether it has values.' }),
    mi('dialog', 'profile_end_dlgs', { params: [{ name: 'profile' }, { name: 'value', optional: true }], reason: ISSUE.insideAttacks, doc: 'Ends every dialog of a profile.' }),
    mi('dialog', 'push_var', { aliases: ['dlg_push_var'], params: [{ name: 'dlg_val_name' }, { name: 'dlg_val_value' }, { name: 'DID' }], reason: ISSUE.unscheduled, doc: 'Sets a dialog value from outside.' }),
    mi('dialog', 'send_sequential', { aliases: ['dlg_send_sequential'], params: [{ name: 'callid' }, { name: 'mode', optional: true }, { name: 'method', optional: true }, { name: 'body', optional: true }, { name: 'headers', optional: true }], reason: ISSUE.unscheduled, doc: 'Sends an in-dialog request.' }),
    mi('dialog', 'set_profile', { aliases: ['dlg_set_profile'], params: [{ name: 'dlg_id' }, { name: 'profile' }, { name: 'value', optional: true }, { name: 'clear_values', optional: true }], reason: ISSUE.unscheduled, doc: 'Adds a dialog to a profile.' }),
    mi('dialog', 'unset_profile', { aliases: ['dlg_unset_profile'], params: [{ name: 'dlg_id' }, { name: 'profile' }, { name: 'value', optional: true }], reason: ISSUE.unscheduled, doc: 'Removes a dialog from a profile.' }),
  ],
  events: [
    event('E_DLG_STATE_CHANGED', ['id', 'db_id', 'callid', 'from_tag', 'to_tag', 'old_state', 'new_state'],
      'A dialog moved from one state to another (states as in $DLG_status).'),
  ],
  stats: [
    gauge('active_dialogs', 'Confirmed dialogs now.'),
    gauge('early_dialogs', 'Early dialogs now.'),
    counter('processed_dialogs', 'Dialogs created.'),
    counter('expired_dialogs', 'Dialogs ended by their lifetime.'),
    counter('failed_dialogs', 'Dialogs that never got confirmed.'),
    counter('create_sent', 'Dialog creations replicated to the cluster.'),
    counter('update_sent', 'Dialog updates replicated to the cluster.'),
    counter('delete_sent', 'Dialog deletions replicated to the cluster.'),
    counter('create_recv', 'Dialog creations received from the cluster.'),
    counter('update_recv', 'Dialog updates received from the cluster.'),
    counter('delete_recv', 'Dialog deletions received from the cluster.'),
  ],
  dependencies: ['tm'],
};
