/**
 * The ratelimit module as a script meets it: modparams, rl_* functions, $rl_count and the
 * MI commands, run through the test kit with a fake clock and injected loads.
 */
import { checkText, createModuleRegistry, ScriptTestKit, Services } from '@tsips/script';
import { CORE, type SipCoreApi } from '@tsips/core';
import { sl } from '../sl';
import { createRatelimit, type RatelimitModule, RlMiError } from './index';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const INVITE = (n = 1) => `
INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-${n}
From: <sip:alice@example.com>;tag=a${n}
To: <sip:bob@example.com>
Call-ID: call-${n}@192.0.2.10
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0
`;

async function server(body: string, modparams = '') {
  const clock = { t: T0 };
  const loads = { cpu: 0 as number | null, net: 0 };
  const rl: RatelimitModule = createRatelimit({ now: () => clock.t, cpuLoad: () => loads.cpu, networkLoad: () => loads.net, autoTimer: false });
  const registry = createModuleRegistry([rl, sl]);
  const text = `
loadmodule "sl.so"
loadmodule "ratelimit.so"
${modparams}
route {
${body}
}
`;
  const kit = ScriptTestKit.fromText(text, registry, { clock: { now: () => clock.t, sleep: async () => undefined } });
  kit.script.applyModparams();
  const logs: string[] = [];
  const services = new Services();
  services.provide(CORE, { now: () => clock.t, sockets: [] } as unknown as SipCoreApi);
  await rl.init!({ services, log: (_l, t) => logs.push(t) });
  const mi = (name: string, params: Record<string, string> = {}) => {
    const c = rl.mi!.find((m) => m.name === name || m.aliases?.includes(name));
    if (c === undefined) throw new Error(`no MI command ${name}`);
    return c.handler(params);
  };
  return { kit, rl, clock, loads, logs, mi, tick: () => { clock.t += rl.engine().cfg.timerInterval * 1000; rl.engine().timer(); } };
}

const PER_IP = `
  if (!rl_check("$si", 3)) {
    sl_send_reply(429, "Too Many Requests");
    exit;
  }
  sl_send_reply(200, "OK");
`;

