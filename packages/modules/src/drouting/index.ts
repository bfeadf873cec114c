/**
 * drouting: dynamic routing by prefix and time to gateways and carriers kept in the
 * dr_gateways / dr_rules / dr_carriers / dr_groups tables, with gateway probing and
 * blacklists built from gateway types (define_blacklist = 'name= type,type').
 */
import { makeRule, type BlacklistRule, type BlacklistStore, type FixupArg, type FunctionExport, type MiExport, type ModparamExport, type ModuleEnv, type ModuleExports, type PvRef, type ScriptContext } from '@tsips/script';
import { BLACKLISTS, CORE, dbManagerOf, type BlacklistsService, type DbConnection, type SipCoreApi } from '@tsips/core';
import { column, event, fn, implementedFn, implementedMi, intParam, mi, multiStrParam, strParam } from '../shared/declare';
import { isIP } from 'node:net';
import { TM, type TmApi } from '../tm/api';
import { canonicalIp, findRule, GW_DISABLED, GW_NO_ENABLE, GW_PROBE_ALWAYS, GW_PROBE_WHEN_DISABLED, loadRoutingData, orderByAlg, parseGwList, type Carrier, type Gateway, type Rule, type RoutingData, type RuleMatch } from './data';
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

const DECLARED: ModuleExports = {
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
  events: [event('E_DROUTING_STATUS', ['partition', 'gwid', 'address', 'status', 'reason'], 'A gateway changed state (probing, MI or dr_disable).')],
};

/** An MI error with the code OpenSIPS answers with (404 GW ID not found...). */
export class DrMiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'DrMiError';
  }
}

/** A gateway picked for a call, with the carrier it came through. */
interface GwPick {
  gw: Gateway;
  carrier: Carrier | null;
}

/**
 * What do_routing / route_to_gw leave for use_next_gw (OpenSIPS keeps it in AVPs): plain
 * data (ids, no object references), so that a shared store could hold it.
 */
export interface RoutingState {
  /** The Request-URI user the gateways' strip/prefix apply to. */
  user: string | null;
  /** Password and `;params?headers` of the original Request-URI, kept in each gateway URI. */
  passwd: string | null;
  rest: string;
  /** Gateways still to try, in order: [gateway id, carrier id or null]. */
  next: Array<[string, string | null]>;
  /** Where the rule in use sits (null for route_to_gw / route_to_carrier): prefix length and index. */
  match: { depth: number; index: number } | null;
  group: number;
  fallback: boolean;
  strict: boolean;
  /** Gateway ids and '#carrier' ids of do_routing's whitelist. */
  whitelist: string[] | null;
  /** Epoch ms it was made (expiry). */
  at: number;
}

/** Where the failover state of requests lives between the request route and failure_route. */
export interface RoutingStateStore {
  get(key: string): RoutingState | undefined;
  set(key: string, st: RoutingState): void;
  /** Drops states made before `olderThan` (epoch ms). */
  sweep(olderThan: number): void;
  clear(): void;
}

/** The in-process store. */
export class LocalRoutingStateStore implements RoutingStateStore {
  private readonly map = new Map<string, RoutingState>();
  get size(): number {
    return this.map.size;
  }
  get(key: string): RoutingState | undefined {
    return this.map.get(key);
  }
  set(key: string, st: RoutingState): void {
    this.map.set(key, st);
  }
  sweep(olderThan: number): void {
    for (const [k, st] of this.map) if (st.at < olderThan) this.map.delete(k);
  }
  clear(): void {
    this.map.clear();
  }
}

const STATE_KEY = 'drouting';
/** How long a routed request's failover state is kept for failure_route (ms). */
const STATE_TTL = 10 * 60 * 1000;

function avpName(spec: string | null): string | null {
  if (spec === null || spec.trim() === '') return null;
  const m = /^\$avp\(([^()\s]+)\)$/.exec(spec.trim());
  return m === null ? null : m[1]!;
}

function gwStateText(gw: Gateway): string {
  if ((gw.flags & GW_DISABLED) === 0) return 'Active';
  if ((gw.flags & GW_NO_ENABLE) !== 0) return 'Disabled MI';
  if ((gw.flags & GW_PROBE_WHEN_DISABLED) !== 0) return 'Probing';
  return 'Inactive';
}

/** Event status text (OpenSIPS dr_raise_event). */
function gwEventStatus(gw: Gateway): string {
  if ((gw.flags & GW_DISABLED) === 0) return 'active';
  if ((gw.flags & GW_NO_ENABLE) !== 0) return 'disabled MI';
  if ((gw.flags & GW_PROBE_WHEN_DISABLED) !== 0) return 'probing';
  return 'inactive';
}

