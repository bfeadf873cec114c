/**
 * fraud_detection: per-user call statistics (calls per minute, total, concurrent,
 * sequential, duration) checked against warning and critical thresholds of fraud rules
 * (prefix, time window, profile); crossing one raises E_FRD_WARNING / E_FRD_CRITICAL.
 * Beyond OpenSIPS, check_fraud_learned() scores a call against the user's learned dialing
 * pattern (learned-script.ts, learned/); the offline tools replay and simulate CDRs.
 */
import type { FunctionExport, ModparamExport, ModuleExports, ScriptContext, ScriptValue } from '@tsips/script';
import { CORE, dbManagerOf, type DbConnection, type DbRow } from '@tsips/core';
import { column, event, fn, implementedFn, implementedMi, intParam, mi, strParam } from '../shared/declare';
import { DIALOG } from '../dialog/api';
import { parseDays, parseHour, RuleSet, type Thresholds } from './rules';
import { localFraudStatsStore, type FraudStatsStore } from './stats';
import { FRD, fraudEventParams, StaticFraudChecker, type StaticCall } from './static-check';
import { ISSUE } from '../shared/issues';
import { FraudMiError } from './mi-error';
import { createLearnedPart, LEARNED_EVENTS, LEARNED_FUNCTIONS, LEARNED_MI, type LearnedPart } from './learned-script';
import { intOrVar, str } from '../shared/params';
import { REQ_REPLY } from '../shared/routes';

const R = ISSUE.unscheduled;
const EVENT_PARAMS = ['param', 'value', 'threshold', 'user', 'called_number', 'rule_id', 'profile_id'];

const DECLARED: ModuleExports = {
  name: 'fraud_detection',
  functions: [
    fn('check_fraud', [str('user'), str('number'), intOrVar('profile id')], REQ_REPLY, R,
      'Updates the user statistics and checks the matching rule: 2 no rule; 1 rule, no threshold crossed; -1 warning crossed; -2 critical crossed; -3 error.'),
    ...LEARNED_FUNCTIONS,
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
    mi('fraud_detection', 'reload', { aliases: ['fraud_reload'], reason: R, doc: 'Reloads the rules and the high-risk ranges.' }),
    ...LEARNED_MI,
  ],
  events: [
    event('E_FRD_WARNING', EVENT_PARAMS, 'A user crossed a warning threshold.'),
    event('E_FRD_CRITICAL', EVENT_PARAMS, 'A user crossed a critical threshold.'),
    ...LEARNED_EVENTS,
  ],
  dependencies: ['dialog'],
};

export { RuleSet, parseDays, parseHour, windowAt, wallOf, type FraudRule, type Thresholds } from './rules';
export { UserStats, localFraudStatsStore, type FraudStatsStore } from './stats';
export {
  FRD, fraudEventParams, StaticCall, StaticFraudChecker,
  type FraudParam, type StaticCheckerOptions, type StaticCheckResult, type StaticFraudEvent,
} from './static-check';
export { replay, ReplayRun, staticReason, type ReplayOptions, type ReplayResult } from './replay';
export {
  evaluateReplay, formatEvaluation, ReplayEvaluator,
  type AlertKind, type ReplayAlert, type ReplayEvaluation, type ReplayRecord, type Spread,
} from './replay-eval';
export {
  DEFAULT_LEARNED_THRESHOLD,
  type Assessment, type CallAttempt, type CallTracker, type LearnedDetectorApi, type Reason,
} from './detector-api';

export { FraudMiError } from './mi-error';
export { FRD_LEARNED, createLearnedPart, type LearnedPart } from './learned-script';
export { LearnedDetector, localUtcOffset, poissonTailBits, type LearnedOptions } from './learned/detector';
export { DEFAULT_RISK_RANGES, readRiskRanges, RiskTable, type RiskRange } from './learned/risk-ranges';
export { UserProfile, Population } from './learned/profile';

export interface FraudOptions {
  /** Clock in ms (tests inject one). */
  now?: () => number;
  store?: FraudStatsStore;
  /** Run the duration/sweep timer every second with setInterval (default true; tests call tick()). */
  autoTimer?: boolean;
  /** Where events raised outside a script (call-duration) go; default: the core's event interface. */
  raise?: (name: string, params: Record<string, ScriptValue>) => void;
}

/** What tests and operators can reach of a running instance. */
export interface FraudControl {
  /** One timer round: call-duration checks of answered calls and freeing idle statistics. */
  tick(): void;
  readonly stats: FraudStatsStore;
  readonly rules: () => RuleSet;
  /** Calls being watched (until their dialog ends). */
  activeCalls(): number;
  /** The learned detector (after init). */
  learned(): import('./learned/detector').LearnedDetector;
  /** Writes the changed learned profiles now; resolves to the rows written. */
  flushProfiles(): Promise<number>;
}

