/**
 * The time recurrence of a drouting rule (dr_rules.timerec), in OpenSIPS's layout
 * (time_rec.c, after RFC 2445/5545):
 *
 *   tz|dtstart|dtend|duration|freq|until|interval|byday|bymonthday|byyearday|byweekno|bymonth
 *
 * tsips handles the common subset: an empty time zone (server local time) or UTC; dtstart,
 * dtend, until as YYYYMMDDTHHMMSS; duration as P[n]W or P[n]DT[n]H[n]M[n]S; freq daily,
 * weekly, monthly, yearly; interval; byday as plain weekday names (MO,TU...); bymonthday
 * (1..31, or -1..-31 from the month's end); bymonth (1..12). What it cannot evaluate
 * faithfully is refused when the rule is loaded (parseTimeRec returns an error text):
 * other time zones, byyearday, byweekno, byday with an ordinal (1MO, -1FR), and the
 * logical operators (&, /, !, parentheses) joining several recurrences.
 */

export interface TimeRec {
  utc: boolean;
  /** Epoch seconds. */
  dtstart: number;
  /** Length of each occurrence, seconds. */
  duration: number;
  freq: 'none' | 'daily' | 'weekly' | 'monthly' | 'yearly';
  /** Epoch seconds, or null. */
  until: number | null;
  interval: number;
  /** 0 = Sunday ... 6 = Saturday. */
  byday: number[] | null;
  bymonthday: number[] | null;
  /** 1..12. */
  bymonth: number[] | null;
  text: string;
}

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const DAY_S = 86400;

/** Broken-down time in the recurrence's zone. */
interface Parts { y: number; mo: number; d: number; h: number; mi: number; s: number; wday: number }

function partsOf(epochSec: number, utc: boolean): Parts {
  const t = new Date(epochSec * 1000);
  return utc
    ? { y: t.getUTCFullYear(), mo: t.getUTCMonth(), d: t.getUTCDate(), h: t.getUTCHours(), mi: t.getUTCMinutes(), s: t.getUTCSeconds(), wday: t.getUTCDay() }
    : { y: t.getFullYear(), mo: t.getMonth(), d: t.getDate(), h: t.getHours(), mi: t.getMinutes(), s: t.getSeconds(), wday: t.getDay() };
}

function epochOf(y: number, mo: number, d: number, h: number, mi: number, s: number, utc: boolean): number {
  return Math.floor((utc ? Date.UTC(y, mo, d, h, mi, s) : new Date(y, mo, d, h, mi, s).getTime()) / 1000);
}

function parseDateTime(text: string, utc: boolean): number | string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/.exec(text);
  if (m === null) return `'${text}' is not a date-time (YYYYMMDDTHHMMSS)`;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return `'${text}' is not a valid date-time`;
  return epochOf(y, mo - 1, d, h, mi, s, utc || m[7] === 'Z');
}

function parseDuration(text: string): number | string {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text);
  if (m === null || text.length < 2) return `'${text}' is not a duration (P[n]W or P[n]DT[n]H[n]M[n]S)`;
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  return n(1) * 7 * DAY_S + n(2) * DAY_S + n(3) * 3600 + n(4) * 60 + n(5);
}

function intList(text: string, what: string, min: number, max: number, allowNegative: boolean): number[] | string {
  const out: number[] = [];
  for (const raw of text.split(',')) {
    const t = raw.trim();
    if (!/^[+-]?\d+$/.test(t)) return `${what} '${t}' is not a number`;
    const v = Number(t);
    const abs = Math.abs(v);
    if ((v < 0 && !allowNegative) || abs < min || abs > max) return `${what} ${t} is out of range`;
    out.push(v);
  }
  return out;
}

