import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModuleExports, ScriptTestKit } from '@tsips/script';
import { kitFor } from '../sipmsgops/kit.test-support';
import { createScanner } from './index';
import { LocalScannerStore } from './store';

const capture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/sipvicious-captured.json'), 'utf8')) as { packets: { tool: string; text: string }[] };
const wireText = (t: string) => t.split(':SIPPPORT').join(':5061').split(':PORT').join(':5060');
const packets = (prefix: string) => capture.packets.filter((p) => p.tool.startsWith(prefix)).map((p) => wireText(p.text));

/** A registrar-shaped script: 100, 101 and 105 exist, every password is wrong. */
const SCRIPT = (params: string) => `
loadmodule "sl.so"
loadmodule "scanner.so"
${params}
route {
  if (scanner_is_blocked()) { $var(blocked) = 1; drop; }
  if ($tU =~ "^(100|101|105)$") {
    if ($hdr(Authorization) == NULL) { sl_send_reply(401, "Unauthorized"); exit; }
    scanner_report("auth_failure", "$au");
    $var(rc) = $rc;
    sl_send_reply(403, "Forbidden");
    exit;
  }
  scanner_report("unknown_user", "$tU");
  $var(rc) = $rc;
  sl_send_reply(404, "Not Found");
}
event_route[E_SCANNER_BLOCKED] {
  xlog("L_NOTICE", "blocked $param(ip) reason=$param(reason) users=$param(users) count=$param(count)\\n");
}
`;

class FakeClock {
  t = 1_700_000_000_000;
  now = () => this.t;
  advance(s: number) {
    this.t += s * 1000;
  }
}

function setup(params = '') {
  const clock = new FakeClock();
  const mod = createScanner({ now: clock.now });
  const kit = kitFor(SCRIPT(params), mod);
  return { clock, mod, kit };
}

const mi = (mod: ModuleExports, name: string) => mod.mi!.find((m) => m.name === name)!.handler;
const ATTACKER = { srcIp: '203.0.113.66', srcPort: 5060 };

function register(user: string, auth = false): string {
  return `
REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 203.0.113.66:5060;branch=z9hG4bK-${Math.floor(Math.random() * 1e9)};rport
Max-Forwards: 70
To: "${user}"<sip:${user}@127.0.0.1>
From: "${user}"<sip:${user}@127.0.0.1>;tag=3206210844
User-Agent: Asterisk PBX
Call-ID: ${Math.floor(Math.random() * 1e9)}
Contact: sip:123@1.1.1.1
CSeq: ${auth ? 2 : 1} REGISTER
Accept: application/sdp
Content-Length: 0
${auth ? `Authorization: Digest username="${user}",realm="127.0.0.1",nonce="6f1c2a9e0b7d4c3a",uri="sip:127.0.0.1",algorithm=MD5,response="3523c20701a9afedd58a33ddd99bc4cc"` : ''}
`;
}

async function runAll(kit: ScriptTestKit, texts: string[], rcv = ATTACKER) {
  const outs = [];
  for (const t of texts) outs.push(await kit.run(t, { rcv }));
  return outs;
}

describe('svwar enumeration (captured packets)', () => {
  it('blocks the source at the 6th distinct unknown user, then drops everything from it', async () => {
    const { kit, mod } = setup('modparam("scanner", "distinct_users_threshold", 5)');
    const svwar = packets('svwar -x 127.0.0.1 -e100-110');
    const outs = await runAll(kit, svwar);
    const unknown: string[] = [];
    let blockedAt = -1;
    outs.forEach((o, i) => {
      if (blockedAt >= 0) {
        expect(o.vars.blocked).toBe(1);
        expect(o.dropped).toBe(true);
        expect(o.replies).toEqual([]);
        return;
      }
      if (o.replies[0]?.status === 404) {
        unknown.push(/To: "([^"]+)"/.exec(svwar[i]!)![1]!);
        expect(o.vars.rc).toBe(unknown.length <= 5 ? 1 : -2);
        if (o.vars.rc === -2) blockedAt = i;
      } else {
        expect(o.replies).toEqual([{ status: 401, reason: 'Unauthorized' }]);
      }
    });
    expect(new Set(unknown).size).toBe(6);
    expect(blockedAt).toBeGreaterThan(0);
    expect(blockedAt).toBeLessThan(svwar.length - 1);
    const blocking = outs[blockedAt]!;
    expect(blocking.events).toEqual([
      { name: 'E_SCANNER_BLOCKED', params: { ip: '203.0.113.66', reason: 'distinct_users', users: unknown.join(','), count: 6 } },
    ]);
    expect(blocking.logs.map((l) => l.text)).toContain(`blocked 203.0.113.66 reason=distinct_users users=${unknown.join(',')} count=6\n`);
    expect(blocking.logs.some((l) => l.levelName === 'L_WARN' && l.text.startsWith('scanner: blocking 203.0.113.66 for 300 s: 6 distinct users failed'))).toBe(true);
    // The event is raised once per block.
    expect(outs.slice(blockedAt + 1).every((o) => o.events.length === 0)).toBe(true);

    const listed = (await mi(mod, 'scanner:list')({})) as { Blocked: Record<string, unknown>[]; watched: number };
    expect(listed.Blocked).toEqual([
      { ip: '203.0.113.66', reason: 'distinct_users', users: unknown, auth_failures: 0, since: 1_700_000_000, expires: 300 },
    ]);

    // Another source is not affected.
    const other = await kit.run(svwar[0]!, { rcv: { srcIp: '198.51.100.7' } });
    expect(other.vars.blocked).toBeUndefined();
    expect(other.replies).toEqual([{ status: 404, reason: 'Not Found' }]);
  });

  it('counts distinct users only: the same unknown user again and again never blocks', async () => {
    const { kit } = setup();
    const outs = await runAll(kit, Array.from({ length: 30 }, () => register('4242')));
    expect(outs.every((o) => o.vars.rc === 1 && o.replies[0]?.status === 404)).toBe(true);
  });
});

