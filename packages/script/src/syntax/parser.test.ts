import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseScript } from './load';
import { formatDiagnostics } from './diagnostics';
import { ScriptParser } from './parser';
import { isComplete } from './parse';
import type * as A from './ast';

/** Parses and insists on no errors or warnings (notices about 2.x spellings are fine here). */
function ok(src: string): A.TopLevelItem[] {
  const r = parseScript(src, 't.cfg');
  expect(formatDiagnostics(r.diagnostics.filter((d) => d.severity !== 'notice'), r.files)).toBe('');
  return r.script.items;
}

function body(stmts: string): A.Stmt[] {
  const [route] = ok(`route {\n${stmts}\n}`) as [A.RouteBlock];
  return route.body;
}

function expr(src: string): A.Expr {
  const [s] = body(`$var(r) = ${src};`) as [A.AssignStmt];
  return s.value;
}

/** Writes an expression tree back with explicit parentheses. */
function show(e: A.Expr | A.OmittedArg): string {
  switch (e.kind) {
    case 'Binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'Unary':
      return `${e.op}${show(e.operand)}`;
    case 'Number':
      return String(e.value);
    case 'String':
      return JSON.stringify(e.value);
    case 'Pvar':
      return e.raw;
    case 'Null':
      return 'NULL';
    case 'Ip':
      return e.raw;
    case 'Ident':
      return e.name;
    case 'Call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'RouteCall':
      return `route(${typeof e.name === 'string' ? e.name : e.name.raw}${e.args.map((a) => ', ' + show(a)).join('')})`;
    case 'Omitted':
      return '_';
  }
}

it('the grammar passes chevrotain validation (no ambiguity, no left recursion)', () => {
  const p = new ScriptParser({ validate: true });
  // performSelfAnalysis throws on definition errors; a built parser can also parse
  p.input = [];
  expect(p.script()).toEqual([]);
  expect((p as unknown as { definitionErrors: unknown[] }).definitionErrors).toEqual([]);
});

