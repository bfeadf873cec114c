/**
 * The learned fraud detector: scores each call attempt against the calling user's own
 * pattern (blended with the population's while the user has little history), explains the
 * score, then learns from the call. Evidence, each worth points (the score is their sum,
 * capped at 100):
 *   new_zone     first (or a rare) call to a destination zone
 *   ramp         a foreign zone taken up lately, called more each day (slow ramps), the
 *                more so when no other user calls it (rare_zone)
 *   high_risk    a listed high-risk range, a premium-rate type, a number outside the plan
 *   off_hours    a time of the week the user (and, for a new user, everybody) rarely calls at
 *   volume       calls in the last 10 / 60 minutes and today against the user's baseline (Poisson tail)
 *   concurrency  calls up at once against the user's usual daily peak
 *   campaign     other users called the same new foreign number for the first time lately
 *                (Wangiri callbacks, a leaked list of IRSF numbers)
 *   new_source   a source address the user has not used lately
 *   follows      anomalous calls of the same user just before this one
 * An anomalous call teaches the profile less, so a fraud burst does not become the habit.
 */
import { LRUCache } from 'lru-cache';
import type { CountryCode } from 'libphonenumber-js/max';
import type { Assessment, CallAttempt, CallTracker, LearnedDetectorApi, Reason } from '../detector-api';
import { DEFAULT_LEARNED_THRESHOLD } from '../detector-api';
import { DAY_MS, hash32, hourBin, Population, UserProfile, type SavedPopulation, type SavedProfile } from './profile';
import { DEFAULT_RISK_RANGES, RiskTable, type RiskRange } from './risk-ranges';
import { ZoneClassifier, type Zone } from './zones';

export interface LearnedOptions {
  /** Country of the deployment: national dialled digits are read as its numbers. */
  homeCountry?: CountryCode;
  riskRanges?: readonly RiskRange[];
  /** The alert score: calls at or above it teach the profile a tenth of a call (from half of it, 0.3). */
  threshold?: number;
  /** Minutes to add to UTC for the users' wall clock at `t` (default: UTC). */
  utcOffsetMin?: (t: number) => number;
  /** Profiles kept in memory (least recently active evicted; the store keeps them). */
  maxProfiles?: number;
  /** Called when a profile leaves memory, so it can be saved first. */
  onEvict?: (user: string, profile: UserProfile) => void;
  /** Reads a user's saved profile the first time the user is seen (after a start or an eviction). */
  loader?: (user: string) => SavedProfile | undefined;
}

const TEN_MIN = 600_000;
const HOUR = 3_600_000;
const CAMPAIGN_MS = 6 * HOUR;
/** How long after its first call a zone can still be a slow ramp. */
const RAMP_DAYS = 30;
/** Pseudo-counts of the population prior in the zone and hour estimates. */
const ZONE_PRIOR = 2;
const HOUR_PRIOR = 3;
/** Days of population rate a new user's baseline starts with. */
const RATE_PRIOR_DAYS = 3;
/** Calls per day below which a baseline is not believed (a quiet user still redials). */
const MIN_DAY_RATE = 0.5;
/** Allowance on a day's expected calls: people have busy days (a Poisson day is too strict). */
const DAY_SLACK = 1.5;
/** Points of destination and time evidence from which volume evidence counts in full ... */
const AMPLIFY_FROM = 15;
/** ... and the share of it that counts below. */
const QUIET_AMPLIFIER = 0.35;

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
const LN2 = Math.LN2;

/** ln(k!) (exact sums for the small k a burst ring holds). */
const LN_FACT: number[] = [0];
for (let k = 1; k <= 200; k++) LN_FACT.push(LN_FACT[k - 1]! + Math.log(k));

/** -log2 P(N >= k) for N ~ Poisson(lambda): how surprising k calls are. */
export function poissonTailBits(k: number, lambda: number): number {
  if (k <= 0) return 0;
  const lnL = Math.log(lambda);
  const lnTerm = (i: number): number => -lambda + i * lnL - LN_FACT[Math.min(i, 200)]!;
  if (k <= lambda) {
    // Below the mean the tail is most of the mass: 1 - P(N < k), summed directly.
    let below = 0;
    for (let i = 0; i < k; i++) below += Math.exp(lnTerm(i));
    return below >= 1 ? 0 : -Math.log2(1 - below);
  }
  // Above the mean the terms fall: sum them in units of the first to stay in range.
  const first = lnTerm(k);
  let sum = 0;
  for (let i = k; i < k + 60; i++) {
    const term = Math.exp(lnTerm(i) - first);
    sum += term;
    if (term < 1e-12) break;
  }
  const lnP = first + Math.log(sum);
  return lnP >= 0 ? 0 : -lnP / LN2;
}

