/**
 * The learned half of fraud_detection as the script sees it: check_fraud_learned(), the
 * $frd_* pseudo-variables, E_FRD_ANOMALY, the modparams of the detector and its profile
 * store, MI show_profile. The module (index.ts) merges this part with OpenSIPS's static one.
 */
import type { FunctionExport, ModparamExport, MiExport, PvarExport, ScriptContext, ScriptValue, Services } from '@tsips/script';
import { PvBindError } from '@tsips/script';
import type { DbConnection } from '@tsips/core';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { event, fn, implementedFn, implementedMi, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, OPT, str } from '../shared/params';
import { REQ_REPLY } from '../shared/routes';
import { DIALOG } from '../dialog/api';
import { DEFAULT_LEARNED_THRESHOLD, type Assessment } from './detector-api';
import { LearnedDetector, localUtcOffset } from './learned/detector';
import { FraudMiError } from './mi-error';
import { ProfileStore } from './learned/profile-store';
import { DEFAULT_RISK_RANGES, readRiskRanges, type RiskRange } from './learned/risk-ranges';

const R = ISSUE.unscheduled;

/** check_fraud_learned() return codes, in the style of check_fraud's. */
export const FRD_LEARNED = { OK: 1, ANOMALY: -1, CRITICAL: -2, ERROR: -3 } as const;

export const ANOMALY_EVENT_PARAMS = ['user', 'called_number', 'score', 'threshold', 'level', 'zone', 'reasons', 'codes'];

export const LEARNED_FUNCTIONS = [
  fn('check_fraud_learned', [str('user'), str('number'), intOrVar('threshold', OPT)], REQ_REPLY, R,
    "Scores the call against the user's learned dialing pattern, then learns from it: 1 ordinary; -1 score >= threshold (E_FRD_ANOMALY); -2 score >= learned_critical; -3 error. Sets $frd_score, $frd_reasons, $frd_codes, $frd_zone."),
];

export const LEARNED_PARAMS = [
  intParam('learned_threshold', DEFAULT_LEARNED_THRESHOLD, 'Score (0..100) from which check_fraud_learned() reports an anomaly when the call gives no threshold.'),
  intParam('learned_critical', 85, 'Score from which check_fraud_learned() returns -2 (never below the threshold in use).'),
  strParam('home_country', 'GB', 'ISO country of the deployment: national dialled digits are read as its numbers.', {
    validate: (v) => (isSupportedCountry(String(v).toUpperCase()) ? undefined : `'${String(v)}' is not a country code libphonenumber knows (e.g. GB, US, DE)`),
  }),
  intParam('utc_offset', -1, 'Minutes east of UTC of the users\' wall clock for learned schedules; -1: the server\'s local time zone.', {
    validate: (v) => (Number(v) === -1 || (Number(v) >= -840 && Number(v) <= 840) ? undefined : 'utc_offset is -1 or minutes in -840..840'),
  }),
  strParam('profiles_table', 'fraud_profiles', 'Table of the learned profiles.'),
  strParam('risk_table', 'fraud_risk_ranges', 'Table of high-risk destination ranges (prefix, label, risk); the built-in list while it has no rows.'),
  intParam('profile_save_interval', 30, 'Seconds between writes of changed profiles (0: only at shutdown).', {
    validate: (v) => (Number(v) >= 0 ? undefined : 'profile_save_interval must be >= 0'),
  }),
  intParam('max_profiles', 100_000, 'Profiles kept in memory; the least recently active go back to the table.', {
    validate: (v) => (Number(v) >= 1 ? undefined : 'max_profiles must be >= 1'),
  }),
];

export const LEARNED_MI = [
  mi('fraud_detection', 'show_profile', { params: [{ name: 'user' }], reason: R, doc: 'The learned dialing pattern of a user.' }),
];

export const LEARNED_EVENTS = [
  event('E_FRD_ANOMALY', ANOMALY_EVENT_PARAMS, "A call scored at or above the learned threshold (the user's dialing pattern does not fit)."),
];

export const LEARNED_PVAR_DOCS: readonly (readonly [string, string])[] = [
  ['frd_score', 'Score (0..100) of the last check_fraud_learned() of this message; NULL before.'],
  ['frd_reasons', "Explanation of that score, reasons joined by '; ' (empty for an ordinary call)."],
  ['frd_codes', "Codes of those reasons joined by ',' (new_zone,high_risk,off_hours,volume,...)."],
  ['frd_zone', 'Destination zone of the checked number ("GB:mobile", "CU:fixed_line").'],
];