/** Parses 'name= 1,2' (or 'partition:name= 1,2'). */
function parseDefineBlacklist(text: string): { name: string; types: number[] } {
  const m = /^\s*(?:[A-Za-z0-9_]+\s*:\s*)?([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(text)!;
  return { name: m[1]!, types: m[2]!.split(',').map((t) => Number(t.trim())) };
}

/** "200,3xx" style probing_reply_codes: exact codes. */
function parseReplyCodes(text: string | null): number[] | string {
  if (text === null || text.trim() === '') return [];
  const out: number[] = [];
  for (const raw of text.split(',')) {
    const t = raw.trim();
    if (!/^[1-6]\d\d$/.test(t)) return `probing_reply_codes: '${t}' is not a reply code`;
    out.push(Number(t));
  }
  return out;
}

/** A drouting instance; `probeNow` runs one probing round at once (tests, tools). */
export type DroutingModule = ModuleExports & {
  probeNow(): Promise<void>;
  /** Replaces the store of the failover states (before init; a shared backend). */
  useStateStore(store: RoutingStateStore): void;
};

/** A fresh drouting instance (its data, states and timers are per server). */
export function createDrouting(): DroutingModule {
  const values = new Map<string, string | number>();
  const blacklistDefs: string[] = [];
  const cfg = <T extends string | number | null>(name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v as T;
    return (DECLARED.params!.find((p) => p.name === name)?.default ?? null) as T;
  };
  let env: ModuleEnv | null = null;
  let conn: DbConnection | null = null;
  let core: SipCoreApi | null = null;
  let tmApi: TmApi | null = null;
  let blacklists: BlacklistsService | null = null;
  let data: RoutingData | null = null;
  let loadedAt = 0;
  let reloading = false;
  let probingOn = true;
  let probeTimer: NodeJS.Timeout | null = null;
  let sweepTimer: NodeJS.Timeout | null = null;
  let blWatch: NodeJS.Timeout | null = null;
  /** The blacklist store last filled: a script reload brings a new one (with the lists empty). */
  let filledStore: BlacklistStore | null = null;
  let replyCodes: number[] = [];
  let states: RoutingStateStore = new LocalRoutingStateStore();
  let avps = { ruri: null as string | null, gwId: null as string | null, sock: null as string | null, priPrefix: null as string | null, ruleId: null as string | null, rulePrefix: null as string | null, carrierId: null as string | null };

  const log = (level: number, text: string): void => env?.log(level, text);

  /** E_DROUTING_STATUS (and a log line) for a gateway whose state changed. */
  const statusChanged = (gw: Gateway, reason: string, ctx: ScriptContext | null): void => {
    const status = gwEventStatus(gw);
    log(2, `drouting: GW <${gw.id}>/${gw.ipStr} switched to [${status}] due to ${reason}`);
    const params = { partition: 'Default', gwid: gw.id, address: gw.ipStr, status, reason };
    if (ctx !== null) ctx.raiseEvent('E_DROUTING_STATUS', params);
    else core?.raiseEvent?.('E_DROUTING_STATUS', params);
    if (cfg<number>('persistent_state') !== 0 && conn !== null) {
      const state = (gw.flags & GW_DISABLED) === 0 ? 0 : (gw.flags & GW_NO_ENABLE) !== 0 ? 1 : 2;
      try {
        const r = conn.update(cfg<string>('drd_table'), { keys: ['gwid'], values: [gw.id] }, { state });
        if (r instanceof Promise) r.catch((e: unknown) => log(-1, `drouting: cannot store the state of gateway '${gw.id}': ${String(e)}`));
      } catch (e) {
        log(-1, `drouting: cannot store the state of gateway '${gw.id}': ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };

  /** Fills every define_blacklist list with the addresses of its gateway types. */
  const refreshBlacklists = (): void => {
    if (blacklistDefs.length === 0 || data === null) return;
    const store = blacklists?.current();
    if (store === undefined) {
      log(-1, 'drouting: define_blacklist: the core blacklists are not available');
      return;
    }
    filledStore = store;
    for (const def of blacklistDefs) {
      const { name, types } = parseDefineBlacklist(def);
      const head = store.get(name);
      if (head === undefined) {
        log(-1, `drouting: define_blacklist: blacklist '${name}' does not exist`);
        continue;
      }
      const rules: BlacklistRule[] = [];
      for (const t of types) {
        for (const gw of data.gateways.values()) {
          if (gw.type !== t) continue;
          for (const a of gw.addrs) {
            const r = makeRule({ proto: a.proto, net: `${a.ip}/${a.ip.includes(':') ? 128 : 32}`, port: a.port });
            if (typeof r === 'string') log(-1, `drouting: define_blacklist '${name}': gateway '${gw.id}': ${r}`);
            else rules.push(r);
          }
        }
      }
      const problem = store.replace(head, rules);
      if (problem !== undefined) log(-1, `drouting: define_blacklist: ${problem}`);
    }
  };

  const load = async (inheritState: boolean): Promise<void> => {
    if (conn === null) throw new Error('drouting: no database');
    const next = await loadRoutingData(conn, {
      gwTable: cfg<string>('drd_table'),
      rulesTable: cfg<string>('drr_table'),
      carriersTable: cfg<string>('drc_table'),
      persistentState: cfg<number>('persistent_state') !== 0,
      extraPrefixChars: cfg<string | null>('extra_prefix_chars') ?? '',
      extraIdChars: cfg<string | null>('extra_id_chars') ?? '',
      log,
    }, data, inheritState);
    data = next;
    loadedAt = Date.now();
    refreshBlacklists();
    log(3, `drouting: loaded ${next.gateways.size} gateways, ${next.carriers.size} carriers, ${next.rules.length} rules`);
  };

  // ------------------------------------------------------------------ state per call

  const stateKey = (ctx: ScriptContext): string | null => {
    const m = ctx.msg;
    if (m === null) return null;
    try {
      return `${m.callId()}\u0000${m.from().tag ?? ''}\u0000${m.cseq().seq}`;
    } catch {
      return null;
    }
  };
  /** Stores the state (again after every change: a shared store holds a copy). */
  const saveState = (ctx: ScriptContext, st: RoutingState): void => {
    ctx.moduleState.set(STATE_KEY, st);
    const k = stateKey(ctx);
    if (k !== null) states.set(k, st);
  };
  const findState = (ctx: ScriptContext): RoutingState | null => {
    const st = ctx.moduleState.get(STATE_KEY) as RoutingState | undefined;
    if (st !== undefined) return st;
    const k = stateKey(ctx);
    return k === null ? null : states.get(k) ?? null;
  };

  // ------------------------------------------------------------------ routing

  const usable = (gw: Gateway): boolean => (gw.flags & GW_DISABLED) === 0;

  /** The gateways of a rule, in use order: carriers expanded, disabled ones left out. */
  const expand = (rule: Rule, whitelist: Set<string> | null): GwPick[] => {
    const out: GwPick[] = [];
    const seen = new Set<string>();
    for (const d of orderByAlg(rule.dests, rule.sortAlg)) {
      if (d.gw !== null) {
        if (whitelist !== null && !whitelist.has(d.gw.id)) continue;
        if (usable(d.gw) && !seen.has(d.gw.id)) {
          seen.add(d.gw.id);
          out.push({ gw: d.gw, carrier: null });
        }
        continue;
      }
      out.push(...carrierGws(d.carrier, whitelist === null || whitelist.has(`#${d.carrier.id}`) ? null : whitelist, seen));
    }
    return out;
  };
  const carrierGws = (c: Carrier, whitelist: Set<string> | null, seen: Set<string>): GwPick[] => {
    if (c.off) return [];
    const out: GwPick[] = [];
    for (const e of orderByAlg(c.gws, c.sortAlg)) {
      if (whitelist !== null && !whitelist.has(e.gw.id)) continue;
      if (!usable(e.gw) || seen.has(e.gw.id)) continue;
      seen.add(e.gw.id);
      out.push({ gw: e.gw, carrier: c });
      if ((c.flags & 1) !== 0) break;
    }
    return out;
  };

  const setAvp = (ctx: ScriptContext, name: string | null, value: string | number | null): void => {
    if (name === null) return;
    ctx.avps.deleteAll(name);
    if (value !== null) ctx.avps.push(name, value);
  };

  /** Points the Request-URI at a gateway (strip, then pri_prefix on the user) and sets the AVPs and attrs. */
  const useGw = (ctx: ScriptContext, st: RoutingState, pick: GwPick, gwAttrs: PvRef | null, crAttrs: PvRef | null): void => {
    const gw = pick.gw;
    // OpenSIPS build_ruri: "sip:" + pri_prefix + user minus strip [+ ":" password] + "@" + gateway address + the original params/headers.
    const user = gw.priPrefix + (st.user === null ? '' : st.user.slice(Math.min(gw.strip, st.user.length)));
    const pw = st.passwd !== null && st.passwd !== '' ? `:${st.passwd}` : '';
    ctx.setRuri(`sip:${user}${pw}${user !== '' || pw !== '' ? '@' : ''}${gw.ipStr}${st.rest}`);
    setAvp(ctx, avps.gwId, gw.id);
    setAvp(ctx, avps.sock, gw.socket);
    setAvp(ctx, avps.priPrefix, gw.priPrefix === '' ? null : gw.priPrefix);
    setAvp(ctx, avps.carrierId, pick.carrier === null ? null : pick.carrier.id);
    if (avps.ruri !== null) {
      ctx.avps.deleteAll(avps.ruri);
      for (const [id] of st.next) {
        const g = data?.gateways.get(id);
        if (g !== undefined) ctx.avps.push(avps.ruri, `sip:${g.ipStr}`);
      }
    }
    gwAttrs?.set(ctx, gw.attrs);
    crAttrs?.set(ctx, pick.carrier === null ? '' : pick.carrier.attrs);
  };

  const setRuleInfo = (ctx: ScriptContext, m: RuleMatch, number: string, ruleAttrs: PvRef | null): void => {
    setAvp(ctx, avps.ruleId, m.rule.id);
    setAvp(ctx, avps.rulePrefix, number.slice(0, m.depth));
    ruleAttrs?.set(ctx, m.rule.attrs);
  };

  /** Runs the rule's routeid route (a script route; its result does not stop the routing). */
  const runRuleRoute = async (ctx: ScriptContext, rule: Rule): Promise<void> => {
    if (rule.routeId === null) return;
    const runner = ctx.tables.routeRunner;
    if (runner === undefined) {
      ctx.log(-1, `drouting: rule ${rule.id}: cannot run route '${rule.routeId}' here`);
      return;
    }
    await runner(ctx, rule.routeId, []);
  };

  const noData = (ctx: ScriptContext): boolean => {
    if (data !== null) return false;
    ctx.log(-1, 'drouting: no routing data loaded');
    return true;
  };

  const noMsg = (ctx: ScriptContext, fnName: string): boolean => {
    if (ctx.msg !== null && ctx.msg.isRequest) return false;
    ctx.log(-1, `drouting: ${fnName}: no SIP request here`);
    return true;
  };

  /** The group of the caller from dr_groups (From user, domain with use_domain), or default_group. */
  const callerGroup = async (ctx: ScriptContext): Promise<number | null> => {
    const m = ctx.msg;
    const dflt = cfg<number | null>('default_group');
    if (m === null || conn === null) return dflt;
    let parts;
    try {
      parts = ctx.uriPartsOf(m.from().uri);
    } catch {
      parts = null;
    }
    if (parts === null) {
      ctx.log(-1, 'drouting: cannot parse the From URI');
      return dflt;
    }
    const useDomain = cfg<number>('use_domain') !== 0;
    const keys = useDomain ? [cfg<string>('drg_user_col'), cfg<string>('drg_domain_col')] : [cfg<string>('drg_user_col')];
    const vals = useDomain ? [parts.user ?? '', parts.host] : [parts.user ?? ''];
    try {
      const rows = await conn.query(cfg<string>('drg_table'), { keys, values: vals, columns: [cfg<string>('drg_grpid_col')], limit: 1 });
      if (rows.length > 0) return Number(rows[0]![cfg<string>('drg_grpid_col')]);
    } catch (e) {
      ctx.log(-1, `drouting: failed to query the groups table: ${e instanceof Error ? e.message : String(e)}`);
      return -1;
    }
    return dflt;
  };

  const picksOf = (l: readonly GwPick[]): Array<[string, string | null]> => l.map((p) => [p.gw.id, p.carrier === null ? null : p.carrier.id]);

  /** Takes gateways from the state (falling back to less specific rules with F) until one is used. */
  const advance = async (ctx: ScriptContext, st: RoutingState, ruleAttrs: PvRef | null, gwAttrs: PvRef | null, crAttrs: PvRef | null): Promise<number> => {
    const d = data!;
    try {
      for (;;) {
        const id = st.next.shift();
        if (id !== undefined) {
          // Ids are looked up in the data in use now: a gateway a reload removed is skipped.
          const gw = d.gateways.get(id[0]);
          if (gw === undefined || !usable(gw)) continue;
          const carrier = id[1] === null ? null : d.carriers.get(id[1]) ?? null;
          useGw(ctx, st, { gw, carrier }, gwAttrs, crAttrs);
          return 1;
        }
        if (!st.fallback || st.match === null) return -1;
        const number = st.user ?? '';
        const m = findRule(d, st.group, number, Math.floor(ctx.clock.now() / 1000), st.strict, st.match);
        if (m === null) return -1;
        st.match = { depth: m.depth, index: m.index };
        setRuleInfo(ctx, m, number, ruleAttrs);
        await runRuleRoute(ctx, m.rule);
        st.next = picksOf(expand(m.rule, st.whitelist === null ? null : new Set(st.whitelist)));
      }
    } finally {
      saveState(ctx, st);
    }
  };

  const doRouting = async (ctx: ScriptContext, group: number | null, flags: Set<string> | null, whitelist: string | null, ruleAttrs: PvRef | null, gwAttrs: PvRef | null, crAttrs: PvRef | null, partition: string | null): Promise<number> => {
    void partition; // refused at load (fixup)
    if (noData(ctx) || noMsg(ctx, 'do_routing')) return -1;
    const d = data!;
    const grp = group ?? (await callerGroup(ctx));
    if (grp === null || grp < 0) {
      ctx.log(-1, 'drouting: no group for the caller (no dr_groups row and no default_group)');
      return -1;
    }
    const parts = ctx.uriPartsOf(ctx.ruri());
    if (parts === null) {
      ctx.log(-1, 'drouting: cannot parse the Request-URI');
      return -1;
    }
    const user = parts.user ?? '';
    const strict = flags?.has('strict-length') === true;
    const m = findRule(d, grp, user, Math.floor(ctx.clock.now() / 1000), strict);
    if (m === null) {
      ctx.log(4, `drouting: no rule for '${user}' in group ${grp}`);
      return -1;
    }
    let wl: Set<string> | null = null;
    if (whitelist !== null && whitelist.trim() !== '') {
      const l = parseGwList(whitelist);
      if (typeof l === 'string') {
        ctx.log(-1, `drouting: gateway whitelist: ${l}`);
        return -1;
      }
      wl = new Set(l.map((e) => (e.carrier ? `#${e.id}` : e.id)));
    }
    setRuleInfo(ctx, m, user, ruleAttrs);
    if (flags?.has('check-only') === true) return 1;
    await runRuleRoute(ctx, m.rule);
    const st: RoutingState = { user: parts.user, passwd: parts.password, rest: parts.rest, next: picksOf(expand(m.rule, wl)), match: { depth: m.depth, index: m.index }, group: grp, fallback: flags?.has('rule-fallback') === true, strict, whitelist: wl === null ? null : [...wl], at: Date.now() };
    return advance(ctx, st, ruleAttrs, gwAttrs, crAttrs);
  };

  const idList = (text: string): string[] => text.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== '');

  const routeToGw = (ctx: ScriptContext, ids: string, gwAttrs: PvRef | null, crAttrs: PvRef | null): Promise<number> | number => {
    if (noData(ctx) || noMsg(ctx, 'route_to_gw')) return -1;
    const d = data!;
    const next: GwPick[] = [];
    for (const id of idList(ids)) {
      const gw = d.gateways.get(id);
      if (gw === undefined) {
        ctx.log(-1, `drouting: no gateway with id '${id}'`);
        return -1;
      }
      if (usable(gw)) next.push({ gw, carrier: null });
    }
    const parts = ctx.uriPartsOf(ctx.ruri());
    const st: RoutingState = { user: parts?.user ?? null, passwd: parts?.password ?? null, rest: parts?.rest ?? '', next: picksOf(next), match: null, group: -1, fallback: false, strict: false, whitelist: null, at: Date.now() };
    return advance(ctx, st, null, gwAttrs, crAttrs);
  };

  const routeToCarrier = (ctx: ScriptContext, ids: string, gwAttrs: PvRef | null, crAttrs: PvRef | null): Promise<number> | number => {
    if (noData(ctx) || noMsg(ctx, 'route_to_carrier')) return -1;
    const d = data!;
    const next: GwPick[] = [];
    const seen = new Set<string>();
    for (const id of idList(ids)) {
      const c = d.carriers.get(id.replace(/^#/, ''));
      if (c === undefined) {
        ctx.log(-1, `drouting: no carrier with id '${id}'`);
        return -1;
      }
      next.push(...carrierGws(c, null, seen));
    }
    const parts = ctx.uriPartsOf(ctx.ruri());
    const st: RoutingState = { user: parts?.user ?? null, passwd: parts?.password ?? null, rest: parts?.rest ?? '', next: picksOf(next), match: null, group: -1, fallback: false, strict: false, whitelist: null, at: Date.now() };
    return advance(ctx, st, null, gwAttrs, crAttrs);
  };

  const useNextGw = (ctx: ScriptContext, ruleAttrs: PvRef | null, gwAttrs: PvRef | null, crAttrs: PvRef | null): Promise<number> | number => {
    if (noData(ctx)) return -1;
    const st = findState(ctx);
    if (st === null) {
      ctx.log(4, 'drouting: use_next_gw: no routing was done for this request');
      return -1;
    }
    ctx.moduleState.set(STATE_KEY, st);
    return advance(ctx, st, ruleAttrs, gwAttrs, crAttrs);
  };

  // ------------------------------------------------------------------ gateway matching

  /** The gateway (of `type`, -1/null = any) owning ip/port/proto (OpenSIPS _is_dr_gw). */
  const matchGw = (ip: string, port: number, proto: string, host: string | null, type: number | null, f: Set<string> | null): Gateway | null => {
    if (data === null) return null;
    const anyType = type === null || type < 0;
    const ignorePort = f !== null && f.has('ignore-port');
    const checkProto = f !== null && f.has('check-proto');
    const fits = (gw: Gateway, a: { port: number; proto: string }): boolean =>
      (anyType || gw.type === type) && (ignorePort || a.port === port) && (!checkProto || a.proto === proto);
    ip = canonicalIp(ip);
    const byIp = data.byIp.get(ip);
    if (byIp !== undefined) {
      for (const gw of byIp) for (const a of gw.addrs) if (a.ip === ip && fits(gw, a)) return gw;
    }
    // A URI naming a host (goes_to_gw, dr_is_gw): the gateway written with that host name.
    if (host === null || isIP(host) !== 0) return null;
    const low = host.toLowerCase();
    for (const gw of data.gateways.values()) {
      if (gw.host.toLowerCase() !== low) continue;
      if (fits(gw, { port: gw.port ?? (gw.proto === 'tls' ? 5061 : 5060), proto: gw.proto })) return gw;
    }
    return null;
  };

  const carrierOf = (gw: Gateway): Carrier | null => {
    if (data === null) return null;
    for (const c of data.carriers.values()) if (c.gws.some((e) => e.gw === gw)) return c;
    return null;
  };

  /** What a match does besides answering: s/p rewrite the Request-URI user, i/c set the AVPs, attrs. */
  const afterMatch = (ctx: ScriptContext, gw: Gateway, f: Set<string> | null, gwAttrs: PvRef | null, crAttrs: PvRef | null): number => {
    if (f !== null && (f.has('strip') || f.has('prefix')) && ctx.msg !== null && ctx.msg.isRequest) {
      const p = ctx.uriPartsOf(ctx.ruri());
      if (p !== null && p.user !== null) {
        let user = p.user;
        if (f.has('strip')) user = user.slice(Math.min(gw.strip, user.length));
        if (f.has('prefix')) user = gw.priPrefix + user;
        if (user !== p.user) {
          const hp = p.port === null ? p.host : `${p.host}:${p.port}`;
          const host = p.host.includes(':') && !p.host.startsWith('[') ? `[${p.host}]${p.port === null ? '' : `:${p.port}`}` : hp;
          ctx.setRuri(`${p.scheme}:${user === '' ? '' : `${user}${p.password !== null ? `:${p.password}` : ''}@`}${host}${p.rest}`);
        }
      }
    }
    const cr = f?.has('carrier-id') === true || crAttrs !== null ? carrierOf(gw) : null;
    if (f?.has('gateway-id') === true) setAvp(ctx, avps.gwId, gw.id);
    if (f?.has('carrier-id') === true) setAvp(ctx, avps.carrierId, cr === null ? null : cr.id);
    gwAttrs?.set(ctx, gw.attrs);
    crAttrs?.set(ctx, cr === null ? '' : cr.attrs);
    return 1;
  };

  /** ip/port/proto a URI leads to, without DNS: the host as written (hostnames match a gateway's host). */
  const uriTarget = (ctx: ScriptContext, uri: string): { ip: string; host: string; port: number; proto: string } | null => {
    const p = ctx.uriPartsOf(uri);
    if (p === null) return null;
    const m = /;transport=([^;?]+)/i.exec(p.rest);
    const proto = m !== null ? m[1]!.toLowerCase() : p.scheme === 'sips' ? 'tls' : 'udp';
    const host = p.host.startsWith('[') ? p.host.slice(1, -1) : p.host;
    return { ip: host, host, port: p.port ?? (proto === 'tls' ? 5061 : 5060), proto };
  };

  const isFromGw = (ctx: ScriptContext, type: number | null, f: Set<string> | null, gwAttrs: PvRef | null, crAttrs: PvRef | null): number => {
    if (noData(ctx)) return -1;
    const gw = matchGw(ctx.rcv.srcIp, ctx.rcv.srcPort, ctx.rcv.proto, null, type, f);
    return gw === null ? -1 : afterMatch(ctx, gw, f, gwAttrs, crAttrs);
  };

  const goesToGw = (ctx: ScriptContext, type: number | null, f: Set<string> | null, gwAttrs: PvRef | null, crAttrs: PvRef | null): number => {
    if (noData(ctx) || noMsg(ctx, 'goes_to_gw')) return -1;
    const t = uriTarget(ctx, ctx.dstUri ?? ctx.ruri());
    if (t === null) return -1;
    const gw = matchGw(t.ip, t.port, t.proto, t.host, type, f);
    return gw === null ? -1 : afterMatch(ctx, gw, f, gwAttrs, crAttrs);
  };

  const drIsGw = (ctx: ScriptContext, uri: string, type: number | null, f: Set<string> | null, gwAttrs: PvRef | null, crAttrs: PvRef | null): number => {
    if (noData(ctx)) return -1;
    const t = uriTarget(ctx, uri);
    if (t === null) {
      ctx.log(-1, `drouting: dr_is_gw: '${uri}' is not a SIP URI`);
      return -1;
    }
    const gw = matchGw(t.ip, t.port, t.proto, t.host, type, f);
    return gw === null ? -1 : afterMatch(ctx, gw, f, gwAttrs, crAttrs);
  };

  const drDisable = (ctx: ScriptContext): number => {
    if (noData(ctx) || avps.gwId === null) return -1;
    const id = ctx.avps.get(avps.gwId);
    if (id === null) {
      ctx.log(4, 'drouting: dr_disable: no gateway in use');
      return -1;
    }
    const gw = data!.gateways.get(String(id));
    if (gw !== undefined && (gw.flags & GW_DISABLED) === 0) {
      gw.flags |= GW_DISABLED;
      statusChanged(gw, 'script dr_disable', ctx);
    }
    return 1;
  };

  const drMatch = (ctx: ScriptContext, group: number, flags: Set<string> | null, number: string, ruleAttrs: PvRef | null): number => {
    if (noData(ctx)) return -1;
    const m = findRule(data!, group, number, Math.floor(ctx.clock.now() / 1000), flags?.has('strict-length') === true);
    if (m === null) return -1;
    setRuleInfo(ctx, m, number, ruleAttrs);
    return 1;
  };

  // ------------------------------------------------------------------ probing

  const probeOnce = async (): Promise<void> => {
    if (!probingOn || data === null || tmApi?.request === undefined) return;
    const request = tmApi.request.bind(tmApi);
    const d = data;
    const method = cfg<string>('probing_method');
    const from = cfg<string>('probing_from');
    const socket = cfg<string | null>('probing_socket');
    const jobs: Promise<void>[] = [];
    for (const gw of d.gateways.values()) {
      // Probing: always (probe_mode 2), or while disabled (1) unless an MI command disabled it.
      if ((gw.flags & GW_NO_ENABLE) !== 0) continue;
      if (!((gw.flags & GW_PROBE_ALWAYS) !== 0 || ((gw.flags & GW_PROBE_WHEN_DISABLED) !== 0 && (gw.flags & GW_DISABLED) !== 0))) continue;
      const uri = `sip:${gw.ipStr}`;
      jobs.push(
        request({ method, ruri: uri, from, socket: gw.socket ?? socket })
          .then((r) => probeReply(gw, r.status))
          .catch((e: unknown) => {
            log(-1, `drouting: unable to probe gateway '${gw.id}': ${e instanceof Error ? e.message : String(e)}`);
            if ((gw.flags & GW_DISABLED) === 0) {
              gw.flags |= GW_DISABLED;
              statusChanged(gw, 'failure to send probe', null);
            }
          }),
      );
    }
    await Promise.all(jobs);
  };

  const probeReply = (gw: Gateway, code: number): void => {
    if (code === 200 || replyCodes.includes(code)) {
      if ((gw.flags & GW_NO_ENABLE) !== 0 || (gw.flags & GW_DISABLED) === 0) return;
      gw.flags &= ~GW_DISABLED;
      statusChanged(gw, '200 OK probing reply', null);
      return;
    }
    if (code >= 400 && (gw.flags & GW_DISABLED) === 0) {
      gw.flags |= GW_DISABLED;
      statusChanged(gw, 'negative probing reply', null);
    }
  };

  // ------------------------------------------------------------------ MI

  const noPartitions = (p: Record<string, string>): void => {
    if (p.partition_name !== undefined) throw new DrMiError(400, 'Partitions are not enabled (use_partitions is 0)');
  };
  const needData = (): RoutingData => {
    if (data === null) throw new DrMiError(404, 'No Data available yet');
    return data;
  };

  const miReload = async (p: Record<string, string>): Promise<unknown> => {
    noPartitions(p);
    if (reloading && cfg<number>('no_concurrent_reload') !== 0) throw new DrMiError(500, 'Reload in progress');
    reloading = true;
    try {
      await load(p.inherit_state !== undefined && p.inherit_state !== '0');
    } catch (e) {
      log(-1, `drouting: reload failed: ${e instanceof Error ? e.message : String(e)}`);
      throw new DrMiError(500, 'Failed to reload');
    } finally {
      reloading = false;
    }
    return 'OK';
  };

  const miGwStatus = (p: Record<string, string>): unknown => {
    noPartitions(p);
    const d = needData();
    if (p.gw_id === undefined) {
      if (p.status !== undefined) throw new DrMiError(400, 'A status needs a gw_id');
      return {
        Gateways: [...d.gateways.values()].map((gw) => ({ ID: gw.id, IP: gw.ipStr, ...(gw.attrs !== '' ? { ATTRS: gw.attrs } : {}), State: gwStateText(gw) })),
      };
    }
    const gw = d.gateways.get(p.gw_id);
    if (gw === undefined) throw new DrMiError(404, 'GW ID not found');
    if (p.status === undefined) return { ...(gw.attrs !== '' ? { ATTRS: gw.attrs } : {}), State: gwStateText(gw) };
    if (!/^\d+$/.test(p.status)) throw new DrMiError(400, 'Bad status value');
    const old = gw.flags;
    if (Number(p.status) !== 0) gw.flags &= ~(GW_DISABLED | GW_NO_ENABLE);
    else gw.flags |= GW_DISABLED | GW_NO_ENABLE;
    if (old !== gw.flags) statusChanged(gw, 'MI command', null);
    return 'OK';
  };

  const miCarrierStatus = (p: Record<string, string>): unknown => {
    noPartitions(p);
    const d = needData();
    if (p.carrier_id === undefined) {
      if (p.status !== undefined) throw new DrMiError(400, 'A status needs a carrier_id');
      return { Carriers: [...d.carriers.values()].map((c) => ({ ID: c.id, Enabled: c.off ? 'no' : 'yes' })) };
    }
    const c = d.carriers.get(p.carrier_id);
    if (c === undefined) throw new DrMiError(404, 'Carrier ID not found');
    if (p.status === undefined) return { Enabled: c.off ? 'no' : 'yes' };
    if (!/^\d+$/.test(p.status)) throw new DrMiError(400, 'Bad status value');
    c.off = Number(p.status) === 0;
    log(2, `drouting: CARRIER <${c.id}> switched to [${c.off ? 'disabled MI' : 'active'}] due to MI command`);
    return 'OK';
  };

  const miNumberRouting = (p: Record<string, string>): unknown => {
    noPartitions(p);
    const d = needData();
    if (p.number === undefined || p.number === '') throw new DrMiError(400, 'Missing number');
    const group = p.group_id === undefined ? 0 : Number(p.group_id);
    if (!Number.isInteger(group)) throw new DrMiError(400, 'Bad group_id');
    const m = findRule(d, group, p.number, Math.floor(Date.now() / 1000), false);
    if (m === null) throw new DrMiError(404, 'No match');
    return {
      'Matched Prefix': p.number.slice(0, m.depth),
      'Rule ID': m.rule.id,
      ...(m.rule.attrs !== '' ? { Attrs: m.rule.attrs } : {}),
      GW: expand(m.rule, null).map((g) => ({ ID: g.gw.id, ...(g.carrier !== null ? { Carrier: g.carrier.id } : {}), IP: g.gw.ipStr })),
    };
  };

  const miReloadStatus = (p: Record<string, string>): unknown => {
    noPartitions(p);
    if (loadedAt === 0) throw new DrMiError(404, 'No Data available yet');
    return { Date: new Date(loadedAt).toUTCString() };
  };

  const miEnableProbing = (p: Record<string, string>): unknown => {
    if (p.status === undefined) return { Status: probingOn ? 1 : 0 };
    if (!/^\d+$/.test(p.status)) throw new DrMiError(400, 'Bad status value');
    probingOn = Number(p.status) !== 0;
    return 'OK';
  };

  // ------------------------------------------------------------------ exports

  const impls: Record<string, FunctionExport['impl']> = {
    do_routing: doRouting as FunctionExport['impl'],
    route_to_gw: routeToGw as FunctionExport['impl'],
    route_to_carrier: routeToCarrier as FunctionExport['impl'],
    use_next_gw: useNextGw as FunctionExport['impl'],
    is_from_gw: isFromGw as FunctionExport['impl'],
    goes_to_gw: goesToGw as FunctionExport['impl'],
    dr_is_gw: drIsGw as FunctionExport['impl'],
    dr_disable: drDisable as FunctionExport['impl'],
    dr_match: drMatch as FunctionExport['impl'],
  };
  /** Partitions are not handled: a partition argument is refused when the script is loaded. */
  const partitionFixup = (args: readonly FixupArg[]): string | undefined => {
    const p = args.find((a) => a.spec.name === 'partition');
    return p === undefined || (p.literal === null && p.int === null) ? undefined : 'partitions are not supported by tsips drouting (use_partitions must stay 0): leave the partition argument out';
  };
  const functions: FunctionExport[] = DECLARED.functions!.map((f) => {
    return implementedFn(f, impls[f.name]!, { fixup: partitionFixup });
  });
  const params: ModparamExport[] = DECLARED.params!.map((p) => ({
    ...p,
    set: (v: string | number) => {
      if (p.name === 'define_blacklist') blacklistDefs.push(String(v));
      else values.set(p.name, v);
    },
  }));
  const handlers: Record<string, MiExport['handler']> = {
    'drouting:reload': miReload,
    'drouting:gw_status': miGwStatus,
    'drouting:carrier_status': miCarrierStatus,
    'drouting:number_routing': miNumberRouting,
    'drouting:reload_status': miReloadStatus,
    'drouting:enable_probing': miEnableProbing,
  };

  return {
    ...DECLARED,
    functions,
    params,
    mi: DECLARED.mi!.map((m) => implementedMi(m, handlers[m.name]!)),
    async init(e) {
      env = e;
      if (cfg<number>('use_partitions') !== 0) throw new Error('drouting: use_partitions is not supported by tsips (one routing data set, from db_url)');
      if (cfg<number>('cluster_id') !== 0) throw new Error('drouting: cluster_id is not supported by tsips (no clusterer)');
      if (cfg<number>('enable_restart_persistency') !== 0) throw new Error('drouting: enable_restart_persistency is not supported by tsips');
      if (values.has('rule_tables_query')) throw new Error('drouting: rule_tables_query is not supported by tsips');
      // Parameters whose behaviour tsips does not have: refused rather than silently ignored.
      for (const n of ['db_partitions_url', 'db_partitions_table', 'partition_id_pvar', 'cluster_sharing_tag', 'cluster_probing_mode', 'gw_socket_filter_mode']) {
        if (values.has(n)) throw new Error(`drouting: ${n} is not supported by tsips (no partitions, clustering or socket filtering)`);
      }
      if (cfg<number>('generate_data_checksum') !== 0) throw new Error('drouting: generate_data_checksum is not supported by tsips');
      if (cfg<number>('force_dns') === 0) throw new Error('drouting: force_dns = 0 (resolving gateways per call) is not supported by tsips: gateway host names are resolved at load');
      const codes = parseReplyCodes(cfg<string | null>('probing_reply_codes'));
      if (typeof codes === 'string') throw new Error(`drouting: ${codes}`);
      replyCodes = codes;
      avps = {
        ruri: avpName(cfg<string | null>('ruri_avp')),
        gwId: avpName(cfg<string | null>('gw_id_avp')),
        sock: avpName(cfg<string | null>('gw_sock_avp')),
        priPrefix: avpName(cfg<string | null>('gw_priprefix_avp')),
        ruleId: avpName(cfg<string | null>('rule_id_avp')),
        rulePrefix: avpName(cfg<string | null>('rule_prefix_avp')),
        carrierId: avpName(cfg<string | null>('carrier_id_avp')),
      };
      for (const [n, v] of Object.entries({ ruri_avp: 'ruri', gw_id_avp: 'gwId', gw_sock_avp: 'sock', gw_priprefix_avp: 'priPrefix', rule_id_avp: 'ruleId', rule_prefix_avp: 'rulePrefix', carrier_id_avp: 'carrierId' } as const)) {
        const spec = cfg<string | null>(n);
        if (spec !== null && spec.trim() !== '' && avps[v] === null) throw new Error(`drouting: ${n} '${spec}' is not an $avp(name)`);
      }
      core = e.services.find(CORE) ?? null;
      tmApi = e.services.find(TM) ?? null;
      blacklists = e.services.find(BLACKLISTS) ?? null;
      const dbm = dbManagerOf(e.services);
      conn = await dbm.open(dbm.resolveUrl(cfg<string | null>('db_url'), 'drouting'));
      await load(false);
      const interval = cfg<number>('probing_interval');
      if (interval > 0) {
        if (tmApi?.request === undefined) log(1, 'drouting: probing needs the tm module (loadmodule "tm.so"): gateways will not be probed');
        else {
          probeTimer = setInterval(() => void probeOnce(), interval * 1000);
          probeTimer.unref();
        }
      }
      sweepTimer = setInterval(() => states.sweep(Date.now() - STATE_TTL), 60_000);
      sweepTimer.unref();
      if (blacklistDefs.length > 0 && blacklists !== null) {
        // A script reload replaces the core's store (our lists come back empty): refill it.
        blWatch = setInterval(() => {
          const cur = blacklists?.current();
          if (cur !== undefined && cur !== filledStore) refreshBlacklists();
        }, 1000);
        blWatch.unref();
      }
    },
    async destroy() {
      if (probeTimer !== null) clearInterval(probeTimer);
      if (sweepTimer !== null) clearInterval(sweepTimer);
      if (blWatch !== null) clearInterval(blWatch);
      probeTimer = sweepTimer = blWatch = null;
      states.clear();
      if (conn !== null) await conn.close();
      conn = null;
    },
    probeNow: probeOnce,
    useStateStore(store) {
      states = store;
    },
  };
}

/** The drouting table for checking scripts (no state is used until init). */
export const drouting: ModuleExports = createDrouting();
