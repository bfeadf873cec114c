/**
 * `tsips fraud simulate`: a seeded generator of call-detail records with a realistic user
 * population and injected fraud episodes of the known kinds, labelled per row. The same
 * options give the same rows byte for byte, so it doubles as the learned detector's test
 * fixture. All times are UTC; the home country's habits are expressed as UTC hours.
 */
import { formatCdrHeader, formatCdrRow, type CdrRecord } from './cdr';
import { isKnownCountry } from './number-factory';
import { Prng } from './prng';
import { DAY, SimContext, type SimCall } from './sim-context';
import { FRAUD_KINDS, irsfBurst, newPremium, pbxHack, slowRamp, wangiri, type FraudEpisode, type FraudKind } from './sim-fraud';
import { createUsers, legitCalls, pickSome, USER_KINDS, type SimUser, type UserKind } from './sim-users';

export interface SimulateOptions {
  seed?: number;
  /** Accounts (default 400). */
  users?: number;
  /** Simulated weeks (default 4). */
  weeks?: number;
  /** First day, YYYY-MM-DD, midnight UTC (default 2026-09-07, a Monday). */
  start?: string;
  /** Home country, ISO 3166 alpha-2 (default GB). */
  country?: string;
  /** Fraud episodes, spread over the weeks and the five kinds (default 30). */
  episodes?: number;
  /**
   * Days of clean traffic before the first episode may start (default 7): a deployment has
   * learned its users before the fraud it is judged on. 0 lets fraud start on the first day.
   */
  warmupDays?: number;
}

export interface SimulateSummary {
  rows: number;
  legitRows: number;
  fraudRows: number;
  users: Record<UserKind, number>;
  episodes: Record<FraudKind, number>;
}

export interface SimulateResult {
  /** All rows, in time order, numbered from 1. */
  records: CdrRecord[];
  /** The injected episodes (their calls are in `records` too). */
  episodes: FraudEpisode[];
  /** The simulated accounts and what kind of user each is. */
  users: Array<{ id: string; kind: UserKind }>;
  summary: SimulateSummary;
}

export const SIMULATE_DEFAULTS = { seed: 1, users: 400, weeks: 4, start: '2026-09-07', country: 'GB', episodes: 30, warmupDays: 7 } as const;

function positiveInt(name: string, value: number, allowZero = false): number {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) throw new Error(`simulate: ${name} must be an integer >= ${allowZero ? 0 : 1} (got ${value})`);
  return value;
}

function parseStart(start: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(start);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(ms).toISOString().slice(0, 10) !== start) throw new Error(`simulate: start must be a date YYYY-MM-DD (got ${JSON.stringify(start)})`);
  return ms;
}

/** Victims of each kind: who can be hit (a PBX needs an office or a call centre). */
const VICTIM_KINDS: Record<FraudKind, readonly UserKind[]> = {
  irsf: ['office', 'residential', 'traveller'],
  pbx: ['office', 'callcentre'],
  ramp: ['office', 'residential'],
  wangiri: ['office', 'residential', 'traveller'],
  premium: ['office', 'residential', 'traveller'],
};

/** Days an episode of the kind may span after its first day. */
const EPISODE_DAYS: Record<FraudKind, number> = { irsf: 1, pbx: 7, ramp: 14, wangiri: 1, premium: 3 };

function chooseVictim(ctx: SimContext, users: readonly SimUser[], kind: FraudKind, hit: Set<string>): SimUser {
  const eligible = users.filter((u) => VICTIM_KINDS[kind].includes(u.kind));
  if (eligible.length === 0) throw new Error(`simulate: no ${VICTIM_KINDS[kind].join('/')} user for a ${kind} episode (too few users)`);
  const fresh = eligible.filter((u) => !hit.has(u.id));
  const victim = ctx.rng.pick(fresh.length > 0 ? fresh : eligible);
  hit.add(victim.id);
  return victim;
}

/** The kinds that hit one account, by the function that writes an episode of each. */
const ONE_VICTIM: Record<Exclude<FraudKind, 'wangiri'>, (ctx: SimContext, id: string, victim: SimUser, day: number) => FraudEpisode> = {
  irsf: irsfBurst, pbx: pbxHack, ramp: slowRamp, premium: newPremium,
};