describe('svcrack brute force', () => {
  it('blocks at the 21st authentication failure with auth_failures_threshold 20', async () => {
    const { kit, mod } = setup('modparam("scanner", "auth_failures_threshold", 20)');
    const crackAuth = packets('svcrack').filter((t) => /\r\nAuthorization:/.test(t));
    expect(crackAuth.length).toBeGreaterThanOrEqual(4);
    const attempts = Array.from({ length: 25 }, (_, i) => crackAuth[i % crackAuth.length]!);
    const outs = await runAll(kit, attempts);
    expect(outs.slice(0, 20).map((o) => o.vars.rc)).toEqual(Array(20).fill(1));
    expect(outs[20]!.vars.rc).toBe(-2);
    expect(outs[20]!.events).toEqual([{ name: 'E_SCANNER_BLOCKED', params: { ip: '203.0.113.66', reason: 'auth_failures', users: '100', count: 1 } }]);
    expect(outs.slice(21).every((o) => o.vars.blocked === 1 && o.dropped)).toBe(true);
    const one = (await mi(mod, 'scanner:list')({ ip: '203.0.113.66' })) as Record<string, unknown>;
    expect(one).toMatchObject({ ip: '203.0.113.66', blocked: true, reason: 'auth_failures', users: ['100'], auth_failures: 21 });
  });

  it('failures older than the window do not count', async () => {
    const { kit, clock } = setup('modparam("scanner", "auth_failures_threshold", 3)\nmodparam("scanner", "window", 10)');
    const rcs: number[] = [];
    for (let i = 0; i < 12; i++) {
      rcs.push((await kit.run(register('100', true), { rcv: ATTACKER })).vars.rc as number);
      clock.advance(4); // three failures per 12 s: never more than 3 in 10 s
    }
    expect(rcs).toEqual(Array(12).fill(1));
    // t = 48 s: 40 and 44 s are in the window, so the 2nd of this burst is the 4th within 10 s.
    for (let i = 0; i < 2; i++) rcs.push((await kit.run(register('100', true), { rcv: ATTACKER })).vars.rc as number);
    expect(rcs.slice(12)).toEqual([1, -2]);
  });
});

describe('the sliding window and the block time', () => {
  it('forgets users that failed longer than window seconds ago', async () => {
    const { kit, clock } = setup('modparam("scanner", "distinct_users_threshold", 5)\nmodparam("scanner", "window", 60)');
    const rc = async (u: string) => (await kit.run(register(u), { rcv: ATTACKER })).vars.rc;
    for (const u of ['200', '201', '202', '203', '204']) {
      expect(await rc(u)).toBe(1);
      clock.advance(1);
    }
    // t = 62 s: the users reported at 0..2 s are out of the window.
    clock.advance(57);
    expect(await rc('205')).toBe(1);
    expect(await rc('206')).toBe(1);
    expect(await rc('207')).toBe(1);
    // 203, 204, 205, 206, 207 + one more = 6 in the window.
    expect(await rc('208')).toBe(-2);
  });

  it('lifts the block after block_time and starts counting afresh', async () => {
    const { kit, clock, mod } = setup('modparam("scanner", "distinct_users_threshold", 2)\nmodparam("scanner", "block_time", 30)');
    const run = (u: string) => kit.run(register(u), { rcv: ATTACKER });
    expect((await run('300')).vars.rc).toBe(1);
    expect((await run('301')).vars.rc).toBe(1);
    expect((await run('302')).vars.rc).toBe(-2);
    clock.advance(29);
    expect((await run('303')).vars.blocked).toBe(1);
    expect(((await mi(mod, 'scanner:list')({})) as { Blocked: { expires: number }[] }).Blocked[0]!.expires).toBe(1);
    clock.advance(1);
    const after = await run('304');
    expect(after.vars.blocked).toBeUndefined();
    expect(after.vars.rc).toBe(1);
    expect(((await mi(mod, 'scanner:list')({})) as { Blocked: unknown[] }).Blocked).toEqual([]);
  });
});

