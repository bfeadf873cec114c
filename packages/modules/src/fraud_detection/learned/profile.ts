/**
 * A user's learned dialing pattern, bounded in memory (~1.5 KB whatever the traffic): when in
 * the week the user calls, which zones and numbers, how many calls a day, how many at once,
 * how long, from where. Counts decay (half-life HALF_LIFE_DAYS) so a changed habit is learned;
 * the population keeps the same histograms over all users, as the prior of new users.
 */

export const DAY_MS = 86_400_000;
/** Hour bins: 24 weekday hours, then 24 weekend hours. */
export const HOUR_BINS = 48;
/** Zones, numbers and addresses a profile remembers (the least used go first). */
export const MAX_ZONES = 24;
export const MAX_NUMBERS = 48;
export const MAX_IPS = 4;
/** Recent call times kept for bursts (calls in the last 10 and 60 minutes). */
export const RECENT = 64;
const HALF_LIFE_DAYS = 60;
/** Daily EWMA weight of the newest day (calls per day, peak concurrency). */
const DAY_ALPHA = 0.1;

/** Bin of a local wall-clock time (ms, already shifted to local time). */
export function hourBin(localMs: number): number {
  const days = Math.floor(localMs / DAY_MS);
  const hour = Math.floor((localMs - days * DAY_MS) / 3_600_000);
  const dow = (days + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return dow === 0 || dow === 6 ? 24 + hour : hour;
}

/** Keeps at most `max` keys, dropping the one with the smallest value when full. */
function bump(m: Map<string, number>, key: string, by: number, max: number): void {
  const v = m.get(key);
  if (v !== undefined) {
    m.set(key, v + by);
    return;
  }
  if (m.size >= max) {
    let dropped = '';
    let minV = Infinity;
    for (const [k, x] of m) if (x < minV) [dropped, minV] = [k, x];
    m.delete(dropped);
  }
  m.set(key, by);
}

/** 32-bit FNV-1a hash of a string: profiles keep numbers as hashes, not strings (memory). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** What a user's profile knows of one zone: its weight and the days it was called on. */
export interface ZoneStat {
  /** Decayed, weighted calls to the zone. */
  w: number;
  firstDay: number;
  lastDay: number;
  /** Days with at least one call to the zone. */
  activeDays: number;
  /** Calls on lastDay. */
  today: number;
  /** Most calls on any earlier day. */
  best: number;
  /** Hash of the first number called in the zone, and whether any other has been since (slow ramps). */
  number: number;
  several: boolean;
}

/** The most recently called numbers (hashes and times in typed arrays: ~600 bytes for 48). */
export class RecentNumbers {
  readonly hashes = new Uint32Array(MAX_NUMBERS);
  readonly times = new Float64Array(MAX_NUMBERS);
  size = 0;

  indexOf(h: number): number {
    for (let i = 0; i < this.size; i++) if (this.hashes[i] === h) return i;
    return -1;
  }

  /** Notes a call to the number hash at `t`; when full the longest unused one goes. */
  touch(h: number, t: number): void {
    let i = this.indexOf(h);
    if (i < 0) {
      if (this.size < MAX_NUMBERS) i = this.size++;
      else {
        i = 0;
        for (let j = 1; j < MAX_NUMBERS; j++) if (this.times[j]! < this.times[i]!) i = j;
      }
      this.hashes[i] = h;
    }
    this.times[i] = t;
  }
}

export class UserProfile {
  /** Decayed, weighted number of calls learned. */
  calls = 0;
  firstT = -1;
  lastT = -1;
  /** Local day number the daily counters belong to. */
  day = -1;
  readonly hours = new Float32Array(HOUR_BINS);
  /** Zones called, at most MAX_ZONES (the lightest goes). */
  readonly zones = new Map<string, ZoneStat>();
  readonly numbers = new RecentNumbers();
  /** Source addresses -> last use (ms). */
  readonly ips = new Map<string, number>();
  /** Ring of recent attempt times (ms). */
  readonly recent = new Float64Array(RECENT).fill(-Infinity);
  recentPos = 0;
  /** EWMA of calls per day and of the day's peak concurrency; today's values. */
  dayRate = 0;
  peakConc = 0;
  today = 0;
  todayPeak = 0;
  /** EWMA mean and variance of ln(duration s) of answered calls. */
  durMean = 0;
  durVar = 0;
  durN = 0;
  /** Decayed sum of the points of recent anomalous calls, and when it was last decayed. */
  heat = 0;
  heatT = 0;
  /** Live calls (not persisted: a restart ends them). */
  concurrent = 0;

  /** Days between the first and the last call (at least 1): how much history there is. */
  historyDays(): number {
    return this.firstT < 0 ? 0 : Math.max(1, (this.lastT - this.firstT) / DAY_MS);
  }

  /** Moves the daily counters to `day`, folding finished days (and idle ones) into the EWMAs. */
  rollDay(day: number): void {
    if (this.day < 0) {
      this.day = day;
      return;
    }
    if (day <= this.day) return;
    const gap = day - this.day;
    this.dayRate = this.dayRate * (1 - DAY_ALPHA) + DAY_ALPHA * this.today;
    this.peakConc = this.peakConc * (1 - DAY_ALPHA) + DAY_ALPHA * this.todayPeak;
    if (gap > 1) {
      const idle = Math.pow(1 - DAY_ALPHA, Math.min(gap - 1, 365));
      this.dayRate *= idle;
      this.peakConc *= idle;
    }
    const decay = Math.pow(0.5, gap / HALF_LIFE_DAYS);
    this.calls *= decay;
    for (let i = 0; i < HOUR_BINS; i++) this.hours[i]! *= decay;
    for (const z of this.zones.values()) z.w *= decay;
    this.today = 0;
    this.todayPeak = 0;
    this.day = day;
  }

  /** Calls in the last `ms` before `t`, from the ring (saturates at RECENT). */
  callsWithin(t: number, ms: number): number {
    let n = 0;
    for (let i = 0; i < RECENT; i++) {
      const age = t - this.recent[i]!;
      if (age >= 0 && age < ms) n++;
    }
    return n;
  }

  /** Records the attempt in the burst ring and today's count (always, whatever its weight). */
  noteAttempt(t: number): void {
    this.recent[this.recentPos] = t;
    this.recentPos = (this.recentPos + 1) % RECENT;
    this.today++;
    if (this.firstT < 0) this.firstT = t;
    this.lastT = Math.max(this.lastT, t);
  }

  /** Weight of a zone in this profile (0: never called). */
  zoneWeight(zone: string): number {
    return this.zones.get(zone)?.w ?? 0;
  }

  /** Learns the pattern of an attempt with weight `w` (an anomalous call teaches less); `h` is the number's hash32. */
  learn(bin: number, zone: string, h: number, ip: string, t: number, w: number): void {
    this.calls += w;
    this.hours[bin]! += w;
    const z = this.zones.get(zone);
    if (z === undefined) {
      if (this.zones.size >= MAX_ZONES) {
        let light = '';
        let min = Infinity;
        for (const [k, x] of this.zones) if (x.w < min) [light, min] = [k, x.w];
        this.zones.delete(light);
      }
      this.zones.set(zone, { w, firstDay: this.day, lastDay: this.day, activeDays: 1, today: 1, best: 0, number: h, several: false });
    } else {
      z.w += w;
      if (h !== z.number) z.several = true;
      if (z.lastDay === this.day) z.today++;
      else {
        z.best = Math.max(z.best, z.today);
        z.today = 1;
        z.lastDay = this.day;
        z.activeDays++;
      }
    }
    this.numbers.touch(h, t);
    if (ip !== '') {
      if (!this.ips.has(ip) && this.ips.size >= MAX_IPS) {
        let oldK = '';
        let oldT = Infinity;
        for (const [k, x] of this.ips) if (x < oldT) [oldK, oldT] = [k, x];
        this.ips.delete(oldK);
      }
      this.ips.set(ip, t);
    }
  }

  learnDuration(seconds: number): void {
    const x = Math.log(Math.max(1, seconds));
    const a = this.durN < 20 ? 1 / (this.durN + 1) : 0.05;
    const d = x - this.durMean;
    this.durMean += a * d;
    this.durVar = (1 - a) * (this.durVar + a * d * d);
    this.durN++;
  }

  heatAt(t: number): number {
    if (this.heat === 0) return 0;
    return this.heat * Math.pow(0.5, Math.max(0, t - this.heatT) / 1_800_000);
  }

  addHeat(t: number, points: number): void {
    this.heat = Math.min(500, this.heatAt(t) + points);
    this.heatT = t;
  }

  /** Compact JSON for the profiles table (live calls are not saved). */
  toJSON(): SavedProfile {
    return {
      v: 1, calls: this.calls, firstT: this.firstT, lastT: this.lastT, day: this.day,
      hours: Array.from(this.hours, (x) => Math.round(x * 1000) / 1000),
      zones: [...this.zones].map(([k, z]) => [k, { ...z, w: Math.round(z.w * 1000) / 1000 }]),
      numbers: Array.from(this.numbers.hashes.subarray(0, this.numbers.size), (h, i) => [h, this.numbers.times[i]!]),
      ips: [...this.ips],
      recent: Array.from(this.recent).filter((x) => x > -Infinity),
      dayRate: this.dayRate, peakConc: this.peakConc, today: this.today, todayPeak: this.todayPeak,
      durMean: this.durMean, durVar: this.durVar, durN: this.durN, heat: this.heat, heatT: this.heatT,
    };
  }

  static fromJSON(s: SavedProfile): UserProfile {
    if (s.v !== 1) throw new Error(`unknown profile version ${String(s.v)}`);
    const p = new UserProfile();
    p.calls = s.calls; p.firstT = s.firstT; p.lastT = s.lastT; p.day = s.day;
    s.hours.slice(0, HOUR_BINS).forEach((x, i) => { p.hours[i] = x; });
    for (const [k, z] of s.zones.slice(0, MAX_ZONES)) p.zones.set(k, { ...z });
    for (const [h, t] of s.numbers.slice(0, MAX_NUMBERS)) p.numbers.touch(h >>> 0, t);
    for (const [k, v] of s.ips.slice(0, MAX_IPS)) p.ips.set(k, v);
    s.recent.slice(-RECENT).forEach((x, i) => { p.recent[i] = x; });
    p.recentPos = Math.min(s.recent.length, RECENT) % RECENT;
    p.dayRate = s.dayRate; p.peakConc = s.peakConc; p.today = s.today; p.todayPeak = s.todayPeak;
    p.durMean = s.durMean; p.durVar = s.durVar; p.durN = s.durN; p.heat = s.heat; p.heatT = s.heatT;
    return p;
  }
}

export interface SavedProfile {
  v: number;
  calls: number; firstT: number; lastT: number; day: number;
  hours: number[];
  zones: [string, ZoneStat][]; numbers: [number, number][]; ips: [string, number][];
  recent: number[];
  dayRate: number; peakConc: number; today: number; todayPeak: number;
  durMean: number; durVar: number; durN: number; heat: number; heatT: number;
}

/**
 * What all users do, as the prior of a user with little history: hour and zone histograms
 * over every learned call, and the mean calls per active user-day.
 */
export class Population {
  calls = 0;
  readonly hours = new Float64Array(HOUR_BINS);
  readonly zones = new Map<string, number>();
  /** Calls per active user per day (EWMA over days), and the counts of the current day. */
  dayRate = 0;
  private day = -1;
  private dayCalls = 0;
  private readonly dayUsers = new Set<string>();

  /** Calls per active user-day: the finished days' EWMA, else what today shows so far. */
  userDayRate(): number {
    if (this.dayRate > 0) return this.dayRate;
    return this.dayUsers.size > 0 ? this.dayCalls / this.dayUsers.size : 0;
  }

  learn(user: string, day: number, bin: number, zone: string, w: number): void {
    if (day !== this.day) {
      if (this.day >= 0 && this.dayUsers.size > 0) {
        const r = this.dayCalls / this.dayUsers.size;
        this.dayRate = this.dayRate === 0 ? r : this.dayRate * 0.9 + r * 0.1;
      }
      this.day = day;
      this.dayCalls = 0;
      this.dayUsers.clear();
    }
    this.dayCalls++;
    this.dayUsers.add(user);
    this.calls += w;
    this.hours[bin]! += w;
    // Bounded too: a zone seen by nobody for long enough is as good as never seen.
    bump(this.zones, zone, w, 4096);
  }

  /** Share of the population's calls in `bin` (uniform before any call). */
  hourShare(bin: number): number {
    return this.calls <= 0 ? 1 / HOUR_BINS : (this.hours[bin]! + 0.01) / (this.calls + 0.01 * HOUR_BINS);
  }

  /** Share of the population's calls to `zone`; an unseen zone gets half a call's worth. */
  zoneShare(zone: string): number {
    return ((this.zones.get(zone) ?? 0) + 0.5) / (this.calls + 1);
  }

  toJSON(): SavedPopulation {
    return { v: 1, calls: this.calls, hours: Array.from(this.hours), zones: [...this.zones], dayRate: this.dayRate };
  }

  static fromJSON(s: SavedPopulation): Population {
    if (s.v !== 1) throw new Error(`unknown population version ${String(s.v)}`);
    const p = new Population();
    p.calls = s.calls;
    s.hours.slice(0, HOUR_BINS).forEach((x, i) => { p.hours[i] = x; });
    for (const [k, v] of s.zones) p.zones.set(k, v);
    p.dayRate = s.dayRate;
    return p;
  }
}

export interface SavedPopulation {
  v: number; calls: number; hours: number[]; zones: [string, number][]; dayRate: number;
}
