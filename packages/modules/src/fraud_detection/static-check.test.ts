import { RuleSet, type FraudRule } from './rules';
import { FRD, fraudEventParams, StaticFraudChecker, type StaticFraudEvent } from './static-check';

/** Monday 2026-01-05 10:00:00 UTC. */
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const off = { warning: 0, critical: 0 };

function checker(rule: Partial<FraudRule>, events: StaticFraudEvent[] = []): StaticFraudChecker {
  const rules = new RuleSet();
  rules.add({ id: 1, profile: 0, prefix: '', startMin: 600, endMin: 660, days: 0b0000010, cpm: off, duration: off, total: off, concurrent: off, sequential: off, ...rule });
  return new StaticFraudChecker({ rules, utc: true, onEvent: (e) => events.push(e) });
}

describe('StaticFraudChecker', () => {
  it('returns the code and the event of a check; no rule outside the window (UTC here), nothing counted', () => {
    const c = checker({ total: { warning: 2, critical: 3 } });
    expect(c.check('alice', '1', 0, T0)).toMatchObject({ code: FRD.OK, event: null });
    const w = c.check('alice', '2', 0, T0 + 1000);
    expect(w.code).toBe(FRD.WARNING);
    expect(fraudEventParams(w.event!)).toEqual({ param: 'total-calls', value: 2, threshold: 2, user: 'alice', called_number: '2', rule_id: 1, profile_id: 0 });
    expect(w.event).toMatchObject({ name: 'E_FRD_WARNING', level: 'warning' });
    expect(c.check('alice', '3', 0, T0 + 3_600_000)).toEqual({ code: FRD.NO_RULE, event: null, call: null }); // 11:00: closed
    expect(c.check('alice', '3', 1, T0)).toEqual({ code: FRD.NO_RULE, event: null, call: null }); // other profile
    expect(c.check('alice', '3', 0, T0 + 2000).code).toBe(FRD.CRITICAL);
    expect(c.activeCalls).toBe(3);
  });

  it('the handle: concurrency back down once per end; call-duration through onEvent from tick() and at the end', () => {
    const events: StaticFraudEvent[] = [];
    const c = checker({ concurrent: { warning: 0, critical: 2 }, duration: { warning: 10, critical: 20 } }, events);
    const a = c.check('bob', '1', 0, T0).call!;
    expect(c.check('bob', '2', 0, T0).code).toBe(FRD.CRITICAL);
    a.answered(T0);
    c.tick(T0 + 9_999);
    expect(events).toEqual([]);
    c.tick(T0 + 10_000);
    expect(events.map((e) => [e.name, e.value])).toEqual([['E_FRD_WARNING', 10]]);
    a.ended(T0 + 25_000, true);
    a.ended(T0 + 26_000, true);
    expect(events.map((e) => [e.name, e.param, e.value])).toEqual([['E_FRD_WARNING', 'call-duration', 10], ['E_FRD_CRITICAL', 'call-duration', 25]]);
    expect(c.activeCalls).toBe(1);
    expect(c.check('bob', '3', 0, T0 + 30_000).code).toBe(FRD.CRITICAL); // the second call is still up
    expect(c.store.get('bob', '')!.concurrentCalls).toBe(2);
  });

  it('sweep frees statistics of an ended window with no call up', () => {
    const c = checker({});
    c.check('u1', '1', 0, T0).call!.ended(T0, false);
    c.check('u2', '1', 0, T0);
    expect(c.sweep(T0 + 3_599_999)).toBe(0);
    expect(c.sweep(T0 + 3_600_000)).toBe(1);
    expect(c.store.size).toBe(1);
  });
});