describe('scanner_block() and scanner_is_blocked() with an address', () => {
  it('blocks on a fingerprint (1, event once), extends an existing block (2)', async () => {
    const clock = new FakeClock();
    const kit = kitFor(`
      loadmodule "scanner.so"
      modparam("scanner", "block_time", 100)
      route {
        if (is_scanner()) { scanner_block("fingerprint"); $var(b) = $rc; drop; }
        scanner_is_blocked("$hdr(X-Check)"); $var(other) = $rc;
      }`, createScanner({ now: clock.now }));
    const sv = packets('svmap')[0]!;
    const first = await kit.run(sv, { rcv: ATTACKER });
    expect(first.vars.b).toBe(1);
    expect(first.events).toEqual([{ name: 'E_SCANNER_BLOCKED', params: { ip: '203.0.113.66', reason: 'fingerprint', users: '', count: 0 } }]);
    clock.advance(50);
    const second = await kit.run(sv, { rcv: ATTACKER });
    expect(second.vars.b).toBe(2);
    expect(second.events).toEqual([]);
    const phone = `
OPTIONS sip:x@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc.def
From: <sip:a@example.com>;tag=x1y2
To: <sip:x@example.com>
Call-ID: abc@192.0.2.1
CSeq: 1 OPTIONS
X-Check: 203.0.113.66
Content-Length: 0
`;
    clock.advance(99); // 149 s after the first block: the extension (to 150 s) still holds
    expect((await kit.run(phone, { rcv: { srcIp: '192.0.2.1' } })).vars.other).toBe(1);
    clock.advance(1);
    expect((await kit.run(phone, { rcv: { srcIp: '192.0.2.1' } })).vars.other).toBe(-1);
  });
});

describe('scanner_report() arguments', () => {
  it('refuses an unknown kind literal at load', () => {
    expect(() => kitFor('loadmodule "scanner.so"\nroute { scanner_report("bad_password", "$tU"); }', createScanner())).toThrow(/kind must be "unknown_user" or "auth_failure"/);
  });

  it('returns -3 for a bad kind from a variable or an empty user', async () => {
    const kit = kitFor(`loadmodule "scanner.so"
      route {
        $var(k) = "oops"; scanner_report("$var(k)", "100"); $var(a) = $rc;
        $var(e) = "";
        scanner_report("unknown_user", "$var(e)"); $var(b) = $rc;
        scanner_report("unknown_user", "100", "$var(e)"); $var(c) = $rc;
      }`, createScanner());
    const out = await kit.run(register('100'));
    expect(out.vars).toMatchObject({ a: -3, b: -3, c: -3 });
    expect(out.logs.filter((l) => l.levelName === 'L_ERR')).toHaveLength(3);
  });

  it('counts against the given address instead of $si', async () => {
    const { mod } = setup();
    const kit = kitFor(`loadmodule "scanner.so"
      modparam("scanner", "distinct_users_threshold", 1)
      route { scanner_report("unknown_user", "$tU", "$hdr(X-Src)"); $var(rc) = $rc; }`, mod);
    const viaFront = (u: string) => register(u).replace('Content-Length: 0', 'X-Src: 198.51.100.200\nContent-Length: 0');
    expect((await kit.run(viaFront('1'))).vars.rc).toBe(1);
    expect((await kit.run(viaFront('2'))).vars.rc).toBe(-2);
    const listed = (await mi(mod, 'scanner:list')({})) as { Blocked: { ip: string }[] };
    expect(listed.Blocked.map((b) => b.ip)).toEqual(['198.51.100.200']);
  });
});

