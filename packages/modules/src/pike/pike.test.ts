import { createModuleRegistry, ScriptTestKit, type ModuleExports } from '@tsips/script';
import { createPike, PikeMiError } from './index';

const INVITE = `
  INVITE sip:bob@example.com SIP/2.0
  Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1
  From: <sip:alice@example.com>;tag=1
  To: <sip:bob@example.com>
  Call-ID: pike-1
  CSeq: 1 INVITE
  Content-Length: 0
`;

function kitFor(script: string): { kit: ScriptTestKit; pike: ModuleExports } {
  const pike = createPike();
  const kit = ScriptTestKit.fromText(script, createModuleRegistry([pike]));
  kit.script.applyModparams();
  return { kit, pike };
}

const SCRIPT = `
loadmodule "pike.so"
modparam("pike", "reqs_density_per_unit", 4)
modparam("pike", "pike_log_level", 2)
route {
  pike_check_req();
  $var(rc) = $retcode;
  if (!pike_check_req()) { $var(second) = $retcode; exit; }
}
event_route[E_PIKE_BLOCKED] {
  xlog("L_NOTICE", "event: blocked $param(ip)\\n");
}
`;

describe('pike_check_req', () => {
  it('returns 1 within limits, -2 when the source turns red (E_PIKE_BLOCKED once, $param(ip) set), -1 while it stays red', async () => {
    const { kit } = kitFor(`
loadmodule "pike.so"
modparam("pike", "reqs_density_per_unit", 4)
modparam("pike", "pike_log_level", 2)
route {
  pike_check_req();
  $var(rc) = $retcode;
}
event_route[E_PIKE_BLOCKED] {
  xlog("L_NOTICE", "event: blocked $param(ip)\\n");
}
`);
    const rcv = { srcIp: '203.0.113.50' };
    const codes: unknown[] = [];
    const events: string[] = [];
    const logs: string[] = [];
    for (let i = 0; i < 12; i++) {
      const out = await kit.run(INVITE, { rcv });
      codes.push(out.vars['rc']);
      events.push(...out.events.map((e) => `${e.name} ${JSON.stringify(e.params)}`));
      logs.push(...out.logs.map((l) => `${l.levelName} ${l.text.trimEnd()}`));
    }
    // Density 4: 1 hit builds the first byte, 1 each splits the next three, 4 on the leaf.
    expect(codes).toEqual([1, 1, 1, 1, 1, 1, 1, -2, -1, -1, -1, -1]);
    expect(events).toEqual(['E_PIKE_BLOCKED {"ip":"203.0.113.50"}']);
    expect(logs).toEqual(['L_NOTICE pike: PIKE - BLOCKing ip 203.0.113.50', 'L_NOTICE event: blocked 203.0.113.50']);
    // Another source is not affected (it shares only the first byte's node).
    const other = await kit.run(INVITE, { rcv: { srcIp: '203.0.114.1' } });
    expect(other.vars['rc']).toBe(1);
    expect(other.events).toEqual([]);
  });

  it('is false for a red source: if (!pike_check_req()) takes the branch (IPv6 source)', async () => {
    const { kit } = kitFor(SCRIPT);
    const rcv = { srcIp: '2001:db8::7' };
    // Two calls per run: the 20th call (IPv6: 16 levels + 4 leaf hits) is the -2, the second one of run 10.
    for (let run = 1; run < 10; run++) expect((await kit.run(INVITE, { rcv })).vars['second']).toBeUndefined();
    let out = await kit.run(INVITE, { rcv });
    expect(out.vars).toEqual({ rc: 1, second: -2 });
    out = await kit.run(INVITE, { rcv });
    expect(out.vars).toEqual({ rc: -1, second: -1 });
    expect(out.dropped).toBe(false);
    expect(out.end).toBe('exit');
  });

  it('refuses to be called outside request routes', () => {
    expect(() => kitFor(`
loadmodule "pike.so"
onreply_route { pike_check_req(); }
route { exit; }
`)).toThrow(/pike_check_req/);
  });

  it('validates its modparams', () => {
    expect(() => kitFor(`loadmodule "pike.so"\nmodparam("pike", "sampling_time_unit", 0)\nroute { exit; }`)).toThrow(/sampling_time_unit must be a positive integer/);
    expect(() => kitFor(`loadmodule "pike.so"\nmodparam("pike", "reqs_density_per_unit", -3)\nroute { exit; }`)).toThrow(/reqs_density_per_unit must be a positive integer/);
    expect(() => kitFor(`loadmodule "pike.so"\nmodparam("pike", "pike_log_level", 7)\nroute { exit; }`)).toThrow(/pike_log_level must be a log level/);
  });
});

