import { ScriptTestKit } from '../testkit/testkit';
import { testRegistry } from '../testkit/fixtures/test-modules';
import type { Clock } from '../runtime/context';
import { NOT_IMPLEMENTED_CODE } from '../exports/not-implemented';

const INVITE = `
INVITE sip:bob@example.com:5070;transport=udp SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKfirst
Max-Forwards: 70
To: Bob <sip:bob@example.com>
From: "Alice A" <sip:alice@example.org>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.org
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.10:5060>;expires=60
Contact: "Second" <sip:alice@10.1.1.1>, <sip:alice@gw.example.net>
User-Agent: Friendly-Scanner 1.0
X-Test: one
X-Test: two
Content-Type: text/plain
Content-Length: 5

hello`;

const REGISTER = `
REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKreg
To: <sip:carol@example.com>
From: <sip:carol@example.com>;tag=77
Call-ID: reg-1
CSeq: 1 REGISTER
Contact: <sip:carol@192.0.2.99>
Content-Length: 0
`;

function kit(body: string, top = '', clock?: Clock): ScriptTestKit {
  const text = `loadmodule "sl.so"\nloadmodule "textops.so"\nloadmodule "tm.so"\nloadmodule "waiter.so"\n${top}\nroute {\n${body}\n}\n`;
  return ScriptTestKit.fromText(text, testRegistry(() => 0.5), clock ? { clock } : {});
}

