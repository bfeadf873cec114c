/**
 * Generated JavaScript (codegen.ts) and the closures (compiler.ts) must give every route
 * the same meaning: each script here runs both ways and the outcomes are compared, and a
 * few outcomes are also spelled out so that a shared mistake cannot pass unnoticed.
 */
import { ScriptTestKit, type RunOutcome } from '../testkit/testkit';
import { testRegistry } from '../testkit/fixtures/test-modules';
import { ScriptLoadError } from '../syntax/diagnostics';
import * as codegen from './codegen';

const INVITE = `
INVITE sip:bob@example.com:5070;transport=udp SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds
Max-Forwards: 70
To: Bob <sip:bob@example.com>
From: "Alice A" <sip:alice@example.org>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.org
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.10:5060>;expires=60
Contact: "Second" <sip:alice@10.1.1.1>, <sip:alice@gw.example.net>
User-Agent: Friendly-Scanner 1.0
Content-Length: 0
`;

function load(body: string, generate: boolean, top = ''): ScriptTestKit {
  const saved = process.env['TSIPS_SCRIPT_CODEGEN'];
  process.env['TSIPS_SCRIPT_CODEGEN'] = generate ? '1' : '0';
  try {
    const text = `loadmodule "sl.so"\nloadmodule "textops.so"\n${top}\nroute {\n${body}\n}\nroute[sub] {\n  $var(sub) = $param(1) + 1;\n  return($var(sub));\n}\n`;
    return ScriptTestKit.fromText(text, testRegistry(() => 0.5));
  } finally {
    if (saved === undefined) delete process.env['TSIPS_SCRIPT_CODEGEN'];
    else process.env['TSIPS_SCRIPT_CODEGEN'] = saved;
  }
}

/** The test kit lists only variables that hold a value. */
const unset = (v: unknown): boolean => v === undefined || v === null;

const view = (o: RunOutcome): unknown => ({
  code: o.code, end: o.end, vars: o.vars, avps: o.avps, flags: o.flags, logs: o.logs, replies: o.replies, forwards: o.forwards, ruri: o.ruri,
});

async function both(body: string, top = ''): Promise<RunOutcome> {
  const generated = await load(body, true, top).run(INVITE, { rcv: { srcIp: '192.0.2.10', srcPort: 5060 } });
  const closures = await load(body, false, top).run(INVITE, { rcv: { srcIp: '192.0.2.10', srcPort: 5060 } });
  expect(view(generated)).toEqual(view(closures));
  return generated;
}

