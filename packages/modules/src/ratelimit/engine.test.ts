import { FEEDBACK_DROP_ORDER, RatelimitEngine, type RlConfig } from './engine';
import { LocalPipeStore } from './store';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function setup(over: Partial<RlConfig> = {}, hashSize = 16) {
  const clock = { t: T0 };
  const loads = { cpu: 0 as number | null, net: 0 as number | null, netReads: 0 };
  const logs: { level: number; text: string }[] = [];
  const cfg: RlConfig = {
    timerInterval: 1, limitPerInterval: false, expireTime: 3600, defaultAlgorithm: 'TAILDROP', windowSize: 1, slotPeriod: 100, ...over,
  };
  const store = new LocalPipeStore(hashSize);
  const e = new RatelimitEngine(cfg, {
    store,
    now: () => clock.t,
    cpuLoad: () => loads.cpu,
    networkLoad: () => {
      loads.netReads++;
      return loads.net;
    },
    log: (level, text) => logs.push({ level, text }),
  });
  /** Offers n messages, returns how many rl_check admitted. */
  const offer = (n: number, name: string, limit: number, algo: string | null = null): number => {
    let ok = 0;
    for (let i = 0; i < n; i++) if (e.check(name, limit, algo) > 0) ok++;
    return ok;
  };
  /** Ends the interval: advances the clock by timer_interval and runs the timer. */
  const tick = () => {
    clock.t += cfg.timerInterval * 1000;
    e.timer();
  };
  return { e, clock, loads, logs, offer, tick, store };
}

describe('TAILDROP', () => {
  it('admits exactly the limit per interval (limit_per_interval=1): 25 offered, 10 admitted', () => {
    const { offer, tick, e } = setup({ limitPerInterval: true, timerInterval: 10 });
    expect(offer(25, 'p', 10, 'TAILDROP')).toBe(10);
    expect(e.count('p')).toBe(25); // declined messages count too, as in OpenSIPS
    tick();
    expect(offer(25, 'p', 10, 'TAILDROP')).toBe(10);
  });

  it('reads the limit per second by default: limit 10 over a 10 s interval admits 100', () => {
    const { offer, tick } = setup({ timerInterval: 10 });
    expect(offer(250, 'p', 10)).toBe(100);
    tick();
    expect(offer(50, 'p', 10)).toBe(50);
  });

  it('returns 1 while under the limit and -1 from the first message over it', () => {
    const { e } = setup({ limitPerInterval: true });
    expect([1, 2, 3].map(() => e.check('x', 2, 'TAILDROP'))).toEqual([1, 1, -1]);
  });

  it('uses the limit of the latest call (rl_check updates it)', () => {
    const { offer } = setup({ limitPerInterval: true });
    expect(offer(5, 'p', 3)).toBe(3);
    expect(offer(5, 'p', 8)).toBe(3); // counter 6..10, limit now 8: 6,7,8 admitted
  });
});

describe('RED', () => {
  it('admits everything in the first interval, then every load-th message where load = last counter / limit', () => {
    const { offer, tick } = setup({ limitPerInterval: true });
    expect(offer(30, 'r', 10, 'RED')).toBe(30); // no history yet: load 0
    tick(); // load = 30 / 10 = 3
    expect(offer(30, 'r', 10, 'RED')).toBe(10); // counters 3, 6, ..., 30
    tick(); // load = 3 again
    expect(offer(15, 'r', 10, 'RED')).toBe(5);
    tick(); // load = 15 / 10 = 1: every message passes
    expect(offer(40, 'r', 10, 'RED')).toBe(40);
    tick(); // load = 4
    expect(offer(40, 'r', 10, 'RED')).toBe(10);
    tick(); // load = 4; an idle interval follows
    tick(); // load = 0 / 10 = 0
    expect(offer(40, 'r', 10, 'RED')).toBe(40);
  });

  it('scales the limit by timer_interval when limits are per second', () => {
    const { offer, tick } = setup({ timerInterval: 5 });
    offer(100, 'r', 10, 'RED'); // 100 / (10 * 5) = 2
    tick();
    expect(offer(100, 'r', 10, 'RED')).toBe(50);
  });
});