const intOf = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return null;
};

const COLS = [
  ['rid_col', 'ruleid'], ['pid_col', 'profileid'], ['prefix_col', 'prefix'], ['start_h_col', 'start_hour'], ['end_h_col', 'end_hour'],
  ['days_col', 'daysoftheweek'], ['cpm_thresh_warn_col', 'cpm_warning'], ['cpm_thresh_crit_col', 'cpm_critical'],
  ['calldur_thresh_warn_col', 'call_duration_warning'], ['calldur_thresh_crit_col', 'call_duration_critical'],
  ['totalc_thresh_warn_col', 'total_calls_warning'], ['totalc_thresh_crit_col', 'total_calls_critical'],
  ['concalls_thresh_warn_col', 'concurrent_calls_warning'], ['concalls_thresh_crit_col', 'concurrent_calls_critical'],
  ['seqcalls_thresh_warn_col', 'sequential_calls_warning'], ['seqcalls_thresh_crit_col', 'sequential_calls_critical'],
] as const;

/** The column modparams of the rules table and their default column names (OpenSIPS's). */
export const FRAUD_RULE_COLUMNS: ReadonlyArray<readonly [FraudColumnParam, string]> = COLS;
export type FraudColumnParam = (typeof COLS)[number][0];

/** Rules from table rows; a malformed row is an error naming it (OpenSIPS refuses the whole load too). */
export function rulesFromRows(rows: readonly DbRow[], col: (param: (typeof COLS)[number][0]) => string): RuleSet {
  const set = new RuleSet();
  for (const r of rows) {
    const id = intOf(r[col('rid_col')]);
    const profile = intOf(r[col('pid_col')]);
    const prefix = r[col('prefix_col')];
    const start = parseHour(String(r[col('start_h_col')] ?? '00:00'));
    const end = parseHour(String(r[col('end_h_col')] ?? '23:59'));
    const days = parseDays(String(r[col('days_col')] ?? 'Mon-Sun'));
    const where = `rule ${String(r[col('rid_col')])}`;
    if (id === null || profile === null) throw new Error(`${where}: ruleid and profileid must be integers`);
    if (typeof prefix !== 'string') throw new Error(`${where}: prefix must be a string`);
    if (start === null || end === null) throw new Error(`${where}: bad start/end hour (HH:MM)`);
    if (days === null) throw new Error(`${where}: bad days of the week '${String(r[col('days_col')])}'`);
    const thr = (w: (typeof COLS)[number][0], c: (typeof COLS)[number][0]): Thresholds => {
      const warning = intOf(r[col(w)] ?? 0);
      const critical = intOf(r[col(c)] ?? 0);
      if (warning === null || critical === null || warning < 0 || critical < 0) throw new Error(`${where}: thresholds must be integers >= 0`);
      return { warning, critical };
    };
    set.add({
      id, profile, prefix, startMin: start, endMin: end, days,
      cpm: thr('cpm_thresh_warn_col', 'cpm_thresh_crit_col'),
      duration: thr('calldur_thresh_warn_col', 'calldur_thresh_crit_col'),
      total: thr('totalc_thresh_warn_col', 'totalc_thresh_crit_col'),
      concurrent: thr('concalls_thresh_warn_col', 'concalls_thresh_crit_col'),
      sequential: thr('seqcalls_thresh_warn_col', 'seqcalls_thresh_crit_col'),
    });
  }
  return set;
}

