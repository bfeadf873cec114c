#!/usr/bin/env node
/**
 * Script runtime benchmark (needs the built dist: `npm run bench:script` builds first).
 *
 * 1. Route executions per second on one core: a route of ~30 statements (conditions on
 *    $rm and $si, a regex on $ua, a switch, a while over $ct, string building) run against
 *    one parsed INVITE, with a context reset between runs as the core does per message.
 *    Goal: >= 1,000,000 runs/s.
 * 2. Load time of a generated 2,000-line script: lex + parse + check + compile.
 *    Goal: < 200 ms.
 */
'use strict';
const os = require('node:os');
const path = require('node:path');
const script = require(path.join(__dirname, '../packages/script/dist'));
const sip = require(path.join(__dirname, '../packages/sip/dist'));

const benchModules = [
  {
    name: 'sl',
    functions: [
      {
        name: 'sl_send_reply',
        params: [{ name: 'code', kind: 'int-or-var' }, { name: 'reason', kind: 'string' }],
        routes: ['REQUEST_ROUTE'],
        impl: (ctx, code, reason) => ctx.sinks.reply(ctx, code, reason),
      },
    ],
  },
  {
    name: 'textops',
    functions: [
      {
        name: 'is_method',
        params: [{ name: 'methods', kind: 'static-string' }],
        routes: script.ALL_ROUTES,
        impl: (ctx, m) => (ctx.msg.method === m ? 1 : -1),
      },
    ],
  },
  { name: 'proto_udp' },
];

const ROUTE = `
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "textops.so"
socket=udp:127.0.0.1:5060

route {
  $var(score) = 0;
  $var(path) = "";
  if ($rm == "OPTIONS") { sl_send_reply(200, "OK"); exit; }
  if ($rm == "INVITE" && $si != 10.0.0.0/8) {
    $var(score) = $var(score) + 1;
  }
  if ($ua =~ "friendly-scanner|sipvicious|sipcli") {
    $var(score) = $var(score) + 10;
  }
  if (is_method("INVITE")) {
    $var(kind) = "call";
  } else {
    $var(kind) = "other";
  }
  switch ($rm) {
    case "INVITE":
      $var(path) = "inv";
      break;
    case "REGISTER":
      $var(path) = "reg";
      break;
    default:
      $var(path) = "misc";
  }
  $var(i) = 0;
  while ($(ct[$var(i)]) != NULL) {
    $var(path) = $var(path) + "/" + $var(i);
    $var(i) = $var(i) + 1;
  }
  $var(tag) = "u:" + $rU + "@" + $rd;
  $var(from) = $fU + "|" + $si + ":" + $sp;
  if ($var(score) >= 10) {
    setflag(SCANNER);
  }
  if ($cs > 100 && $var(i) == 2) {
    $var(score) = $var(score) + 2;
  }
  if ($var(kind) == "call" && isflagset(SCANNER)) {
    sl_send_reply(403, "Forbidden");
    exit;
  }
  $var(done) = 1;
}
`;

