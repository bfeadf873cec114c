import { checkText } from '../testkit/testkit';
import { testRegistry } from '../testkit/fixtures/test-modules';
import { type Diagnostic, formatDiagnostic } from '../syntax/diagnostics';
import { parseScript } from '../syntax/load';
import { checkScript } from './checker';
import { createModuleRegistry } from '../runtime/core-module';

const HEAD = 'loadmodule "proto_udp.so"\nloadmodule "sl.so"\nloadmodule "textops.so"\nloadmodule "tm.so"\n';

function check(text: string): { diagnostics: Diagnostic[]; ok: boolean; text: (d: Diagnostic) => string } {
  const r = checkText(text, testRegistry());
  return { diagnostics: r.diagnostics, ok: r.ok, text: (d) => formatDiagnostic(d, r.files) };
}

function only(ds: Diagnostic[], severity: Diagnostic['severity']): Array<{ line: number; column: number; message: string; suggestion?: string; expected?: string }> {
  return ds
    .filter((d) => d.severity === severity)
    .map((d) => {
      const o: { line: number; column: number; message: string; suggestion?: string; expected?: string } = { line: d.loc.line, column: d.loc.column, message: d.message };
      if (d.suggestion !== undefined) o.suggestion = d.suggestion;
      if (d.expected !== undefined) o.expected = d.expected;
      return o;
    });
}