describe('rl_check in a script', () => {
  it('answers 429 past the per-source limit, each source IP with its own pipe', async () => {
    const { kit, tick } = await server(PER_IP, 'modparam("ratelimit", "limit_per_interval", 1)');
    const send = async (ip: string) => (await kit.run(INVITE(), { rcv: { srcIp: ip } })).replies[0]!.status;
    const a: number[] = [];
    for (let i = 0; i < 5; i++) a.push(await send('192.0.2.1'));
    expect(a).toEqual([200, 200, 200, 429, 429]);
    // Another source is not affected by the first one's flood.
    expect(await send('192.0.2.2')).toBe(200);
    expect(await send('192.0.2.2')).toBe(200);
    tick();
    expect(await send('192.0.2.1')).toBe(200);
  });

  it('sets $rc to 1 or -1 and counts into $rl_count', async () => {
    const { kit } = await server(`
  rl_check("gw_$rU", 1, "TAILDROP");
  $var(rc) = $rc;
  $var(count) = $rl_count(gw_bob);
  $var(pipe) = "gw_bob";
  $var(dyn) = $rl_count($var(pipe));
  if ($rl_count(nope) == NULL) $var(none) = "null";
`, 'modparam("ratelimit", "limit_per_interval", 1)');
    const first = await kit.run(INVITE());
    expect(first.vars).toMatchObject({ rc: 1, count: 1, dyn: 1, none: 'null' });
    const second = await kit.run(INVITE());
    expect(second.vars).toMatchObject({ rc: -1, count: 2, dyn: 2 });
  });

  it('takes the limit from a variable and the algorithm from the call', async () => {
    const { kit, rl } = await server(`
  $var(limit) = 2;
  if (!rl_check("p", $var(limit), "SBT")) { sl_send_reply(503, "Server Unavailable"); exit; }
  sl_send_reply(200, "OK");
`, 'modparam("ratelimit", "window_size", 2)\nmodparam("ratelimit", "slot_period", 500)');
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await kit.run(INVITE())).replies[0]!.status);
    expect(codes).toEqual([200, 200, 503]);
    expect(rl.engine().store.find('p')!.algo).toBe('SBT');
    expect(rl.engine().store.find('p')!.window!.slots).toHaveLength(4);
  });

  it('counts only successful calls with rl_dec_count, and rl_reset_count empties the pipe', async () => {
    const { kit } = await server(`
  if ($hdr(X-Op) == "reset") { rl_reset_count("gw"); $var(c) = $rl_count(gw); exit; }
  if ($hdr(X-Op) == "dec-missing") { if (!rl_dec_count("missing")) $var(missing) = $rc; exit; }
  if (!rl_check("gw", 2)) {
    rl_dec_count("gw");
    sl_send_reply(503, "Server Unavailable");
    exit;
  }
  sl_send_reply(200, "OK");
`, 'modparam("ratelimit", "limit_per_interval", 1)');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await kit.run(INVITE())).replies[0]!.status);
    expect(codes).toEqual([200, 200, 503, 503]);
    const withOp = (op: string) => INVITE().replace('Max-Forwards: 70', `Max-Forwards: 70\nX-Op: ${op}`);
    expect((await kit.run(withOp('reset'))).vars['c']).toBe(0);
    expect((await kit.run(INVITE())).replies[0]!.status).toBe(200);
    const missing = await kit.run(withOp('dec-missing'));
    expect(missing.vars['missing']).toBe(-1);
    expect(missing.logs.some((l) => l.text.includes('cannot find any pipe named missing'))).toBe(true);
  });

  it('rl_values lists the pipe names into an AVP, filtered by a regular expression', async () => {
    const { kit } = await server(`
  rl_check("gw_1", 10);
  rl_check("gw_2", 10);
  rl_check("user_x", 10);
  rl_values($avp(all));
  rl_values($avp(gws), "^GW_");
  $var(n) = 0;
  for ($var(p) in $(avp(gws)[*])) $var(n) = $var(n) + $rl_count($var(p));
`);
    const out = await kit.run(INVITE());
    expect([...out.avps['all']!].sort()).toEqual(['gw_1', 'gw_2', 'user_x']);
    expect([...out.avps['gws']!].sort()).toEqual(['gw_1', 'gw_2']);
    expect(out.vars['n']).toBe(2);
  });

  it('rl_values refuses anything but an AVP', async () => {
    const { kit } = await server('  if (!rl_values($var(x))) $var(rc) = $rc;');
    const out = await kit.run(INVITE());
    expect(out.vars['rc']).toBe(-1);
    expect(out.logs.some((l) => l.text.includes('only AVPs are allowed'))).toBe(true);
  });

  it('NETWORK and FEEDBACK pipes follow the injected loads through the timer', async () => {
    const { kit, loads, tick, mi } = await server(`
  if (!rl_check("net", 1000, "NETWORK")) $var(net) = "drop"; else $var(net) = "pass";
  if (!rl_check("cpu", 50, "FEEDBACK")) $var(cpu) = "drop"; else $var(cpu) = "pass";
`);
    expect((await kit.run(INVITE())).vars).toMatchObject({ net: 'pass', cpu: 'pass' });
    loads.net = 4096;
    loads.cpu = 1; // err -0.5 -> -25 * -0.5 = 12.5 -> 12 %
    tick();
    expect((mi('rl_list') as { drop_rate: number }).drop_rate).toBe(12);
    let drops = 0;
    for (let i = 0; i < 100; i++) {
      const v = (await kit.run(INVITE())).vars;
      expect(v['net']).toBe('drop');
      if (v['cpu'] === 'drop') drops++;
    }
    expect(drops).toBe(12);
  });
});