describe('MI commands', () => {
  it('scanner:list shows a watched source; scanner:unblock lifts a block and errors when there is none', async () => {
    const { kit, mod } = setup('modparam("scanner", "distinct_users_threshold", 1)');
    await kit.run(register('700'), { rcv: ATTACKER });
    expect(await mi(mod, 'scanner:list')({ ip: '203.0.113.66' })).toEqual({ ip: '203.0.113.66', blocked: false, users: ['700'], auth_failures: 0, last: 1_700_000_000 });
    await expect(Promise.resolve(mi(mod, 'scanner:list')({ ip: '192.0.2.99' }))).rejects.toThrow('Source not found');
    await kit.run(register('701'), { rcv: ATTACKER });
    expect((await kit.run(register('702'), { rcv: ATTACKER })).vars.blocked).toBe(1);
    expect(await mi(mod, 'scanner:unblock')({ ip: '203.0.113.66' })).toEqual({ ip: '203.0.113.66', unblocked: true });
    const again = await kit.run(register('703'), { rcv: ATTACKER });
    expect(again.vars.blocked).toBeUndefined();
    expect(again.vars.rc).toBe(1); // counters were forgotten with the block
    await expect(Promise.resolve(mi(mod, 'scanner:unblock')({ ip: '192.0.2.99' }))).rejects.toThrow('Source not blocked');
  });
});

describe('bounded memory', () => {
  it('forgets the least recently reporting source beyond max_sources', async () => {
    const { kit, mod } = setup('modparam("scanner", "max_sources", 3)\nmodparam("scanner", "distinct_users_threshold", 1)');
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) await kit.run(register('1'), { rcv: { srcIp: ip } });
    await expect(Promise.resolve(mi(mod, 'scanner:list')({ ip: '10.0.0.1' }))).rejects.toThrow('Source not found');
    expect(((await mi(mod, 'scanner:list')({})) as { watched: number }).watched).toBe(3);
    // 10.0.0.1 starts from zero: one more user is not over the threshold of 1.
    expect((await kit.run(register('2'), { rcv: { srcIp: '10.0.0.1' } })).vars.rc).toBe(1);
    // 10.0.0.3 is still remembered: its second user blocks it.
    expect((await kit.run(register('2'), { rcv: { srcIp: '10.0.0.3' } })).vars.rc).toBe(-2);
  });

  it('keeps blocked sources apart: a spray from fresh addresses does not unblock them', () => {
    const store = new LocalScannerStore({ distinctUsers: 1, authFailures: 0, windowMs: 60_000, blockMs: 60_000, maxSources: 10, maxBlocked: 10 });
    store.report('a', 'unknown_user', 'u1', 0);
    expect(store.report('a', 'unknown_user', 'u2', 0).kind).toBe('blocked');
    for (let i = 0; i < 1000; i++) store.report(`spray-${i}`, 'unknown_user', 'x', 1);
    expect(store.blocked('a', 2)?.reason).toBe('distinct_users');
    expect(store.counts(2)).toEqual({ watched: 10, blocked: 1 });
    // Per source, no more than threshold+1 users are ever kept.
    const s2 = new LocalScannerStore({ distinctUsers: 3, authFailures: 0, windowMs: 60_000, blockMs: 60_000, maxSources: 10, maxBlocked: 10 });
    for (let i = 0; i < 3; i++) s2.report('b', 'unknown_user', `u${i}`, 0);
    expect(s2.watched('b', 0)?.users).toEqual(['u0', 'u1', 'u2']);
    expect(s2.report('b', 'unknown_user', 'u3', 0).kind).toBe('blocked');
  });
});

describe('registration', () => {
  it('is in allModules and gets a fresh instance per server from createAllModules()', async () => {
    const { allModules, createAllModules } = await import('../index');
    expect(allModules.map((m) => m.name)).toContain('scanner');
    const a = createAllModules().find((m) => m.name === 'scanner')!;
    const b = createAllModules().find((m) => m.name === 'scanner')!;
    expect(a).not.toBe(b);
    const kitA = kitFor('loadmodule "scanner.so"\nmodparam("scanner", "distinct_users_threshold", 1)\nroute { scanner_report("unknown_user", "$tU"); $var(rc) = $rc; }', a);
    await kitA.run(register('1'), { rcv: ATTACKER });
    expect((await kitA.run(register('2'), { rcv: ATTACKER })).vars.rc).toBe(-2);
    expect(((await mi(a, 'scanner:list')({})) as { Blocked: unknown[] }).Blocked).toHaveLength(1);
    expect(((await mi(b, 'scanner:list')({})) as { Blocked: unknown[] }).Blocked).toHaveLength(0);
  });
});