describe('core parameters', () => {
  it('models scalar values: numbers, yes/no, strings, names, hosts, IPs', () => {
    const items = ok(`
log_level = -1
log_stderror = yes
stderror_enabled = no
debug_mode = true
children = 4
udp_workers = 0x8
server_header = "Server: tsips"
user_agent_header = 'User-Agent: tsips'
syslog_facility = LOG_LOCAL0
advertised_address = sip.example-host.com
advertised_address = 203.0.113.7
db_default_url = "mysql://u:p@localhost/opensips"
`) as A.CoreParam[];
    expect(items.map((i) => [i.name, i.value.kind, 'value' in i.value ? i.value.value : 'text' in i.value ? i.value.text : 'address' in i.value ? i.value.address : null])).toEqual([
      ['log_level', 'Number', -1],
      ['log_stderror', 'Number', 1],
      ['stderror_enabled', 'Number', 0],
      ['debug_mode', 'Number', 1],
      ['children', 'Number', 4],
      ['udp_workers', 'Number', 8],
      ['server_header', 'String', 'Server: tsips'],
      ['user_agent_header', 'String', 'User-Agent: tsips'],
      ['syslog_facility', 'Word', 'LOG_LOCAL0'],
      ['advertised_address', 'Word', 'sip.example-host.com'],
      ['advertised_address', 'Ip', '203.0.113.7'],
      ['db_default_url', 'String', 'mysql://u:p@localhost/opensips'],
    ]);
    expect(items[0]!.loc).toMatchObject({ line: 2, column: 1 });
    expect((items[10]!.value as A.IpLit).address).toBe('203.0.113.7');
  });

  it('parses socket= and listen= with protocol, host, port, ranges and options', () => {
    const items = ok(`
socket = udp:127.0.0.1:5060
listen = tcp:eth0:5060
socket = tls:[2001:db8::1]:5061 as 198.51.100.1:5061 tag edge use_workers 4
socket = udp:*:5060-5070,5080 reuse_port anycast
socket = hep_udp:10.0.0.1:9060 allow-proxy-protocol
socket = ws:"ws.example.com":80
socket = udp:10.0.0.1 use_auto_scaling_profile PROF
tos = IPTOS_LOWDELAY
listen = udp:10.0.0.2:5060 use_children 2
`) as A.CoreParam[];
    const socks = items.slice(0, 7).map((i) => i.value as A.SocketValue);
    expect(socks.map((s) => s.address)).toEqual([
      expect.objectContaining({ proto: 'udp', host: '127.0.0.1', port: 5060, portRanges: null }),
      expect.objectContaining({ proto: 'tcp', host: 'eth0', port: 5060 }),
      expect.objectContaining({ proto: 'tls', host: '2001:db8::1', port: 5061 }),
      expect.objectContaining({ proto: 'udp', host: '*', port: null, portRanges: [{ from: 5060, to: 5070 }, { from: 5080, to: 5080 }] }),
      expect.objectContaining({ proto: 'hep_udp', host: '10.0.0.1', port: 9060 }),
      expect.objectContaining({ proto: 'ws', host: 'ws.example.com', port: 80 }),
      expect.objectContaining({ proto: 'udp', host: '10.0.0.1', port: null }),
    ]);
    expect(socks[2]!.options.map((o) => [o.name, typeof o.value === 'object' && o.value ? (o.value as A.SocketAddress).host : o.value])).toEqual([
      ['as', '198.51.100.1'],
      ['tag', 'edge'],
      ['use_workers', 4],
    ]);
    expect(socks[3]!.options.map((o) => o.name)).toEqual(['reuse_port', 'anycast']);
    expect(socks[4]!.options.map((o) => o.name)).toEqual(['allow_proxy_protocol']);
    expect(socks[6]!.options).toEqual([expect.objectContaining({ name: 'use_auto_scaling_profile', value: 'PROF' })]);
    expect((items[8]!.value as A.SocketValue).options).toEqual([expect.objectContaining({ name: 'use_workers', value: 2 })]);
    // `tos = ...` on the next line is a parameter, not a socket option
    expect(items[7]).toMatchObject({ name: 'tos', value: { kind: 'Word', text: 'IPTOS_LOWDELAY' } });
  });

  it('parses socket bonds, alias lists, mpath, mem-group and scaling profiles', () => {
    const items = ok(`
socket = bond:BOND1 { "udp:10.0.0.1:5060", "udp:10.0.0.2:5060" }
alias = example.com udp:sip.example.com:5060 any:10.0.0.1:5062 accept_subdomain
mpath = "/usr/lib/opensips/modules/" : "/opt/mods/"
mem-group = "tm-group": "tm" "dialog"
auto_scaling_profile = PROF scale up to 6 on 70% for 4 cycles within 5 scale down to 2 on 18% for 10 cycles
udp_workers = 4 use_auto_scaling_profile PROF
`);
    expect(items[0]).toMatchObject({ value: { kind: 'SocketBond', name: 'BOND1', members: [{ value: 'udp:10.0.0.1:5060' }, { value: 'udp:10.0.0.2:5060' }] } });
    expect((items[1] as A.CoreParam).value).toMatchObject({
      kind: 'Alias',
      entries: [
        { address: { proto: null, host: 'example.com', port: null }, acceptSubdomain: false },
        { address: { proto: 'udp', host: 'sip.example.com', port: 5060 }, acceptSubdomain: false },
        { address: { proto: null, host: '10.0.0.1', port: 5062 }, acceptSubdomain: true },
      ],
    });
    expect(items[2]).toMatchObject({ kind: 'Mpath', paths: [{ value: '/usr/lib/opensips/modules/' }, { value: '/opt/mods/' }] });
    expect(items[3]).toMatchObject({ name: 'mem-group', value: { kind: 'MemGroup', name: 'tm-group', modules: ['tm', 'dialog'] } });
    expect(items[4]).toMatchObject({
      value: { kind: 'ScalingProfile', name: 'PROF', up: { processes: 6, percentage: 70, cycles: 4, within: 5 }, down: { processes: 2, percentage: 18, cycles: 10 } },
    });
    expect(items[5]).toMatchObject({ name: 'udp_workers', value: { value: 4 }, scalingProfile: 'PROF' });
  });

  it('parses every dst_blacklist entry form, flags and negation', () => {
    const [p] = ok(`dst_blacklist = gw/readonly,expire:{ (udp, 10.0.0.1, 5060, "^sip:.*"), (tcp, 10.0.0.0/8, 0), (any, ::1), (192.168.0.0/16, 5060), (10.1.1.1), 172.16.0.0/12, !(udp, 10.0.0.9, 5060, ""), !10.9.9.9 }`) as [A.CoreParam];
    const bl = p.value as A.BlacklistValue;
    expect(bl.name).toBe('gw');
    expect(bl.flags).toEqual(['readonly', 'expire']);
    expect(bl.entries.map((e) => [e.negated, e.proto, e.net.raw, e.port, e.pattern?.value ?? null])).toEqual([
      [false, 'udp', '10.0.0.1', 5060, '^sip:.*'],
      [false, 'tcp', '10.0.0.0/8', 0, null],
      [false, null, '::1', null, null],
      [false, null, '192.168.0.0/16', 5060, null],
      [false, null, '10.1.1.1', null, null],
      [false, null, '172.16.0.0/12', null, null],
      [true, 'udp', '10.0.0.9', 5060, ''],
      [true, null, '10.9.9.9', null, null],
    ]);
    expect(bl.entries[1]!.net).toMatchObject({ family: 4, address: '10.0.0.0', mask: '8' });
  });

  it('parses loadmodule, modparam with numbers, negative numbers and folded multi-line strings', () => {
    const items = ok(`loadmodule "proto_udp.so"
modparam("usrloc", "db_mode", 2)
modparam("tm", "fr_timeout", -5)
modparam("dialog", "profiles_with_value", "caller ;"
    " callee")
modparam("permissions", "x", "line one
line two")`);
    expect(items[0]).toMatchObject({ kind: 'LoadModule', path: { value: 'proto_udp.so' } });
    expect(items.slice(1).map((i) => (i as A.ModParam).value)).toEqual([
      expect.objectContaining({ kind: 'Number', value: 2 }),
      expect.objectContaining({ kind: 'Number', value: -5 }),
      expect.objectContaining({ kind: 'String', value: 'caller ; callee' }),
      expect.objectContaining({ kind: 'String', value: 'line one\nline two' }),
    ]);
  });
});

