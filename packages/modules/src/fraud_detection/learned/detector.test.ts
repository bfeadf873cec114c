import { LearnedDetector, poissonTailBits } from './detector';
import { hash32, hourBin, UserProfile, MAX_NUMBERS, MAX_ZONES } from './profile';
import { RiskTable, DEFAULT_RISK_RANGES } from './risk-ranges';
import { ZoneClassifier } from './zones';
import { Prng } from '../prng';

const H = 3_600_000;
const DAY = 24 * H;
/** Monday 2026-09-07 00:00 UTC. */
const MON = Date.UTC(2026, 8, 7);

const FAVOURITES = ['+442079460011', '+447700900123', '+441614960022', '+442079460033', '+441134960044'];

/** `users` office workers, Mon-Fri 09-17, 4 calls a day to domestic favourites, each answered 3 min. */
function officeHistory(d: LearnedDetector, users: number, days: number): number {
  const r = new Prng(7);
  let maxScore = 0;
  for (let day = 0; day < days; day++) {
    if (day % 7 >= 5) continue;
    const times: { u: number; t: number }[] = [];
    for (let u = 0; u < users; u++) for (let k = 0; k < 4; k++) times.push({ u, t: MON + day * DAY + (9 + r.next() * 8) * H });
    times.sort((a, b) => a.t - b.t);
    for (const { u, t } of times) {
      const number = FAVOURITES[Math.floor(r.next() * r.next() * FAVOURITES.length)]!;
      const v = d.assess({ user: `u${u}`, number, t, sourceIp: `10.0.0.${u}` });
      maxScore = Math.max(maxScore, v.assessment.score);
      v.call.answered(t + 5000);
      v.call.ended(t + 185_000, true);
    }
  }
  return maxScore;
}

describe('zones', () => {
  const z = new ZoneClassifier('GB', new RiskTable(DEFAULT_RISK_RANGES));
  it('reads E.164, international (00) and national digits as the same number', () => {
    expect(z.classify('+442079460000').key).toBe('GB:fixed_line');
    expect(z.classify('00442079460000').digits).toBe('442079460000');
    expect(z.classify('020 7946 0000').digits).toBe('442079460000');
  });
  it('types: mobile, premium rate, invalid, short', () => {
    expect(z.classify('+33612345678')).toMatchObject({ key: 'FR:mobile', domestic: false, premium: false });
    expect(z.classify('+449098790000')).toMatchObject({ key: 'GB:premium_rate', domestic: true, premium: true });
    expect(z.classify('+2521111').type).toBe('invalid');
    expect(z.classify('1234')).toMatchObject({ key: 'local:short', risk: undefined });
  });
  it('high-risk ranges by longest prefix', () => {
    expect(z.classify('+5351234567').risk?.prefix).toBe('53');
    expect(z.classify('+37190012345').risk).toMatchObject({ prefix: '37190', risk: 40 });
    expect(z.classify('+37167000000').risk).toBeUndefined();
  });
  it('a table with a bad row is refused, naming it', () => {
    expect(() => new RiskTable([{ prefix: '+53', label: 'x', risk: 10 }])).toThrow("'+53'");
    expect(() => new RiskTable([{ prefix: '53', label: 'x', risk: 120 }])).toThrow('0..100');
  });
});