describe('SBT (sliding window)', () => {
  it('counts every message of the last window_size seconds, slot by slot', () => {
    const { e, offer, clock } = setup({ windowSize: 1, slotPeriod: 100 });
    expect(offer(3, 's', 5, 'SBT')).toBe(3); // t=0: window holds 3
    clock.t = T0 + 500;
    expect(offer(3, 's', 5, 'SBT')).toBe(2); // 4, 5 admitted, 6 > 5
    expect(e.count('s')).toBe(6);
    clock.t = T0 + 1050; // the t=0 slot left the window; the 3 of t=500 remain
    expect(e.count('s')).toBe(3);
    expect(offer(3, 's', 5, 'SBT')).toBe(2);
    clock.t = T0 + 1550; // t=500 slot gone, t=1050 slot (3) stays
    expect(offer(3, 's', 5, 'SBT')).toBe(2);
    clock.t = T0 + 5000; // a whole window idle: empty
    expect(e.count('s')).toBe(0);
    expect(offer(6, 's', 5, 'SBT')).toBe(5);
  });

  it('is not reset by the interval timer (the window decides)', () => {
    const { e, offer, tick } = setup({ windowSize: 10, slotPeriod: 1000, timerInterval: 1 });
    expect(offer(5, 's', 5, 'SBT')).toBe(5);
    tick(); // t = 1 s: still inside the 10 s window
    expect(e.count('s')).toBe(5);
    expect(offer(1, 's', 5, 'SBT')).toBe(0);
  });

  it('unlike TAILDROP, does not admit a burst right after an interval boundary', () => {
    const { offer, clock, tick } = setup({ windowSize: 2, slotPeriod: 100, timerInterval: 1, limitPerInterval: true });
    clock.t = T0 + 900;
    expect(offer(10, 'sbt', 10, 'SBT')).toBe(10);
    expect(offer(10, 'td', 10, 'TAILDROP')).toBe(10);
    tick(); // t = 1900
    expect(offer(10, 'td', 10, 'TAILDROP')).toBe(10);
    expect(offer(10, 'sbt', 10, 'SBT')).toBe(0);
  });

  it('keeps its running total equal to the slots over random traffic', () => {
    const { e, clock, store } = setup({ windowSize: 2, slotPeriod: 100 });
    let seed = 7;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      clock.t += rnd(4) === 0 ? rnd(2500) : rnd(60);
      const op = rnd(10);
      if (op === 0) e.changeCount('s', -1);
      else if (op === 1 && rnd(5) === 0) e.changeCount('s', 0);
      else e.check('s', 50, 'SBT');
      const w = store.find('s')!.window!;
      expect(w.total).toBe(w.slots.reduce((a, b) => a + b, 0));
    }
  });

  it('rl_dec_count takes one from the current slot and rl_reset_count clears the window', () => {
    const { e, offer } = setup();
    offer(4, 's', 10, 'SBT');
    expect(e.changeCount('s', -1)).toBe(true);
    expect(e.count('s')).toBe(3);
    expect(e.changeCount('s', 0)).toBe(true);
    expect(e.count('s')).toBe(0);
  });
});

describe('NETWORK', () => {
  it('drops everything while the bytes waiting on our sockets exceed the limit (read once per interval)', () => {
    const { e, offer, tick, loads } = setup();
    loads.net = 5000;
    expect(offer(5, 'n', 1000, 'NETWORK')).toBe(5); // no reading yet
    tick(); // 5000 > 1000
    expect(loads.netReads).toBe(1);
    expect(offer(5, 'n', 1000, 'NETWORK')).toBe(0);
    expect(e.check('n', 1000, 'NETWORK')).toBe(-1);
    expect(offer(5, 'n2', 10000, 'NETWORK')).toBe(5); // a new pipe has no verdict until the timer
    tick();
    expect(offer(5, 'n2', 10000, 'NETWORK')).toBe(5); // 5000 <= 10000
    loads.net = 10;
    tick();
    expect(offer(5, 'n', 1000, 'NETWORK')).toBe(5);
  });

  it('reads the network only while NETWORK pipes exist', () => {
    const { offer, tick, loads, clock, store } = setup({ expireTime: 5 });
    offer(1, 't', 10, 'TAILDROP');
    tick();
    expect(loads.netReads).toBe(0);
    offer(1, 'n', 10, 'NETWORK');
    tick();
    expect(loads.netReads).toBe(1);
    clock.t += 10_000;
    tick(); // both pipes expire (the reading happens before the sweep)
    expect(store.size).toBe(0);
    const before = loads.netReads;
    tick();
    expect(loads.netReads).toBe(before);
  });
});