describe('route blocks', () => {
  it('parses every route kind with bare, quoted and numeric names', () => {
    const items = ok(`
route { exit; }
route[relay] { exit; }
route["quoted name"] { exit; }
route[2] { exit; }
onreply_route { exit; }
onreply_route[reply_nat] { exit; }
failure_route[missed] { exit; }
branch_route[per_branch] { exit; }
local_route { exit; }
startup_route { exit; }
timer_route[cleanup, 60] { exit; }
event_route[E_UL_CONTACT_INSERT] { exit; }
event_route[E_PIKE_BLOCKED, async] { exit; }
error_route { exit; }
`) as A.RouteBlock[];
    expect(items.map((r) => [r.type, r.name, r.interval, r.mode])).toEqual([
      ['request', null, null, null],
      ['request', 'relay', null, null],
      ['request', 'quoted name', null, null],
      ['request', '2', null, null],
      ['onreply', null, null, null],
      ['onreply', 'reply_nat', null, null],
      ['failure', 'missed', null, null],
      ['branch', 'per_branch', null, null],
      ['local', null, null, null],
      ['startup', null, null, null],
      ['timer', 'cleanup', 60, null],
      ['event', 'E_UL_CONTACT_INSERT', null, null],
      ['event', 'E_PIKE_BLOCKED', null, 'async'],
      ['error', null, null, null],
    ]);
    expect(items[1]!.nameLoc).toMatchObject({ line: 3, column: 7 });
    expect(items[1]!.loc).toMatchObject({ line: 3, column: 1 });
  });
});