function fakeClock(start = 1_700_000_000_000): Clock & { slept: number[] } {
  let t = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: (ms) => {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

describe('return codes and control flow', () => {
  it('a positive result is true, a negative one false, and $retcode holds the last result', async () => {
    const out = await kit(`
      if (result(3)) $var(a) = $retcode;
      if (result(-2)) $var(b) = "yes"; else $var(b) = $rc;
      if (!result(-1)) $var(c) = "negated";
      result(-7);
      $var(d) = $retcode;
    `).run(INVITE);
    expect(out.vars).toEqual({ a: 3, b: -2, c: 'negated', d: -7 });
    expect(out.end).toBe('running');
    expect(out.code).toBe(1);
  });

  it('a function returning 0 ends the script, as a statement and inside a condition', async () => {
    const asStmt = await kit(`$var(a) = 1; result(0); $var(a) = 2;`).run(INVITE);
    expect(asStmt.vars).toEqual({ a: 1 });
    expect(asStmt.end).toBe('exit');
    expect(asStmt.retcode).toBe(0);
    const inCond = await kit(`if (!result(0)) { $var(a) = 1; } $var(b) = 2;`).run(INVITE);
    expect(inCond.vars).toEqual({});
    expect(inCond.end).toBe('exit');
  });

  it('exit and drop end the script and say which', async () => {
    const exitOut = await kit(`$var(a) = 1; exit; $var(a) = 2;`).run(INVITE);
    expect(exitOut.vars).toEqual({ a: 1 });
    expect(exitOut).toMatchObject({ end: 'exit', dropped: false, code: 0 });
    const dropOut = await kit(`drop; $var(a) = 2;`).run(INVITE);
    expect(dropOut).toMatchObject({ end: 'drop', dropped: true });
    expect(dropOut.vars).toEqual({});
  });

  it('route(name, args) passes $param(n) and return(n) sets $retcode; params are restored after', async () => {
    const out = await kit(`
      route(check, "x", 5);
      $var(r1) = $retcode;
      $var(p) = $param(1);
      if (route(check, "y", -3)) $var(t) = "true"; else $var(t) = "false";
      $var(r2) = $rc;
    `, `route[check] { $var(seen) = $param(1) + "/" + $param(2); return($param(2)); }`).run(INVITE, { params: ['outer'] });
    expect(out.vars).toEqual({ seen: 'y/-3', r1: 5, p: 'outer', t: 'false', r2: -3 });
  });

  it('return(0) in a sub-route and exit in a sub-route end the whole script', async () => {
    const r0 = await kit(`route(stop); $var(after) = 1;`, `route[stop] { return(0); }`).run(INVITE);
    expect(r0.vars).toEqual({});
    expect(r0.end).toBe('exit');
    const ex = await kit(`route(stop); $var(after) = 1;`, `route[stop] { exit; }`).run(INVITE);
    expect(ex.vars).toEqual({});
    expect(ex.end).toBe('exit');
  });

  it('a route without return yields 1; a bare return yields 1', async () => {
    const out = await kit(`route(a); $var(x) = $rc; route(b); $var(y) = $rc;`, `route[a] { $var(z) = 1; } route[b] { return; $var(never) = 1; }`).run(INVITE);
    expect(out.vars).toEqual({ z: 1, x: 1, y: 1 });
  });

  it('runs a named route directly', async () => {
    const out = await kit(`exit;`, `route[other] { $var(o) = $param(1); return(7); }`).run(INVITE, {
      route: { name: 'other' },
      params: ['p1'],
    });
    expect(out.vars).toEqual({ o: 'p1' });
    expect(out.code).toBe(7);
  });
});

describe('switch', () => {
  const script = `
    result($var(in));
    switch ($retcode) {
      case -3:
      case -2:
        $var(log) = $var(log) + "a";
      case -1:
        $var(log) = $var(log) + "b";
        break;
      case 1:
        $var(log) = $var(log) + "c";
      default:
        $var(log) = $var(log) + "d";
    }
  `;
  it.each([
    [-3, 'ab'],
    [-2, 'ab'],
    [-1, 'b'],
    [1, 'cd'],
    [9, 'd'],
  ])('result %d runs %s (fall-through until break)', async (n, expected) => {
    const k = kit(`$var(log) = ""; $var(in) = ${n};${script}`);
    const out = await k.run(INVITE);
    expect(out.vars.log).toBe(expected);
  });

  it('matches string cases exactly', async () => {
    const out = await kit(`switch ($rm) { case "invite": $var(x) = "lower"; break; case "INVITE": $var(x) = "upper"; break; default: $var(x) = "none"; }`).run(INVITE);
    expect(out.vars.x).toBe('upper');
  });
});

describe('while', () => {
  it('walks the contacts with $(ct[$var(i)])', async () => {
    const out = await kit(`
      $var(i) = 0;
      $var(all) = "";
      while ($(ct[$var(i)]) != NULL) {
        $var(all) = $var(all) + "|" + $(ct[$var(i)]);
        $var(i) = $var(i) + 1;
      }
    `).run(INVITE);
    expect(out.vars.i).toBe(3);
    expect(out.vars.all).toBe('|<sip:alice@192.0.2.10:5060>;expires=60|"Second" <sip:alice@10.1.1.1>|<sip:alice@gw.example.net>');
  });

  it('stops at max_while_loops with a logged error', async () => {
    const out = await kit(`$var(n) = 0; while (1) { $var(n) += 1; } $var(after) = "yes";`, 'max_while_loops = 5').run(INVITE);
    expect(out.vars).toEqual({ n: 5, after: 'yes' });
    expect(out.logs.some((l) => l.levelName === 'L_ERR' && l.text.includes('max while loops reached (5)'))).toBe(true);
  });

  it('break leaves the loop only', async () => {
    const out = await kit(`$var(n) = 0; while ($var(n) < 10) { $var(n) += 1; if ($var(n) == 3) break; } $var(after) = 1;`).run(INVITE);
    expect(out.vars).toEqual({ n: 3, after: 1 });
  });
});

describe('for each', () => {
  it('iterates over every AVP value, top first', async () => {
    const out = await kit(`
      $avp(l) = "a"; $avp(l) = "b"; $avp(l) = "c";
      $var(s) = "";
      for ($var(v) in $(avp(l)[*])) { $var(s) = $var(s) + $var(v); }
    `).run(INVITE);
    expect(out.vars.s).toBe('cba');
  });
});

describe('AVP semantics', () => {
  it('= pushes, := replaces, = NULL deletes the top, := NULL and [*] = NULL delete all', async () => {
    const out = await kit(`
      $avp(a) = 1; $avp(a) = 2; $avp(a) = "three";
      $var(top) = $avp(a);
      $var(second) = $(avp(a)[1]);
      $var(oldest) = $(avp(a)[-1]);
      $var(all) = $(avp(a)[*]);
      $avp(b) = 1; $avp(b) = 2; $avp(b) := 9;
      $avp(c) = 1; $avp(c) = 2; $avp(c) = NULL;
      $avp(d) = 1; $avp(d) = 2; $avp(d) := NULL;
      $avp(e) = 1; $avp(e) = 2; $(avp(e)[*]) = NULL;
      $avp(f) = 1; $avp(f) = 2; $(avp(f)[1]) = "replaced";
    `).run(INVITE);
    expect(out.vars).toEqual({ top: 'three', second: 2, oldest: 1, all: 'three,2,1' });
    expect(out.avps).toEqual({ a: ['three', 2, 1], b: [9], c: [1], f: [2, 'replaced'] });
  });
});

describe('$var', () => {
  it('is per message: a reset context starts empty', async () => {
    const k = kit(`if ($var(count) == NULL) $var(count) = 0; $var(count) += 1;`);
    const first = await k.run(INVITE);
    expect(first.vars.count).toBe(1);
    const ctx = first.ctx;
    ctx.reset(ctx.msg, ctx.rcv);
    const again = await k.script.run(ctx);
    expect(again.code).toBe(1);
    expect(ctx.getVar(k.script.tables.varSlots.get('count')!)).toBe(1);
  });

  it('supports compound assignments and string building', async () => {
    const out = await kit(`$var(n) = 10; $var(n) -= 3; $var(n) *= 2; $var(s) = "u:" + $rU + "@" + $rd + ":" + $rp;`).run(INVITE);
    expect(out.vars).toEqual({ n: 14, s: 'u:bob@example.com:5070' });
  });
});

describe('regex matching', () => {
  it('is case-insensitive, unanchored and knows POSIX classes', async () => {
    const out = await kit(`
      if ($ua =~ "friendly-scanner") $var(a) = 1;
      if ($ua =~ "[[:digit:]]\\.[[:digit:]]") $var(b) = 1;
      if ($ua !~ "^sipvicious") $var(c) = 1;
      if ($ua =~ "^scanner") $var(d) = 1;
      $var(re) = "SCANNER [0-9]";
      if ($ua =~ $var(re)) $var(e) = 1;
    `).run(INVITE);
    expect(out.vars).toEqual({ a: 1, b: 1, c: 1, re: 'SCANNER [0-9]', e: 1 });
  });
});

describe('comparisons', () => {
  it('compares IPs with networks and strings case-insensitively', async () => {
    const out = await kit(`
      if ($si == 192.0.2.0/24) $var(net) = 1;
      if ($si != 10.0.0.0/8) $var(notnet) = 1;
      if ($si == 192.0.2.10) $var(exact) = 1;
      if ($rm == "invite") $var(ci) = 1;
      if ($cs > 1000) $var(big) = 1;
      if ($hdr(X-None) == NULL) $var(nohdr) = 1;
    `).run(INVITE);
    expect(out.vars).toEqual({ net: 1, notnet: 1, exact: 1, ci: 1, big: 1, nohdr: 1 });
  });
});

describe('flags', () => {
  it('sets, tests and resets message flags by number and by name', async () => {
    const out = await kit(`
      setflag(NAT); setflag(3); setflag(DLG);
      if (isflagset(NAT)) $var(nat) = 1;
      resetflag(DLG);
      if (!isflagset(DLG)) $var(dlg) = "off";
      if (isflagset(3)) $var(three) = 1;
      setbflag(BF_X);
      if (isbflagset(BF_X)) $var(bf) = 1;
    `).run(INVITE);
    expect(out.vars).toEqual({ nat: 1, dlg: 'off', three: 1, bf: 1 });
    expect(out.namedFlags).toEqual(['NAT']);
    expect(out.flags & (1 << 3)).toBe(8);
    expect(out.branchFlags[0]).not.toBe(0);
  });
});

describe('async functions', () => {
  it('continues the route after a function that waits, and the sync path stays synchronous', async () => {
    const clock = fakeClock();
    const k = kit(`$var(a) = "before"; wait_and_set(20, $var(b), "set-by-$rm"); $var(c) = $var(b) + "!"; if (wait_result(-1)) $var(d) = 1; else $var(d) = 2;`, '', clock);
    const out = await k.run(INVITE);
    expect(out.vars).toEqual({ a: 'before', b: 'set-by-INVITE', c: 'set-by-INVITE!', d: 2 });
    expect(clock.slept).toEqual([20]);

    const syncKit = kit(`$var(x) = 1;`);
    const ctx = (await syncKit.run(INVITE)).ctx;
    ctx.reset(ctx.msg, ctx.rcv);
    const r = syncKit.script.run(ctx);
    expect(r).toEqual({ code: 1, end: 'running' });
  });

  it('sleep and usleep wait on the clock without blocking', async () => {
    const clock = fakeClock();
    const out = await kit(`sleep(2); usleep(1500); $var(t) = $Ts;`, '', clock).run(INVITE);
    expect(clock.slept).toEqual([2000, 1.5]);
    expect(out.vars.t).toBe(Math.floor((1_700_000_000_000 + 2001.5) / 1000));
  });

  it('an async function inside a while loop and a switch keeps the semantics', async () => {
    const out = await kit(`
      $var(i) = 0;
      while ($var(i) < 3) { wait_result(1); $var(i) += 1; }
      switch ($var(i)) { case 3: wait_result(1); $var(s) = "three"; break; default: $var(s) = "other"; }
    `).run(INVITE);
    expect(out.vars).toEqual({ i: 3, s: 'three' });
  });
});

describe('failures are loud', () => {
  it('a declared-but-unimplemented function logs an error and returns a negative code', async () => {
    const out = await kit(`if (t_check_trans()) $var(r) = "true"; else $var(r) = $retcode;`).run(INVITE);
    expect(out.vars.r).toBe(NOT_IMPLEMENTED_CODE);
    expect(out.logs).toEqual([
      expect.objectContaining({ levelName: 'L_ERR', text: expect.stringContaining('t_check_trans() is not implemented yet: transactions arrive with the SIP core') }),
    ]);
  });

  it('a function that throws counts as -1 with a logged error', async () => {
    const out = await kit(`throws(); $var(r) = $rc;`).run(INVITE);
    expect(out.vars.r).toBe(-1);
    expect(out.logs[0]!.text).toContain('throws() failed: boom');
  });

  it('an int argument read from a variable that holds text fails the call', async () => {
    const out = await kit(`$var(code) = "abc"; sl_send_reply($var(code), "x"); $var(r) = $rc;`).run(INVITE);
    expect(out.vars.r).toBe(-1);
    expect(out.replies).toEqual([]);
    expect(out.logs[0]!.text).toContain("$var(code) holds 'abc', not an integer");
  });
});

describe('core functions', () => {
  it('xlog writes the expanded format at the given level, NULL printed as <null>', async () => {
    const out = await kit(`xlog("m=$rm u=$ua n=$var(none)\\n"); xlog("L_INFO", "info $ci"); xdbg("dbg"); log("plain $rm"); log(1, "warned");`).run(INVITE);
    expect(out.logs.map((l) => [l.levelName, l.text])).toEqual([
      ['L_ERR', 'm=INVITE u=Friendly-Scanner 1.0 n=<null>\n'],
      ['L_INFO', 'info a84b4c76e66710@pc33.example.org'],
      ['L_DBG', 'dbg'],
      ['L_DBG', 'plain $rm'],
      ['L_WARN', 'warned'],
    ]);
  });

  it('raise_event reaches the event sink and event_route gets the attributes as $param(name)', async () => {
    const out = await kit(
      `$avp(n) = "src"; $avp(v) = $si; raise_event("E_MY_ALERT", $avp(n), $avp(v));`,
      `event_route[E_MY_ALERT] { xlog("L_NOTICE", "alert from $param(src)"); }`,
    ).run(INVITE);
    expect(out.events).toEqual([{ name: 'E_MY_ALERT', params: { src: '192.0.2.10' } }]);
    expect(out.logs).toEqual([expect.objectContaining({ levelName: 'L_NOTICE', text: 'alert from 192.0.2.10' })]);
  });

  it('rand_event follows the probability (random fixed at 0.5)', async () => {
    const out = await kit(`
      if (rand_event()) $var(a) = 1; else $var(a) = 0;
      rand_set_prob(60);
      if (rand_event()) $var(b) = 1; else $var(b) = 0;
      rand_reset_prob();
      if (rand_event()) $var(c) = 1; else $var(c) = 0;
    `).run(INVITE);
    expect(out.vars).toEqual({ a: 0, b: 1, c: 0 });
  });

  it('rewrites the Request-URI with prefix/strip/sethost and keeps $ou', async () => {
    const out = await kit(`prefix("00"); $var(a) = $rU; strip(1); $var(b) = $ru; sethost("gw.example.net"); $var(c) = $rd; $var(o) = $ou; setdsturi("sip:10.0.0.9:5080"); $var(d) = $dd;`).run(INVITE);
    expect(out.vars).toEqual({
      a: '00bob',
      b: 'sip:0bob@example.com:5070;transport=udp',
      c: 'gw.example.net',
      o: 'sip:bob@example.com:5070;transport=udp',
      d: '10.0.0.9',
    });
    expect(out.ruri).toBe('sip:0bob@gw.example.net:5070;transport=udp');
    expect(out.dstUri).toBe('sip:10.0.0.9:5080');
  });

  it('sl_send_reply and t_relay reach the reply/forward sinks', async () => {
    const out = await kit(`if (is_method("REGISTER")) { sl_send_reply(200, "OK"); exit; } t_relay();`).run(REGISTER);
    expect(out.replies).toEqual([{ status: 200, reason: 'OK' }]);
    expect(out.forwards).toEqual([]);
    const fwd = await kit(`if (is_method("REGISTER")) { sl_send_reply(200, "OK"); exit; } $du = "sip:10.0.0.2"; t_relay();`).run(INVITE);
    expect(fwd.forwards).toEqual([{ destination: 'sip:10.0.0.2' }]);
  });
});

describe('core pseudo-variables', () => {
  it('reads the request', async () => {
    const out = await kit(`
      $var(rm) = $rm; $var(ru) = $ru; $var(rU) = $rU; $var(rd) = $rd; $var(rp) = $rp;
      $var(fu) = $fu; $var(fU) = $fU; $var(fd) = $fd; $var(fn) = $fn; $var(ft) = $ft;
      $var(tu) = $tu; $var(tU) = $tU; $var(td) = $td; $var(tn) = $tn; $var(tt) = $tt;
      $var(ci) = $ci; $var(cs) = $cs; $var(ua) = $ua; $var(ct) = $ct; $var(ctl) = $(ct[-1]);
      $var(hdr) = $hdr(X-Test); $var(hdr2) = $(hdr(X-Test)[1]); $var(hdrall) = $(hdr(X-Test)[*]);
      $var(cnt) = $hdrcnt(Via); $var(rb) = $rb; $var(si) = $si; $var(sp) = $sp; $var(proto) = $proto;
      $var(Ri) = $Ri; $var(Rp) = $Rp; $var(sock) = $socket_in; $var(sockip) = $socket_in(ip);
      $var(rs) = $rs;
    `).run(INVITE);
    expect(out.vars).toEqual({
      rm: 'INVITE', ru: 'sip:bob@example.com:5070;transport=udp', rU: 'bob', rd: 'example.com', rp: 5070,
      fu: 'sip:alice@example.org', fU: 'alice', fd: 'example.org', fn: 'Alice A', ft: '1928301774',
      tu: 'sip:bob@example.com', tU: 'bob', td: 'example.com', tn: 'Bob',
      ci: 'a84b4c76e66710@pc33.example.org', cs: 314159, ua: 'Friendly-Scanner 1.0',
      ct: '<sip:alice@192.0.2.10:5060>;expires=60', ctl: '<sip:alice@gw.example.net>',
      hdr: 'one', hdr2: 'two', hdrall: 'one,two', cnt: 2, rb: 'hello',
      si: '192.0.2.10', sp: 5060, proto: 'udp', Ri: '198.51.100.1', Rp: 5060,
      sock: 'udp:198.51.100.1:5060', sockip: '198.51.100.1',
    });
    // NULL values ($tt: no To tag; $rs: not a reply) are left out of `vars`.
    expect(out.ctx.getVar(out.ctx.tables.varSlots.get('tt')!)).toBeNull();
    expect(out.ctx.getVar(out.ctx.tables.varSlots.get('rs')!)).toBeNull();
  });

  it('writes $ru, $rU, $rd, $rp and $du', async () => {
    const out = await kit(`$rU = "carol"; $rd = "b.example"; $rp = 5062; $var(a) = $ru; $ru = "sip:x@y"; $var(b) = $ru; $du = "sip:proxy"; $var(c) = $du; $du = NULL; $var(d) = $du;`).run(INVITE);
    expect(out.vars).toEqual({ a: 'sip:carol@b.example:5062;transport=udp', b: 'sip:x@y', c: 'sip:proxy' });
    expect(out.ctx.getVar(out.ctx.tables.varSlots.get('d')!)).toBeNull();
    expect(out.dstUri).toBeNull();
  });

  it('formats time with $time and the clock', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const out = await kit(`$var(ts) = $Ts; $var(y) = $time(%Y);`, '', clock).run(INVITE);
    expect(out.vars.ts).toBe(Math.floor(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000));
    expect(out.vars.y).toBe('2026');
  });

  it('reads contact fields with $ct.fields(...)', async () => {
    const out = await kit(`$var(u) = $ct.fields(uri); $var(e) = $ct.fields(expires); $var(n) = $(ct.fields(name)[1]); $var(all) = $(ct.fields(uri)[*]); $var(p) = $ct.fields(params);`).run(INVITE);
    expect(out.vars).toEqual({
      u: 'sip:alice@192.0.2.10:5060',
      e: '60',
      n: 'Second',
      all: 'sip:alice@192.0.2.10:5060,sip:alice@10.1.1.1,sip:alice@gw.example.net',
      p: 'expires=60',
    });
  });

  it('applies transformations chained on an indexed variable', async () => {
    const out = await kit(`$var(i) = 1; $var(h) = $(ct[$var(i)]{nameaddr.uri}{uri.host}); $var(len) = $(rU{s.len});`).run(INVITE);
    expect(out.vars).toEqual({ i: 1, h: '10.1.1.1', len: 3 });
  });
});