describe('profile', () => {
  it('hour bins split weekdays from weekends', () => {
    expect(hourBin(MON + 9 * H)).toBe(9);
    expect(hourBin(MON + 5 * DAY + 3 * H)).toBe(27); // Saturday 03:00
    expect(hourBin(MON - DAY + 23 * H)).toBe(47); // Sunday 23:00
  });
  it('is bounded: zones and numbers keep their caps whatever the traffic', () => {
    const p = new UserProfile();
    for (let i = 0; i < 500; i++) p.learn(i % 48, `Z${i}:mobile`, hash32(`+4479000${String(i).padStart(5, '0')}`), `10.0.${i % 250}.1`, MON + i * 1000, 1);
    expect(p.zones.size).toBe(MAX_ZONES);
    expect(p.numbers.size).toBe(MAX_NUMBERS);
    expect(p.ips.size).toBe(4);
    expect(JSON.stringify(p).length).toBeLessThan(6000);
  });
  it('round-trips through JSON (what the profiles table holds)', () => {
    const p = new UserProfile();
    for (let i = 0; i < 30; i++) {
      p.rollDay(Math.floor((MON + i * 7 * H) / DAY));
      p.noteAttempt(MON + i * 7 * H);
      p.learn(hourBin(MON + i * 7 * H), 'GB:mobile', hash32(`+44770090${i % 7}`), '10.0.0.1', MON + i * 7 * H, 1);
      p.learnDuration(60 + i);
    }
    const q = UserProfile.fromJSON(JSON.parse(JSON.stringify(p)));
    expect(q.toJSON()).toEqual(p.toJSON());
    expect(q.callsWithin(MON + 29 * 7 * H + 1, H)).toBe(1);
  });
  it('daily rate and peak concurrency follow the days, idle days included', () => {
    const p = new UserProfile();
    for (let day = 0; day < 60; day++) {
      p.rollDay(day);
      for (let k = 0; k < 10; k++) p.noteAttempt(day * DAY + k * H);
    }
    expect(p.dayRate).toBeGreaterThan(9.5);
    p.rollDay(90);
    expect(p.dayRate).toBeLessThan(0.5);
  });
});

describe('poissonTailBits', () => {
  it('matches P(N >= k) for small and large means', () => {
    expect(poissonTailBits(0, 1)).toBe(0);
    // P(N >= 1 | 1) = 1 - e^-1
    expect(poissonTailBits(1, 1)).toBeCloseTo(-Math.log2(1 - Math.exp(-1)), 6);
    // P(N >= 3 | 0.1) ~ 1.547e-4
    expect(poissonTailBits(3, 0.1)).toBeCloseTo(-Math.log2(1.5465e-4), 2);
    expect(poissonTailBits(2, 50)).toBeLessThan(0.001);
    expect(poissonTailBits(64, 0.01)).toBeGreaterThan(300);
  });
});