/** A fresh fraud_detection instance (rules, statistics and timer are per server). */
export function createFraudDetection(opts: FraudOptions = {}): ModuleExports & { fraud: FraudControl } {
  const now = opts.now ?? Date.now;
  const store = opts.store ?? localFraudStatsStore();
  const values = new Map<string, string | number>();
  const cfg = <T extends string | number | null>(name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v as T;
    return (DECLARED.params!.find((p) => p.name === name)?.default ?? null) as T;
  };
  let conn: DbConnection | null = null;
  let log: (level: number, text: string) => void = () => undefined;
  let raiseOut: (name: string, params: Record<string, ScriptValue>) => void = opts.raise ?? (() => undefined);
  let services: import('@tsips/script').Services | null = null;
  let timer: NodeJS.Timeout | null = null;
  // Events of the checks go to the script's context; call-duration ones, raised outside any script, go out directly.
  const checker = new StaticFraudChecker({ store, onEvent: (e) => raiseOut(e.name, fraudEventParams(e)) });

  const load = async (): Promise<RuleSet> => {
    if (conn === null) throw new Error('no database');
    const col = (p: (typeof COLS)[number][0]): string => cfg<string>(p);
    const rows = await conn.query(cfg<string>('table_name'), { columns: COLS.map(([p]) => col(p)) });
    return rulesFromRows(rows, col);
  };

  const tick = (): void => checker.tick(now());

  const checkFraud = (ctx: ScriptContext, user: string, number: string, profile: number): number => {
    const r = checker.check(user, number, profile, now());
    if (r.call === null) {
      ctx.log(4, `fraud_detection: no rule matched for number=<${number}>, pid=<${profile}>`);
      return r.code;
    }
    if (r.event !== null) ctx.raiseEvent(r.event.name, fraudEventParams(r.event));
    const call: StaticCall = r.call;
    const dlg = services?.find(DIALOG);
    const watched = dlg?.watchCurrent(ctx, {
      onAnswer: (ms) => call.answered(Math.min(ms, now())),
      onEnd: (answered) => call.ended(now(), answered),
    }) ?? false;
    if (!watched) {
      ctx.log(2, 'fraud_detection: no dialog for the call (call create_dialog() before check_fraud()); concurrency and duration are not tracked for it');
      call.ended(now(), false);
    }
    return r.code;
  };

  const learned: LearnedPart = createLearnedPart({ now });
  const functions: FunctionExport[] = [
    implementedFn(DECLARED.functions![0]!, ((ctx: ScriptContext, user: string, number: string, pid: number) => {
      try {
        return checkFraud(ctx, user, number, pid);
      } catch (e) {
        ctx.logError(`fraud_detection: ${e instanceof Error ? e.message : String(e)}`);
        return FRD.ERROR;
      }
    }) as FunctionExport['impl']),
    ...learned.functions,
  ];
  const params: ModparamExport[] = [
    ...DECLARED.params!.map((p) => ({ ...p, set: (v: string | number) => { values.set(p.name, v); } })),
    ...learned.params,
  ];

  const miShow = (p: Record<string, string>): unknown => {
    const user = p['user'];
    const prefix = p['prefix'];
    if (user === undefined || prefix === undefined) throw new FraudMiError(400, 'Invalid params');
    const s = store.get(user, prefix);
    if (s === undefined) throw new FraudMiError(404, 'No data for this user+number yet!');
    s.advance(Math.floor(now() / 1000));
    return { cpm: s.cpm, total_calls: s.totalCalls, concurrent_calls: s.concurrentCalls, seq_calls: s.seqCalls };
  };
  const miReload = async (): Promise<unknown> => {
    let ranges: number;
    try {
      const rules = await load();
      ranges = await learned.reloadRisk();
      checker.rules = rules;
    } catch (e) {
      log(-1, `fraud_detection: cannot reload the rules: ${e instanceof Error ? e.message : String(e)}`);
      throw new FraudMiError(500, 'Failed to reload');
    }
    log(3, `fraud_detection: loaded ${checker.rules.size} rule(s), ${ranges} high-risk range(s)`);
    return 'OK';
  };

  return {
    ...DECLARED,
    functions,
    params,
    mi: [implementedMi(DECLARED.mi![0]!, miShow), implementedMi(DECLARED.mi![1]!, miReload), ...learned.mi],
    pvars: learned.pvars,
    fraud: { tick, stats: store, rules: () => checker.rules, activeCalls: () => checker.activeCalls, learned: () => learned.detector(), flushProfiles: () => learned.flush() },
    async init(e) {
      log = e.log;
      services = e.services;
      if (opts.raise === undefined) {
        const core = e.services.find(CORE);
        raiseOut = (name, p) => core?.raiseEvent?.(name, p);
      }
      const dbm = dbManagerOf(e.services);
      conn = await dbm.open(dbm.resolveUrl(cfg<string | null>('db_url'), 'fraud_detection'));
      checker.utc = cfg<number>('use_utc_time') !== 0;
      checker.rules = await load();
      log(3, `fraud_detection: loaded ${checker.rules.size} rule(s)`);
      await learned.init(conn, e.services, e.log);
      if (opts.autoTimer !== false) {
        timer = setInterval(tick, 1000);
        timer.unref();
      }
    },
    async destroy() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      checker.clear();
      await learned.destroy();
      if (conn !== null) await conn.close();
      conn = null;
    },
  };
}

/** The fraud_detection table for checking scripts (no state is used until init). */
export const fraud_detection: ModuleExports = createFraudDetection();
