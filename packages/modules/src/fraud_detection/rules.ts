/**
 * fraud_detection rules: rows of the fraud_detection table turned into prefix/time-window
 * rules, and the longest-prefix match of a number within a profile at a given time.
 */

/** Warning / critical pair of one check; 0 disables that level. */
export interface Thresholds {
  readonly warning: number;
  readonly critical: number;
}

export interface FraudRule {
  readonly id: number;
  readonly profile: number;
  readonly prefix: string;
  /** Minutes of the day the window opens and closes ([start, end); end <= start crosses midnight; equal: the whole day). */
  readonly startMin: number;
  readonly endMin: number;
  /** Bit d set (0 Sunday .. 6 Saturday): the window opens on that day. */
  readonly days: number;
  readonly cpm: Thresholds;
  readonly duration: Thresholds;
  readonly total: Thresholds;
  readonly concurrent: Thresholds;
  readonly sequential: Thresholds;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** "HH:MM" to minutes of the day; null when malformed. */
export function parseHour(s: string): number | null {
  const m = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(s);
  if (m === null) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return null;
  return h * 60 + min;
}

/** "Mon-Fri", "Mon,Wed,Fri-Sun" (ranges may wrap: "Fri-Mon"); names compare on their first 3 letters. Null when malformed. */
export function parseDays(s: string): number | null {
  const text = s.trim();
  if (text === '') return null;
  let set = 0;
  for (const tok of text.split(',')) {
    const parts = tok.split('-').map((p) => DAY_NAMES.indexOf(p.trim().slice(0, 3).toLowerCase()));
    if (parts.length > 2 || parts.some((p) => p < 0)) return null;
    const a = parts[0]!;
    const b = parts[parts.length - 1]!;
    for (let d = a; ; d = (d + 1) % 7) {
      set |= 1 << d;
      if (d === b) break;
    }
  }
  return set;
}

/** Wall-clock fields of an instant, in UTC or local time. */
export interface Wall {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minute: number;
}

export function wallOf(ms: number, utc: boolean): Wall {
  const d = new Date(ms);
  return utc
    ? { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), weekday: d.getUTCDay(), minute: d.getUTCHours() * 60 + d.getUTCMinutes() }
    : { year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), weekday: d.getDay(), minute: d.getHours() * 60 + d.getMinutes() };
}

function instant(w: Wall, dayOffset: number, minute: number, utc: boolean): number {
  return utc
    ? Date.UTC(w.year, w.month, w.day + dayOffset, 0, minute)
    : new Date(w.year, w.month, w.day + dayOffset, 0, minute).getTime();
}

/**
 * The occurrence of the rule's window that contains the instant: [start, end) in ms, or
 * null when the window is closed then.
 */
export function windowAt(r: FraudRule, w: Wall, utc: boolean): { start: number; end: number } | null {
  const today = (r.days >> w.weekday) & 1;
  const yesterday = (r.days >> ((w.weekday + 6) % 7)) & 1;
  if (r.startMin === r.endMin) {
    return today ? { start: instant(w, 0, r.startMin, utc), end: instant(w, 1, r.startMin, utc) } : null;
  }
  if (r.startMin < r.endMin) {
    if (!today || w.minute < r.startMin || w.minute >= r.endMin) return null;
    return { start: instant(w, 0, r.startMin, utc), end: instant(w, 0, r.endMin, utc) };
  }
  // Crosses midnight.
  if (today && w.minute >= r.startMin) return { start: instant(w, 0, r.startMin, utc), end: instant(w, 1, r.endMin, utc) };
  if (yesterday && w.minute < r.endMin) return { start: instant(w, -1, r.startMin, utc), end: instant(w, 0, r.endMin, utc) };
  return null;
}

/** The rules of all profiles, by profile then prefix. */
export class RuleSet {
  private readonly byProfile = new Map<number, Map<string, FraudRule[]>>();
  private longest = 0;
  size = 0;

  add(r: FraudRule): void {
    let m = this.byProfile.get(r.profile);
    if (m === undefined) this.byProfile.set(r.profile, (m = new Map()));
    const list = m.get(r.prefix);
    if (list === undefined) m.set(r.prefix, [r]);
    else list.push(r);
    if (r.prefix.length > this.longest) this.longest = r.prefix.length;
    this.size++;
  }

  /**
   * The rule of the longest prefix of the number, in the profile, whose window is open at
   * the instant; a prefix with no open window falls back to shorter ones (as drouting does).
   */
  match(profile: number, number: string, w: Wall, utc: boolean): { rule: FraudRule; window: { start: number; end: number } } | null {
    const m = this.byProfile.get(profile);
    if (m === undefined) return null;
    for (let len = Math.min(number.length, this.longest); len >= 0; len--) {
      const list = m.get(len === number.length ? number : number.slice(0, len));
      if (list === undefined) continue;
      for (const rule of list) {
        const window = windowAt(rule, w, utc);
        if (window !== null) return { rule, window };
      }
    }
    return null;
  }
}