describe('LearnedDetector', () => {
  it('ordinary calls of a learned office user score low; an overnight burst to Cuba scores high, with reasons', () => {
    const d = new LearnedDetector();
    expect(officeHistory(d, 20, 28)).toBeLessThan(d.threshold);
    const ordinary = d.assess({ user: 'u3', number: FAVOURITES[0]!, t: MON + 29 * DAY + 10.5 * H, sourceIp: '10.0.0.3' });
    expect(ordinary.assessment.score).toBeLessThan(20);
    ordinary.call.ended(MON + 29 * DAY + 10.6 * H, false);

    const night = MON + 30 * DAY + 3 * H + 10 * 60_000;
    const first = d.assess({ user: 'u3', number: '+5351234567', t: night, sourceIp: '203.0.113.9' });
    expect(first.assessment.zone).toBe('CU:mobile');
    expect(first.assessment.score).toBeGreaterThanOrEqual(d.threshold);
    const codes = first.assessment.reasons.map((r) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['new_zone', 'high_risk', 'off_hours', 'new_source']));
    const text = first.assessment.reasons.map((r) => r.text).join('; ');
    expect(text).toContain('first call ever to zone CU:mobile');
    expect(text).toMatch(/03:10 on a weekday is outside this user's hours/);
    // Points are the score (before the cap) and sorted, largest first.
    const pts = first.assessment.reasons.map((r) => r.points);
    expect([...pts].sort((a, b) => b - a)).toEqual(pts);

    // The burst keeps alerting, and the volume reason shows up.
    let last = first;
    for (let i = 1; i < 8; i++) last = d.assess({ user: 'u3', number: '+5351234567', t: night + i * 40_000, sourceIp: '203.0.113.9' });
    expect(last.assessment.score).toBeGreaterThanOrEqual(d.threshold);
    expect(last.assessment.reasons.map((r) => r.text).join('; ')).toMatch(/8 calls in 10 minutes against a baseline of 0\.\d\d/);
    expect(last.assessment.reasons.map((r) => r.code)).toContain('concurrency');
  });

  it('a new user starts from the population: domestic daytime is ordinary, night premium is not', () => {
    const d = new LearnedDetector();
    officeHistory(d, 20, 14);
    const day = d.assess({ user: 'newbie', number: FAVOURITES[1]!, t: MON + 15 * DAY + 11 * H, sourceIp: '10.9.9.9' });
    expect(day.assessment.score).toBeLessThan(25);
    const night = d.assess({ user: 'newbie2', number: '+449098790000', t: MON + 15 * DAY + 2 * H, sourceIp: '10.9.9.8' });
    expect(night.assessment.score).toBeGreaterThanOrEqual(d.threshold);
    expect(night.assessment.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['high_risk', 'off_hours']));
  });

  it('a Wangiri callback campaign: the same foreign number newly called by several users', () => {
    const d = new LearnedDetector();
    officeHistory(d, 20, 14);
    const t0 = MON + 15 * DAY + 14 * H;
    const scores = [0, 1, 2, 3].map((i) => d.assess({ user: `u${i}`, number: '+22461234567', t: t0 + i * 600_000, sourceIp: `10.0.0.${i}` }).assessment);
    expect(scores[0]!.reasons.some((r) => r.code === 'campaign')).toBe(false);
    expect(scores[2]!.reasons.find((r) => r.code === 'campaign')?.text).toBe('2 other user(s) called +22461234567 for the first time in the last 6 hours');
    expect(scores[2]!.score).toBeGreaterThan(scores[0]!.score);
    expect(scores[3]!.score).toBeGreaterThanOrEqual(d.threshold);
  });

  it('a slow ramp: one new foreign number, more calls each day, in office hours, is flagged; many numbers of a zone are not a ramp', () => {
    const d = new LearnedDetector();
    officeHistory(d, 10, 14);
    const codes = new Set<string>();
    const scoresOf = (user: string, numbers: (day: number, k: number) => string): number[][] => {
      codes.clear();
      const out: number[][] = [];
      for (let day = 0; day < 5; day++) {
        const daily: number[] = [];
        for (let k = 0; k <= day; k++) {
          const t = MON + (15 + day) * DAY + (10 + k) * H;
          const v = d.assess({ user, number: numbers(day, k), t, sourceIp: `10.0.0.${user.slice(1)}` });
          daily.push(v.assessment.score);
          for (const r of v.assessment.reasons) codes.add(r.code);
          v.call.answered(t);
          v.call.ended(t + 180_000, true);
        }
        out.push(daily);
      }
      return out;
    };
    const ramp = scoresOf('u1', () => '+2694997216');
    expect([...codes]).toContain('ramp');
    // Days 1-2 are only a new zone; from the third call of the third day the growth shows.
    expect(Math.max(...ramp[1]!)).toBeLessThan(d.threshold);
    expect(Math.max(...ramp[4]!)).toBeGreaterThanOrEqual(d.threshold);
    const many = scoresOf('u2', (day, k) => `+26949972${String(day * 10 + k).padStart(2, '0')}`);
    expect(Math.max(...many.flat())).toBeLessThan(d.threshold);
    expect([...codes]).not.toContain('ramp');
  });

  it('volume over the day: calls spread out, too few per hour for a burst, many for a day', () => {
    const d = new LearnedDetector();
    officeHistory(d, 10, 14);
    const texts: string[] = [];
    for (let k = 0; k < 16; k++) {
      const t = MON + 15 * DAY + 8 * H + k * 40 * 60_000; // one call every 40 minutes
      const v = d.assess({ user: 'u4', number: '+37060012345', t, sourceIp: '10.0.0.4' });
      texts.push(...v.assessment.reasons.map((r) => r.text));
      v.call.ended(t + 60_000, false);
    }
    expect(texts.some((x) => /^\d+ calls today against a baseline of [\d.]+ a day$/.test(x))).toBe(true);
    expect(texts.some((x) => /calls in 10 minutes/.test(x))).toBe(false);
  });

  it('concurrency is live: calls that end give their slot back', () => {
    const d = new LearnedDetector();
    officeHistory(d, 5, 14);
    const t = MON + 15 * DAY + 11 * H;
    const calls = Array.from({ length: 6 }, (_, i) => d.assess({ user: 'u1', number: FAVOURITES[i % 5]!, t: t + i * 1000, sourceIp: '10.0.0.1' }));
    expect(d.profile('u1')!.concurrent).toBe(6);
    expect(calls[5]!.assessment.reasons.map((r) => r.code)).toContain('concurrency');
    for (const c of calls) c.call.ended(t + 10_000, false);
    calls[0]!.call.ended(t + 20_000, false); // a second end report is ignored
    expect(d.profile('u1')!.concurrent).toBe(0);
  });

  it('an alerted call teaches the profile a tenth of a call (a burst does not become the habit)', () => {
    const d = new LearnedDetector();
    officeHistory(d, 5, 14);
    const before = d.profile('u2')!.zoneWeight('CU:mobile');
    const v = d.assess({ user: 'u2', number: '+5351234567', t: MON + 16 * DAY + 3 * H, sourceIp: '198.51.100.7' });
    expect(v.assessment.score).toBeGreaterThanOrEqual(d.threshold);
    expect(d.profile('u2')!.zoneWeight('CU:mobile') - before).toBeCloseTo(0.1, 5);
  });

  it('profiles are bounded in number; evicted ones go to onEvict (to be saved)', () => {
    const evicted: string[] = [];
    const d = new LearnedDetector({ maxProfiles: 3, onEvict: (u) => evicted.push(u) });
    for (let i = 0; i < 5; i++) d.assess({ user: `x${i}`, number: FAVOURITES[0]!, t: MON + 10 * H + i, sourceIp: '' });
    expect(d.profileCount).toBe(3);
    expect(evicted).toEqual(['x0', 'x1']);
    expect(d.drainDirty().map(([u]) => u).sort()).toEqual(['x2', 'x3', 'x4']);
    expect(d.drainDirty()).toEqual([]);
  });

  it('local time: the same instant is night in one offset and office hours in another', () => {
    const t = MON + 15 * DAY + 3 * H; // 03:00 UTC
    const utc = new LearnedDetector();
    const plus8 = new LearnedDetector({ utcOffsetMin: () => 8 * 60 });
    officeHistory(utc, 5, 14);
    // Same history, shifted so it is office hours at +08:00 too.
    const r = new Prng(7);
    for (let day = 0; day < 14; day++) {
      if (day % 7 >= 5) continue;
      for (let k = 0; k < 20; k++) {
        const at = MON + day * DAY + (1 + r.next() * 8) * H;
        plus8.assess({ user: 'u1', number: FAVOURITES[k % 5]!, t: at, sourceIp: '10.0.0.1' }).call.ended(at + 60_000, false);
      }
    }
    const a = utc.assess({ user: 'u1', number: FAVOURITES[0]!, t, sourceIp: '10.0.0.1' }).assessment;
    const b = plus8.assess({ user: 'u1', number: FAVOURITES[0]!, t, sourceIp: '10.0.0.1' }).assessment;
    expect(a.reasons.map((x) => x.code)).toContain('off_hours');
    expect(b.reasons.map((x) => x.code)).not.toContain('off_hours');
  });
});