describe('MI pike:list and pike:rm', () => {
  it('lists red addresses; rm unblocks them (404 unknown, 400 not blocked, 500 bad IP)', async () => {
    const { kit, pike } = kitFor(SCRIPT);
    const list = pike.mi!.find((m) => m.name === 'pike:list')!;
    const rm = pike.mi!.find((m) => m.name === 'pike:rm')!;
    expect(list.aliases).toEqual(['pike_list']);
    expect(rm.aliases).toEqual(['pike_rm']);
    expect(list.notImplemented).toBeUndefined();
    expect(await list.handler({})).toEqual({ IPs: [] });
    for (let i = 0; i < 10; i++) await kit.run(INVITE, { rcv: { srcIp: '198.51.100.3' } });
    for (let i = 0; i < 20; i++) await kit.run(INVITE, { rcv: { srcIp: '2001:db8::7' } });
    await kit.run(INVITE, { rcv: { srcIp: '198.51.100.4' } });
    expect(await list.handler({})).toEqual({ IPs: ['198.51.100.3', '2001:db8::7'] });

    const fails = (ip: string): PikeMiError => {
      try {
        rm.handler({ ip });
      } catch (e) {
        return e as PikeMiError;
      }
      throw new Error('no error');
    };
    expect(fails('192.0.2.200')).toMatchObject({ code: 404, message: 'Match not found' });
    expect(fails('198.51.100.4')).toMatchObject({ code: 400, message: 'IP not blocked' });
    expect(fails('not-an-ip')).toMatchObject({ code: 500, message: 'Bad IP' });
    expect(rm.handler({ ip: '2001:DB8:0::7' })).toBe('OK');
    expect(await list.handler({})).toEqual({ IPs: ['198.51.100.3'] });
    // Unblocked with its counters reset: within limits again until it floods again.
    const again = await kit.run(INVITE, { rcv: { srcIp: '2001:db8::7' } });
    expect(again.vars['rc']).toBe(1);
  });
});

describe('the event interface pike relies on', () => {
  it('raise_event(name, attrs, values) runs event_route[name] with $param(attr); with one AVP the values are $param(1..n)', async () => {
    const kit = ScriptTestKit.fromText(`
route {
  $avp(names) = "ip";
  $avp(names) = "reason";
  $avp(vals) = "192.0.2.1";
  $avp(vals) = "manual";
  raise_event("E_PIKE_BLOCKED", $avp(names), $avp(vals));
  raise_event("E_MY_EVENT", $avp(vals));
}
event_route[E_PIKE_BLOCKED] {
  xlog("L_INFO", "pike event: ip=$param(ip) reason=$param(reason) missing=$param(nope)\\n");
}
event_route[E_MY_EVENT] {
  xlog("L_INFO", "mine: $param(1) $param(2)\\n");
}
`, createModuleRegistry([createPike()]));
    const out = await kit.run(INVITE);
    expect(out.events.map((e) => e.name)).toEqual(['E_PIKE_BLOCKED', 'E_MY_EVENT']);
    const lines = out.logs.map((l) => l.text.trimEnd());
    // Values pair with names in assignment order; unnamed ones are $param(1), $param(2) in that order.
    expect(lines).toContain('pike event: ip=192.0.2.1 reason=manual missing=<null>');
    expect(lines).toContain('mine: 192.0.2.1 manual');
  });

  it('subscribe_event() where there is no event interface (the test kit) is false with a logged reason; its event name is checked at load', async () => {
    const kit = ScriptTestKit.fromText(`
route {
  subscribe_event("E_PIKE_BLOCKED", "udp:127.0.0.1:8888");
  $var(rc) = $retcode;
}
`, createModuleRegistry([createPike()]));
    const out = await kit.run(INVITE);
    expect(out.vars['rc']).toBe(-1);
    expect(out.logs.map((l) => l.text)).toEqual([expect.stringContaining('subscribe_event: no event interface here to subscribe udp:127.0.0.1:8888 to E_PIKE_BLOCKED')]);
    expect(() => ScriptTestKit.fromText('route { subscribe_event("PIKE", "udp:127.0.0.1:8888"); }', createModuleRegistry([createPike()])))
      .toThrow("event name 'PIKE' must start with E_");
  });
});
