/**
 * The legitimate population of the CDR simulator: office workers, residential lines, call
 * centres and travellers, each with its own hours, volumes, favourite numbers (Zipf-like),
 * countries and source addresses.
 */
import type { LineType } from './number-factory';
import type { SimCall, SimContext } from './sim-context';

export type UserKind = 'office' | 'residential' | 'callcentre' | 'traveller';
export const USER_KINDS: readonly UserKind[] = ['office', 'residential', 'callcentre', 'traveller'];

export interface SimUser {
  readonly id: string;
  readonly kind: UserKind;
  /** The addresses the user usually calls from. */
  readonly ips: string[];
  /** Favourite numbers, most called first. */
  readonly favourites: string[];
  /** Countries abroad the user calls regularly (business partners, family, trip destinations). */
  readonly abroad: string[];
  /** Every country the user has a number of, home included (ramps pick one outside it). */
  readonly countries: Set<string>;
  /** Mean calls per active day (call centres: per day of the whole centre). */
  readonly rate: number;
  /** Parallel lines (call-centre agents; 1 for people). */
  readonly lines: number;
  /** Legitimate calls, filled by `legitCalls`. */
  readonly calls: SimCall[];
}

/** Countries business calls go to from a European office. */
const BUSINESS = ['US', 'DE', 'FR', 'NL', 'IE', 'ES', 'IT', 'BE', 'CH', 'SE', 'IN', 'CN', 'JP', 'AU', 'CA', 'SG', 'AE', 'PL'];
/** Countries where residential users commonly have family. */
const FAMILY = ['PL', 'IN', 'PK', 'NG', 'RO', 'IE', 'PH', 'ES', 'PT', 'IT', 'BD', 'LT', 'FR', 'US', 'ZA', 'JM', 'GH', 'TR', 'CN', 'AU'];
/** Where travellers go. */
const TRIPS = ['US', 'FR', 'DE', 'ES', 'IT', 'NL', 'AE', 'SG', 'HK', 'JP', 'CN', 'IN', 'ZA', 'BR', 'MX', 'CH', 'SE', 'KE', 'TH', 'AU', 'CA', 'QA', 'SA', 'EG', 'MA', 'KR', 'TR', 'GR'];

function without(list: readonly string[], skip: string): string[] {
  return list.filter((c) => c !== skip);
}

/** Distinct random picks from `list`. */
export function pickSome(ctx: SimContext, list: readonly string[], n: number): string[] {
  const pool = [...list];
  const out: string[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(ctx.rng.int(0, pool.length - 1), 1)[0]!);
  return out;
}

function dial(ctx: SimContext, user: SimUser, country: string, type: LineType): string {
  user.countries.add(country);
  return ctx.numbers.make(country, type);
}

/** A number the user calls: mostly a favourite, sometimes a new one (which may become a favourite). */
function destination(ctx: SimContext, user: SimUser, newShare: number, abroadShare: number): string {
  const { rng } = ctx;
  if (user.favourites.length > 0 && !rng.chance(newShare)) return user.favourites[rng.zipfIndex(user.favourites.length)]!;
  const country = user.abroad.length > 0 && rng.chance(abroadShare) ? rng.pick(user.abroad) : ctx.home;
  const number = dial(ctx, user, country, rng.chance(0.55) ? 'MOBILE' : 'FIXED_LINE');
  if (rng.chance(0.3)) user.favourites.push(number);
  return number;
}

export function makeCall(ctx: SimContext, user: SimUser, startMs: number, callee: string, durationS: number, unansweredShare: number, sourceIp = user.ips[0]!): SimCall {
  const answered = !ctx.rng.chance(unansweredShare);
  return { startMs, caller: user.id, callee, durationS: answered ? durationS : 0, sourceIp, answered, label: 'legit' };
}

/**
 * Start times for one person (or one agent line): the drawn times, sorted, each pushed after
 * the end of the previous call so a line never overlaps itself. `durations` follow the
 * sorted order.
 */
function serialize(ctx: SimContext, drawn: number[], durations: readonly number[]): number[] {
  const starts = drawn.sort((a, b) => a - b);
  for (let i = 1; i < starts.length; i++) {
    const free = starts[i - 1]! + durations[i - 1]! * 1000 + ctx.rng.int(20, 180) * 1000;
    if (starts[i]! < free) starts[i] = free;
  }
  return starts;
}

/** `durations.length` random times in [fromH, toH) of the day, serialized on one line. */
function lineStarts(ctx: SimContext, day: number, fromH: number, toH: number, durations: readonly number[]): number[] {
  return serialize(ctx, durations.map(() => ctx.timeIn(day, fromH, toH)), durations);
}

