/**
 * dialog: SIP dialog tracking (RFC 3261 section 12). Dialogs are created on initial INVITEs,
 * matched on sequential requests (by the `did` Record-Route parameter and/or Call-ID and
 * tags), validated (CSeq, remote target, route set), timed out, counted in profiles, and
 * optionally kept in the database. State changes raise E_DLG_STATE_CHANGED.
 */
import type { FixupArg, FunctionExport, MiExport, ModparamExport, ModuleEnv, ModuleExports, PvarExport, PvRef, ReceiveInfo, ScriptContext, ScriptValue } from '@tsips/script';
import { CORE, checkTableVersion, dbManagerOf, type DbConnection, type SipCoreApi } from '@tsips/core';
import { parseMessage, parseUri, type SipMessage } from '@tsips/sip';
import { implementedMi } from '../shared/declare';
import { parseFlagString, type ParsedFlags } from '../shared/flags';
import { addRecordRouteParam, getRouteParam, RR } from '../rr';
import { currentText, layoutOf, replaceMessage, sipMessage } from '../sipmsgops/message-edit';
import { TM, type TmApi } from '../tm/api';
import { TimerQueue, type TimerSource } from '../tm/timer-queue';
import { COLUMN_PARAMS, defaultColumns, DialogDb } from './db';
import { ProfileTable, type Profile } from './profiles';
import { callIdHash, CALLEE, CALLER, Dialog, DLG_FLAG_BYE_ON_TIMEOUT, DLG_STATE, LocalDialogStore, matchBySipIds, parseDid, type DialogStore } from './store';
import { DialogUac } from './uac';
import { DIALOG, type DialogApi, type DialogWatcher } from './api';
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