const STATE = 'fraud_detection.learned';

export interface LearnedPartOptions {
  now: () => number;
}

export interface LearnedPart {
  functions: FunctionExport[];
  params: ModparamExport[];
  pvars: PvarExport[];
  mi: MiExport[];
  /** The detector (after init). */
  detector(): LearnedDetector;
  init(conn: DbConnection, services: Services, log: (level: number, text: string) => void): Promise<void>;
  /** Writes changed profiles now. */
  flush(): Promise<number>;
  /** Reloads the high-risk table (MI reload). */
  reloadRisk(): Promise<number>;
  destroy(): Promise<void>;
}

export function createLearnedPart(opts: LearnedPartOptions): LearnedPart {
  const values = new Map<string, string | number>();
  const cfg = <T extends string | number>(name: string): T =>
    (values.get(name) ?? LEARNED_PARAMS.find((p) => p.name === name)!.default) as T;
  let detector: LearnedDetector | null = null;
  let store: ProfileStore | null = null;
  let conn: DbConnection | null = null;
  let services: Services | null = null;
  let log: (level: number, text: string) => void = () => undefined;
  let timer: NodeJS.Timeout | null = null;
  /** Profiles evicted from memory since the last write. */
  const evicted = new Map<string, import('./learned/profile').UserProfile>();
  let warnedNoDialog = false;
  // Modparams are fixed once the script is loaded: read at init, not per call.
  let defaultThreshold = cfg<number>('learned_threshold');
  let criticalFrom = cfg<number>('learned_critical');

  const det = (): LearnedDetector => {
    if (detector === null) throw new Error('fraud_detection is not initialised');
    return detector;
  };

  const readRisk = async (): Promise<readonly RiskRange[]> => {
    if (conn === null) return DEFAULT_RISK_RANGES;
    const table = cfg<string>('risk_table');
    const ranges = await readRiskRanges(conn, table);
    if (ranges === undefined) log(2, `fraud_detection: no table '${table}': using the built-in high-risk ranges (tsips-cli db create makes it)`);
    return ranges === undefined || ranges.length === 0 ? DEFAULT_RISK_RANGES : ranges;
  };

  const check = (ctx: ScriptContext, user: string, number: string, thr: number | null): number => {
    if (user === '' || number === '') {
      ctx.logError('fraud_detection: check_fraud_learned() needs a user and a number');
      return FRD_LEARNED.ERROR;
    }
    const d = det();
    const threshold = thr ?? defaultThreshold;
    const critical = Math.max(threshold, criticalFrom);
    const t = opts.now();
    const { assessment, call } = d.assess({ user, number, t, sourceIp: ctx.rcv.srcIp });
    ctx.moduleState.set(STATE, assessment);
    const watched = services?.find(DIALOG)?.watchCurrent(ctx, {
      onAnswer: (ms) => call.answered(Math.min(ms, opts.now())),
      onEnd: (answered) => call.ended(opts.now(), answered),
    }) ?? false;
    if (!watched) {
      if (!warnedNoDialog) ctx.log(2, 'fraud_detection: no dialog for the call (call create_dialog() before check_fraud_learned()); its concurrency and duration are not learned');
      warnedNoDialog = true;
      call.ended(t, false);
    }
    if (assessment.score < threshold) return FRD_LEARNED.OK;
    const level = assessment.score >= critical ? 'critical' : 'warning';
    ctx.raiseEvent('E_FRD_ANOMALY', {
      user, called_number: number, score: assessment.score, threshold, level, zone: assessment.zone,
      reasons: assessment.reasons.map((r) => r.text).join('; '), codes: assessment.reasons.map((r) => r.code).join(','),
    });
    return level === 'critical' ? FRD_LEARNED.CRITICAL : FRD_LEARNED.ANOMALY;
  };

  const functions = [implementedFn(LEARNED_FUNCTIONS[0]!, ((ctx: ScriptContext, user: string, number: string, thr?: number | null) => {
    try {
      return check(ctx, user, number, thr ?? null);
    } catch (e) {
      ctx.logError(`fraud_detection: ${e instanceof Error ? e.message : String(e)}`);
      return FRD_LEARNED.ERROR;
    }
  }) as FunctionExport['impl'])];

  const read: Record<string, (a: Assessment) => ScriptValue> = {
    frd_score: (a) => a.score,
    frd_reasons: (a) => a.reasons.map((r) => r.text).join('; '),
    frd_codes: (a) => a.reasons.map((r) => r.code).join(','),
    frd_zone: (a) => a.zone,
  };
  const pvars: PvarExport[] = LEARNED_PVAR_DOCS.map(([name, doc]) => ({
    name,
    inner: 'none',
    doc,
    bind(site) {
      if (site.index !== null) throw new PvBindError(`$${name} cannot be indexed`);
      const get = read[name]!;
      return {
        get: (ctx) => {
          const a = ctx.moduleState.get(STATE) as Assessment | undefined;
          return a === undefined ? null : get(a);
        },
      };
    },
  }));

  const showProfile = (p: Record<string, string>): unknown => {
    const user = p['user'];
    if (user === undefined || user === '') throw new FraudMiError(400, 'Invalid params');
    const prof = det().profile(user);
    if (prof === undefined) throw new FraudMiError(404, 'No profile for this user yet');
    const hours = Array.from(prof.hours, (w, i) => ({ bin: i, w })).filter((x) => x.w >= 0.5).sort((a, b) => b.w - a.w).slice(0, 8)
      .map((x) => `${x.bin < 24 ? 'weekday' : 'weekend'} ${String(x.bin % 24).padStart(2, '0')}h: ${x.w.toFixed(1)}`);
    return {
      calls: Math.round(prof.calls * 10) / 10,
      history_days: Math.round(prof.historyDays() * 10) / 10,
      calls_per_day: Math.round(prof.dayRate * 100) / 100,
      peak_concurrent: Math.round(prof.peakConc * 100) / 100,
      concurrent: prof.concurrent,
      usual_hours: hours,
      zones: Object.fromEntries([...prof.zones].sort((a, b) => b[1].w - a[1].w).map(([k, z]) => [k, Math.round(z.w * 10) / 10])),
      numbers: prof.numbers.size,
      source_ips: [...prof.ips.keys()],
      median_duration_s: prof.durN > 0 ? Math.round(Math.exp(prof.durMean)) : null,
    };
  };

  const flush = async (): Promise<number> => {
    if (store === null || detector === null) return 0;
    // Evicted profiles, then the ones in memory: a user read back after an eviction is newer.
    const changed = new Map(evicted);
    evicted.clear();
    for (const [u, p] of detector.drainDirty()) changed.set(u, p);
    return store.save([...changed], changed.size > 0 ? detector.savedPopulation() : null, opts.now());
  };

  return {
    functions,
    params: LEARNED_PARAMS.map((p) => ({ ...p, set: (v: string | number) => { values.set(p.name, v); } })),
    pvars,
    mi: [implementedMi(LEARNED_MI[0]!, showProfile)],
    detector: det,
    async init(c, s, l) {
      conn = c;
      services = s;
      log = l;
      defaultThreshold = cfg<number>('learned_threshold');
      criticalFrom = cfg<number>('learned_critical');
      const table = cfg<string>('profiles_table');
      const hasTable = (await c.tableColumns(table)) !== null;
      if (!hasTable) log(2, `fraud_detection: no table '${table}': learned profiles are kept in memory only (tsips-cli db create makes it)`);
      store = hasTable ? new ProfileStore(c, table, l) : null;
      const offsetMin = cfg<number>('utc_offset');
      const st = store;
      detector = new LearnedDetector({
        homeCountry: String(cfg<string>('home_country')).toUpperCase() as CountryCode,
        riskRanges: await readRisk(),
        threshold: defaultThreshold,
        utcOffsetMin: offsetMin === -1 ? localUtcOffset() : () => offsetMin,
        maxProfiles: cfg<number>('max_profiles'),
        onEvict: (u, p) => { evicted.set(u, p); },
        ...(st !== null ? { loader: (u: string) => st.load(u) } : {}),
      });
      const pop = st?.loadPopulation();
      if (pop !== undefined) {
        try {
          detector.loadPopulation(pop);
        } catch (e) {
          log(-1, `fraud_detection: the saved population prior is unusable (${String(e)}); it is learned again`);
        }
      }
      const every = cfg<number>('profile_save_interval');
      if (store !== null && every > 0) {
        timer = setInterval(() => { flush().catch((e: unknown) => log(-1, `fraud_detection: cannot save profiles: ${String(e)}`)); }, every * 1000);
        timer.unref();
      }
    },
    flush,
    async reloadRisk() {
      const ranges = await readRisk();
      det().setRiskRanges(ranges);
      return ranges.length;
    },
    async destroy() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await flush();
      store = null;
      detector = null;
    },
  };
}
