#!/usr/bin/env node
/*
 * npm run bench:calls — full SIP calls through a stateful proxy, tsips beside Kamailio.
 *
 *   sipp UAC (127.0.0.3) -> proxy (127.0.0.1) -> sipp UAS (127.0.0.2)
 *   INVITE / 100 / 180 / 200 / ACK / BYE / 200, record-routed (shared uac_call.xml, uas_call.xml)
 *
 * 1. Comparison: at one offered load (--rate, default 1000 calls/s) for --duration seconds,
 *    --turns times, alternating tsips and Kamailio; the median CPU microseconds per completed
 *    call of each and their ratio. CPU is utime+stime of the proxy's whole process tree from
 *    /proc (so Kamailio's worker processes count), peak RSS is the largest VmHWM in the tree.
 * 2. Ramp: tsips (and Kamailio with --ramp-kamailio) at increasing rates (--ramp, default
 *    rate x1.5, x2, x3 ... up to --max-rate) until more than 0.1% of the calls fail.
 *
 * Not a test: it measures, prints and exits 0 unless something could not run at all.
 * Loopback only; every process it starts is killed on exit.
 *
 * Options: --rate N  --duration S  --turns N  --ramp 2000,4000,...  --max-rate N
 *          --only tsips|kamailio  --ramp-kamailio  --kamailio-security  --json FILE
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { start, killAll, delay, udpBound, freePort, waitUntil, stopProc, lastStatsRow, median, posInt, setWorkDir } = require('./lib/bench-procs');

const { sharedDir } = require('@tsips/test-support');

/** This run's temporary folder (removed at exit by bench-procs unless TSIPS_BENCH_KEEP). */
let workDir = null;

const ROOT = path.resolve(__dirname, '..');
const TSIPS_BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'tsips.js');
const TSIPS_TEMPLATE = path.join(ROOT, 'test', 'e2e', 'configs', 'bench-proxy.cfg');
const PROXY_IP = '127.0.0.1';
const UAS_IP = '127.0.0.2';
const UAC_IP = '127.0.0.3';
const MAX_FAILED_SHARE = 0.001;
const CLK_TCK = 100; // Linux USER_HZ; /proc/PID/stat times are in these ticks

// ------------------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = {
    rate: 1000, duration: 10, turns: 3, ramp: null, maxRate: 12000, only: null,
    rampKamailio: false, kamailioSecurity: false, json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--rate': o.rate = posInt(a, next()); break;
      case '--duration': o.duration = posInt(a, next()); break;
      case '--turns': o.turns = posInt(a, next()); break;
      case '--ramp': o.ramp = next().split(',').map((r) => posInt(a, r)); break;
      case '--max-rate': o.maxRate = posInt(a, next()); break;
      case '--only': o.only = next(); if (!['tsips', 'kamailio'].includes(o.only)) throw new Error('--only tsips|kamailio'); break;
      case '--ramp-kamailio': o.rampKamailio = true; break;
      case '--kamailio-security': o.kamailioSecurity = true; break;
      case '--json': o.json = next(); break;
      case '-h': case '--help':
        process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 22).join('\n') + '\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (!o.ramp) o.ramp = [1.5, 2, 3, 4, 6, 8, 12].map((k) => Math.round(o.rate * k)).filter((r) => r <= o.maxRate);
  return o;
}


// ------------------------------------------------------------------------------ processes

// ------------------------------------------------------------------------------ /proc

function procTree(rootPid) {
  const byParent = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(Number(d));
    if (!st) continue;
    if (!byParent.has(st.ppid)) byParent.set(st.ppid, []);
    byParent.get(st.ppid).push(Number(d));
  }
  const out = [rootPid];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i]) ?? []));
  return out;
}

function readStat(pid) {
  let text;
  try { text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return null; }
  // the command name is in parentheses and may contain spaces
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(rest[1]), utime: Number(rest[11]), stime: Number(rest[12]) };
}

/** CPU microseconds used so far by the process tree under pid. */
function treeCpuUs(pid) {
  let ticks = 0;
  for (const p of procTree(pid)) {
    const st = readStat(p);
    if (st) ticks += st.utime + st.stime;
  }
  return (ticks * 1e6) / CLK_TCK;
}

/**
 * Peak resident set (VmHWM) of the largest process of the tree, in kB. Not a sum: Kamailio's
 * workers share one shared-memory segment, which a sum would count once per worker.
 */
