import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { parseCdr, type CdrRecord } from './cdr';
import { simulate, writeCdr, formatSimulateSummary, type SimulateResult } from './simulate';

const HOUR = 3_600_000;

function csv(result: SimulateResult): string {
  const parts: string[] = [];
  writeCdr(result.records, (t) => parts.push(t));
  return parts.join('');
}

/** Largest number of calls in progress at one instant (an unanswered attempt lasts one second). */
function maxConcurrent(calls: readonly CdrRecord[]): number {
  const edges: Array<[number, number]> = [];
  for (const c of calls) edges.push([c.startMs, 1], [c.startMs + Math.max(1, c.durationS) * 1000, -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

const utcHour = (ms: number): number => new Date(ms).getUTCHours();
const isWeekend = (ms: number): boolean => [0, 6].includes(new Date(ms).getUTCDay());
const country = (n: string): string | undefined => parsePhoneNumberFromString(n)?.country;

describe('simulate: determinism', () => {
  const small = { users: 60, weeks: 2, episodes: 10 };

  it('gives identical bytes for the same seed and different rows for another', () => {
    const a = csv(simulate({ ...small, seed: 5 }));
    expect(csv(simulate({ ...small, seed: 5 }))).toBe(a);
    const b = csv(simulate({ ...small, seed: 6 }));
    expect(b).not.toBe(a);
    expect(a.split('\n').length).toBeGreaterThan(1000);
  });

  it('rejects bad options plainly', () => {
    expect(() => simulate({ users: 0 })).toThrow('simulate: users must be an integer >= 1');
    expect(() => simulate({ start: '2026-02-30' })).toThrow(/start must be a date/);
    expect(() => simulate({ country: 'XX' })).toThrow(/unknown country "XX"/);
  });

  it('takes the home country from the options', () => {
    const r = simulate({ ...small, weeks: 1, episodes: 0, country: 'DE' });
    const home = r.records.filter((c) => c.callee.startsWith('+49')).length;
    expect(home / r.records.length).toBeGreaterThan(0.6);
    expect(r.summary.fraudRows).toBe(0);
  });
});

describe('simulate: the default 4-week, 400-user run', () => {
  let result: SimulateResult;
  let byUser: Map<string, CdrRecord[]>;
  let byEpisode: Map<string, CdrRecord[]>;
  const kindOf = new Map<string, string>();

  beforeAll(() => {
    result = simulate({ seed: 42 });
    byUser = new Map();
    byEpisode = new Map();
    for (const r of result.records) {
      if (!byUser.has(r.caller)) byUser.set(r.caller, []);
      byUser.get(r.caller)!.push(r);
      if (r.episode) {
        if (!byEpisode.has(r.episode)) byEpisode.set(r.episode, []);
        byEpisode.get(r.episode)!.push(r);
      }
    }
    for (const u of result.users) kindOf.set(u.id, u.kind);
  });

  const legitOf = (user: string) => (byUser.get(user) ?? []).filter((r) => r.label === 'legit');
  const episodesOf = (kind: string) => result.episodes.filter((e) => e.kind === kind).map((e) => ({ episode: e, rows: byEpisode.get(e.id) ?? [] }));

  it('writes rows in time order, numbered from 1, with labels and a summary that adds up', () => {
    const { records, summary } = result;
    expect(records.findIndex((r, i) => r.row !== i + 1)).toBe(-1);
    expect(records.findIndex((r, i) => i > 0 && r.startMs < records[i - 1]!.startMs)).toBe(-1);
    expect(records[0]!.startMs).toBeGreaterThanOrEqual(Date.UTC(2026, 8, 7));
    expect(records.at(-1)!.startMs).toBeLessThan(Date.UTC(2026, 8, 7 + 28));
    expect(records.every((r) => (r.label === 'fraud') === (r.episode !== undefined))).toBe(true);
    expect(records.every((r) => r.answered === r.durationS > 0)).toBe(true);
    expect(summary.rows).toBe(records.length);
    expect(summary.fraudRows).toBe(records.filter((r) => r.label === 'fraud').length);
    expect(summary.legitRows + summary.fraudRows).toBe(summary.rows);
    expect(summary.episodes).toEqual({ irsf: 6, pbx: 6, ramp: 6, wangiri: 6, premium: 6 });
    expect(summary.users.office + summary.users.residential + summary.users.callcentre + summary.users.traveller).toBe(400);
    expect(summary.fraudRows / summary.rows).toBeLessThan(0.15);
    expect(formatSimulateSummary(summary)).toContain(`rows ${summary.rows} (legit ${summary.legitRows}, fraud ${summary.fraudRows})`);
  });

  it('makes every callee a valid number for libphonenumber', () => {
    const invalid = [...new Set(result.records.map((r) => r.callee))].filter((n) => !parsePhoneNumberFromString(n)?.isValid());
    expect(invalid).toEqual([]);
  });

  it('round-trips through the CDR CSV reader', () => {
    expect(parseCdr(csv(result), 'sim.csv')).toEqual(result.records);
  });

  it('has office workers call mostly on weekdays in office hours, and residential lines mostly evenings and weekends', () => {
    const share = (kind: string, ok: (ms: number) => boolean) => {
      const rows = result.users.filter((u) => u.kind === kind).flatMap((u) => legitOf(u.id));
      expect(rows.length).toBeGreaterThan(500);
      return rows.filter((r) => ok(r.startMs)).length / rows.length;
    };
    expect(share('office', (t) => !isWeekend(t) && utcHour(t) >= 8 && utcHour(t) < 19)).toBeGreaterThan(0.9);
    expect(share('residential', (t) => isWeekend(t) || utcHour(t) >= 17)).toBeGreaterThan(0.9);
  });

  it('gives call centres 100-400 calls a weekday with parallel agents, and travellers changing addresses', () => {
    for (const u of result.users.filter((x) => x.kind === 'callcentre')) {
      const rows = legitOf(u.id);
      const perDay = new Map<string, number>();
      for (const r of rows) if (!isWeekend(r.startMs)) perDay.set(new Date(r.startMs).toISOString().slice(0, 10), (perDay.get(new Date(r.startMs).toISOString().slice(0, 10)) ?? 0) + 1);
      for (const n of perDay.values()) {
        expect(n).toBeGreaterThanOrEqual(70);
        expect(n).toBeLessThanOrEqual(500);
      }
      const conc = maxConcurrent(rows);
      expect(conc).toBeGreaterThanOrEqual(3);
      expect(conc).toBeLessThanOrEqual(20);
    }
    const travellers = result.users.filter((x) => x.kind === 'traveller');
    const roaming = travellers.filter((u) => new Set(legitOf(u.id).map((r) => r.sourceIp)).size >= 2);
    expect(roaming.length / travellers.length).toBeGreaterThan(0.5);
  });

  it('(a) IRSF: overnight bursts 01:00-05:00 of 20+ calls abroad, in parallel, from an address the user never used', () => {
    for (const { episode, rows } of episodesOf('irsf')) {
      expect(rows.length).toBeGreaterThanOrEqual(20);
      expect(rows.length).toBeLessThanOrEqual(215);
      expect(rows.every((r) => utcHour(r.startMs) >= 1 && utcHour(r.startMs) < 5)).toBe(true);
      expect(new Set(rows.map((r) => new Date(r.startMs).toISOString().slice(0, 10))).size).toBe(1);
      expect(new Set(rows.map((r) => r.callee)).size).toBeLessThanOrEqual(5);
      expect(rows.every((r) => !r.callee.startsWith('+44'))).toBe(true);
      expect(maxConcurrent(rows)).toBeGreaterThanOrEqual(2);
      const usual = new Set(legitOf(episode.users[0]!).map((r) => r.sourceIp));
      expect(rows.some((r) => usual.has(r.sourceIp))).toBe(false);
    }
  });

  it('(b) PBX: at least 10 overlapping calls to international numbers', () => {
    for (const { episode, rows } of episodesOf('pbx')) {
      expect(['office', 'callcentre']).toContain(kindOf.get(episode.users[0]!));
      expect(maxConcurrent(rows)).toBeGreaterThanOrEqual(10);
      expect(rows.every((r) => !r.callee.startsWith('+44'))).toBe(true);
    }
  });

  it('(c) ramps: one never-called country, 1, 2, 3... calls per active day, never concurrent with anything of the user', () => {
    for (const { episode, rows } of episodesOf('ramp')) {
      const user = episode.users[0]!;
      expect(new Set(rows.map((r) => r.callee)).size).toBe(1);
      const target = country(rows[0]!.callee);
      expect(legitOf(user).some((r) => country(r.callee) === target)).toBe(false);
      const perDay = new Map<string, number>();
      for (const r of rows) perDay.set(new Date(r.startMs).toISOString().slice(0, 10), (perDay.get(new Date(r.startMs).toISOString().slice(0, 10)) ?? 0) + 1);
      const counts = [...perDay.values()];
      expect(counts.length).toBeGreaterThanOrEqual(3);
      counts.forEach((n, i) => expect(n).toBe(i + 1));
      expect(maxConcurrent(byUser.get(user)!.filter((r) => r.startMs >= rows[0]!.startMs - HOUR && r.startMs <= rows.at(-1)!.startMs + HOUR))).toBe(1);
      expect(rows.every((r) => r.durationS <= 30 * 60)).toBe(true);
    }
  });

  it('(d) Wangiri: many users call back the same international number once or twice within hours', () => {
    for (const { rows } of episodesOf('wangiri')) {
      expect(new Set(rows.map((r) => r.callee)).size).toBe(1);
      const users = new Set(rows.map((r) => r.caller));
      expect(users.size).toBeGreaterThanOrEqual(5);
      for (const u of users) expect(rows.filter((r) => r.caller === u).length).toBeLessThanOrEqual(2);
      expect(rows.at(-1)!.startMs - rows[0]!.startMs).toBeLessThan(6 * HOUR);
      expect(rows.every((r) => r.answered && r.durationS <= 120)).toBe(true);
      expect(rows[0]!.callee.startsWith('+44')).toBe(false);
    }
  });

  it('(e) premium: premium-rate numbers the user never called, national and foreign, moderate volume', () => {
    const countries = new Set<string | undefined>();
    for (const { episode, rows } of episodesOf('premium')) {
      expect(rows.every((r) => parsePhoneNumberFromString(r.callee)?.getType() === 'PREMIUM_RATE')).toBe(true);
      const before = new Set(legitOf(episode.users[0]!).map((r) => r.callee));
      expect(rows.some((r) => before.has(r.callee))).toBe(false);
      expect(rows.length).toBeGreaterThanOrEqual(5);
      expect(rows.length).toBeLessThanOrEqual(70);
      for (const r of rows) countries.add(country(r.callee));
    }
    expect(countries.size).toBeGreaterThanOrEqual(2);
  });

  it('varies fraud destinations over many countries', () => {
    const countries = new Set(result.records.filter((r) => r.label === 'fraud').map((r) => country(r.callee)));
    expect(countries.size).toBeGreaterThanOrEqual(15);
  });
});