const INVITE = [
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'From: Alice <sip:alice@example.org>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.org',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@192.0.2.10>',
  'Contact: <sip:alice@192.0.2.11>',
  'User-Agent: Softphone 1.2',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function load(text, registry) {
  const t0 = process.hrtime.bigint();
  const parsed = script.parseScript(text, 'bench.cfg');
  const t1 = process.hrtime.bigint();
  const checked = script.checkScript(parsed.script, registry);
  const t2 = process.hrtime.bigint();
  const errors = [...parsed.diagnostics, ...checked.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length > 0 || checked.compiled === null) {
    throw new Error(script.formatDiagnostics(errors, parsed.files));
  }
  return { compiled: checked.compiled, parseMs: Number(t1 - t0) / 1e6, checkMs: Number(t2 - t1) / 1e6 };
}

function benchRoute() {
  const registry = script.createModuleRegistry(benchModules);
  const { compiled } = load(ROUTE, registry);
  const msg = sip.parseMessage(Buffer.from(INVITE));
  const rcv = { srcIp: '192.0.2.10', srcPort: 5060, proto: 'udp', dstIp: '127.0.0.1', dstPort: 5060 };
  let replies = 0;
  const sinks = {
    reply: () => ++replies,
    forward: () => 1,
    log: () => undefined,
    event: () => undefined,
  };
  const ctx = compiled.createContext({ msg, rcv, sinks });
  // Sanity: the route ran to its end with the expected values.
  const first = compiled.run(ctx);
  const slots = compiled.tables.varSlots;
  if (first.end !== 'running' || ctx.getVar(slots.get('done')) !== 1 || ctx.getVar(slots.get('path')) !== 'inv/0/1') {
    throw new Error(`unexpected route outcome: ${JSON.stringify(first)} path=${ctx.getVar(slots.get('path'))}`);
  }
  // Rates per CPU second of this process (user + system), so that other work on a shared
  // machine does not count against the route; wall-clock rates are shown too.
  const runFor = (ms) => {
    let n = 0;
    const end = process.hrtime.bigint() + BigInt(ms) * 1000000n;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    while (true) {
      for (let i = 0; i < 10000; i++) {
        ctx.reset(msg, rcv);
        compiled.run(ctx);
      }
      n += 10000;
      if (process.hrtime.bigint() >= end) break;
    }
    const cpu = process.cpuUsage(c0);
    return { cpu: n / ((cpu.user + cpu.system) / 1e6), wall: n / (Number(process.hrtime.bigint() - t0) / 1e9) };
  };
  runFor(500); // warm-up
  const rates = [runFor(1000), runFor(1000), runFor(1000)];
  // The route kept reading the message and writing its variables all along.
  const last = compiled.run(ctx);
  if (last.end !== 'running' || ctx.getVar(slots.get('path')) !== 'inv/0/1' || ctx.getVar(slots.get('from')) !== 'alice|192.0.2.10:5060') {
    throw new Error(`unexpected route outcome after the timed runs: ${JSON.stringify(last)}`);
  }
  return { cpu: Math.max(...rates.map((r) => r.cpu)), wall: Math.max(...rates.map((r) => r.wall)) };
}

function generateScript(lines) {
  const out = [
    'loadmodule "proto_udp.so"',
    'loadmodule "sl.so"',
    'loadmodule "textops.so"',
    'socket=udp:127.0.0.1:5060',
    'route {',
    '  route(r0);',
    '}',
  ];
  let r = 0;
  while (out.length < lines) {
    out.push(`route[r${r}] {`);
    out.push(`  $var(a${r}) = "x" + $rU + "${r}";`);
    out.push(`  if ($rm == "INVITE" && $ua =~ "scanner${r}|bot") {`);
    out.push(`    xlog("L_WARN", "route ${r}: $si $var(a${r}) $(ct[0]{nameaddr.uri})\\n");`);
    out.push(`    sl_send_reply(403, "Forbidden ${r}");`);
    out.push('    exit;');
    out.push('  }');
    out.push(`  switch ($var(a${r})) {`);
    out.push(`    case "y${r}": $var(b) = ${r}; break;`);
    out.push('    default: $var(b) = 0;');
    out.push('  }');
    out.push(`  $var(i) = 0; while ($var(i) < 3) { $var(i) = $var(i) + 1; }`);
    out.push(`  if ($var(b) > ${r}) { return(-1); }`);
    out.push(`  route(r${r + 1});`);
    out.push('}');
    r++;
  }
  out.push(`route[r${r}] { return(1); }`);
  return out.join('\n');
}

function benchLoad() {
  const text = generateScript(2000);
  const lineCount = text.split('\n').length;
  const times = [];
  let detail = null;
  let firstCpuMs = 0;
  for (let i = 0; i < 7; i++) {
    const registry = script.createModuleRegistry(benchModules);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = load(text, registry);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (i === 0) {
      detail = r;
      const c = process.cpuUsage(c0);
      // CPU of the whole process, V8's background compiler and GC threads included.
      firstCpuMs = (c.user + c.system) / 1000;
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { lineCount, first: times[0], firstCpuMs, median: sorted[3], parseMs: detail.parseMs, checkMs: detail.checkMs };
}

const loadBefore = os.loadavg()[0];
const load2k = benchLoad();
const rate = benchRoute();
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(
  `route executions: ${fmt(rate.cpu)} per CPU second on one core (wall clock ${fmt(rate.wall)} /s) ` +
    `(goal >= 1,000,000) ${rate.cpu >= 1e6 ? 'OK' : 'BELOW GOAL'}`,
);
console.log(`load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after (${os.cpus().length} CPUs)`);
console.log(
  `load ${load2k.lineCount}-line script: first ${load2k.first.toFixed(1)} ms [${load2k.firstCpuMs.toFixed(1)} ms CPU] (parse ${load2k.parseMs.toFixed(1)} + check/compile ${load2k.checkMs.toFixed(1)}), ` +
    `median of 7 ${load2k.median.toFixed(1)} ms (goal < 200 ms) ${load2k.first < 200 ? 'OK' : 'BELOW GOAL'}`,
);
