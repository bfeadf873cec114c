/**
 * Injected fraud for the CDR simulator, one function per known kind. Each returns the calls
 * of one episode (label "fraud", episode id set). Destinations are drawn from many
 * countries and line types so that a detector is not only evaluated on the ranges its own
 * high-risk table lists.
 */
import { hasLineType, type LineType } from './number-factory';
import { HOUR, MINUTE, type SimCall, type SimContext } from './sim-context';
import { pickSome, usualHours, type SimUser } from './sim-users';

export type FraudKind = 'irsf' | 'pbx' | 'ramp' | 'wangiri' | 'premium';
export const FRAUD_KINDS: readonly FraudKind[] = ['irsf', 'pbx', 'ramp', 'wangiri', 'premium'];

export interface FraudEpisode {
  readonly id: string;
  readonly kind: FraudKind;
  /** The hijacked accounts (Wangiri: every user who called back). */
  readonly users: readonly string[];
  readonly destinations: readonly string[];
  readonly calls: SimCall[];
}

/** Destinations known for IRSF (fixed, mobile or premium ranges), and a few look-alikes. */
const IRSF_TARGETS: ReadonlyArray<readonly [string, LineType]> = [
  ['CU', 'FIXED_LINE'], ['CU', 'MOBILE'], ['SO', 'MOBILE'], ['GN', 'MOBILE'], ['SL', 'MOBILE'], ['SL', 'FIXED_LINE'],
  ['LV', 'PREMIUM_RATE'], ['LT', 'PREMIUM_RATE'], ['BY', 'MOBILE'], ['BY', 'FIXED_LINE'], ['TN', 'MOBILE'], ['GM', 'MOBILE'],
  ['RS', 'PREMIUM_RATE'], ['ZW', 'MOBILE'], ['MR', 'MOBILE'], ['PG', 'MOBILE'], ['TO', 'FIXED_LINE'], ['VU', 'MOBILE'],
  ['SB', 'MOBILE'], ['KM', 'MOBILE'], ['LR', 'MOBILE'], ['SN', 'MOBILE'], ['TD', 'MOBILE'], ['ER', 'MOBILE'],
  ['GW', 'MOBILE'], ['AZ', 'MOBILE'], ['MD', 'MOBILE'], ['EE', 'PREMIUM_RATE'], ['BA', 'PREMIUM_RATE'], ['AL', 'PREMIUM_RATE'],
];
/** Countries Wangiri numbers come from. */
const WANGIRI_COUNTRIES = ['TN', 'MR', 'GN', 'SL', 'BY', 'MD', 'KM', 'BJ', 'CI', 'ML', 'NE', 'BF', 'CG', 'CD', 'MG', 'SC', 'BI', 'DJ', 'TG', 'GA'];
/** Countries whose premium ranges carry premium fraud. */
const PREMIUM_COUNTRIES = ['LV', 'LT', 'EE', 'RS', 'BA', 'AL', 'AT', 'DE', 'BE', 'NL', 'IT', 'ES', 'PL', 'CZ', 'SK', 'HU', 'RO', 'BG', 'HR', 'SI', 'PT', 'GR', 'CY', 'MT', 'IS', 'CH', 'NO', 'DK', 'FR', 'IE', 'AU', 'US'];

function premiumNumber(ctx: SimContext, notCountry: string): string {
  const countries = PREMIUM_COUNTRIES.filter((c) => c !== notCountry && hasLineType(c, 'PREMIUM_RATE'));
  return ctx.numbers.make(ctx.rng.pick(countries), 'PREMIUM_RATE');
}

function fraudCall(id: string, user: SimUser, startMs: number, callee: string, durationS: number, answered: boolean, sourceIp: string): SimCall {
  return { startMs, caller: user.id, callee, durationS: answered ? durationS : 0, sourceIp, answered, label: 'fraud', episode: id };
}

/**
 * One line of parallel fraud calls: calls one after another from `startMs` until `endMs`
 * (or `max` calls), each to a number of `targets`.
 */