describe('FEEDBACK', () => {
  it('drops drop_rate percent of every 100 messages, the rate following a PID controller on the CPU load', () => {
    const { e, offer, tick, loads } = setup();
    loads.cpu = 0.9;
    expect(offer(100, 'f', 50, 'FEEDBACK')).toBe(100); // setpoint 0.5 fixed now; drop rate 0
    tick(); // err -0.4, integral -0.4, output -25 * -0.4 = 10
    expect(e.dropRate).toBe(10);
    expect(offer(100, 'f', 50, 'FEEDBACK')).toBe(90);
    tick(); // integral -0.8 -> 20
    expect(e.dropRate).toBe(20);
    expect(offer(100, 'f', 50, 'FEEDBACK')).toBe(80);
    loads.cpu = 0.2;
    tick(); // err +0.3, integral -0.5 -> 12.5, truncated
    expect(e.dropRate).toBe(12);
    expect(offer(200, 'f', 50, 'FEEDBACK')).toBe(176);
    tick(); // integral -0.2 -> 5
    tick(); // integral +0.1 -> output negative -> 0
    expect(e.dropRate).toBe(0);
    expect(offer(100, 'f', 50, 'FEEDBACK')).toBe(100);
    loads.cpu = 0.6;
    tick(); // err -0.1: integral back to about 0 -> 0
    expect(e.dropRate).toBe(0);
    tick(); // integral -0.1 -> 2.5
    expect(e.dropRate).toBe(2);
  });

  it('uses the proportional and derivative gains set by set_pid', () => {
    const { e, tick, loads, offer } = setup();
    offer(1, 'f', 50, 'FEEDBACK');
    e.setPid({ ki: 0, kp: -100, kd: 0 });
    loads.cpu = 0.75;
    tick(); // kp * err = -100 * -0.25
    expect(e.dropRate).toBe(25);
    e.setPid({ ki: 0, kp: 0, kd: -100 });
    loads.cpu = 1;
    tick(); // kd * (err - last_err) = -100 * (-0.5 - -0.25)
    expect(e.dropRate).toBe(25);
    loads.cpu = 1;
    tick(); // no change of the error: no derivative action
    expect(e.dropRate).toBe(0);
    expect(e.getPid()).toEqual({ ki: 0, kp: 0, kd: -100 });
  });

  it('spreads drops: the drop order is a permutation of 0..99', () => {
    expect([...Array.from(FEEDBACK_DROP_ORDER)].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('refuses (logs, admits) a first limit outside 0..100 and forces later pipes to the first limit', () => {
    const { e, logs, store } = setup();
    expect(e.check('f', 150, 'FEEDBACK')).toBe(1);
    expect(store.size).toBe(0);
    expect(logs.some((l) => l.level === -1 && l.text.includes('invalid limit 150 for FEEDBACK'))).toBe(true);
    e.check('f', 40, 'FEEDBACK');
    e.check('g', 70, 'FEEDBACK');
    expect(store.find('g')!.limit).toBe(40);
    expect(logs.some((l) => l.text.includes('new limit 70 differs - setting to 40'))).toBe(true);
  });

  it('does not run the controller before a FEEDBACK pipe exists, and keeps it when the CPU cannot be read', () => {
    const { e, tick, loads, logs, offer } = setup();
    loads.cpu = 1;
    tick();
    tick();
    offer(1, 'f', 50, 'FEEDBACK');
    tick(); // first integration: -25 * -0.5
    expect(e.dropRate).toBe(12);
    loads.cpu = null;
    tick();
    expect(e.dropRate).toBe(12);
    expect(logs.some((l) => l.text === 'cannot update CPU load')).toBe(true);
  });
});

describe('pipes', () => {
  it('are made on first use from any string and keep their first algorithm', () => {
    const { e, logs, store } = setup({ limitPerInterval: true });
    e.check('10.0.0.1', 1, 'SBT');
    e.check('10.0.0.1', 1, 'TAILDROP');
    expect(store.find('10.0.0.1')!.algo).toBe('SBT');
    expect(logs.some((l) => l.text.includes('algorithm TAILDROP different from the initial one SBT'))).toBe(true);
    e.check('10.0.0.2', 1);
    expect(store.find('10.0.0.2')!.algo).toBe('TAILDROP');
  });

  it('take the default algorithm for an unknown name (warned once)', () => {
    const { e, logs, store } = setup({ defaultAlgorithm: 'RED' });
    e.check('a', 1, 'LEAKY');
    e.check('b', 1, 'LEAKY');
    expect(store.find('a')!.algo).toBe('RED');
    expect(logs.filter((l) => l.text.includes("unknown ratelimit algorithm 'LEAKY'"))).toHaveLength(1);
  });

  it('accept algorithm names in any case', () => {
    const { e, store } = setup();
    e.check('a', 1, 'sbt');
    expect(store.find('a')!.algo).toBe('SBT');
  });

  it('lose a /r or /b replication suffix (warned: no replication here)', () => {
    const { e, logs, store } = setup();
    e.check('gw /rb', 5);
    expect(store.find('gw')).toBeDefined();
    expect(logs.map((l) => l.text)).toEqual([
      'cachedb replication not configured! ignoring the /r flag of pipe gw',
      'clusterer replication not configured! ignoring the /b flag of pipe gw',
    ]);
    e.check('gw/b', 5);
    expect(e.count('gw')).toBe(2);
    e.check('a/x', 5);
    e.check('b', 5);
    expect(store.find('a/x')).toBeDefined();
  });

  it('rl_dec_count never goes below zero; rl_reset_count zeroes; both fail on an unknown pipe', () => {
    const { e } = setup();
    e.check('p', 10);
    e.check('p', 10);
    expect(e.changeCount('p', -1)).toBe(true);
    expect(e.count('p')).toBe(1);
    e.changeCount('p', -1);
    e.changeCount('p', -1);
    expect(e.count('p')).toBe(0);
    e.check('p', 10);
    e.changeCount('p', 0);
    expect(e.count('p')).toBe(0);
    expect(e.changeCount('nope', -1)).toBe(false);
    expect(e.count('nope')).toBeNull();
  });

  it('show the counter of the finished interval in the MI view', () => {
    const { e, offer, tick, store } = setup({ limitPerInterval: true });
    offer(7, 'p', 5);
    expect(e.info('p', store.find('p')!)).toEqual({ id: 'p', algorithm: 'TAILDROP', limit: 5, counter: 0 });
    tick();
    expect(e.info('p', store.find('p')!).counter).toBe(7);
    expect(e.count('p')).toBe(0);
  });
});

describe('expiry (expire_time)', () => {
  it('removes pipes idle for more than expire_time and keeps used ones', () => {
    const { e, clock, store } = setup({ expireTime: 60, timerInterval: 10 });
    e.check('idle', 5);
    e.check('busy', 5);
    clock.t += 50_000;
    e.check('busy', 5);
    clock.t += 11_000; // idle: last used 61 s ago
    e.timer();
    expect(store.find('idle')).toBeUndefined();
    expect(store.find('busy')).toBeDefined();
    clock.t += 49_000;
    e.timer(); // busy idle for exactly 60 s: not more than expire_time
    expect(store.find('busy')).toBeDefined();
    clock.t += 1000;
    e.timer();
    expect(store.size).toBe(0);
  });

  it('bounds memory under 100,000 distinct dynamic pipes', () => {
    const { e, clock, store } = setup({ expireTime: 30, timerInterval: 10 }, 1024);
    for (let i = 0; i < 100_000; i++) e.check(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 3);
    expect(store.size).toBe(100_000);
    // Another wave of sources 20 s later; the first wave then goes idle.
    clock.t += 20_000;
    for (let i = 0; i < 1000; i++) e.check(`172.16.${(i >> 8) & 255}.${i & 255}`, 3);
    clock.t += 11_000; // first wave idle 31 s > 30
    e.timer();
    expect(store.size).toBe(1000);
    clock.t += 20_000;
    e.timer();
    expect(store.size).toBe(0);
    // The buckets themselves hold nothing any more.
    let seen = 0;
    store.forEach(() => seen++);
    expect(seen).toBe(0);
  });
});