describe('modparams', () => {
  it('refuses cachedb_url at load: the distributed backend is not there yet', () => {
    const rl = createRatelimit();
    const res = checkText('loadmodule "ratelimit.so"\nmodparam("ratelimit", "cachedb_url", "redis://127.0.0.1/")\nroute { exit; }\n', createModuleRegistry([rl]));
    expect(res.ok).toBe(false);
    expect(res.diagnostics.map((d) => d.message).join('\n')).toContain('distributed rate limiting is not available in tsips yet');
    const res2 = checkText('loadmodule "ratelimit.so"\nmodparam("ratelimit", "pipe_replication_cluster", 1)\nroute { exit; }\n', createModuleRegistry([rl]));
    expect(res2.ok).toBe(false);
  });

  it('refuses bad values and rounds hash_size down to a power of 2', async () => {
    const bad = (p: string, v: string) =>
      checkText(`loadmodule "ratelimit.so"\nmodparam("ratelimit", "${p}", ${v})\nroute { exit; }\n`, createModuleRegistry([createRatelimit()])).ok;
    expect(bad('timer_interval', '0')).toBe(false);
    expect(bad('expire_time', '-1')).toBe(false);
    expect(bad('hash_size', '0')).toBe(false);
    expect(bad('default_algorithm', '"LEAKY"')).toBe(false);
    expect(bad('default_algorithm', '"red"')).toBe(true);
    const { rl, logs } = await server('  exit;', 'modparam("ratelimit", "hash_size", 1000)');
    expect(logs).toContain('hash_size is not a power of 2 as it should be -> rounding from 1000 to 512');
    expect(rl.engine().cfg.defaultAlgorithm).toBe('TAILDROP');
  });

  it('refuses an SBT window not made of whole slots at init', async () => {
    await expect(server('  exit;', 'modparam("ratelimit", "window_size", 1)\nmodparam("ratelimit", "slot_period", 300)')).rejects.toThrow('must divide window_size');
  });

  it('default_algorithm, timer_interval, expire_time reach the engine', async () => {
    const { kit, rl, clock } = await server('  rl_check("p", 1);',
      'modparam("ratelimit", "default_algorithm", "sbt")\nmodparam("ratelimit", "timer_interval", 5)\nmodparam("ratelimit", "expire_time", 20)');
    await kit.run(INVITE());
    const e = rl.engine();
    expect(e.store.find('p')!.algo).toBe('SBT');
    expect(e.cfg).toMatchObject({ timerInterval: 5, expireTime: 20, limitPerInterval: false });
    clock.t += 21_000;
    e.timer();
    expect(e.store.size).toBe(0);
  });
});