function treePeakRssKb(pid) {
  let kb = 0;
  for (const p of procTree(pid)) {
    try {
      const m = fs.readFileSync(`/proc/${p}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
      if (m) kb = Math.max(kb, Number(m[1]));
    } catch { /* exited meanwhile */ }
  }
  return kb;
}

// ------------------------------------------------------------------------------ proxies

async function startTsips(uasPort) {
  const port = await freePort(PROXY_IP);
  const dir = fs.mkdtempSync(path.join(workDir, 'tsips-'));
  const cfg = path.join(dir, 'bench.cfg');
  fs.writeFileSync(cfg, fs.readFileSync(TSIPS_TEMPLATE, 'utf8')
    .replace(/__PORT__/g, String(port))
    .replace(/__UAS_DST__/g, `sip:${UAS_IP}:${uasPort}`));
  // TSIPS_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the proxy
  const nodeArgs = (process.env.TSIPS_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const rec = start('tsips', process.execPath, [...nodeArgs, TSIPS_BIN, '-f', cfg], { cwd: dir });
  await waitUntil('tsips to listen', 15000, async () => {
    if (rec.child.exitCode !== null) throw new Error(`tsips exited early:\n${rec.stderr}`);
    return /tsips: listening on/.test(rec.stderr) && (await udpBound(PROXY_IP, port));
  });
  return { name: 'tsips', rec, port, pid: rec.child.pid, stop: () => stopProc(rec) };
}

async function startKamailio(uasPort, security) {
  const port = await freePort(PROXY_IP);
  const dir = fs.mkdtempSync(path.join(workDir, 'kamailio-'));
  const db = path.join(dir, 'kamailio-dbtext');
  fs.mkdirSync(db);
  for (const f of fs.readdirSync(sharedDir('bench', 'kamailio-dbtext'))) {
    fs.copyFileSync(sharedDir('bench', 'kamailio-dbtext', f), path.join(db, f));
    fs.chmodSync(path.join(db, f), 0o644);
  }
  const args = [
    '-x', 'tlsf', '-X', 'tlsf', '-f', sharedDir('bench', 'kamailio-bench.cfg'), '-l', `udp:${PROXY_IP}:${port}`,
    '-DD', '-E', '-m', '1024', '-M', '16', '-w', dir, '-Y', dir,
    '-A', 'NCHILDREN=2', '-A', `CTLSOCK="unix:${dir}/ctl"`, '-A', `UAS_DST="sip:${UAS_IP}:${uasPort}"`,
    '-A', `DBURL="text://${db}"`,
  ];
  if (security) args.push('-A', 'WITH_SECURITY');
  const rec = start('kamailio', 'kamailio', args, { cwd: dir });
  await waitUntil('kamailio to listen', 15000, async () => {
    if (rec.child.exitCode !== null) throw new Error(`kamailio exited early:\n${rec.stderr}`);
    return udpBound(PROXY_IP, port);
  });
  await delay(500); // let every worker finish its child_init
  return { name: security ? 'kamailio+security' : 'kamailio', rec, port, pid: rec.child.pid, stop: () => stopProc(rec) };
}


// ------------------------------------------------------------------------------ one step


function hms(t) {
  const m = /^(\d+):(\d+):(\d+)(?::(\d+))?$/.exec(t ?? '');
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + (m[4] ? Number(m[4]) / 1e6 : 0) : NaN;
}

/**
 * Offers `rate` calls/s for `duration` s through `proxy` (started by `startProxy(uasPort)`,
 * stopped afterwards, so every step starts from a fresh process).
 */
async function step(label, startProxy, rate, duration) {
  const uasPort = await freePort(UAS_IP);
  const uacPort = await freePort(UAC_IP);
  const calls = rate * duration;
  const proxy = await startProxy(uasPort);
  const dir = fs.mkdtempSync(path.join(workDir, `step-${proxy.name}-${rate}-`));
  const sippTimeout = duration + 40;
  const uas = start('sipp-uas', 'sipp', [
    '-sf', sharedDir('bench', 'uas_call.xml'), '-i', UAS_IP, '-p', String(uasPort), '-m', String(calls),
    '-nostdin', '-timeout', `${sippTimeout}s`, '-trace_stat', '-stf', path.join(dir, 'uas.csv'), '-fd', '600',
  ], { cwd: dir });
  await waitUntil('sipp UAS to bind', 5000, () => udpBound(UAS_IP, uasPort));

  const cpu0 = treeCpuUs(proxy.pid);
  const t0 = process.hrtime.bigint();
  const uac = start('sipp-uac', 'sipp', [
    `${PROXY_IP}:${proxy.port}`, '-sf', sharedDir('bench', 'uac_call.xml'), '-s', 'bench',
    '-i', UAC_IP, '-p', String(uacPort), '-r', String(rate), '-m', String(calls),
    '-l', String(rate * 20), '-recv_timeout', '10000', '-nostdin', '-timeout', `${sippTimeout}s`,
    '-trace_stat', '-stf', path.join(dir, 'uac.csv'), '-fd', '600',
    '-trace_err', '-error_file', path.join(dir, 'uac-errors.log'), '-max_log_size', '2000000',
  ], { cwd: dir });
  const killer = setTimeout(() => { uac.child.kill('SIGKILL'); uas.child.kill('SIGKILL'); }, (sippTimeout + 10) * 1000);
  const uacExit = await uac.exited;
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  // the proxy's share of the last BYEs is in by now; the UAS only lingers in timewait
  const cpu1 = treeCpuUs(proxy.pid);
  const rssKb = treePeakRssKb(proxy.pid);
  uas.child.kill('SIGTERM');
  await uas.exited;
  clearTimeout(killer);
  const proxyAlive = proxy.rec.child.exitCode === null && proxy.rec.child.signalCode === null;
  const proxyExit = await proxy.stop();
  if (process.env.TSIPS_BENCH_KEEP) fs.writeFileSync(path.join(dir, 'proxy-stderr.log'), proxy.rec.stderr);

  const st = lastStatsRow(path.join(dir, 'uac.csv'));
  const ok = Number(st['SuccessfulCall(C)'] ?? 0);
  const failed = Number(st['FailedCall(C)'] ?? 0);
  const elapsed = hms(st['ElapsedTime(C)']) || wall;
  const failureKinds = Object.entries(st)
    .filter(([k, v]) => /^Failed.+\(C\)$/.test(k) && k !== 'FailedCall(C)' && Number(v) > 0)
    .map(([k, v]) => `${k.slice(6, -3)} ${v}`);
  const r = {
    failureKinds,
    failureSamples: errorSamples(path.join(dir, 'uac-errors.log')),
    label, proxy: proxy.name, offered: rate, duration, calls, ok, failed,
    failedShare: calls > 0 ? (calls - ok) / calls : 1,
    // completed calls over sipp's whole run, including the tail of late calls
    achievedCps: ok / elapsed,
    cpuUsPerCall: ok > 0 ? (cpu1 - cpu0) / ok : NaN,
    cpuShare: (cpu1 - cpu0) / 1e6 / wall, // cores kept busy by the proxy
    peakRssMb: rssKb / 1024,
    sippExit: uacExit.code,
    proxyCrashed: !proxyAlive,
    proxyExit,
  };
  console.log(
    `  ${label.padEnd(12)} ${proxy.name.padEnd(17)} ${String(rate).padStart(6)} cps offered  ` +
    `${String(ok).padStart(7)} ok ${String(calls - ok).padStart(6)} failed (${(r.failedShare * 100).toFixed(2)}%)  ` +
    `${r.achievedCps.toFixed(0).padStart(6)} cps done  ${r.cpuUsPerCall.toFixed(0).padStart(6)} us/call  ` +
    `${(r.cpuShare * 100).toFixed(0).padStart(3)}% cpu  RSS ${r.peakRssMb.toFixed(1)} MB` +
    (r.proxyCrashed ? '  PROXY DIED' : ''));
  if (r.failureKinds.length) console.log(`      failures: ${r.failureKinds.join(', ')}${r.failureSamples.length ? `; ${r.failureSamples.join('; ')}` : ''}`);
  if (r.proxyCrashed) console.log(indent(proxy.rec.stderr.slice(-3000)));
  return r;
}

/** The commonest reasons in sipp's error log ("expecting 200, got 180" ...), with counts. */
function errorSamples(file) {
  if (!fs.existsSync(file)) return [];
  const counts = new Map();
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/(while expecting '[^']+' \(index \d+\), received '[^\s]+ [^\s]+|receive timeout on message [^ ]+|Max retransmission reached[^\n]*?(?=\s*$|\n)|Dead call)/gm)) {
    const key = m[1].replace(/received '/, 'got ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `${n}x ${k}`);
}

function indent(t) {
  return t.split('\n').map((l) => `      | ${l}`).join('\n');
}


/** Fewer than 0.1% of the offered calls failed or went missing, and the proxy stayed up. */
function sustained(r) {
  return r.failedShare <= MAX_FAILED_SHARE && !r.proxyCrashed;
}

// ------------------------------------------------------------------------------ main

function machine() {
  const cpus = os.cpus();
  let kam = 'not installed';
  let sipp = 'not installed';
  try { kam = execFileSync('kamailio', ['-v'], { encoding: 'utf8' }).split('\n')[0].replace(/^version:\s*(kamailio\s*)?/, '').trim(); } catch { /* absent */ }
  try { sipp = (execFileSync('sipp', ['-v'], { encoding: 'utf8' }).match(/SIPp v[^\s]+?(?=\.?\s)/) ?? ['?'])[0]; } catch (e) {
    sipp = ((e.stdout ?? '').match(/SIPp v[^\s]+?(?=\.?\s)/) ?? ['?'])[0];
  }
  return {
    cpu: `${cpus[0]?.model ?? '?'} x ${cpus.length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    kamailio: kam,
    sipp,
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-bench-calls-'));
  setWorkDir(workDir);
  const m = machine();
  console.log('bench:calls — sipp UAC -> proxy -> sipp UAS, full call (INVITE/180/200/ACK/BYE/200), UDP, loopback');
  console.log(`machine: ${m.cpu}, ${m.memory}, ${m.kernel}; node ${m.node}; ${m.sipp}; kamailio ${m.kamailio}`);
  console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('CPU = utime+stime of the proxy process tree per completed call; RSS = largest VmHWM in the tree\n');

  const targets = [];
  if (o.only !== 'kamailio') targets.push({ key: 'tsips', start: (p) => startTsips(p) });
  if (o.only !== 'tsips') targets.push({ key: 'kamailio', start: (p) => startKamailio(p, o.kamailioSecurity) });

  const results = [];
  console.log(`comparison at ${o.rate} calls/s, ${o.duration} s per turn, ${o.turns} turns:`);
  for (let t = 1; t <= o.turns; t++) {
    for (const target of targets) {
      try {
        results.push(await step(`turn ${t}`, target.start, o.rate, o.duration));
      } catch (e) {
        console.log(`  turn ${t} ${target.key}: could not run: ${e.message.split('\n').slice(0, 12).join('\n    ')}`);
        results.push({ label: `turn ${t}`, proxy: target.key, error: e.message });
        killAll();
      }
    }
  }

  const ramp = [];
  const rampTargets = targets.filter((t) => t.key === 'tsips' || o.rampKamailio);
  for (const target of rampTargets) {
    console.log(`\nramp (${target.key}), ${o.duration} s per rate, until more than ${MAX_FAILED_SHARE * 100}% of calls fail:`);
    for (const rate of o.ramp) {
      let r;
      try {
        r = await step('ramp', target.start, rate, o.duration);
      } catch (e) {
        console.log(`  ${rate} cps: could not run: ${e.message.split('\n')[0]}`);
        break;
      }
      ramp.push(r);
      if (!sustained(r)) break;
    }
  }

  console.log('\nsummary');
  const summary = {};
  for (const target of targets) {
    const mine = results.filter((r) => r.proxy.startsWith(target.key) && !r.error);
    const up = ramp.filter((r) => r.proxy.startsWith(target.key));
    const sustainedRates = [...mine, ...up].filter(sustained).map((r) => r.offered);
    summary[target.key] = {
      cpuUsPerCall: median(mine.map((r) => r.cpuUsPerCall)),
      failed: mine.reduce((a, r) => a + (r.calls - r.ok), 0),
      calls: mine.reduce((a, r) => a + r.calls, 0),
      peakRssMb: Math.max(0, ...mine.map((r) => r.peakRssMb), ...up.map((r) => r.peakRssMb)),
      sustainedCps: sustainedRates.length ? Math.max(...sustainedRates) : 0,
      rampTried: up.length > 0 || target.key === 'tsips',
    };
    const s = summary[target.key];
    console.log(`  ${target.key.padEnd(9)} median ${s.cpuUsPerCall.toFixed(0)} us CPU per call at ${o.rate} calls/s; ` +
      `failed ${s.failed} of ${s.calls} calls; peak RSS ${s.peakRssMb.toFixed(1)} MB; ` +
      `highest sustained rate tried: ${s.sustainedCps ? `${s.sustainedCps} calls/s` : 'none (every rate tried lost more than 0.1%)'}`);
  }
  if (summary.tsips && summary.kamailio) {
    const ratio = summary.tsips.cpuUsPerCall / summary.kamailio.cpuUsPerCall;
    console.log(`  ratio tsips/kamailio CPU per call at ${o.rate} calls/s: ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'}` +
      ' (goal: <= 1.00)');
    summary.ratio = ratio;
  }
  console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ machine: m, options: o, results, ramp, summary }, null, 2));
}

main().then(() => process.exit(0), (e) => {
  console.error(`bench:calls: ${e.stack ?? e}`);
  process.exit(1);
});