const CASES: Array<[string, string, (o: RunOutcome) => void]> = [
  ['assignments, concatenation and counters', `
    $var(n) = 0; $var(s) = "";
    $var(n) = $var(n) + 41; $var(n) += 1; $var(n) -= 2; $var(n) *= 3; $var(n) /= 4; $var(n) %= 7;
    $var(s) = "u:" + $rU + "@" + $rd + ":" + $rp + "/" + $var(n);
    $var(t) = $var(s) + NULL; $var(u) = 5 + NULL; $var(m) = -$var(n); $var(b) = ~0;
    $var(x) = 1; $var(x) = NULL;`,
  (o) => {
    expect(o.vars['n']).toBe(2);
    expect(o.vars['s']).toBe('u:bob@example.com:5070/2');
    expect(unset(o.vars['x'])).toBe(true);
  }],
  ['specialised + chains, integer constants and NULL tests keep arithValue/compareValues semantics', `
    $var(i) = 5; $var(s) = "a"; $var(n) = NULL;
    $var(c1) = $var(i) + 1; $var(c2) = $var(s) + 1; $var(c3) = $var(n) + 1; $var(c4) = $var(i) - 7;
    $var(c5) = $var(s) - 1; $var(c6) = 2147483647 + $var(i); $var(i2) = 2147483647; $var(c7) = $var(i2) + 1;
    $var(c8) = $var(i) + "x" + "y"; $var(c9) = $var(s) + $var(i) + $var(n) + "/" + $rU;
    $var(c10) = "p" + $var(i) + $var(n) + $var(s); $var(c11) = $var(n) + "z" + $var(i);
    $var(c12) = $var(i) + $var(i) + "q";
    if ($var(i) == 5) $var(d1) = 1; if ($var(i) != 5) $var(d2) = 1; if ($var(s) == 5) $var(d3) = 1; else $var(d3) = 2;
    if ($var(s) > 1) $var(d4) = 1; if ($var(n) < 1) $var(d5) = 1; if ($var(n) > NULL) $var(d6) = 1; if ($var(i) > NULL) $var(d7) = 1;
    if ($var(n) == NULL) $var(d8) = 1; if ($var(i) <= NULL) $var(d9) = 1;
    if ($ua =~ "scanner") $var(r1) = 1; if ($ua =~ "scanner") $var(r2) = 1; if ($ua !~ "scanner") $var(r3) = 1;
    if ($var(n) =~ "x") $var(r4) = 1; if ($var(n) !~ "x") $var(r5) = 1; if ($var(i) =~ "^5$") $var(r6) = 1;`,
  (o) => {
    expect(o.vars['c1']).toBe(6);
    expect(o.vars['c2']).toBe('a1');
    expect(o.vars['c4']).toBe(-2);
    expect(unset(o.vars['c5'])).toBe(true);
    expect(o.vars['c7']).toBe(-2147483648);
    expect(o.vars['c8']).toBe('y'); // 5 + "x" is invalid (NULL), then NULL + "y" concatenates
    expect(o.vars['c11']).toBe('z5');
    expect(o.vars['c9']).toBe('a5/bob');
    expect(o.vars['c10']).toBe('p5a');
    expect(unset(o.vars['c12'])).toBe(true); // 10 + "q" is invalid
    expect([o.vars['d1'], o.vars['d2'], o.vars['d3'], o.vars['d6'], o.vars['d7'], o.vars['d8'], o.vars['d9']]).toEqual([1, undefined, 2, undefined, 1, 1, 1]);
    expect([o.vars['r1'], o.vars['r2'], o.vars['r3'], o.vars['r4'], o.vars['r5'], o.vars['r6']]).toEqual([1, 1, undefined, undefined, 1, 1]);
  }],
  ['invalid operands log and give NULL', `
    $var(a) = "x"; $var(b) = 3 + $var(a); $var(c) = -$var(a); $var(d) = ~"y"; $var(e) = 7 / 0; $var(a) += 1;`,
  (o) => {
    expect(unset(o.vars['b'])).toBe(true);
    expect(o.logs.filter((l) => /invalid operands|needs an integer/.test(l.text)).length).toBe(4);
    expect(o.vars['a']).toBe('x1'); // += on a string concatenates
  }],
  ['comparisons: case-insensitive strings, integers, NULL, networks, errors', `
    if ($rm == "invite") $var(a) = 1;
    if ($rm != "INVITE") $var(b) = 1; else $var(b) = 2;
    if ($si == 192.0.2.0/24 && $si != 10.0.0.0/8) $var(c) = 1;
    if ($var(none) == NULL) $var(d) = 1;
    if ($var(none) != NULL) $var(d) = 2;
    if ($cs > 100 && $cs <= 314159 && $cs >= 314159 && $cs < 314160) $var(e) = 1;
    $var(s) = "abc";
    if ($var(s) == 5) $var(f) = "no"; else $var(f) = "error is false";
    if ($var(s) < "abd" && $var(s) == $var(s) && !($var(s) != "ABC")) $var(g) = 1;
    if ($rU == $tU) $var(h) = 1;`,
  (o) => {
    expect([o.vars['a'], o.vars['b'], o.vars['c'], o.vars['d'], o.vars['e'], o.vars['g'], o.vars['h']]).toEqual([1, 2, 1, 1, 1, 1, 1]);
    expect(o.vars['f']).toBe('error is false');
    expect(o.logs.some((l) => l.text.includes('error in expression (treated as false)'))).toBe(true);
  }],
  ['regular expressions, literal and from variables', `
    if ($ua =~ "friendly-scanner|sipvicious") $var(a) = 1;
    if ($ua !~ "^sipcli") $var(b) = 1;
    if ($var(none) =~ "x") $var(c) = 1; else $var(c) = 0;
    $var(re) = "^[[:alpha:]]+-scanner";
    if ($ua =~ $var(re)) $var(d) = 1;
    $var(bad) = "([a-z";
    if ($ua =~ $var(bad)) $var(e) = 1; else $var(e) = 0;`,
  (o) => {
    expect([o.vars['a'], o.vars['b'], o.vars['c'], o.vars['d'], o.vars['e']]).toEqual([1, 1, 0, 1, 0]);
    expect(o.logs.some((l) => l.text.includes("bad regular expression '([a-z'"))).toBe(true);
  }],
  ['switch: fall-through, break, default anywhere, numbers against strings', `
    $var(p) = "";
    switch ($rm) { case "INVITE": $var(p) = $var(p) + "i"; case "ACK": $var(p) = $var(p) + "a"; break; default: $var(p) = "d"; }
    switch ($var(none)) { case 1: $var(q) = 1; break; case 2: $var(q) = "two"; default: $var(q) = $var(q) + "def"; }
    $var(s) = "7";
    switch ($var(s)) { case "x": $var(r) = "x"; break; case 7: $var(r) = "seven"; break; }
    $var(i) = 8;
    switch ($var(i)) { case "8": $var(t) = "string 8"; break; case 8: $var(t) = "int 8"; break; }
    switch ($var(i)) { case 1: $var(u) = 1; }`,
  (o) => {
    expect(o.vars['p']).toBe('ia');
    expect(o.vars['q']).toBe('def');
    expect(o.vars['r']).toBe('seven');
    expect(o.vars['t']).toBe('string 8');
    expect(unset(o.vars['u'])).toBe(true);
  }],
  ['loops: while over contacts, nested loops, break, max_while_loops', `
    $var(i) = 0; $var(path) = "";
    while ($(ct[$var(i)]) != NULL) { $var(path) = $var(path) + "/" + $(ct[$var(i)]{nameaddr.uri}); $var(i) = $var(i) + 1; }
    $var(j) = 0; $var(pairs) = 0;
    while ($var(j) < 3) { $var(k) = 0; while (1) { $var(k) += 1; if ($var(k) > $var(j)) break; $var(pairs) += 1; } $var(j) += 1; }
    $var(z) = 0;
    while ($var(z) >= 0) { $var(z) += 1; switch ($var(z)) { case 2: break; default: $var(w) = $var(z); } if ($var(z) == 4) break; }
    $var(n) = 0;
    while (1) $var(n) += 1;`,
  (o) => {
    expect(o.vars['i']).toBe(3);
    expect(o.vars['path']).toBe('/sip:alice@192.0.2.10:5060/sip:alice@10.1.1.1/sip:alice@gw.example.net');
    expect(o.vars['pairs']).toBe(3);
    expect(o.vars['w']).toBe(4);
    expect(o.vars['n']).toBe(25);
    expect(o.logs.some((l) => l.text.includes('max while loops reached (25)'))).toBe(true);
  }],
  ['calls mixed with generated statements, sub-routes and return values', `
    $var(a) = 1;
    if (is_method("INVITE") && $var(a) == 1) { $var(b) = "call"; setflag(7); }
    route(sub, 41);
    $var(c) = $retcode;
    if (isflagset(7) && $var(b) == "call") { $var(d) = $var(c) + 1; }
    if ($var(d) == 43) { sl_send_reply(403, "Forbidden $var(d)"); return(-3); }
    $var(never) = 1;`,
  (o) => {
    expect(o.vars['c']).toBe(42);
    expect(o.replies).toEqual([{ status: 403, reason: 'Forbidden 43' }]);
    expect(o.code).toBe(-3);
    expect(unset(o.vars['never'])).toBe(true);
  }],
  ['exit, drop and return(0) end the script', `
    $var(a) = 1;
    if ($var(a) == 1) { if ($rm == "INVITE") { $var(b) = 2; drop; } }
    $var(c) = 3;`,
  (o) => {
    expect(o.end).toBe('drop');
    expect(unset(o.vars['c'])).toBe(true);
  }],
  ['return with a string that is not an integer', `
    $var(r) = "abc";
    if ($var(r) != NULL) { return($var(r)); }`,
  (o) => {
    expect(o.code).toBe(-1);
    expect(o.logs.some((l) => l.text.includes("return value 'abc' is not an integer; returning -1"))).toBe(true);
  }],
  ['AVPs and other writable variables', `
    $avp(x) = 1; $avp(x) = 2; $avp(x) += 5; $avp(x) := "only";
    $du = "sip:10.0.0.2"; $rU = "carol";
    if ($du =~ "10\\.0\\.0\\.2" && $ru == "sip:carol@example.com:5070;transport=udp") $var(ok) = 1;`,
  (o) => {
    expect(o.avps['x']).toEqual(['only']);
    expect(o.vars['ok']).toBe(1);
  }],
];

