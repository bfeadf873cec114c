import { ScriptTestKit } from '../testkit/testkit';
import { testRegistry } from '../testkit/fixtures/test-modules';

function kit(body: string, top = ''): ScriptTestKit {
  const text = `loadmodule "sl.so"\nloadmodule "textops.so"\nloadmodule "tm.so"\nloadmodule "waiter.so"\n${top}\nroute {\n${body}\n}\n`;
  return ScriptTestKit.fromText(text, testRegistry());
}

const OPTIONS = `
OPTIONS sip:example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKopt
To: <sip:example.com>
From: <sip:probe@example.org>;tag=1
Call-ID: opt-1
CSeq: 7 OPTIONS
Content-Length: 0
`;

describe('async() and launch()', () => {
  it('async waits for the function, runs the resume route with $retcode set, then ends the route', async () => {
    const out = await kit(`async(wait_result(5), resume); $var(after) = 1;`, `route[resume] { $var(rc) = $retcode; }`).run(OPTIONS);
    expect(out.vars).toEqual({ rc: 5 });
  });

  it('launch starts the function and goes on; the report route runs when it is done', async () => {
    const out = await kit(`launch(result(4), report, "p"); $var(after) = 1;`, `route[report] { $var(rep) = $retcode + 0; $var(p) = $param(1); }`).run(OPTIONS);
    expect(out.vars).toEqual({ rep: 4, p: 'p', after: 1 });
  });
});

describe('dynamic route names', () => {
  it('route($var(name)) runs the named route, and an unknown name fails the call', async () => {
    const out = await kit(`$var(r) = "two"; route($var(r)); $var(a) = $rc; $var(r) = "none"; route($var(r)); $var(b) = $rc;`, `route[two] { return(2); }`).run(OPTIONS);
    expect(out.vars).toEqual({ r: 'none', a: 2, b: -1 });
    expect(out.logs.map((l) => l.text)).toEqual([expect.stringContaining("route 'none' does not exist")]);
  });
});

describe('message-less routes', () => {
  it('runs startup_route and timer_route without a message', async () => {
    const k = kit(`exit;`, `startup_route { $var(s) = 1; if ($rm == NULL) $var(nomsg) = 1; }\ntimer_route[tick, 10] { xlog("L_INFO", "tick\\n"); }`);
    const s = await k.run(null, { route: { type: 'startup' } });
    expect(s.vars).toEqual({ s: 1, nomsg: 1 });
    const t = await k.run(null, { route: { type: 'timer', name: 'tick' } });
    expect(t.logs.map((l) => l.text)).toEqual(['tick\n']);
  });

  it('refuses functions that are not allowed in those routes', () => {
    expect(() => kit(`exit;`, `startup_route { sl_send_reply(200, "OK"); }`)).toThrow(/sl_send_reply\(\) cannot be used in STARTUP_ROUTE/);
  });
});

describe('routes in failure/onreply', () => {
  it('runs a failure_route by name with a message', async () => {
    const k = kit(`t_on_failure("missed"); t_relay();`, `failure_route[missed] { t_reply(503, "Gone"); }`);
    const req = await k.run(OPTIONS);
    expect(req.forwards).toEqual([{ destination: 'sip:example.com' }]);
    expect(req.ctx.moduleState.get('tm.failure_route')).toBe('missed');
    const fail = await k.run(OPTIONS, { route: { type: 'failure', name: 'missed' } });
    expect(fail.replies).toEqual([{ status: 503, reason: 'Gone' }]);
  });
});

describe('is_myself and rport', () => {
  it('matches socket addresses and aliases, with or without a port', async () => {
    const k = ScriptTestKit.fromText(`loadmodule "proto_udp.so"
socket=udp:198.51.100.1:5060
alias=sip.example.com
route {
  if (is_myself("198.51.100.1")) $var(a) = 1;
  if (is_myself("198.51.100.1", 5060)) $var(b) = 1;
  if (!is_myself("198.51.100.1", 5070)) $var(c) = 1;
  if (is_myself("SIP.example.com", 5099)) $var(d) = 1;
  if (!is_myself($rd)) $var(e) = 1;
  force_rport();
}
`, testRegistry());
    const out = await k.run(OPTIONS);
    expect(out.vars).toEqual({ a: 1, b: 1, c: 1, d: 1, e: 1 });
    expect(out.ctx.forceRport).toBe(true);
    expect(out.ctx.addLocalRport).toBe(false);
  });
});

describe('return values', () => {
  it('return(code, values...) makes the values readable as $return(n) after the call', async () => {
    const out = await kit(
      `route(lookup, "x"); $var(code) = $rc; $var(r0) = $return(0); $var(r1) = $return(1); $var(r2) = $return(2);
       route(plain); $var(after) = $return(0);`,
      `route[lookup] { route(plain); return(2, "host-" + $param(1), 5060); }
       route[plain] { return(1); }`,
    ).run(OPTIONS);
    expect(out.vars).toEqual({ code: 2, r0: 'host-x', r1: 5060 });
  });
});

describe('launch with a function that waits', () => {
  it('runs the report route later, in a context of its own', async () => {
    const k = kit(`launch(wait_result(3), report); $var(after) = 1;`, `route[report] { xlog("L_INFO", "report rc=$rc after=$var(after)"); }`);
    const out = await k.run(OPTIONS);
    expect(out.vars).toEqual({ after: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.logs.map((l) => l.text)).toEqual(['report rc=3 after=<null>']);
  });
});