/** Hours of a user's usual calling on `day` (UTC), or undefined on a day without calls. */
export function usualHours(ctx: SimContext, user: SimUser, day: number): [number, number] | undefined {
  const weekend = ctx.isWeekend(day);
  switch (user.kind) {
    case 'office':
      return weekend ? undefined : [8, 18];
    case 'residential':
      return weekend ? [9.5, 21.5] : [17, 22];
    case 'callcentre':
      return ctx.weekday(day) === 0 ? undefined : ctx.weekday(day) === 6 ? [9, 13] : [8, 20];
    case 'traveller':
      return weekend ? [10, 20] : [7, 21];
  }
}

export function createUsers(ctx: SimContext, count: number): SimUser[] {
  const { rng } = ctx;
  const kinds: UserKind[] = [];
  const callCentres = count >= 10 ? Math.max(1, Math.round(count * 0.03)) : 0;
  const travellers = Math.round(count * 0.1);
  const offices = Math.round(count * 0.45);
  for (let i = 0; i < count; i++) {
    kinds.push(i < callCentres ? 'callcentre' : i < callCentres + travellers ? 'traveller' : i < callCentres + travellers + offices ? 'office' : 'residential');
  }
  // Shuffle so that ids say nothing about the kind.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const officeSites = Array.from({ length: Math.max(1, Math.ceil(count / 40)) }, () => ctx.ip('10'));
  return kinds.map((kind, i) => createUser(ctx, `u${String(i + 1).padStart(4, '0')}`, kind, officeSites));
}

function createUser(ctx: SimContext, id: string, kind: UserKind, officeSites: readonly string[]): SimUser {
  const { rng } = ctx;
  const home = ctx.home;
  const base = { id, kind, favourites: [] as string[], countries: new Set([home]), calls: [] as SimCall[] };
  let user: SimUser;
  switch (kind) {
    case 'office': {
      // Several people of one company share its NAT address; some have their own.
      const ips = [rng.chance(0.6) ? rng.pick(officeSites) : ctx.ip('10')];
      user = { ...base, ips, abroad: pickSome(ctx, without(BUSINESS, home), rng.int(0, 3)), rate: 2 + rng.next() * 9, lines: 1 };
      for (let n = rng.int(8, 30); n > 0; n--) user.favourites.push(dial(ctx, user, home, rng.chance(0.6) ? 'FIXED_LINE' : 'MOBILE'));
      for (const c of user.abroad) for (let n = rng.int(1, 4); n > 0; n--) user.favourites.splice(rng.int(3, user.favourites.length), 0, dial(ctx, user, c, 'FIXED_LINE'));
      break;
    }
    case 'residential': {
      user = { ...base, ips: [ctx.ip('192.168')], abroad: pickSome(ctx, without(FAMILY, home), rng.int(0, 2)), rate: 0.3 + rng.next() * 2.2, lines: 1 };
      for (let n = rng.int(3, 12); n > 0; n--) user.favourites.push(dial(ctx, user, home, rng.chance(0.7) ? 'MOBILE' : 'FIXED_LINE'));
      for (const c of user.abroad) for (let n = rng.int(1, 3); n > 0; n--) user.favourites.splice(rng.int(0, user.favourites.length), 0, dial(ctx, user, c, 'MOBILE'));
      break;
    }
    case 'callcentre': {
      user = { ...base, ips: [ctx.ip('172.16'), ctx.ip('172.16')], abroad: [], rate: rng.int(100, 400), lines: rng.int(6, 20) };
      // The customer base: called again and again, with new customers now and then.
      for (let n = rng.int(300, 1200); n > 0; n--) user.favourites.push(dial(ctx, user, home, rng.chance(0.6) ? 'MOBILE' : 'FIXED_LINE'));
      break;
    }
    case 'traveller': {
      user = { ...base, ips: [ctx.ip('10.200')], abroad: pickSome(ctx, without(TRIPS, home), rng.int(2, 4)), rate: 2 + rng.next() * 6, lines: 1 };
      for (let n = rng.int(6, 20); n > 0; n--) user.favourites.push(dial(ctx, user, home, rng.chance(0.5) ? 'MOBILE' : 'FIXED_LINE'));
      for (const c of user.abroad) for (let n = rng.int(1, 3); n > 0; n--) user.favourites.splice(rng.int(2, user.favourites.length), 0, dial(ctx, user, c, rng.chance(0.5) ? 'MOBILE' : 'FIXED_LINE'));
      break;
    }
  }
  return user;
}

/** Generates the user's legitimate calls over all simulated days into `user.calls`. */
export function legitCalls(ctx: SimContext, user: SimUser): void {
  if (user.kind === 'callcentre') callCentreCalls(ctx, user);
  else if (user.kind === 'traveller') travellerCalls(ctx, user);
  else personCalls(ctx, user);
  const end = ctx.dayStart(ctx.days);
  // Calls pushed past the last day (or trips shifted before the first) leave the simulated span.
  for (let i = user.calls.length - 1; i >= 0; i--) {
    const t = user.calls[i]!.startMs;
    if (t < ctx.startMs || t >= end) user.calls.splice(i, 1);
  }
}