const DECLARED: ModuleExports = {
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
    mi('dialog', 'profile_get_size', { aliases: ['profile_get_size'], params: [{ name: 'profile' }, { name: 'value', optional: true }], reason: ISSUE.insideAttacks, doc: 'Dialogs in a profile (with a value).' }),
    mi('dialog', 'profile_list_dlgs', { aliases: ['profile_list_dlgs'], params: [{ name: 'profile' }, { name: 'value', optional: true }], reason: ISSUE.insideAttacks, doc: 'Lists the dialogs of a profile.' }),
    mi('dialog', 'profile_get_values', { aliases: ['profile_get_values'], params: [{ name: 'profile' }], reason: ISSUE.insideAttacks, doc: 'Values of a profile and the dialogs per value.' }),
    mi('dialog', 'list_all_profiles', { aliases: ['list_all_profiles'], reason: ISSUE.insideAttacks, doc: 'Every profile and whether it has values.' }),
    mi('dialog', 'profile_end_dlgs', { aliases: ['profile_end_dlgs'], params: [{ name: 'profile' }, { name: 'value', optional: true }], reason: ISSUE.insideAttacks, doc: 'Ends every dialog of a profile.' }),
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

/** create_dialog flags tsips cannot honour yet: refused at load rather than ignored. */
const UNSUPPORTED_FLAGS: Record<string, string> = {
  'options-ping-caller': 'OPTIONS pinging',
  'options-ping-callee': 'OPTIONS pinging',
  'reinvite-ping-caller': 're-INVITE pinging',
  'reinvite-ping-callee': 're-INVITE pinging',
  'end-on-race-condition': 'RFC 5407 race handling',
  'auto-prack': 'automatic PRACK',
};

/** Per script run: the dialog the message belongs to and which way it flows. */
interface DlgCtx {
  dlg: Dialog | null;
  /** 1 downstream (caller to callee), 2 upstream; 0 unknown. */
  dir: number;
  /** Leg the request goes to (CALLER / CALLEE), -1 unknown. */
  dstLeg: number;
  /** $DLG_timeout set before create_dialog. */
  timeout: number | null;
}

const CTX_KEY = 'dialog:ctx';

function dctx(ctx: ScriptContext): DlgCtx {
  let s = ctx.moduleState.get(CTX_KEY) as DlgCtx | undefined;
  if (s === undefined) {
    s = { dlg: null, dir: 0, dstLeg: -1, timeout: null };
    ctx.moduleState.set(CTX_KEY, s);
  }
  return s;
}

function peek(ctx: ScriptContext): DlgCtx | undefined {
  return ctx.moduleState.get(CTX_KEY) as DlgCtx | undefined;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** RFC 3261 §19.1.4-ish URI equality for validate_dialog: scheme, user, host, port, transport. */
export function sameUri(a: string, b: string): boolean {
  if (a === b) return true;
  let ua;
  let ub;
  try {
    ua = parseUri(a);
    ub = parseUri(b);
  } catch {
    return false;
  }
  if (!('host' in ua) || !('host' in ub)) return ua.raw === ub.raw;
  if (ua.scheme !== ub.scheme || ua.user !== ub.user || ua.host.toLowerCase() !== ub.host.toLowerCase()) return false;
  const defPort = (u: typeof ua): number => u.port ?? (u.scheme === 'sips' ? 5061 : 5060);
  if (defPort(ua) !== defPort(ub)) return false;
  const tr = (u: typeof ua): string => (u.params.find((p) => p.name.toLowerCase() === 'transport')?.value ?? 'udp').toLowerCase();
  return tr(ua) === tr(ub);
}

/** The URI inside a name-addr value ("<sip:p1;lr>" -> "sip:p1;lr"). */
function routeUri(v: string): string {
  const lt = v.indexOf('<');
  const gt = v.lastIndexOf('>');
  return lt !== -1 && gt > lt ? v.slice(lt + 1, gt) : v.trim();
}

export interface CreateDialogOptions {
  /** Time source of the dialog lifetimes (tests hand in a fake one). */
  timers?: TimerSource;
}

/** A declared function given its behaviour (name, params, routes, doc kept). */
function implemented(declared: FunctionExport, impl: FunctionExport['impl'], fixup?: FunctionExport['fixup']): FunctionExport {
  const out: FunctionExport = { name: declared.name, params: declared.params, routes: declared.routes, impl };
  if (fixup !== undefined) out.fixup = fixup;
  else if (declared.fixup !== undefined) out.fixup = declared.fixup;
  if (declared.doc !== undefined) out.doc = declared.doc;
  return out;
}

export function createDialog(opts: CreateDialogOptions = {}): ModuleExports {
  const timers = new TimerQueue(opts.timers);
  const store: DialogStore = new LocalDialogStore();
  const profiles = new ProfileTable();
  const values = new Map<string, string | number>();
  const param = <T extends string | number | null>(name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v as T;
    return (DECLARED.params!.find((p) => p.name === name)?.default ?? null) as T;
  };
  let env: ModuleEnv | null = null;
  let core: SipCoreApi | null = null;
  let tmApi: TmApi | null = null;
  let uac: DialogUac | null = null;
  let db: DialogDb | null = null;
  let conn: DbConnection | null = null;
  let flushTimer: NodeJS.Timeout | null = null;
  let rrHooked = false;
  let nextId = 1 + Math.floor(Math.random() * 0x3fff);
  let mask = 4095;
  let rrParam = 'did';
  let matchModeDefault = 1;
  let dbMode = 0;

  const log = (level: number, text: string): void => env?.log(level, text);
  const stat = (name: string, delta = 1): void => core?.stat(`dialog:${name}`, delta);
  const nowMs = (): number => timers.now();
  const nowSec = (): number => Math.floor(timers.now() / 1000);

  /** Database writes in flight (destroy waits for them before closing the connection). */
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>, what: string, d: Dialog): void => {
    const q = p.catch((e: unknown) => log(-1, `${what} dialog ${d.did}: ${errText(e)}`)).finally(() => inFlight.delete(q));
    inFlight.add(q);
  };
  const persist = (d: Dialog): void => {
    d.dirty = true;
    if (db === null || dbMode !== 1) return;
    track(db.write(d), 'writing to the database', d);
  };
  const unpersist = (d: Dialog): void => {
    if (db === null || dbMode === 3) return;
    track(db.remove(d), 'deleting from the database', d);
  };

  /** Watchers of other modules (the dialog service), per dialog. */
  const watchers = new WeakMap<Dialog, DialogWatcher[]>();
  const setState = (d: Dialog, next: number): void => {
    const old = d.state;
    if (old === next) return;
    d.state = next;
    const ws = watchers.get(d);
    if (ws !== undefined) {
      const answeredNow = old < DLG_STATE.CONFIRMED_NA && (next === DLG_STATE.CONFIRMED_NA || next === DLG_STATE.CONFIRMED);
      if (answeredNow) for (const w of ws) w.onAnswer?.(nowMs());
      if (next === DLG_STATE.DELETED) {
        watchers.delete(d);
        const answered = old === DLG_STATE.CONFIRMED_NA || old === DLG_STATE.CONFIRMED;
        for (const w of ws) w.onEnd(answered);
      }
    }
    if (old === DLG_STATE.EARLY) stat('early_dialogs', -1);
    if (next === DLG_STATE.EARLY) stat('early_dialogs', 1);
    if ((old === DLG_STATE.CONFIRMED_NA || old === DLG_STATE.CONFIRMED) && next === DLG_STATE.DELETED) stat('active_dialogs', -1);
    if ((next === DLG_STATE.CONFIRMED_NA) || (next === DLG_STATE.CONFIRMED && old < DLG_STATE.CONFIRMED_NA)) stat('active_dialogs', 1);
    core?.raiseEvent?.('E_DLG_STATE_CHANGED', {
      id: String(d.dbId), db_id: String(d.dbId), hash_entry: d.hEntry, hash_id: d.hId,
      callid: d.callid, from_tag: d.legs[CALLER].tag, to_tag: d.legs[CALLEE].tag, old_state: old, new_state: next,
    });
  };

  /** Runs a dlg_on_* route with the dialog as the current one (msg: the message behind the event, if any). */
  const runDlgRoute = (d: Dialog, name: string, msg: SipMessage | null, rcv: ReceiveInfo | null, dir = 0, dstLeg = -1): Promise<void> => {
    if (core === null) return Promise.resolve();
    let run: Promise<unknown>;
    try {
      run = core.runRoute('request', name, msg, rcv, (c) => {
        c.moduleState.set(CTX_KEY, { dlg: d, dir, dstLeg, timeout: null } satisfies DlgCtx);
      });
    } catch (e) {
      log(-1, `dialog ${d.did}: route '${name}': ${errText(e)}`);
      return Promise.resolve();
    }
    return run.then(() => undefined, (e: unknown) => log(-1, `dialog ${d.did}: route '${name}': ${errText(e)}`));
  };

  /** The dialog ended: out of the table, the profiles, the timer and the database. */
  const destroy = (d: Dialog, reason: string, hangupMsg: SipMessage | null = null, rcv: ReceiveInfo | null = null, dir = 0, dstLeg = -1): void => {
    const wasConfirmed = d.state === DLG_STATE.CONFIRMED || d.state === DLG_STATE.CONFIRMED_NA;
    if (wasConfirmed && d.rtHangup !== null) {
      const name = d.rtHangup;
      d.rtHangup = null;
      d.endReason ??= reason;
      void runDlgRoute(d, name, hangupMsg, rcv, dir, dstLeg);
    }
    if (d.state !== DLG_STATE.DELETED) setState(d, DLG_STATE.DELETED);
    d.endReason ??= reason;
    d.timer = timers.cancel(d.timer);
    profiles.removeAll(d);
    store.remove(d);
    unpersist(d);
  };

  const expire = (d: Dialog): void => {
    if (d.state === DLG_STATE.DELETED) return;
    if (d.rtTimeout !== null && (d.state === DLG_STATE.CONFIRMED || d.state === DLG_STATE.CONFIRMED_NA)) {
      // dlg_on_timeout runs first; when it gives the dialog a new $DLG_timeout the dialog lives on.
      const name = d.rtTimeout;
      void runDlgRoute(d, name, null, null).then(() => {
        if (d.timer === null) expired(d);
      });
      return;
    }
    expired(d);
  };

  const expired = (d: Dialog): void => {
    if (d.state === DLG_STATE.DELETED) return;
    stat('expired_dialogs');
    log(3, `dialog ${d.did} (${d.callid}) reached its lifetime of ${d.timeout}s`);
    const confirmed = d.state === DLG_STATE.CONFIRMED || d.state === DLG_STATE.CONFIRMED_NA;
    if (confirmed && (d.flags & DLG_FLAG_BYE_ON_TIMEOUT) !== 0) {
      endDialog(d, 'Lifetime Timeout');
      return;
    }
    destroy(d, 'Lifetime Timeout');
  };

  /** Sends BYE to both sides and deletes the dialog (timeout with B, dlg_end_dlg). */
  const endDialog = (d: Dialog, reason: string): Promise<number[]> => {
    const sends = uac === null ? [] : [uac.bye(d, CALLER), uac.bye(d, CALLEE)];
    destroy(d, reason);
    return Promise.all(sends);
  };

  const newDialog = (callid: string, fromUri: string, toUri: string, timeout: number, hEntry?: number, hId?: number): Dialog => {
    const e = hEntry ?? callIdHash(callid, mask);
    let id = hId;
    if (id === undefined) {
      do {
        id = nextId;
        nextId = nextId >= 0xfffffffe ? 1 : nextId + 1;
      } while (store.hasId(id));
    } else if (id >= nextId) nextId = id + 1;
    return new Dialog(e, id, callid, fromUri, toUri, nowMs(), timeout, expire);
  };

  const startLifetime = (d: Dialog): void => {
    d.timer = timers.cancel(d.timer);
    const left = d.startTime + d.timeout - nowSec();
    d.timer = timers.schedule(d, 0, Math.max(0, left) * 1000);
  };

  /** tm told us a reply of the dialog's INVITE went upstream. */
  const onInviteReply = (d: Dialog, status: number, reply: SipMessage | null): void => {
    if (d.state === DLG_STATE.DELETED) return;
    if (status < 200) {
      if (status === 100 || reply === null) return;
      const tag = safe(() => reply.toTag()) ?? '';
      if (tag === '' || d.state !== DLG_STATE.UNCONFIRMED) return;
      d.legs[CALLEE].tag = tag;
      takeCallee(d, reply);
      setState(d, DLG_STATE.EARLY);
      return;
    }
    if (status < 300) {
      if (d.state === DLG_STATE.CONFIRMED_NA || d.state === DLG_STATE.CONFIRMED) return;
      if (reply !== null) {
        d.legs[CALLEE].tag = safe(() => reply.toTag()) ?? d.legs[CALLEE].tag;
        takeCallee(d, reply);
      }
      d.startTime = nowSec();
      setState(d, DLG_STATE.CONFIRMED_NA);
      startLifetime(d);
      persist(d);
      if (d.rtAnswer !== null) void runDlgRoute(d, d.rtAnswer, reply, null, 2, CALLER);
      return;
    }
    if (d.state === DLG_STATE.UNCONFIRMED || d.state === DLG_STATE.EARLY) {
      stat('failed_dialogs');
      destroy(d, status === 487 ? 'Cancelled' : `Failed (${status})`);
    }
  };

  /** Callee contact and both route sets from a reply carrying the dialog. */
  const takeCallee = (d: Dialog, reply: SipMessage): void => {
    const contact = safe(() => reply.contacts().contacts[0]?.uri);
    if (contact) d.legs[CALLEE].contact = contact;
    const rr = safe(() => reply.recordRoutes()) ?? [];
    const mark = `;${rrParam}=${d.did}`;
    let first = -1;
    let last = -1;
    for (let i = 0; i < rr.length; i++) {
      const u = rr[i]!.uri;
      const at = u.indexOf(mark);
      if (at !== -1 && (at + mark.length === u.length || /[;?>]/.test(u[at + mark.length]!))) {
        if (first === -1) first = i;
        last = i;
      }
    }
    if (first === -1) return;
    const toCallee = rr.slice(0, first).map((n) => n.raw).reverse();
    const toCaller = rr.slice(last + 1).map((n) => n.raw);
    d.legs[CALLEE].routes = toCallee.length > 0 ? toCallee : null;
    d.legs[CALLER].routes = toCaller.length > 0 ? toCaller : null;
  };

  // ------------------------------------------------------------------ script functions

  const createDlg = (ctx: ScriptContext, flags: ParsedFlags | null): number => {
    const st = dctx(ctx);
    if (st.dlg !== null) return 1;
    const msg = sipMessage(ctx);
    if (msg === null || !msg.isRequest || msg.method !== 'INVITE') {
      ctx.logError('create_dialog: only an initial INVITE creates a dialog');
      return -1;
    }
    let callid: string;
    let from: { uri: string; tag: string | null };
    let toUri: string;
    let cseq: number;
    try {
      if ((msg.toTag() ?? '') !== '') {
        ctx.logError('create_dialog: the INVITE has a To tag (a re-INVITE belongs to an existing dialog)');
        return -1;
      }
      callid = msg.callId();
      from = msg.from();
      toUri = msg.to().uri;
      cseq = msg.cseq().seq;
    } catch (e) {
      ctx.logError(`create_dialog: ${errText(e)}`);
      return -1;
    }
    if (from.tag === null || from.tag === '') {
      ctx.logError('create_dialog: the INVITE has no From tag');
      return -1;
    }
    // A retransmitted INVITE (the script calls create_dialog before tm absorbs it) gets the same dialog.
    for (let o = store.byCallId(callid) ?? null; o !== null; o = o.sameCallId) {
      if (o.legs[CALLER].tag === from.tag && o.legs[CALLER].invCseq === cseq && o.state <= DLG_STATE.EARLY) {
        st.dlg = o;
        st.dir = 1;
        st.dstLeg = CALLEE;
        return 1;
      }
    }
    const d = newDialog(callid, from.uri, toUri, st.timeout ?? param<number>('default_timeout'));
    if (flags?.flags.has('bye-on-timeout')) d.flags |= DLG_FLAG_BYE_ON_TIMEOUT;
    const caller = d.legs[CALLER];
    const callee = d.legs[CALLEE];
    caller.tag = from.tag;
    caller.contact = safe(() => msg.contacts().contacts[0]?.uri) ?? '';
    caller.invCseq = cseq;
    callee.cseq = cseq;
    caller.socket = core?.localSocket(ctx.rcv)?.name ?? null;
    if (addRecordRouteParam(ctx, `;${rrParam}=${d.did}`) < 0) {
      ctx.logError('create_dialog: failed to add the dialog id to Record-Route');
      return -1;
    }
    if (tmApi?.onReplyOut === undefined) {
      ctx.logError('create_dialog: tm offers no reply callbacks');
      return -1;
    }
    tmApi.onReplyOut(ctx, (status, reply) => onInviteReply(d, status, reply));
    const tm = tmApi;
    // An INVITE the script answered itself (a stateless send_reply) or dropped never gets a
    // transaction, so no reply ends its dialog: it goes when the route is over, as OpenSIPS
    // frees a dialog whose request was not relayed (else it would count as up for the whole
    // default_timeout: a refused call would hold a concurrency slot for 12 hours).
    ctx.atRouteEnd(() => {
      if (d.state === DLG_STATE.UNCONFIRMED && tm.transactionOf(ctx) === null) destroy(d, 'Not relayed');
    });
    store.insert(d);
    // Until it is answered the lifetime also bounds a dialog whose transaction never replies.
    d.timer = timers.schedule(d, 0, d.timeout * 1000);
    stat('processed_dialogs');
    st.dlg = d;
    st.dir = 1;
    st.dstLeg = CALLEE;
    return 1;
  };

  /** The did a sequential request carries: our Route parameter (after loose_route), else the first Route URI holding it. */
  const didOf = (ctx: ScriptContext, msg: SipMessage): string | null => {
    const p = getRouteParam(ctx, rrParam);
    if (p !== null) return p;
    const re = new RegExp(`;${rrParam}=([0-9a-fA-F]+\\.[0-9a-fA-F]+)`);
    for (const r of safe(() => msg.routes()) ?? []) {
      const m = re.exec(r.uri);
      if (m !== null) return m[1]!;
    }
    return null;
  };

  /** Finds the dialog of a sequential request and runs the request side of the state machine. 1 found, -1 not. */
  const matchRequest = (ctx: ScriptContext, mode: number): number => {
    const st = dctx(ctx);
    if (st.dlg !== null) return 1;
    const msg = sipMessage(ctx);
    if (msg === null || !msg.isRequest) return -1;
    let callid: string;
    let ftag: string;
    let ttag: string;
    try {
      ttag = msg.toTag() ?? '';
      if (ttag === '') return -1;
      callid = msg.callId();
      ftag = msg.fromTag() ?? '';
    } catch (e) {
      ctx.logError(`match_dialog: ${errText(e)}`);
      return -1;
    }
    let found: { dlg: Dialog; dir: 1 | 2 } | null = null;
    if (mode !== 2) {
      const did = didOf(ctx, msg);
      if (did !== null) {
        const id = parseDid(did);
        const d = id === null ? undefined : store.byId(id.hEntry, id.hId);
        if (d !== undefined && d.callid === callid) {
          if (ftag === d.legs[CALLER].tag && (ttag === d.legs[CALLEE].tag || d.legs[CALLEE].tag === '')) found = { dlg: d, dir: 1 };
          else if (ftag === d.legs[CALLEE].tag && ttag === d.legs[CALLER].tag) found = { dlg: d, dir: 2 };
        }
        if (found === null && d !== undefined) log(1, `dialog: tight matching failed for ${msg.method} with callid='${callid}' ftag='${ftag}' ttag='${ttag}'`);
      }
      if (found === null && mode === 0) return -1;
    }
    if (found === null) found = matchBySipIds(store, callid, ftag, ttag);
    if (found === null) return -1;
    const d = found.dlg;
    st.dlg = d;
    st.dir = found.dir;
    st.dstLeg = found.dir === 1 ? CALLEE : CALLER;
    onSequential(ctx, msg, d, st.dstLeg);
    return 1;
  };

  /** Request side of the state machine (dlg_onroute). */
  const onSequential = (ctx: ScriptContext, msg: SipMessage, d: Dialog, dstLeg: number): void => {
    const leg = d.legs[dstLeg];
    const method = msg.method;
    const cseq = safe(() => msg.cseq().seq) ?? 0;
    if (method !== 'ACK') {
      leg.prevCseq = leg.cseq;
      if (cseq > leg.cseq) leg.cseq = cseq;
    }
    if (method === 'ACK') {
      if (d.state === DLG_STATE.CONFIRMED_NA) {
        setState(d, DLG_STATE.CONFIRMED);
        persist(d);
      }
      return;
    }
    if (method === 'BYE') {
      if (d.state === DLG_STATE.CONFIRMED_NA || d.state === DLG_STATE.CONFIRMED) {
        destroy(d, dstLeg === CALLER ? 'Upstream BYE' : 'Downstream BYE', msg, ctx.rcv, dstLeg === CALLER ? 2 : 1, dstLeg);
      } else if (d.state !== DLG_STATE.DELETED) {
        log(1, `dialog ${d.did}: BYE in state ${d.state} (not confirmed); ignored by the state machine`);
      }
      return;
    }
    if ((method === 'INVITE' || method === 'UPDATE') && d.state >= DLG_STATE.CONFIRMED_NA && d.state < DLG_STATE.DELETED) {
      // Target refresh (RFC 3261 §12.2), both sides only once the refresh is accepted (2xx):
      // a forged or refused re-INVITE must not move the dialog's remote target, or
      // validate_dialog/fix_route_dialog would defend the attacker's contact from then on.
      const src = d.legs[dstLeg === CALLER ? CALLEE : CALLER];
      const contact = safe(() => msg.contacts().contacts[0]?.uri);
      tmApi?.onReplyOut?.(ctx, (status, reply) => {
        if (status < 200 || status >= 300 || d.state === DLG_STATE.DELETED) return;
        if (contact) src.contact = contact;
        const c = reply === null ? undefined : safe(() => reply.contacts().contacts[0]?.uri);
        if (c) leg.contact = c;
        if (contact || c) persist(d);
      });
    }
    if (d.state === DLG_STATE.CONFIRMED_NA || d.state === DLG_STATE.CONFIRMED) {
      const t = peek(ctx)?.timeout ?? null;
      if (t !== null && t !== d.timeout) {
        d.timeout = t;
        startLifetime(d);
      }
      persist(d);
    }
  };

  const validate = (ctx: ScriptContext): number => {
    const st = peek(ctx);
    const d = st?.dlg ?? null;
    if (d === null || st!.dstLeg < 0) {
      ctx.logError('validate_dialog: no dialog for this request (call match_dialog or loose_route first)');
      return -4;
    }
    const msg = sipMessage(ctx);
    if (msg === null || !msg.isRequest) return -4;
    const leg = d.legs[st!.dstLeg];
    let n: number;
    try {
      n = msg.cseq().seq;
    } catch {
      ctx.logError('validate_dialog: bad or missing CSeq header');
      return -4;
    }
    if (msg.method === 'ACK') {
      const src = d.legs[st!.dstLeg === CALLER ? CALLEE : CALLER];
      if (n !== src.invCseq) return -1;
    } else {
      const m = leg.prevCseq >= 0 ? leg.prevCseq : leg.cseq;
      if (n <= m) return -1;
    }
    if (d.state <= DLG_STATE.EARLY) return 1;
    let current: SipMessage;
    try {
      current = parseMessage(msg.toBuffer());
    } catch (e) {
      ctx.logError(`validate_dialog: ${errText(e)}`);
      return -4;
    }
    if (leg.contact !== '') {
      const target = ctx.ruri();
      if (!sameUri(target, leg.contact)) {
        ctx.logError(`validate_dialog: failed to validate remote contact: dlg=[${leg.contact}] , req=[${target}]`);
        return -2;
      }
    }
    let routes: string[];
    try {
      routes = current.routes().map((r) => r.uri);
    } catch {
      return -4;
    }
    const want = (leg.routes ?? []).map(routeUri);
    if (routes.length !== want.length) {
      if (routes.length > 0 || want.length > 0) ctx.logError(`validate_dialog: different number of routes found in msg. req=${routes.length}, dlg=${want.length}`);
      return -3;
    }
    for (let i = 0; i < routes.length; i++) {
      if (!sameUri(routes[i]!, want[i]!)) {
        ctx.logError(`validate_dialog: check failed for route number ${i}. req=[${routes[i]}],dlg=[${want[i]}]`);
        return -3;
      }
    }
    return 1;
  };

  const fixRoute = (ctx: ScriptContext): number => {
    const st = peek(ctx);
    const d = st?.dlg ?? null;
    if (d === null || st!.dstLeg < 0) {
      ctx.logError('fix_route_dialog: no dialog for this request (call match_dialog or loose_route first)');
      return -1;
    }
    const msg = sipMessage(ctx);
    if (msg === null || !msg.isRequest) return -1;
    const leg = d.legs[st!.dstLeg];
    const routes = leg.routes ?? [];
    const first = routes.length > 0 ? routeUri(routes[0]!) : null;
    const strict = first !== null && !/;lr(?:[=;?]|$)/i.test(first);
    const text = currentText(msg);
    const lay = layoutOf(text);
    const head = text
      .slice(lay.headersStart, lay.headersEnd)
      .split('\r\n')
      .filter((l) => l !== '' && !/^route\s*:/i.test(l));
    let ruri = leg.contact;
    let routeValues = routes;
    if (strict) {
      ruri = first!;
      routeValues = [...routes.slice(1), `<${leg.contact}>`];
    }
    if (routeValues.length > 0) {
      let lastVia = -1;
      for (let i = 0; i < head.length; i++) if (/^(via|v)\s*:/i.test(head[i]!)) lastVia = i;
      head.splice(lastVia + 1, 0, `Route: ${routeValues.join(', ')}`);
    }
    const next = `${text.slice(0, lay.headersStart)}${head.join('\r\n')}\r\n${text.slice(lay.headersEnd)}`;
    if (!replaceMessage(ctx, msg, next, 'fix_route_dialog')) return -1;
    ctx.dstUri = null;
    if (ruri !== '' && !ctx.setRuri(ruri)) return -1;
    if (!strict && first !== null) ctx.dstUri = first;
    return 1;
  };

  const profileOf = (ctx: ScriptContext, fn: string, name: string, value: string | null): Profile | null => {
    const p = profiles.get(name);
    if (p === undefined) {
      ctx.logError(`${fn}: profile '${name}' is not declared (profiles_with_value / profiles_no_value)`);
      return null;
    }
    if (p.hasValue && value === null && fn === 'set_dlg_profile') {
      ctx.logError(`${fn}: profile '${name}' needs a value`);
      return null;
    }
    return p;
  };

  const currentDialog = (ctx: ScriptContext): Dialog | null => peek(ctx)?.dlg ?? null;

  const onRoute = (ctx: ScriptContext, fn: string, which: 'rtAnswer' | 'rtTimeout' | 'rtHangup', name: string | null): number => {
    const d = currentDialog(ctx);
    if (d === null) {
      ctx.logError(`${fn}: no dialog for this message (create_dialog first)`);
      return -1;
    }
    d[which] = name;
    return 1;
  };

  const impls: Record<string, FunctionExport['impl']> = {
    create_dialog: createDlg,
    match_dialog: (ctx: ScriptContext, mode: string | null) => {
      const m = mode === null ? matchModeDefault : MATCH_MODES.indexOf(mode.trim().toLowerCase());
      return matchRequest(ctx, m);
    },
    validate_dialog: validate,
    dlg_on_answer: (ctx: ScriptContext, name: string | null) => onRoute(ctx, 'dlg_on_answer', 'rtAnswer', name),
    dlg_on_timeout: (ctx: ScriptContext, name: string | null) => onRoute(ctx, 'dlg_on_timeout', 'rtTimeout', name),
    dlg_on_hangup: (ctx: ScriptContext, name: string | null) => onRoute(ctx, 'dlg_on_hangup', 'rtHangup', name),
    fix_route_dialog: fixRoute,
    set_dlg_profile: (ctx: ScriptContext, name: string, value: string | null, clear: number | null) => {
      const d = currentDialog(ctx);
      if (d === null) {
        ctx.logError('set_dlg_profile: no dialog for this message (create_dialog first)');
        return -1;
      }
      const p = profileOf(ctx, 'set_dlg_profile', name, value);
      if (p === null) return -1;
      if (!p.hasValue && value !== null) {
        ctx.logError(`set_dlg_profile: profile '${name}' has no values; '${value}' not used`);
        return -1;
      }
      if (clear !== null && clear !== 0 && p.hasValue) profiles.remove(p, d, null);
      profiles.add(p, d, value ?? '');
      if (d.inDb) persist(d);
      return 1;
    },
    unset_dlg_profile: (ctx: ScriptContext, name: string, value: string | null) => {
      const d = currentDialog(ctx);
      if (d === null) return -1;
      const p = profileOf(ctx, 'unset_dlg_profile', name, value);
      if (p === null) return -1;
      if (p.hasValue && value === null) {
        ctx.logError(`unset_dlg_profile: profile '${name}' needs a value`);
        return -1;
      }
      return profiles.remove(p, d, value) > 0 ? 1 : -1;
    },
    is_in_profile: (ctx: ScriptContext, name: string, value: string | null) => {
      const d = currentDialog(ctx);
      if (d === null) return -1;
      const p = profileOf(ctx, 'is_in_profile', name, value);
      if (p === null) return -1;
      return profiles.isIn(p, d, value) ? 1 : -1;
    },
    get_profile_size: (ctx: ScriptContext, name: string, value: string | null, out: PvRef) => {
      const p = profileOf(ctx, 'get_profile_size', name, value);
      if (p === null) return -1;
      out.set(ctx, p.size(value));
      return 1;
    },
    store_dlg_value: (ctx: ScriptContext, name: string, value: ScriptValue) => {
      const d = currentDialog(ctx);
      if (d === null) return -1;
      setVal(d, name, value);
      return 1;
    },
    fetch_dlg_value: (ctx: ScriptContext, name: string, out: PvRef) => {
      const d = currentDialog(ctx);
      const v = d?.vals?.get(name);
      if (v === undefined) return -1;
      out.set(ctx, v);
      return 1;
    },
  };

  /** Bit of a dialog flag given by number or by name (names get the lowest free bit, per instance). */
  const flagNames = new Map<string, number>();
  const flagBit = (ctx: ScriptContext, fn: string, flag: string): number => {
    const t = flag.trim();
    if (/^\d+$/.test(t)) return Number(t);
    let bit = flagNames.get(t);
    if (bit === undefined) {
      const used = new Set(flagNames.values());
      for (let b = 0; b < 32 && bit === undefined; b++) if (!used.has(b)) bit = b;
      if (bit === undefined) {
        ctx.logError(`${fn}: no free dialog flag bit for '${t}'`);
        return -1;
      }
      flagNames.set(t, bit);
    }
    return bit;
  };
  const withFlag = (fn: string, act: (d: Dialog, mask: number, ctx: ScriptContext) => number) => (ctx: ScriptContext, flag: string): number => {
    const d = currentDialog(ctx);
    if (d === null) {
      ctx.logError(`${fn}: no dialog for this message`);
      return -1;
    }
    const bit = flagBit(ctx, fn, flag);
    if (bit < 0) return -1;
    return act(d, (1 << bit) >>> 0, ctx);
  };
  impls['set_dlg_flag'] = withFlag('set_dlg_flag', (d, mask) => {
    d.userFlags = (d.userFlags | mask) >>> 0;
    if (d.inDb) persist(d);
    return 1;
  });
  impls['reset_dlg_flag'] = withFlag('reset_dlg_flag', (d, mask) => {
    d.userFlags = (d.userFlags & ~mask) >>> 0;
    if (d.inDb) persist(d);
    return 1;
  });
  impls['is_dlg_flag_set'] = withFlag('is_dlg_flag_set', (d, mask) => ((d.userFlags & mask) !== 0 ? 1 : -1));
  impls['test_and_set_dlg_flag'] = (ctx: ScriptContext, flag: string, value: number) => {
    if (value !== 0 && value !== 1) {
      ctx.logError(`test_and_set_dlg_flag: only 0 or 1 accepted, got ${value}`);
      return -1;
    }
    return withFlag('test_and_set_dlg_flag', (d, mask) => {
      const isSet = (d.userFlags & mask) !== 0;
      // True when the flag had the other value and was changed to `value`.
      if (isSet === (value === 1)) return -1;
      d.userFlags = (value === 1 ? d.userFlags | mask : d.userFlags & ~mask) >>> 0;
      if (d.inDb) persist(d);
      return 1;
    })(ctx, flag);
  };

  const setVal = (d: Dialog, name: string, value: ScriptValue): void => {
    if (value === null) d.vals?.delete(name);
    else (d.vals ??= new Map()).set(name, String(value));
    if (d.inDb) persist(d);
  };

  const createFixup = (args: readonly FixupArg[]): string | undefined => {
    const lit = args[0]?.literal ?? null;
    if (lit === null) return undefined;
    let parsed: ParsedFlags;
    try {
      parsed = parseFlagString(CREATE_DIALOG_FLAGS, lit);
    } catch {
      return undefined;
    }
    for (const f of parsed.flags.keys()) {
      const what = UNSUPPORTED_FLAGS[f];
      if (what !== undefined) return `create_dialog: flag '${f}' (${what}) is not supported by tsips yet; remove it (only bye-on-timeout / B works)`;
    }
    return undefined;
  };

  const functions = DECLARED.functions!.map((f) => {
    const impl = impls[f.name];
    if (impl === undefined) return f;
    return implemented(f, impl, f.name === 'create_dialog' ? createFixup : undefined);
  });

  // ------------------------------------------------------------------ pseudo-variables

  const ro = (get: (ctx: ScriptContext) => ScriptValue) => () => ({ get });
  const pvImpls: Record<string, PvarExport['bind']> = {
    DLG_status: ro((ctx) => currentDialog(ctx)?.state ?? null),
    DLG_dir: ro((ctx) => {
      const st = peek(ctx);
      if (st?.dlg == null) return null;
      return st.dir === 2 ? 'upstream' : st.dir === 1 ? 'downstream' : null;
    }),
    DLG_did: ro((ctx) => currentDialog(ctx)?.did ?? null),
    DLG_lifetime: ro((ctx) => {
      const d = currentDialog(ctx);
      return d === null ? null : Math.floor((nowMs() - d.created) / 1000);
    }),
    DLG_count: ro(() => store.size),
    DLG_end_reason: ro((ctx) => currentDialog(ctx)?.endReason ?? null),
    DLG_flags: () => ({
      get: (ctx) => currentDialog(ctx)?.userFlags ?? null,
      set: (ctx, value) => {
        const d = currentDialog(ctx);
        if (d === null) {
          ctx.logError('$DLG_flags: no dialog for this message');
          return;
        }
        const n = value === null ? 0 : Number(value);
        if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
          ctx.logError(`$DLG_flags: '${value}' is not a flag mask`);
          return;
        }
        d.userFlags = n >>> 0;
        if (d.inDb) persist(d);
      },
    }),
    DLG_timeout: () => ({
      get: (ctx) => {
        const st = peek(ctx);
        const d = st?.dlg ?? null;
        if (d === null) return st?.timeout ?? null;
        if (d.startTime === 0) return d.timeout;
        return Math.max(0, d.startTime + d.timeout - nowSec());
      },
      set: (ctx, value) => {
        const st = dctx(ctx);
        const n = value === null ? param<number>('default_timeout') : Number(value);
        if (!Number.isInteger(n) || n <= 0) {
          ctx.logError(`$DLG_timeout: '${value}' is not a positive number of seconds`);
          return;
        }
        st.timeout = n;
        const d = st.dlg;
        if (d === null) return;
        if (d.startTime === 0) d.timeout = n;
        else {
          d.timeout = nowSec() - d.startTime + n;
          startLifetime(d);
          persist(d);
        }
      },
    }),
    dlg_val: (site) => {
      const nameOf = (ctx: ScriptContext): string | null => {
        const n = site.name;
        if (n === null) return null;
        return n.kind === 'static' ? n.text : n.get(ctx);
      };
      return {
        get: (ctx) => {
          const d = currentDialog(ctx);
          const name = nameOf(ctx);
          if (d === null || name === null) return null;
          return d.vals?.get(name) ?? null;
        },
        set: (ctx, value) => {
          const d = currentDialog(ctx);
          const name = nameOf(ctx);
          if (d === null || name === null) {
            ctx.logError(`${site.raw}: no dialog for this message`);
            return;
          }
          setVal(d, name, value);
        },
      };
    },
  };
  const pvars = DECLARED.pvars!.map((p) => {
    const bind = pvImpls[p.name];
    if (bind === undefined) return p;
    const out: PvarExport = { name: p.name, inner: p.inner, bind };
    if (p.writable) out.writable = true;
    if (p.doc !== undefined) out.doc = p.doc;
    return out;
  });

  // ------------------------------------------------------------------ MI

  const dlgJson = (d: Dialog): Record<string, unknown> => {
    const caller = d.legs[CALLER];
    const callee = d.legs[CALLEE];
    const out: Record<string, unknown> = {
      ID: String(d.dbId),
      did: d.did,
      state: d.state,
      user_flags: d.userFlags,
      timestart: d.startTime,
      timeout: d.startTime === 0 ? 0 : d.startTime + d.timeout,
      callid: d.callid,
      from_uri: d.fromUri,
      to_uri: d.toUri,
      caller_tag: caller.tag,
      caller_contact: caller.contact,
      caller_cseq: String(caller.cseq),
      caller_route_set: caller.routes === null ? '' : caller.routes.join(','),
      caller_bind_addr: caller.socket ?? '',
      CALLEES: [{
        callee_tag: callee.tag,
        callee_contact: callee.contact,
        callee_cseq: String(callee.cseq),
        callee_route_set: callee.routes === null ? '' : callee.routes.join(','),
        callee_bind_addr: callee.socket ?? '',
      }],
    };
    if (d.vals !== null && d.vals.size > 0) out['values'] = Object.fromEntries(d.vals);
    if (d.profiles !== null) {
      const prof: Record<string, string[]> = {};
      for (let i = 0; i < d.profiles.length; i += 2) (prof[d.profiles[i]!] ??= []).push(d.profiles[i + 1]!);
      out['profiles'] = prof;
    }
    return out;
  };

  const findDialog = (id: string): Dialog | undefined => {
    const t = id.trim();
    const did = parseDid(t);
    if (did !== null) {
      const d = store.byId(did.hEntry, did.hId);
      if (d !== undefined) return d;
    }
    if (/^\d+$/.test(t)) {
      const n = Number(t);
      const d = store.byId(Math.floor(n / 0x100000000), n % 0x100000000);
      if (d !== undefined) return d;
    }
    return store.byCallId(t);
  };

  const profileParam = (p: Record<string, string>): Profile => {
    const prof = profiles.get(p['profile'] ?? '');
    if (prof === undefined) throw new Error('Profile not found');
    return prof;
  };

  const miImpls: Record<string, MiExport['handler']> = {
    'dialog:list': (p) => {
      let list: Dialog[];
      if (p['callid'] !== undefined) {
        list = [];
        for (let d = store.byCallId(p['callid']) ?? null; d !== null; d = d.sameCallId) {
          if (p['from_tag'] === undefined || d.legs[CALLER].tag === p['from_tag']) list.push(d);
        }
      } else list = [...store.all()];
      if (p['index'] !== undefined || p['counter'] !== undefined) {
        const from = Number(p['index'] ?? 0);
        const n = Number(p['counter'] ?? list.length);
        if (!Number.isInteger(from) || !Number.isInteger(n) || from < 0 || n < 0) throw new Error('Bad index/counter');
        list = list.slice(from, from + n);
      }
      return { Dialogs: list.map(dlgJson) };
    },
    'dialog:end_dlg': async (p) => {
      const d = findDialog(p['dialog_id'] ?? '');
      if (d === undefined) throw new Error('No such dialog');
      if (d.state !== DLG_STATE.CONFIRMED && d.state !== DLG_STATE.CONFIRMED_NA) throw new Error('Dialog not confirmed');
      await endDialog(d, 'MI Termination');
      return 'OK';
    },
    'dialog:profile_get_size': (p) => {
      const prof = profileParam(p);
      const value = prof.hasValue ? p['value'] ?? null : null;
      return { Profile: { name: prof.name, value: value ?? '', count: prof.size(value) } };
    },
    'dialog:profile_list_dlgs': (p) => {
      const prof = profileParam(p);
      const value = prof.hasValue ? p['value'] ?? null : null;
      return { Dialogs: prof.dialogs(value).map(dlgJson) };
    },
    'dialog:profile_get_values': (p) => {
      const prof = profileParam(p);
      return { Values: [...prof.members].map(([value, set]) => ({ value, count: set.size })) };
    },
    'dialog:list_all_profiles': () => ({ Profiles: [...profiles.all()].map((pr) => ({ name: pr.name, has_value: pr.hasValue ? 1 : 0, shared: 0 })) }),
    'dialog:profile_end_dlgs': async (p) => {
      const prof = profileParam(p);
      const value = prof.hasValue ? p['value'] ?? null : null;
      const list = prof.dialogs(value).filter((d) => d.state === DLG_STATE.CONFIRMED || d.state === DLG_STATE.CONFIRMED_NA);
      await Promise.all(list.map((d) => endDialog(d, 'MI Termination')));
      return 'OK';
    },
    'dialog:db_sync': async () => {
      if (db === null) throw new Error('Database not configured');
      for (const d of [...store.all()]) if (d.inDb) store.remove(d);
      await loadFromDb();
      return 'OK';
    },
    'dialog:restore_db': async () => {
      if (db === null) throw new Error('Database not configured');
      await db.removeAll();
      for (const d of store.all()) if (d.state === DLG_STATE.CONFIRMED || d.state === DLG_STATE.CONFIRMED_NA) await db.write(d);
      return 'OK';
    },
  };
  const mis = DECLARED.mi!.map((m) => (miImpls[m.name] !== undefined ? implementedMi(m, miImpls[m.name]!) : m));

  const loadFromDb = async (): Promise<number> => {
    if (db === null) return 0;
    const list = await db.load(nowSec(), (hEntry, hId, callid, fromUri, toUri, timeout) => newDialog(callid, fromUri, toUri, timeout, hEntry, hId), profiles);
    for (const d of list) {
      store.insert(d);
      stat('active_dialogs', 1);
      startLifetime(d);
    }
    return list.length;
  };

  const flushDirty = async (): Promise<void> => {
    if (db === null) return;
    for (const d of store.all()) {
      if (!d.dirty || (d.state !== DLG_STATE.CONFIRMED && d.state !== DLG_STATE.CONFIRMED_NA)) continue;
      try {
        await db.write(d);
      } catch (e) {
        log(-1, `writing dialog ${d.did} to the database: ${errText(e)}`);
      }
    }
  };

  const params: ModparamExport[] = DECLARED.params!.map((p) => ({ ...p, set: (v: string | number) => { values.set(p.name, v); } }));
  const withCheck = (name: string, check: (v: string | number) => string | undefined): void => {
    const i = params.findIndex((p) => p.name === name);
    params[i] = { ...params[i]!, validate: check };
  };
  withCheck('dlg_match_mode', (v) => ([0, 1, 2].includes(Number(v)) ? undefined : `must be 0, 1 or 2, got '${v}'`));
  withCheck('db_mode', (v) => ([0, 1, 2, 3].includes(Number(v)) ? undefined : `must be 0..3, got '${v}'`));
  withCheck('hash_size', (v) => {
    const n = Number(v);
    return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0 && n <= 1 << 20 ? undefined : `must be a power of two up to 2^20, got '${v}'`;
  });
  withCheck('default_timeout', (v) => (Number.isInteger(Number(v)) && Number(v) > 0 ? undefined : `must be a positive number of seconds, got '${v}'`));
  withCheck('profiles_with_value', (v) => new ProfileTable().declare(String(v), true));
  withCheck('profiles_no_value', (v) => new ProfileTable().declare(String(v), false));

  return {
    ...DECLARED,
    functions,
    params,
    pvars,
    mi: mis,
    async init(e) {
      env = e;
      core = e.services.find(CORE) ?? null;
      tmApi = e.services.find(TM) ?? null;
      const api: DialogApi = {
        watchCurrent(ctx, w) {
          const d = currentDialog(ctx);
          if (d === null || d.state === DLG_STATE.DELETED) return false;
          const ws = watchers.get(d);
          if (ws === undefined) watchers.set(d, [w]);
          else ws.push(w);
          return true;
        },
      };
      if (e.services.find(DIALOG) === undefined) e.services.provide(DIALOG, api);
      mask = param<number>('hash_size') - 1;
      rrParam = param<string>('rr_param');
      matchModeDefault = param<number>('dlg_match_mode');
      dbMode = param<number>('db_mode');
      const withValue = param<string | null>('profiles_with_value');
      const noValue = param<string | null>('profiles_no_value');
      for (const [list, has] of [[withValue, true], [noValue, false]] as const) {
        if (list === null) continue;
        const problem = profiles.declare(list, has);
        if (problem !== undefined) throw new Error(`dialog: ${problem}`);
      }
      if (core !== null) uac = new DialogUac(core, () => param<string | null>('dlg_extra_hdrs'), log);
      if (dbMode !== 0) {
        const dbm = dbManagerOf(e.services);
        conn = await dbm.open(dbm.resolveUrl(param<string | null>('db_url'), 'dialog'));
        const table = param<string>('table_name');
        await checkTableVersion(conn, table, 12, dbm.versionTable);
        const cols = defaultColumns();
        for (const [p, key] of Object.entries(COLUMN_PARAMS)) {
          const v = values.get(p);
          if (v !== undefined) cols[key] = String(v);
        }
        db = new DialogDb(conn, table, cols);
        const n = await loadFromDb();
        log(3, `loaded ${n} dialog(s) from table '${table}'`);
        if (dbMode === 2) {
          flushTimer = setInterval(() => void flushDirty(), param<number>('db_update_period') * 1000);
          flushTimer.unref();
        }
      }
      const rrApi = e.services.find(RR);
      if (rrApi !== undefined) {
        rrApi.onLooseRoute((ctx) => void matchRequest(ctx, matchModeDefault));
        rrHooked = true;
      }
    },
    childInit() {
      if (rrHooked || env === null) return;
      const rrApi = env.services.find(RR);
      if (rrApi !== undefined) {
        rrApi.onLooseRoute((ctx) => void matchRequest(ctx, matchModeDefault));
        rrHooked = true;
      }
    },
    async destroy() {
      if (flushTimer !== null) clearInterval(flushTimer);
      flushTimer = null;
      timers.stop();
      uac?.stop();
      await Promise.all([...inFlight]);
      if (db !== null) {
        try {
          if (dbMode === 3) {
            await db.removeAll();
            for (const d of store.all()) d.dirty = true;
          }
          if (dbMode === 2 || dbMode === 3) await flushDirty();
        } catch (err) {
          log(-1, `saving dialogs at shutdown: ${errText(err)}`);
        }
      }
      if (conn !== null) await conn.close();
      conn = null;
      db = null;
    },
  };
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** The dialog table for checking scripts (a server makes its own with createDialog()). */
export const dialog: ModuleExports = createDialog();
export { Dialog, LocalDialogStore, DLG_STATE, type DialogStore } from './store';
export { DIALOG, type DialogApi, type DialogWatcher } from './api';