describe('statements', () => {
  it('if / else if / else, with and without blocks', () => {
    const [s] = body(`if ($rm == "INVITE") xlog("i"); else if ($rm == "BYE") { exit; } else drop;`) as [A.IfStmt];
    expect(s.then.kind).toBe('ExprStmt');
    expect((s.else as A.IfStmt).kind).toBe('If');
    expect(((s.else as A.IfStmt).else as A.Stmt).kind).toBe('Drop');
  });

  it('binds a dangling else to the nearest if', () => {
    const [s] = body(`if (a()) if (b()) exit; else drop;`) as [A.IfStmt];
    expect(s.else).toBeNull();
    expect((s.then as A.IfStmt).else?.kind).toBe('Drop');
  });

  it('switch with number, negative number and string labels, fall-through and break', () => {
    const [s] = body(`switch ($rs) { case 200: case -1: xlog("x"); break; case "486": exit; default: drop; }`) as [A.SwitchStmt];
    expect(s.cases.map((c) => [c.label?.value ?? 'default', c.body.map((b) => b.kind)])).toEqual([
      [200, []],
      [-1, ['ExprStmt', 'Break']],
      ['486', ['Exit']],
      ['default', ['Drop']],
    ]);
  });

  it('while and for-in loops', () => {
    const [w, f] = body(`while ($var(i) < 10) { $var(i) = $var(i) + 1; } for ($var(c) in $(ct[*])) xlog("$var(c)");`) as [A.WhileStmt, A.ForEachStmt];
    expect(show(w.cond)).toBe('($var(i) < 10)');
    expect(f).toMatchObject({ kind: 'ForEach', variable: { raw: '$var(c)' }, iterable: { raw: '$(ct[*])' }, body: { kind: 'ExprStmt' } });
  });

  it('every assignment operator, including := and = NULL', () => {
    const ops = ['=', ':=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^='];
    const stmts = body(ops.map((o) => `$avp(x) ${o} 1;`).join('\n') + '\n$avp(x) = NULL;') as A.AssignStmt[];
    expect(stmts.map((s) => s.op)).toEqual([...ops, '=']);
    expect(stmts[10]!.value.kind).toBe('Null');
  });

  it('exit, drop, return forms', () => {
    const stmts = body(`exit; exit(); drop; drop(); return; return(); return -1; return(2); return $var(x); return(1, $var(a), "b");`);
    expect(stmts.map((s) => s.kind)).toEqual(['Exit', 'Exit', 'Drop', 'Drop', 'Return', 'Return', 'Return', 'Return', 'Return', 'Return']);
    const rets = stmts.slice(4) as A.ReturnStmt[];
    expect(rets.map((r) => (r.value ? show(r.value) : null))).toEqual([null, null, '-1', '2', '$var(x)', '1']);
    expect(rets[5]!.extra.map(show)).toEqual(['$var(a)', '"b"']);
  });

  it('route calls with names, strings, pseudo-variables and arguments', () => {
    const stmts = body(`route(relay); route("auth"); route($var(next)); route(check, 1, "two", $si, NULL);`) as A.ExprStmt[];
    expect(stmts.map((s) => show(s.expr))).toEqual(['route(relay)', 'route(auth)', 'route($var(next))', 'route(check, 1, "two", $si, NULL)']);
    expect((stmts[2]!.expr as A.RouteCallExpr).name).toMatchObject({ kind: 'Pvar', raw: '$var(next)' });
  });

  it('function calls: no args, omitted args, bare names, pvars, nested calls', () => {
    const stmts = body(`t_relay(); f(, "b"); f("a", , 3); f("a",); xlog(L_ERR, "x"); cache_fetch("local", "k_$si", $avp(v));`) as A.ExprStmt[];
    expect(stmts.map((s) => show(s.expr))).toEqual([
      't_relay()',
      'f(_, "b")',
      'f("a", _, 3)',
      'f("a", _)',
      'xlog(L_ERR, "x")',
      'cache_fetch("local", "k_$si", $avp(v))',
    ]);
  });

  it('async and launch', () => {
    const [a, b, l1, l2] = body(`async(rest_get("http://x", $var(body)), resume); async(avp_db_query("select 1"), resume, 5); launch(exec("ls")); launch(rest_get("u", $var(b)), done, "p");`) as [A.AsyncStmt, A.AsyncStmt, A.LaunchStmt, A.LaunchStmt];
    expect([a.call.name, a.resumeRoute, a.timeout]).toEqual(['rest_get', 'resume', null]);
    expect(b.timeout?.value).toBe(5);
    expect([l1.call.name, l1.reportRoute, l1.reportParam]).toEqual(['exec', null, null]);
    expect([l2.reportRoute, l2.reportParam?.value]).toEqual(['done', 'p']);
  });

  it('blocks, empty statements and a ; after a block (the talk writes `};`)', () => {
    const stmts = body(`{ xlog("a"); };;; if (a()) { exit; };`);
    expect(stmts.map((s) => s.kind)).toEqual(['Block', 'If']);
  });

  it('statement locations cover the statement', () => {
    const [s] = body(`  xlog("hello");`);
    expect(s!.loc).toMatchObject({ line: 2, column: 3 });
    expect(s!.loc.endOffset - s!.loc.offset).toBe('xlog("hello");'.length);
  });
});