function injectEpisodes(ctx: SimContext, users: readonly SimUser[], count: number, warmup: number): FraudEpisode[] {
  const { rng } = ctx;
  const hit = new Set<string>();
  const episodes: FraudEpisode[] = [];
  let cycle: FraudKind[] = [];
  for (let i = 0; i < count; i++) {
    // Every kind once per cycle of five, in a random order: all kinds present, mixed over the weeks.
    if (cycle.length === 0) cycle = pickSome(ctx, FRAUD_KINDS, FRAUD_KINDS.length) as FraudKind[];
    const kind = cycle.pop()!;
    const id = `e${String(i + 1).padStart(2, '0')}-${kind}`;
    const last = Math.max(0, ctx.days - EPISODE_DAYS[kind]);
    const day = rng.int(Math.min(warmup, last), last);
    if (kind === 'wangiri') {
      const pool = users.filter((u) => VICTIM_KINDS.wangiri.includes(u.kind));
      const victims = pickSome(ctx, pool.map((u) => u.id), rng.int(5, 30)).map((uid) => pool.find((u) => u.id === uid)!);
      if (victims.length === 0) throw new Error('simulate: no user for a wangiri episode (too few users)');
      episodes.push(wangiri(ctx, id, victims, day));
    } else {
      episodes.push(ONE_VICTIM[kind](ctx, id, chooseVictim(ctx, users, kind, hit), day));
    }
  }
  return episodes;
}

export function simulate(opts: SimulateOptions = {}): SimulateResult {
  const seed = positiveInt('seed', opts.seed ?? SIMULATE_DEFAULTS.seed, true);
  const userCount = positiveInt('users', opts.users ?? SIMULATE_DEFAULTS.users);
  const weeks = positiveInt('weeks', opts.weeks ?? SIMULATE_DEFAULTS.weeks);
  const episodeCount = positiveInt('episodes', opts.episodes ?? SIMULATE_DEFAULTS.episodes, true);
  const warmup = positiveInt('warmupDays', opts.warmupDays ?? SIMULATE_DEFAULTS.warmupDays, true);
  const country = (opts.country ?? SIMULATE_DEFAULTS.country).toUpperCase();
  if (!isKnownCountry(country)) throw new Error(`simulate: unknown country ${JSON.stringify(country)} (ISO 3166 alpha-2, e.g. GB)`);
  const ctx = new SimContext(new Prng(seed), country, parseStart(opts.start ?? SIMULATE_DEFAULTS.start), weeks * 7);

  const users = createUsers(ctx, userCount);
  for (const user of users) legitCalls(ctx, user);
  const episodes = injectEpisodes(ctx, users, episodeCount, warmup);

  const end = ctx.startMs + ctx.days * DAY;
  const calls: SimCall[] = [];
  for (const user of users) calls.push(...user.calls);
  for (const episode of episodes) for (const call of episode.calls) if (call.startMs < end) calls.push(call);
  // Stable sort: ties keep the generation order, which the seed fixes.
  calls.sort((a, b) => a.startMs - b.startMs);
  const records = calls.map((c, i): CdrRecord => ({ row: i + 1, ...c }));

  const summary: SimulateSummary = {
    rows: records.length,
    legitRows: 0,
    fraudRows: 0,
    users: Object.fromEntries(USER_KINDS.map((k) => [k, 0])) as Record<UserKind, number>,
    episodes: Object.fromEntries(FRAUD_KINDS.map((k) => [k, 0])) as Record<FraudKind, number>,
  };
  for (const r of records) {
    if (r.label === 'fraud') summary.fraudRows++;
    else summary.legitRows++;
  }
  for (const u of users) summary.users[u.kind]++;
  for (const e of episodes) summary.episodes[e.kind]++;
  return { records, episodes, users: users.map((u) => ({ id: u.id, kind: u.kind })), summary };
}

/** The CSV text of simulated records, header included, written in pieces through `write`. */
export function writeCdr(records: readonly CdrRecord[], write: (text: string) => void): void {
  write(formatCdrHeader());
  const batch: string[] = [];
  for (const r of records) {
    batch.push(formatCdrRow(r));
    if (batch.length === 4096) write(batch.splice(0).join(''));
  }
  if (batch.length > 0) write(batch.join(''));
}

/** One line per figure, for stderr. */
export function formatSimulateSummary(s: SimulateSummary): string {
  const kinds = (o: Record<string, number>) => Object.entries(o).map(([k, n]) => `${k} ${n}`).join(', ');
  return `rows ${s.rows} (legit ${s.legitRows}, fraud ${s.fraudRows})\nusers: ${kinds(s.users)}\nepisodes: ${kinds(s.episodes)}\n`;
}