describe('checker', () => {
  it('accepts a good script with no diagnostics', () => {
    const r = check(`${HEAD}socket=udp:127.0.0.1:5060
modparam("tm", "fr_timeout", 10)
route {
  if (is_method("INVITE") && $ua =~ "[[:digit:]]+") { t_on_failure("missed"); route(relay, 1); }
  sl_send_reply(404, "Not here");
}
route[relay] { xlog("L_INFO", "relay $param(1)\\n"); t_relay(); }
failure_route[missed] { t_reply(500, "Failed"); }
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('reports every problem, each at its position, with suggestions', () => {
    const r = check(`${HEAD}route {
  sl_send_replyy(404, "x");
  sl_send_reply(404);
  route(nowhere);
  route(rely);
  $vra(x) = 1;
  $var(y) = $rmm;
  $si = "1.2.3.4";
}
route[relay] { exit; }
`);
    expect(only(r.diagnostics, 'error')).toEqual([
      { line: 6, column: 3, message: "unknown function 'sl_send_replyy'", suggestion: 'sl_send_reply' },
      { line: 7, column: 3, message: 'sl_send_reply() takes 2 arguments, got 1', expected: 'sl_send_reply(code, reason)' },
      { line: 8, column: 9, message: "unknown route 'nowhere'" },
      { line: 9, column: 9, message: "unknown route 'rely'", suggestion: 'relay' },
      { line: 10, column: 3, message: 'unknown pseudo-variable $vra' },
      { line: 11, column: 13, message: 'unknown pseudo-variable $rmm', suggestion: '$rm' },
      { line: 12, column: 3, message: '$si is read-only' },
    ]);
    expect(r.ok).toBe(false);
    expect(r.text(r.diagnostics[0]!)).toBe(
      [
        "test.cfg:6:3: error: unknown function 'sl_send_replyy'",
        '    sl_send_replyy(404, "x");',
        '    ^~~~~~~~~~~~~~',
        "  did you mean 'sl_send_reply'?",
      ].join('\n'),
    );
  });

  it('suggests the full name for a truncated function name', () => {
    const r = check(`${HEAD}route { if (isflag("NAT")) exit; }\n`);
    expect(only(r.diagnostics, 'error')).toEqual([{ line: 5, column: 13, message: "unknown function 'isflag'", suggestion: 'isflagset' }]);
  });

  it('names the module to load for a function of a module that is not loaded', () => {
    const r = check(`loadmodule "sl.so"\nroute { is_method("INVITE"); }\n`);
    expect(only(r.diagnostics, 'error')).toEqual([
      {
        line: 2,
        column: 9,
        message: "function 'is_method' is exported by module 'textops', which is not loaded",
        expected: 'loadmodule "textops.so"',
      },
    ]);
  });

  it('checks argument kinds', () => {
    const r = check(`${HEAD}route {
  sl_send_reply("abc", "x");
  search("([a-z");
  setflag(99);
  pv_printf($si, "x");
  t_on_failure("nope");
  sl_send_reply(sl_send_reply(1, "x"), "y");
}
failure_route[nope2] { exit; }
`);
    expect(only(r.diagnostics, 'error').map((d) => [d.line, d.message])).toEqual([
      [6, 'argument 1 (code) of sl_send_reply() must be an integer'],
      [7, expect.stringMatching(/^argument 1 \(re\) of search\(\): regular expression "\(\[a-z" does not compile/)],
      [8, 'argument 1 (flag) of setflag(): flag 99 is out of range (0..31)'],
      [9, 'argument 1 (variable) of pv_printf(): $si is read-only'],
      [10, 'argument 1 (route) of t_on_failure(): there is no failure_route[nope]'],
      [11, 'argument 1 (code) of sl_send_reply(): a function call cannot be an argument'],
    ]);
    expect(only(r.diagnostics, 'error')[4]!.suggestion).toBe('nope2');
  });

  it('refuses functions in route types they do not allow, through route[name] calls', () => {
    const r = check(`${HEAD}route { route(common); }
failure_route[f] { route(common); }
route[common] { sl_send_reply(500, "x"); }
`);
    expect(only(r.diagnostics, 'error')).toEqual([
      {
        line: 7,
        column: 17,
        message: 'sl_send_reply() cannot be used in FAILURE_ROUTE (route[common] is called from a failure route)',
        expected: 'a function allowed in FAILURE_ROUTE; sl_send_reply() is allowed in REQUEST_ROUTE, ERROR_ROUTE',
      },
    ]);
  });

  it('reports a regex that cannot compile and route(nowhere), where OpenSIPS is silent', () => {
    const r = check(`${HEAD}route { if ($ua =~ "([a-z") exit; route(nowhere); }\n`);
    expect(only(r.diagnostics, 'error').map((d) => d.message)).toEqual([
      expect.stringMatching(/^regular expression "\(\[a-z" does not compile: /),
      "unknown route 'nowhere'",
    ]);
  });

  it('reports duplicate routes with the first definition', () => {
    const r = check(`${HEAD}route[a] { exit; }\nroute[a] { exit; }\nroute { exit; }\n`);
    expect(only(r.diagnostics, 'error')).toEqual([{ line: 6, column: 7, message: 'route[a] is defined twice (first at test.cfg:5)' }]);
  });

  it('accepts $varv as $var with a warning naming the line', () => {
    const r = check(`${HEAD}route {\n  $var(i) = 0;\n  $var(h) = $(ct[$varv(i)]{nameaddr.uri});\n}\n`);
    expect(r.ok).toBe(true);
    expect(only(r.diagnostics, 'warning')).toEqual([
      { line: 7, column: 18, message: '$varv is not an OpenSIPS variable (line 7); tsips reads it as $var', suggestion: '$var' },
    ]);
  });

  it('accepts a 2.x quoted integer with a notice showing the 3.x spelling', () => {
    const r = check(`${HEAD}route { sl_send_reply("403", "Forbidden"); }\n`);
    expect(r.ok).toBe(true);
    expect(only(r.diagnostics, 'notice')).toEqual([
      {
        line: 5,
        column: 23,
        message: 'argument 1 (code) of sl_send_reply() is an integer: OpenSIPS 3.x writes 403, not "403" (accepted as in 2.x)',
        expected: '403 (without quotes)',
      },
    ]);
  });

  it('checks modules and modparams', () => {
    const r = check(`loadmodule "sl.so"
loadmodule "/usr/lib/opensips/modules/tm.so"
loadmodule "tmm.so"
loadmodule "sl.so"
modparam("tm", "fr_timeot", 5)
modparam("tm", "fr_timeout", "x")
modparam("tm", "onreply_avp_mode", 3)
modparam("textops", "a", 1)
modparam("nosuch", "a", 1)
modparam("tm", "fr_timeout", "7")
route { exit; }
`);
    expect(only(r.diagnostics, 'error')).toEqual([
      { line: 3, column: 12, message: "unknown module 'tmm'", suggestion: 'tm' },
      { line: 5, column: 16, message: "module 'tm' has no parameter 'fr_timeot'", suggestion: 'fr_timeout' },
      { line: 6, column: 30, message: 'modparam tm.fr_timeout takes an integer, got "x"', expected: 'an integer' },
      { line: 7, column: 36, message: 'modparam tm.onreply_avp_mode: must be 0 or 1' },
      { line: 8, column: 10, message: "modparam for module 'textops', which is not loaded", expected: 'loadmodule "textops.so" before it' },
      { line: 9, column: 10, message: "modparam for unknown module 'nosuch'" },
    ]);
    expect(only(r.diagnostics, 'warning').map((d) => d.message)).toEqual(["module 'sl' is loaded twice (first at line 1)"]);
    expect(only(r.diagnostics, 'notice').map((d) => d.message)).toEqual(['modparam tm.fr_timeout is an integer: write 7, not "7"']);
  });

  it('requires a module dependency', () => {
    const r = check(`loadmodule "tm.so"\nroute { exit; }\n`);
    expect(only(r.diagnostics, 'error')).toEqual([{ line: 1, column: 1, message: "module 'tm' needs module 'sl'", expected: 'loadmodule "sl.so"' }]);
  });

  it('requires the transport module of every socket', () => {
    const r = check(`loadmodule "proto_udp.so"
socket=udp:127.0.0.1:5060
listen=tcp:127.0.0.1:5060
socket=tls:127.0.0.1:5061
route { exit; }
`);
    expect(only(r.diagnostics, 'error').map((d) => [d.line, d.message, d.expected])).toEqual([
      [3, 'socket tcp:127.0.0.1:5060 needs the proto_tcp module', 'loadmodule "proto_tcp.so"'],
      [4, 'socket tls:127.0.0.1:5061 needs the proto_tls module', 'loadmodule "proto_tls.so" (tsips has no proto_tls module yet)'],
    ]);
  });

  it('reports pseudo-variable misuse: names, indexes, transformations', () => {
    const r = check(`${HEAD}route {
  $var(a) = $(ru[1]);
  $var(b) = $hdr;
  $var(c) = $(rU{s.nosuch});
  $var(d) = $socket_in(nope);
  $(rU{s.len}) = 1;
}
`);
    expect(only(r.diagnostics, 'error').map((d) => [d.line, d.message])).toEqual([
      [6, '$ru cannot be indexed'],
      [7, '$hdr needs a name: $hdr(name)'],
      [8, expect.stringContaining('s.nosuch')],
      [9, "unknown $socket_in field 'nope' (one of ip, port, proto, af, advertised_ip, advertised_port, tag, anycast)"],
      [10, '$(rU{s.len}) is read-only'],
    ]);
  });

  it('reports unknown log levels and bad switch labels', () => {
    const r = check(`${HEAD}route {
  xlog("L_LOUD", "x");
  switch ($rm) { case "A": break; case "A": break; default: break; }
}
`);
    expect(only(r.diagnostics, 'error').map((d) => [d.line, d.message])).toEqual([
      [6, "xlog(): unknown log level 'L_LOUD' (one of L_ALERT, L_CRIT, L_ERR, L_WARN, L_NOTICE, L_INFO, L_DBG)"],
      [7, 'duplicate case "A"'],
    ]);
  });
});

describe('modparams reach the modules', () => {
  it('applyModparams calls each set hook with the checked value, in order', () => {
    const seen: Array<string | number> = [];
    const reg = createModuleRegistry([
      {
        name: 'pike',
        params: [
          { name: 'sampling_time_unit', type: 'int', set: (v) => seen.push(v) },
          { name: 'check_route', type: 'string', multiple: true, set: (v) => seen.push(v) },
        ],
      },
    ]);
    const r = checkText(`loadmodule "pike.so"
modparam("pike", "sampling_time_unit", "4")
modparam("pike", "check_route", 12)
modparam("pike", "check_route", "x")
route { exit; }
`, reg);
    expect(r.ok).toBe(true);
    const parsed = parseScript(`loadmodule "pike.so"\nmodparam("pike", "sampling_time_unit", "4")\nmodparam("pike", "check_route", 12)\nmodparam("pike", "check_route", "x")\nroute { exit; }\n`);
    const compiled = checkScript(parsed.script, reg).compiled!;
    expect(seen).toEqual([]);
    compiled.applyModparams();
    expect(seen).toEqual([4, '12', 'x']);
  });
});