function personCalls(ctx: SimContext, user: SimUser): void {
  const { rng } = ctx;
  const office = user.kind === 'office';
  for (let day = 0; day < ctx.days; day++) {
    const hours = usualHours(ctx, user, day);
    const drawn: number[] = [];
    for (let n = hours ? Math.min(office ? 15 : 4, rng.poisson(user.rate)) : 0; n > 0; n--) drawn.push(ctx.timeIn(day, hours![0], hours![1]));
    // Now and then someone calls outside their habits: an office weekend or late evening, a daytime call from home.
    if (rng.chance(office ? 0.06 : 0.03)) {
      const [fromH, toH] = office ? (hours ? [18, 20] : [10, 16]) : [8, 17];
      drawn.push(ctx.timeIn(day, fromH, toH));
    }
    const durations: number[] = [];
    const callees: string[] = [];
    for (let i = 0; i < drawn.length; i++) {
      const callee = destination(ctx, user, office ? 0.12 : 0.06, office ? 0.25 : 0.5);
      callees.push(callee);
      durations.push(ctx.duration(office ? 150 : callee.startsWith(ctx.homePrefix) ? 240 : 900, 1.0, 2 * 3600));
    }
    const starts = serialize(ctx, drawn, durations);
    for (let i = 0; i < starts.length; i++) user.calls.push(makeCall(ctx, user, starts[i]!, callees[i]!, durations[i]!, office ? 0.15 : 0.2));
  }
}

function callCentreCalls(ctx: SimContext, user: SimUser): void {
  const { rng } = ctx;
  for (let day = 0; day < ctx.days; day++) {
    const hours = usualHours(ctx, user, day);
    if (!hours) continue;
    const shiftShare = (hours[1] - hours[0]) / 12;
    const total = Math.round(user.rate * shiftShare * (0.8 + 0.4 * rng.next()));
    // Each agent line works through its share of the day's calls one after another.
    for (let line = 0; line < user.lines; line++) {
      const n = Math.round(total / user.lines);
      const durations = Array.from({ length: n }, () => ctx.duration(70, 0.8, 40 * 60));
      const starts = lineStarts(ctx, day, hours[0], hours[1], durations);
      for (let i = 0; i < n; i++) {
        const callee = rng.chance(0.08) ? dial(ctx, user, ctx.home, rng.chance(0.6) ? 'MOBILE' : 'FIXED_LINE') : rng.pick(user.favourites);
        user.calls.push(makeCall(ctx, user, starts[i]!, callee, durations[i]!, 0.3, user.ips[line % user.ips.length]));
      }
    }
  }
}

interface Trip {
  readonly from: number;
  readonly to: number;
  readonly country: string;
  readonly ip: string;
  /** Hours the local day is ahead of UTC. */
  readonly aheadH: number;
  readonly locals: string[];
}

function travellerCalls(ctx: SimContext, user: SimUser): void {
  const { rng } = ctx;
  const trips: Trip[] = [];
  for (let week = 0; week * 7 < ctx.days; week++) {
    if (!rng.chance(0.6)) continue;
    const from = week * 7 + rng.int(0, 4);
    // Mostly the usual destinations; now and then a country never visited before.
    const country = rng.chance(0.2) ? rng.pick(without(TRIPS, ctx.home).filter((c) => !user.abroad.includes(c))) : rng.pick(user.abroad);
    trips.push({ from, to: from + rng.int(2, 5), country, ip: ctx.ip(rng.pick(['100.64', '100.100', '172.20'])), aheadH: rng.int(-8, 9), locals: [] });
  }
  for (let day = 0; day < ctx.days; day++) {
    const trip = trips.find((t) => day >= t.from && day <= t.to);
    const hours = usualHours(ctx, user, day)!;
    const n = Math.min(12, rng.poisson(user.rate));
    const durations: number[] = [];
    const callees: string[] = [];
    for (let i = 0; i < n; i++) {
      let callee: string;
      if (trip && rng.chance(0.35)) {
        // Hotels, taxis, local clients: new local numbers, some called again.
        if (trip.locals.length === 0 || rng.chance(0.5)) trip.locals.push(dial(ctx, user, trip.country, rng.chance(0.5) ? 'MOBILE' : 'FIXED_LINE'));
        callee = rng.pick(trip.locals);
      } else callee = destination(ctx, user, 0.1, 0.3);
      callees.push(callee);
      durations.push(ctx.duration(200, 1.0, 2 * 3600));
    }
    // Abroad, the local day shifts the UTC hours; jet lag adds the odd call at any hour.
    const shift = trip ? -trip.aheadH : 0;
    const [fromH, toH] = trip && rng.chance(0.1) ? [0, 24] : [hours[0] + shift, hours[1] + shift];
    const starts = lineStarts(ctx, day, fromH, toH, durations);
    for (let i = 0; i < n; i++) user.calls.push(makeCall(ctx, user, starts[i]!, callees[i]!, durations[i]!, 0.15, trip ? trip.ip : user.ips[0]));
  }
}