/** Parses a timerec value; null for an empty one (always valid); an error text for what tsips does not handle. */
export function parseTimeRec(text: string | null): TimeRec | null | string {
  if (text === null || text.trim() === '') return null;
  const t = text.trim();
  if (/[&!()]/.test(t) || /\s\/\s|\)\s*\//.test(t)) return `timerec '${t}': logical operators between recurrences are not supported`;
  const f = t.split('|');
  if (f.length > 12) return `timerec '${t}': too many fields (at most 12)`;
  const field = (i: number): string => (f[i] ?? '').trim();
  const tz = field(0);
  let utc = false;
  if (tz !== '') {
    if (/^(UTC|GMT|Etc\/UTC|Z)$/i.test(tz)) utc = true;
    // An old 2.x value starts with the dtstart itself: tell the user what layout is expected.
    else if (/^\d{8}T/.test(tz)) return `timerec '${t}': the first field is the time zone (3.x layout 'tz|dtstart|dtend|duration|freq|...'); leave it empty for local time`;
    else return `timerec '${t}': time zone '${tz}' is not supported (only empty = local time, or UTC)`;
  }
  const start = field(1) === '' ? 0 : parseDateTime(field(1), utc);
  if (typeof start === 'string') return `timerec '${t}': dtstart ${start}`;
  let end: number | null = null;
  if (field(2) !== '') {
    const e = parseDateTime(field(2), utc);
    if (typeof e === 'string') return `timerec '${t}': dtend ${e}`;
    end = e;
  }
  let duration: number | null = null;
  if (field(3) !== '') {
    const d = parseDuration(field(3));
    if (typeof d === 'string') return `timerec '${t}': ${d}`;
    duration = d;
  }
  let freq: TimeRec['freq'] = 'none';
  if (field(4) !== '') {
    const v = field(4).toLowerCase();
    if (v !== 'daily' && v !== 'weekly' && v !== 'monthly' && v !== 'yearly') return `timerec '${t}': unknown freq '${field(4)}'`;
    freq = v;
  }
  let until: number | null = null;
  if (field(5) !== '') {
    const u = parseDateTime(field(5), utc);
    if (typeof u === 'string') return `timerec '${t}': until ${u}`;
    until = u;
  }
  let interval = 1;
  if (field(6) !== '') {
    if (!/^\d+$/.test(field(6)) || Number(field(6)) < 1) return `timerec '${t}': interval '${field(6)}' is not a positive number`;
    interval = Number(field(6));
  }
  let byday: number[] | null = null;
  if (field(7) !== '') {
    byday = [];
    for (const raw of field(7).split(',')) {
      const d = raw.trim().toUpperCase();
      if (/^[+-]?\d+[A-Z]{2}$/.test(d)) return `timerec '${t}': byday with an ordinal ('${raw.trim()}') is not supported`;
      const i = DAYS.indexOf(d);
      if (i < 0) return `timerec '${t}': unknown weekday '${raw.trim()}'`;
      byday.push(i);
    }
  }
  let bymonthday: number[] | null = null;
  if (field(8) !== '') {
    const l = intList(field(8), 'bymonthday', 1, 31, true);
    if (typeof l === 'string') return `timerec '${t}': ${l}`;
    bymonthday = l;
  }
  if (field(9) !== '') return `timerec '${t}': byyearday is not supported`;
  if (field(10) !== '') return `timerec '${t}': byweekno is not supported`;
  let bymonth: number[] | null = null;
  if (field(11) !== '') {
    const l = intList(field(11), 'bymonth', 1, 12, false);
    if (typeof l === 'string') return `timerec '${t}': ${l}`;
    bymonth = l;
  }
  if (duration === null) {
    if (end !== null) duration = end - start;
    else {
      // OpenSIPS: without duration or dtend an occurrence lasts until the end of its smallest unit.
      const p = partsOf(start, utc);
      const tod = p.h * 3600 + p.mi * 60 + p.s;
      if (freq === 'daily' || byday !== null || bymonthday !== null) duration = DAY_S - tod;
      else if (freq === 'weekly') duration = 7 * DAY_S - (p.wday * DAY_S + tod);
      else if (freq === 'monthly' || bymonth !== null) duration = 31 * DAY_S - ((p.d - 1) * DAY_S + tod);
      else if (freq === 'yearly') duration = 366 * DAY_S - tod;
      else duration = 2 ** 32;
    }
  }
  if (duration <= 0) return `timerec '${t}': the occurrence has no length (dtend before dtstart?)`;
  if (freq !== 'none' && duration > 366 * DAY_S) return `timerec '${t}': recurring occurrences longer than a year are not supported`;
  return { utc, dtstart: start, duration, freq, until, interval, byday, bymonthday, bymonth, text: t };
}

function daysInMonth(y: number, mo: number): number {
  return new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
}

/** Whether an occurrence may start on this day (freq/interval and the by-rules). */
function dayQualifies(r: TimeRec, day: Parts, start: Parts): boolean {
  const dayIndex = (p: Parts) => Math.floor(Date.UTC(p.y, p.mo, p.d) / 1000 / DAY_S);
  if (r.bymonth !== null && !r.bymonth.includes(day.mo + 1)) return false;
  if (r.bymonthday !== null) {
    const dim = daysInMonth(day.y, day.mo);
    if (!r.bymonthday.some((v) => (v > 0 ? v === day.d : dim + 1 + v === day.d))) return false;
  }
  if (r.byday !== null && !r.byday.includes(day.wday)) return false;
  switch (r.freq) {
    case 'daily':
      return (dayIndex(day) - dayIndex(start)) % r.interval === 0;
    case 'weekly': {
      if (r.byday === null && day.wday !== start.wday) return false;
      // Weeks start on Monday (OpenSIPS's default week start).
      const wk = (p: Parts) => Math.floor((dayIndex(p) - ((p.wday + 6) % 7)) / 7);
      return (wk(day) - wk(start)) % r.interval === 0;
    }
    case 'monthly':
      if (r.byday === null && r.bymonthday === null && day.d !== start.d) return false;
      return ((day.y - start.y) * 12 + day.mo - start.mo) % r.interval === 0;
    case 'yearly':
      if (r.byday === null && r.bymonthday === null && day.d !== start.d) return false;
      if (r.bymonth === null && day.mo !== start.mo) return false;
      return (day.y - start.y) % r.interval === 0;
    default:
      return true;
  }
}

/** Whether `nowSec` (epoch seconds) falls in an occurrence of the recurrence. */
export function timeRecMatches(r: TimeRec, nowSec: number): boolean {
  if (nowSec < r.dtstart) return false;
  if (r.until !== null && nowSec > r.until) return false;
  // Without freq the by-rules play no part (OpenSIPS check_tmrec): one occurrence from dtstart.
  if (r.freq === 'none') return nowSec < r.dtstart + r.duration;
  const start = partsOf(r.dtstart, r.utc);
  const now = partsOf(nowSec, r.utc);
  // An occurrence starts on some day at dtstart's time of day; look back as far as one may last.
  const back = Math.ceil(r.duration / DAY_S);
  for (let k = 0; k <= back; k++) {
    const occ = epochOf(now.y, now.mo, now.d - k, start.h, start.mi, start.s, r.utc);
    if (occ < r.dtstart || occ > nowSec || nowSec >= occ + r.duration) continue;
    if (r.until !== null && occ > r.until) continue;
    if (dayQualifies(r, partsOf(occ, r.utc), start)) return true;
  }
  return false;
}