describe('expressions and OpenSIPS precedence', () => {
  it.each([
    // || and && share one level, left-associative (cfg.y: %left OR AND)
    ['a() || b() && c()', '((a() || b()) && c())'],
    ['a() and b() or c()', '((a() && b()) || c())'],
    // ! binds tighter than && / || but looser than comparisons
    ['!$var(a) == 1 && b()', '(!($var(a) == 1) && b())'],
    ['not a()', '!a()'],
    // + - * / % share one level, left-associative (cfg.y: %left PLUS MINUS SLASH MULT MODULO)
    ['1 + 2 * 3', '((1 + 2) * 3)'],
    ['10 - 4 - 3', '((10 - 4) - 3)'],
    // bitwise operators sit below arithmetic
    ['1 | 2 + 4', '(1 | (2 + 4))'],
    ['$var(f) & 4 << 1', '(($var(f) & 4) << 1)'],
    ['~$var(x) + 1', '(~$var(x) + 1)'],
    ['-$var(x)', '-$var(x)'],
    ['-5', '-5'],
    ['(1 + 2) * 3', '((1 + 2) * 3)'],
    ['[1 + 2]', '(1 + 2)'],
    ['$ua =~ "friendly-scanner" || $ua !~ "^sip"', '(($ua =~ "friendly-scanner") || ($ua !~ "^sip"))'],
    ['$si == 10.0.0.0/8', '($si == 10.0.0.0/8)'],
    ['$si == [::1]', '($si == ::1)'],
    ['$rU + "@" + $rd', '(($rU + "@") + $rd)'],
    ['$var(x) != NULL', '($var(x) != NULL)'],
    ['route(check) && is_method("INVITE")', '(route(check) && is_method("INVITE"))'],
    ['0x10 + 010', '(16 + 8)'],
  ])('%s', (src, expected) => {
    expect(show(expr(src))).toBe(expected);
  });

  it('records operator locations', () => {
    const e = expr('$var(a) + 1') as A.BinaryExpr;
    expect(e.opLoc).toMatchObject({ line: 2, column: 19 }); // '$var(r) = $var(a) ' is 18 characters
  });
});

describe('break placement', () => {
  it('accepts break in switch cases and loops, even nested in if', () => {
    ok(`route { switch ($rs) { case 1: if (a()) { break; } } while (b()) { if (c()) break; } }`);
  });
  it('rejects break directly in a route', () => {
    const r = parseScript(`route {\n  if (a()) {\n    break;\n  }\n}`, 't.cfg');
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', message: "'break' outside of a switch or loop", loc: expect.objectContaining({ line: 3, column: 5 }) })]);
  });
});

it('warns about a stray ; after a route block at top level (OpenSIPS refuses it)', () => {
  const r = parseScript(`route { exit; };\n`, 't.cfg');
  expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', message: "stray ';' at top level", loc: expect.objectContaining({ line: 1, column: 16 }) })]);
  expect(r.script.items).toHaveLength(1);
});

it('docs/grammar.html shows the current grammar (run `npm run grammar` after changing the parser)', () => {
  const html = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'docs', 'grammar.html'), 'utf8');
  const start = html.indexOf('window.serializedGrammar = ') + 'window.serializedGrammar = '.length;
  const end = html.indexOf(';\n', start);
  const committed = JSON.parse(html.slice(start, end));
  const current = JSON.parse(JSON.stringify(new ScriptParser().getSerializedGastProductions()));
  expect(committed).toEqual(current);
});

it('comparisons do not chain (non-associative, as in OpenSIPS)', () => {
  const r = parseScript('route { if ($var(a) == 1 == 2) exit; }', 't.cfg');
  expect(r.diagnostics.map((d) => [d.message, d.loc.column, d.expected])).toEqual([["unexpected '=='", 26, "')'"]]);
});

it('after syntax errors the AST has no holes (recovery leftovers never reach later stages)', () => {
  const broken = [
    'route[bad] {\n  $var(x) = ;\n}\n',
    'route[bad] {\n  if ($var(a) == ) { exit; }\n}\n',
    'dst_blacklist = b/readonly,:{ (udp, ) }\n',
    'route[bad] {\n  switch ($rm) { case : exit; }\n}\n',
    'socket = udp:\nroute[bad] { f(1,; }\n',
  ];
  for (const text of broken) {
    const r = parseScript(`log_level = 3\n${text}route[good] {\n  exit;\n}\n`, 't.cfg');
    expect(r.diagnostics.filter((d) => d.severity === 'error').length).toBeGreaterThan(0);
    expect(r.script.items.every(isComplete)).toBe(true);
    expect(r.script.items.some((i) => i.kind === 'Route' && i.name === 'good' && i.body.length === 1)).toBe(true);
  }
});

it('isComplete finds an undefined anywhere in a node', () => {
  expect(isComplete({ kind: 'If', cond: { kind: 'Null' }, then: { kind: 'Block', body: [] }, else: null })).toBe(true);
  expect(isComplete({ kind: 'If', cond: undefined, then: { kind: 'Block', body: [] }, else: null })).toBe(false);
  expect(isComplete({ kind: 'Block', body: [{ kind: 'Exit' }, undefined] })).toBe(false);
});