function fraudLine(ctx: SimContext, id: string, user: SimUser, startMs: number, endMs: number, max: number, targets: readonly string[], medianS: number, sourceIp: string, firstMinS = 0): SimCall[] {
  const calls: SimCall[] = [];
  let t = startMs;
  while (t < endMs && calls.length < max) {
    const answered = calls.length === 0 || !ctx.rng.chance(0.1);
    const duration = Math.max(calls.length === 0 ? firstMinS : 1, ctx.duration(medianS, 0.6, 2 * 3600));
    calls.push(fraudCall(id, user, t, ctx.rng.pick(targets), duration, answered, sourceIp));
    t += ((answered ? duration : 0) + ctx.rng.int(3, 40)) * 1000;
  }
  return calls;
}

/** (a) Overnight IRSF burst from a hijacked account: 01:00-05:00, 20-200 long calls, several in parallel. */
export function irsfBurst(ctx: SimContext, id: string, user: SimUser, day: number): FraudEpisode {
  const { rng } = ctx;
  const countries = pickSome(ctx, IRSF_TARGETS.map((_, i) => String(i)), rng.int(1, 2)).map((i) => IRSF_TARGETS[Number(i)]!);
  const targets = Array.from({ length: rng.int(1, 5) }, () => {
    const [country, type] = rng.pick(countries);
    return ctx.numbers.make(country, type);
  });
  const wanted = rng.int(20, 200);
  const lines = Math.max(2, Math.min(12, Math.ceil(wanted / 18)));
  const begin = ctx.timeIn(day, 1, 1.75);
  const end = ctx.dayStart(day) + 5 * HOUR;
  const ip = ctx.attackerIp();
  const perLine = Math.ceil(wanted / lines);
  // Long calls, but short enough that every line places its share before 05:00.
  const medianS = Math.min(rng.int(4, 15) * 60, Math.floor((end - begin) / 1000 / perLine / 2));
  const calls: SimCall[] = [];
  for (let l = 0; l < lines; l++) calls.push(...fraudLine(ctx, id, user, begin + rng.int(0, 300) * 1000, end, perLine, targets, medianS, ip));
  return { id, kind: 'irsf', users: [user.id], destinations: targets, calls };
}

/** (b) Compromised PBX: 10-50 parallel lines to international premium numbers, mostly at the weekend. */
export function pbxHack(ctx: SimContext, id: string, user: SimUser, day: number): FraudEpisode {
  const { rng } = ctx;
  // Move to the weekend following `day` most of the time; otherwise a weekday night.
  let d = day;
  const weekend = rng.chance(0.7);
  if (weekend) while (!ctx.isWeekend(d) && d + 1 < ctx.days) d++;
  const begin = weekend ? ctx.timeIn(d, 0, 18) : ctx.timeIn(d, 19, 23);
  const targets = Array.from({ length: rng.int(3, 10) }, () => (rng.chance(0.75) ? premiumNumber(ctx, ctx.home) : ctx.numbers.make(...rng.pick(IRSF_TARGETS))));
  const lines = rng.int(10, 50);
  const end = begin + rng.int(30, 240) * MINUTE;
  // The PBX itself places the calls, so they often come from its usual address.
  const ip = rng.chance(0.6) ? user.ips[0]! : ctx.attackerIp();
  const calls: SimCall[] = [];
  // All lines open within three minutes and their first call lasts at least five: the burst is truly parallel.
  for (let l = 0; l < lines; l++) calls.push(...fraudLine(ctx, id, user, begin + rng.int(0, 180) * 1000, end, 1000, targets, rng.int(3, 12) * 60, ip, 300));
  return { id, kind: 'pbx', users: [user.id], destinations: targets, calls };
}

function overlaps(busy: readonly SimCall[], start: number, durationS: number): boolean {
  const end = start + durationS * 1000 + 60_000;
  return busy.some((c) => c.startMs < end && c.startMs + c.durationS * 1000 + 60_000 > start);
}