/** This machine's offset from UTC at `t`, in minutes east (cached per hour: DST moves it). */
export function localUtcOffset(): (t: number) => number {
  let hour = -1;
  let off = 0;
  return (t) => {
    const h = Math.floor(t / 3_600_000);
    if (h !== hour) {
      hour = h;
      off = -new Date(t).getTimezoneOffset();
    }
    return off;
  };
}

interface Campaign {
  /** When the population first called the number. */
  firstSeen: number;
  /** Users whose first call to it came since (bounded), with the time. */
  readonly firsts: Map<string, number>;
}

const fmtHour = (localMs: number): string => {
  const d = new Date(localMs);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
};
const pct = (x: number): string => (x >= 0.1 ? `${Math.round(x * 100)}%` : `${(x * 100).toFixed(1)}%`);

export class LearnedDetector implements LearnedDetectorApi {
  readonly threshold: number;
  private readonly zones: ZoneClassifier;
  private readonly profiles: LRUCache<string, UserProfile>;
  private population = new Population();
  private readonly campaigns = new LRUCache<string, Campaign>({ max: 100_000 });
  private readonly offset: (t: number) => number;
  /** Users learned since the last drain (the store saves them). */
  private readonly dirty = new Set<string>();
  private readonly loader: ((user: string) => SavedProfile | undefined) | undefined;

  constructor(opts: LearnedOptions = {}) {
    this.threshold = opts.threshold ?? DEFAULT_LEARNED_THRESHOLD;
    this.zones = new ZoneClassifier(opts.homeCountry ?? 'GB', new RiskTable(opts.riskRanges ?? DEFAULT_RISK_RANGES));
    this.offset = opts.utcOffsetMin ?? (() => 0);
    this.loader = opts.loader;
    const onEvict = opts.onEvict;
    this.profiles = new LRUCache<string, UserProfile>({
      max: opts.maxProfiles ?? 100_000,
      ...(onEvict ? { dispose: (p: UserProfile, user: string, why: string) => { if (why === 'evict') onEvict(user, p); } } : {}),
    });
  }

  setRiskRanges(ranges: readonly RiskRange[]): void {
    this.zones.setRiskTable(new RiskTable(ranges));
  }

  classify(number: string): Zone {
    return this.zones.classify(number);
  }

  profile(user: string): UserProfile | undefined {
    return this.profiles.get(user);
  }

  get profileCount(): number {
    return this.profiles.size;
  }

  loadPopulation(saved: SavedPopulation): void {
    this.population = Population.fromJSON(saved);
  }

  savedPopulation(): SavedPopulation {
    return this.population.toJSON();
  }

  /** Users whose profile changed since the last call, with their profiles; clears the list. */
  drainDirty(): [string, UserProfile][] {
    const out: [string, UserProfile][] = [];
    for (const u of this.dirty) {
      const p = this.profiles.peek(u);
      if (p !== undefined) out.push([u, p]);
    }
    this.dirty.clear();
    return out;
  }

  /** The saved profile of a user new to memory, else a fresh one (the population stands in). */
  private restore(user: string): UserProfile {
    const saved = this.loader?.(user);
    if (saved !== undefined) {
      try {
        return UserProfile.fromJSON(saved);
      } catch {
        // A row of another version or damaged: learning again beats refusing the call.
      }
    }
    return new UserProfile();
  }