describe('generated routes behave as the closures do', () => {
  it.each(CASES)('%s', async (_name, body, check) => {
    check(await both(body, 'max_while_loops = 25'));
  });

  it('really generates code for statements that cannot wait, and not for the others', () => {
    const statements = jest.spyOn(codegen, 'generateStatements');
    const conds = jest.spyOn(codegen, 'generateCond');
    try {
      load('$var(a) = 1; $var(b) = 2; if ($var(a) == 1) { xlog("x"); }', true);
      // route: the two assignments as one function; route[sub]: its assignment and return
      expect(statements.mock.calls.map((c) => c[1].map((s) => s.kind))).toEqual([['Assign', 'Assign'], ['Assign', 'Return']]);
      expect(conds).toHaveBeenCalledTimes(1); // the condition of the if that calls xlog
      statements.mockClear();
      load('$var(a) = 1; $var(b) = 2;', false);
      expect(statements).not.toHaveBeenCalled();
    } finally {
      statements.mockRestore();
      conds.mockRestore();
    }
  });

  it('reports the same problems, once each, with or without generation', () => {
    const body = `
      if ($foo == 1 && $var(a) =~ "([a-z") { $var(b) = 1; }
      $rm = "x";
      while ($si == 10.0.0.0/40) { $var(c) = $bar; }
      switch ($var(a)) { case 1: break; case 1: break; default: default: }`;
    const problems = (generate: boolean): string[] => {
      try {
        load(body, generate);
      } catch (e) {
        if (e instanceof ScriptLoadError) return e.diagnostics.map((d) => `${d.loc.line}:${d.loc.column} ${d.message}`);
        throw e;
      }
      return [];
    };
    const generated = problems(true);
    expect(generated).toEqual(problems(false));
    expect(generated.filter((p) => p.includes('unknown pseudo-variable $foo'))).toHaveLength(1);
    expect(generated.some((p) => p.includes('does not compile'))).toBe(true);
    expect(generated.some((p) => p.includes('$rm is read-only'))).toBe(true);
    expect(generated.some((p) => p.includes("invalid IP address or network '10.0.0.0/40'"))).toBe(true);
    expect(generated.some((p) => p.includes('duplicate case 1'))).toBe(true);
    expect(generated.some((p) => p.includes('more than one default'))).toBe(true);
  });
});