/**
 * (c) Slow ramp under fixed thresholds: one new international destination, called 1, 2, 3...
 * times on successive active days, inside the user's hours, ordinary durations, never in
 * parallel (not even with the user's own calls).
 */
export function slowRamp(ctx: SimContext, id: string, user: SimUser, day: number): FraudEpisode {
  const { rng } = ctx;
  const fresh = [...IRSF_TARGETS.map(([c]) => c), ...WANGIRI_COUNTRIES, ...PREMIUM_COUNTRIES].filter((c) => !user.countries.has(c) && hasLineType(c, 'MOBILE'));
  const country = rng.pick([...new Set(fresh)]);
  const target = ctx.numbers.make(country, rng.chance(0.6) ? 'MOBILE' : 'FIXED_LINE');
  const ip = rng.chance(0.7) ? user.ips[0]! : ctx.attackerIp();
  const activeDays = rng.int(5, 10);
  const calls: SimCall[] = [];
  const busy = [...user.calls];
  let step = 0;
  for (let d = day; d < ctx.days && step < activeDays; d++) {
    const hours = usualHours(ctx, user, d);
    if (!hours) continue;
    step++;
    for (let k = 0; k < step; k++) {
      const duration = ctx.duration(180, 0.7, 30 * 60);
      for (let attempt = 0; attempt < 100; attempt++) {
        const t = ctx.timeIn(d, hours[0], hours[1] - 0.5);
        if (overlaps(busy, t, duration)) continue;
        const call = fraudCall(id, user, t, target, duration, true, ip);
        calls.push(call);
        busy.push(call);
        break;
      }
    }
  }
  return { id, kind: 'ramp', users: [user.id], destinations: [target], calls };
}

/** (d) Wangiri callbacks: 5-30 users each call the same international number once or twice within a few hours. */
export function wangiri(ctx: SimContext, id: string, victims: readonly SimUser[], day: number): FraudEpisode {
  const { rng } = ctx;
  const country = rng.pick(WANGIRI_COUNTRIES.filter((c) => c !== ctx.home));
  const target = ctx.numbers.make(country, rng.chance(0.3) && hasLineType(country, 'PREMIUM_RATE') ? 'PREMIUM_RATE' : 'MOBILE');
  const ping = ctx.timeIn(day, 9, 17);
  const calls: SimCall[] = [];
  for (const user of victims) {
    let t = ping + rng.int(1, 150) * MINUTE;
    for (let n = rng.chance(0.3) ? 2 : 1; n > 0; n--) {
      const duration = ctx.duration(35, 0.5, 120);
      calls.push(fraudCall(id, user, t, target, duration, true, user.ips[0]!));
      t += (duration + rng.int(60, 1800)) * 1000;
    }
  }
  return { id, kind: 'wangiri', users: victims.map((v) => v.id), destinations: [target], calls };
}

/** (e) Calls to premium ranges new to the user: national premium rate or another country's, moderate volume over 1-3 days. */
export function newPremium(ctx: SimContext, id: string, user: SimUser, day: number): FraudEpisode {
  const { rng } = ctx;
  const national = rng.chance(0.6) && hasLineType(ctx.home, 'PREMIUM_RATE');
  const targets = Array.from({ length: rng.int(1, 3) }, () => (national ? ctx.numbers.make(ctx.home, 'PREMIUM_RATE') : premiumNumber(ctx, ctx.home)));
  const ip = rng.chance(0.5) ? user.ips[0]! : ctx.attackerIp();
  const calls: SimCall[] = [];
  const days = rng.int(1, 3);
  const perDay = Math.ceil(rng.int(10, 60) / days);
  for (let d = day; d < Math.min(ctx.days, day + days); d++) {
    calls.push(...fraudLine(ctx, id, user, ctx.timeIn(d, 8, 10), ctx.dayStart(d) + 23 * HOUR, perDay, targets, rng.int(3, 10) * 60, ip));
  }
  return { id, kind: 'premium', users: [user.id], destinations: targets, calls };
}