describe('MI commands', () => {
  it('ratelimit:list (rl_list) shows every pipe, one pipe, or a wildcard selection', async () => {
    const { kit, mi, tick } = await server(`
  rl_check("gw_1", 10);
  rl_check("gw_2", 20, "RED");
  rl_check("user_x", 30, "SBT");
`);
    await kit.run(INVITE());
    await kit.run(INVITE());
    tick();
    const all = mi('ratelimit:list') as { Pipes: { id: string }[]; drop_rate: number };
    expect(all.drop_rate).toBe(0);
    expect(all.Pipes.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'gw_1', algorithm: 'TAILDROP', limit: 10, counter: 2 },
      { id: 'gw_2', algorithm: 'RED', limit: 20, counter: 2 },
      { id: 'user_x', algorithm: 'SBT', limit: 30, counter: 2 },
    ]);
    expect(mi('rl_list', { pipe: 'gw_2' })).toEqual({ Pipe: { id: 'gw_2', algorithm: 'RED', limit: 20, counter: 2 }, drop_rate: 0 });
    expect((mi('rl_list', { filter: 'gw_*' }) as { Pipes: { id: string }[] }).Pipes.map((p) => p.id).sort()).toEqual(['gw_1', 'gw_2']);
    expect((mi('rl_list', { filter_out: 'gw_*' }) as { Pipes: { id: string }[] }).Pipes.map((p) => p.id)).toEqual(['user_x']);
    expect(() => mi('rl_list', { pipe: 'nope' })).toThrow(expect.objectContaining({ code: 404, message: 'Pipe Not Found' }));
    expect(() => mi('rl_list', { pipe: 'gw_1', filter: 'x' })).toThrow(RlMiError);
  });

  it('ratelimit:reset_pipe (rl_reset_pipe) zeroes a counter', async () => {
    const { kit, mi, rl } = await server('  rl_check("p", 10);');
    await kit.run(INVITE());
    await kit.run(INVITE());
    expect(rl.engine().count('p')).toBe(2);
    expect(mi('rl_reset_pipe', { pipe: 'p' })).toBe('OK');
    expect(rl.engine().count('p')).toBe(0);
    expect(() => mi('ratelimit:reset_pipe', { pipe: 'nope' })).toThrow(expect.objectContaining({ code: 404 }));
  });

  it('ratelimit:set_pid / get_pid (rl_set_pid / rl_get_pid) change and show the gains', async () => {
    const { mi, rl } = await server('  exit;');
    expect(mi('rl_get_pid')).toEqual({ PID: { ki: '-25.000', kp: '0.000', kd: '0.000' } });
    expect(mi('ratelimit:set_pid', { ki: '0.5', kp: '-1.25', kd: '2' })).toBe('OK');
    expect(mi('ratelimit:get_pid')).toEqual({ PID: { ki: '0.500', kp: '-1.250', kd: '2.000' } });
    expect(rl.engine().getPid()).toEqual({ ki: 0.5, kp: -1.25, kd: 2 });
    expect(() => mi('rl_set_pid', { ki: 'x', kp: '1', kd: '1' })).toThrow(expect.objectContaining({ code: 400, message: 'Bad parameter value' }));
  });

  it('ratelimit:dump_pipe (rl_dump_pipe) shows the SBT window slots', async () => {
    const { kit, mi, clock } = await server('  rl_check("s", 10, "SBT");  rl_check("t", 10);',
      'modparam("ratelimit", "window_size", 1)\nmodparam("ratelimit", "slot_period", 250)');
    await kit.run(INVITE());
    clock.t += 300;
    await kit.run(INVITE());
    await kit.run(INVITE());
    expect(mi('rl_dump_pipe', { pipe: 's' })).toEqual({
      Window: {
        'Window Size': 4, Status: 'OK', 'Bucket Total': 3,
        Buckets: [{ Index: 0, Count: 1 }, { Index: 1, Count: 2 }, { Index: 2, Count: 0 }, { Index: 3, Count: 0 }],
      },
      Pipe: 's', Algorithm: 'SBT', Counter: 3, 'Replication Nodes': [], Total: 3,
    });
    expect(mi('ratelimit:dump_pipe', { pipe: 't' })).toEqual({ Pipe: 't', Algorithm: 'TAILDROP', Counter: 3, 'Replication Nodes': [], Total: 3 });
    expect(() => mi('rl_dump_pipe', { pipe: 'nope' })).toThrow(expect.objectContaining({ code: 404 }));
  });

  it('keep the OpenSIPS 4.x names with the flat aliases', () => {
    const rl = createRatelimit();
    expect(rl.mi!.map((m) => [m.name, m.aliases])).toEqual([
      ['ratelimit:list', ['rl_list']],
      ['ratelimit:dump_pipe', ['rl_dump_pipe']],
      ['ratelimit:reset_pipe', ['rl_reset_pipe']],
      ['ratelimit:set_pid', ['rl_set_pid']],
      ['ratelimit:get_pid', ['rl_get_pid']],
    ]);
    expect(rl.mi!.every((m) => m.notImplemented === undefined)).toBe(true);
    expect(rl.functions!.every((f) => f.notImplemented === undefined)).toBe(true);
  });
});

describe('the timer', () => {
  it('runs every timer_interval seconds once the module is started, and stops at destroy', async () => {
    jest.useFakeTimers();
    try {
      let now = T0;
      const rl = createRatelimit({ now: () => now, cpuLoad: () => 0, networkLoad: () => 0 });
      const services = new Services();
      await rl.init!({ services, log: () => undefined });
      const e = rl.engine();
      e.check('p', 10);
      now += 10_000;
      jest.advanceTimersByTime(10_000);
      expect(e.store.find('p')!.lastCounter).toBe(1);
      expect(e.count('p')).toBe(0);
      e.check('p', 10);
      await rl.destroy!();
      jest.advanceTimersByTime(60_000);
      expect(e.count('p')).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