  assess(call: CallAttempt): { assessment: Assessment; call: CallTracker } {
    const { user, number, t } = call;
    const local = t + this.offset(t) * 60_000;
    const day = Math.floor(local / DAY_MS);
    const bin = hourBin(local);
    const zone = this.zones.classify(number);
    const numberHash = hash32(number);
    let p = this.profiles.get(user);
    if (p === undefined) this.profiles.set(user, (p = this.restore(user)));
    p.rollDay(day);
    const pop = this.population;
    const reasons: Reason[] = [];
    const add = (code: string, points: number, text: string): void => {
      if (points >= 1) reasons.push({ code, points: Math.round(points), text });
    };
    const n = p.calls;

    // Destination zone: how likely this user is to call it, the population standing in for
    // what the user has not shown yet.
    const seen = p.zoneWeight(zone.key);
    if (zone.type !== 'short') {
      const share = pop.zoneShare(zone.key);
      const pz = (seen + ZONE_PRIOR * share) / (n + ZONE_PRIOR);
      const bits = -Math.log2(pz);
      if (seen < 0.5) {
        add('new_zone', clamp(4 * (bits - 3), 0, 30), n < 5
          ? `first call to zone ${zone.key}, which ${pct(share)} of all calls go to`
          : `first call ever to zone ${zone.key}`);
      } else if (seen < 3) {
        add('new_zone', clamp(3 * (bits - 5), 0, 12), `zone ${zone.key} is rare for this user (${seen.toFixed(0)} of ${n.toFixed(0)} calls)`);
      }
    }
    // Costly destinations weigh most on the first days; a user who calls one on many days
    // knows it. Days, not calls: twenty calls to a premium line this morning are no habit.
    const zd = p.zones.get(zone.key);
    const priorDays = zd === undefined ? 0 : zd.activeDays - (zd.lastDay === day ? 1 : 0);
    const novelty = priorDays === 0 ? 1 : priorDays < 3 ? 0.5 : 0.15;
    if (zone.risk !== undefined) add('high_risk', zone.risk.risk * novelty, `${zone.key} is in a high-risk range (${zone.risk.label}, +${zone.risk.prefix})`);
    else if (zone.premium) add('high_risk', 25 * novelty, `${number} is a ${zone.type.replace('_', '-')} number (${zone.country})`);
    else if (zone.type === 'invalid' && !zone.domestic) add('high_risk', 12 * novelty, `${number} is outside the numbering plan of ${zone.country}`);

    // Slow ramp: one foreign number the user took up lately, called on more and more days and
    // more often each day, stays under any fixed threshold but not under its own history.
    // One number, not a traveller's many local ones.
    if (zd !== undefined && !zd.several && zd.number === numberHash && !zone.domestic && zone.type !== 'short' && day - zd.firstDay <= RAMP_DAYS) {
      const todayCalls = (zd.lastDay === day ? zd.today : 0) + 1;
      const days = zd.activeDays + (zd.lastDay === day ? 0 : 1);
      const before = zd.lastDay === day ? zd.best : Math.max(zd.best, zd.today);
      if (days >= 3 && todayCalls >= 3 && todayCalls >= before) {
        add('ramp', clamp(10 * (todayCalls - 2) + 6 * (days - 2), 0, 60),
          `calls to ${number} (${zone.key}) grow day by day since the first ${day - zd.firstDay} day(s) ago (${todayCalls} today, at most ${before} a day before)`);
        // A habit nobody else shares is the likelier to be someone else's revenue.
        if ((pop.zones.get(zone.key) ?? 0) - seen < 1) add('rare_zone', 20, `no other user calls zone ${zone.key}`);
      }
    }

    // Schedule: the user's share of calls at this hour (neighbours smoothed in), against uniform.
    const base = bin < 24 ? 0 : 24;
    const h = bin - base;
    // The same hour of the other kind of day counts a little: a Saturday shift at 09:00 is
    // less odd for a 09:00 weekday worker than 03:00 is.
    const other = 24 - base;
    const smooth = 0.45 * p.hours[bin]! + 0.2 * (p.hours[base + ((h + 23) % 24)]! + p.hours[base + ((h + 1) % 24)]!)
      + 0.15 * p.hours[other + h]!;
    const ph = (smooth + HOUR_PRIOR * pop.hourShare(bin)) / (n + HOUR_PRIOR);
    const hourBits = Math.log2(1 / 48 / ph);
    add('off_hours', clamp(5 * (hourBits - 2), 0, 25),
      `${fmtHour(local)} on a ${bin < 24 ? 'weekday' : 'weekend'} is outside this user's hours (${pct(ph)} of calls at this time)`);

    // Campaign: the same foreign or costly number newly called by several users at once.
    const firstToNumber = p.numbers.indexOf(numberHash) < 0;
    let camp: Campaign | undefined;
    // Only a zone new to the user counts: colleagues calling a new office abroad is no campaign.
    const costly = zone.risk !== undefined || zone.premium || zone.type === 'invalid';
    if (firstToNumber && (!zone.domestic || zone.premium) && zone.type !== 'short') {
      camp = this.campaigns.get(number);
      if (seen < 0.5 && camp !== undefined && t - camp.firstSeen <= CAMPAIGN_MS) {
        let others = 0;
        for (const [u, ft] of camp.firsts) if (u !== user && t - ft <= CAMPAIGN_MS) others++;
        add('campaign', costly ? clamp(15 * others, 0, 45) : clamp(15 * others, 0, 30), `${others} other user(s) called ${number} for the first time in the last 6 hours`);
      }
    }

    if (call.sourceIp !== '' && p.ips.size > 0 && !p.ips.has(call.sourceIp)) add('new_source', 8, `new source address ${call.sourceIp}`);

    // How odd the call is by itself (where and when). Volume, concurrency and a run of
    // anomalies amplify that: a call centre's busy morning to its usual numbers is no fraud.
    // Anomalous calls just before count too: the first call of a burst teaches the profile a
    // little, and must not make the rest of the burst look quiet.
    // A habitual destination (called on several earlier days) is the user's own business even
    // while an attack runs on the account: the attack's calls and concurrency do not spill
    // onto it.
    const habitual = seen >= 3 && priorDays >= 3 && zone.risk === undefined && !zone.premium;
    const follows = habitual ? 0 : clamp(p.heatAt(t) * 0.3, 0, 20);
    let intrinsic = 0;
    for (const r of reasons) intrinsic += r.points;
    const amp = intrinsic + follows >= AMPLIFY_FROM ? 1 : QUIET_AMPLIFIER;

    // Volume: calls in the last 10 and 60 minutes against the expected count at this hour.
    const hd = Math.min(p.historyDays(), 30);
    const rate = Math.max(MIN_DAY_RATE, (p.dayRate * hd + Math.max(MIN_DAY_RATE, pop.userDayRate()) * RATE_PRIOR_DAYS) / (hd + RATE_PRIOR_DAYS));
    const perHour = Math.max(0.02, (rate * 7 * ph) / (bin < 24 ? 5 : 2));
    const k10 = p.callsWithin(t, TEN_MIN) + 1;
    const k60 = p.callsWithin(t, HOUR) + 1;
    // A lone call is no burst: its hour is judged above, so bursts start at two calls.
    const b10 = k10 >= 2 ? poissonTailBits(k10, perHour / 6) : 0;
    const b60 = k60 >= 2 ? poissonTailBits(k60, perHour) : 0;
    // And the day: today's calls against a day of this kind (weekday or weekend), with room
    // for the busy days people have (half as many again).
    let kindWeight = 0;
    for (let i = base; i < base + 24; i++) kindWeight += p.hours[i]!;
    let popKind = 0;
    for (let i = base; i < base + 24; i++) popKind += pop.hourShare(i);
    const kindShare = (kindWeight + HOUR_PRIOR * popKind) / (n + HOUR_PRIOR);
    const perDay = Math.max(MIN_DAY_RATE, (rate * 7 * kindShare) / (bin < 24 ? 5 : 2));
    const kDay = p.today + 1;
    const bDay = kDay >= 3 ? poissonTailBits(kDay, perDay * DAY_SLACK) : 0;
    const volBits = Math.max(b10, b60, bDay);
    add('volume', amp * clamp(3 * (volBits - 6), 0, 40), volBits === b10
      ? `${k10} calls in 10 minutes against a baseline of ${(perHour / 6).toFixed(2)}`
      : volBits === b60
        ? `${k60} calls in an hour against a baseline of ${perHour.toFixed(2)}`
        : `${kDay} calls today against a baseline of ${perDay.toFixed(1)} a day`);

    // Concurrency against the user's usual daily peak.
    const conc = p.concurrent + 1;
    const typical = Math.max(1, p.peakConc);
    const limit = Math.ceil(2 * typical + 1);
    if (conc > limit) add('concurrency', amp * clamp(8 * (conc - limit), 0, 35), `${conc} concurrent calls, usually at most ${Math.ceil(typical)}`);

    add('follows', follows, 'follows anomalous calls of this user in the last hour');

    reasons.sort((a, b) => b.points - a.points);
    let sum = 0;
    for (const r of reasons) sum += r.points;
    const score = Math.min(100, sum);

    // Learn: the attempt always counts for bursts and concurrency; its pattern less when odd.
    const w = score >= this.threshold ? 0.1 : score >= this.threshold * 0.5 ? 0.3 : 1;
    p.learn(bin, zone.key, numberHash, call.sourceIp, t, w);
    pop.learn(user, day, bin, zone.key, w);
    p.noteAttempt(t);
    p.concurrent++;
    if (p.concurrent > p.todayPeak) p.todayPeak = p.concurrent;
    // Only calls odd by themselves heat the user up: volume alone must not feed on itself.
    if (score >= this.threshold * 0.5 && intrinsic >= AMPLIFY_FROM) p.addHeat(t, score);
    if (firstToNumber && (!zone.domestic || zone.premium) && zone.type !== 'short') {
      if (camp === undefined || t - camp.firstSeen > CAMPAIGN_MS) this.campaigns.set(number, (camp = { firstSeen: t, firsts: new Map() }));
      if (camp.firsts.size < 32) camp.firsts.set(user, t);
    }
    this.dirty.add(user);

    const profile = p;
    let answeredAt = -1;
    let ended = false;
    const tracker: CallTracker = {
      answered: (at) => { if (!ended && answeredAt < 0) answeredAt = at; },
      ended: (at, answered) => {
        if (ended) return;
        ended = true;
        if (profile.concurrent > 0) profile.concurrent--;
        if (answered && answeredAt >= 0) {
          const secs = (at - answeredAt) / 1000;
          // A call far longer than the user's usual makes the next calls more suspect.
          if (profile.durN >= 5 && Math.log(Math.max(1, secs)) > profile.durMean + 3 * Math.sqrt(profile.durVar) && secs > 600) profile.addHeat(at, 40);
          profile.learnDuration(secs);
        }
        this.dirty.add(user);
      },
    };
    return { assessment: { score, reasons, zone: zone.key }, call: tracker };
  }
}
