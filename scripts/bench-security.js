#!/usr/bin/env node
/*
 * npm run bench:security — what the default config's security pipeline costs, and whether
 * pike + ratelimit hold up when 100,000 source addresses each send a little.
 *
 * Part 1, CPU per message. Three configs on the same workloads, driven by sipp over loopback:
 *   security  examples/opensips.cfg as shipped (pike automatic mode with check_route, per-IP
 *             rl_check, sipmsg_validate, scanner fingerprints + scanner_is_blocked, digest auth
 *             with the failed-auth counter), limits raised (see below)
 *   auth-only the same file without pike, ratelimit, scanner and sipmsg_validate (auth and the
 *             failed-auth counter stay)
 *   plain     test/e2e/configs/proxy.cfg: registrar + proxy without any of it
 * Workloads: "register" (security/auth-only: REGISTER, 401, REGISTER with credentials, 200,
 * register_auth.xml; plain: REGISTER, 200, uac_register.xml) and "call" (INVITE/180/200/ACK/
 * BYE/200 from an outside caller to a registered local user, relayed to a sipp UAS; no auth
 * on this path in any config, so it shows what the cheap checks cost on every message).
 * CPU = utime+stime of the tsips process over the messages it received (requests and
 * replies, retransmissions included), median of --turns turns, and the median of the
 * per-turn ratios (two configs measured a minute apart drift less than the whole run).
 *
 * The limits: the shipped config allows 30 messages per 2 s per source (pike) and 20 requests
 * a second per source (rl_check). A load at a fixed rate from one sipp would be blocked, so in
 * part 1 both limits are raised to 1,000,000 in the copy. Pike's and ratelimit's work per
 * message (a tree walk and a counter, a pipe lookup and a counter) does not depend on the
 * threshold, and this keeps the load to one sipp per side instead of 50 processes competing
 * for the same 2 cores as tsips. Part 2 uses the limits as shipped.
 *
 * Part 2, spread flood: OPTIONS from 100,000 distinct addresses in 127.1.0.0/15 (one UDP
 * socket per address, bound, used once, closed) at --flood-rate per second to tsips with the
 * default config unchanged; peak RSS (VmHWM), replies received, and whether a legitimate
 * sipp client on 127.0.0.3 still registers during and after the flood.
 *
 * Not a test: it measures, prints and exits 0 unless something could not run at all.
 * Loopback only; every process it starts is killed on exit.
 *
 * Options: --reg-rate N (registrations/s, 300)  --call-rate N (calls/s, 300)  --duration S (8)
 *          --turns N (5)  --flood N (100000)  --flood-rate N (4000)  --only cpu|flood
 *          --configs security,auth-only,plain  --workloads register,call  --json FILE
 *          --flood-config security|auth-only (part 2 against the config without pike & co: a control)
 * Env: TSIPS_BENCH_NODE_ARGS (node options for tsips, e.g. --cpu-prof), TSIPS_BENCH_KEEP.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { start, killAll, delay, udpBound, freePort, waitUntil, stopProc, lastStatsRow, median, posInt, setWorkDir } = require('./lib/bench-procs');

const { sharedDir } = require('@tsips/test-support');

/** This run's temporary folder (removed at exit by bench-procs unless TSIPS_BENCH_KEEP). */
let workDir = null;

const ROOT = path.resolve(__dirname, '..');
const TSIPS_BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'tsips.js');
const CLI_BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'tsips-cli.js');
const DEFAULT_CFG = path.join(ROOT, 'examples', 'opensips.cfg');
const PLAIN_CFG = path.join(ROOT, 'test', 'e2e', 'configs', 'proxy.cfg');
const REGISTER_AUTH_XML = path.join(ROOT, 'test', 'e2e', 'scenarios', 'register_auth.xml');
const PROXY_IP = '127.0.0.1';
const UAS_IP = '127.0.0.2';
const UAC_IP = '127.0.0.3';
const CLK_TCK = 100;
const PASSWORD = 'bench-secret';
const RAISED = 1000000;

// ------------------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = { regRate: 300, callRate: 300, duration: 8, turns: 5, flood: 100000, floodRate: 4000, only: null, json: null, configs: null, workloads: null, floodConfig: 'security' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--reg-rate': o.regRate = posInt(a, next()); break;
      case '--call-rate': o.callRate = posInt(a, next()); break;
      case '--duration': o.duration = posInt(a, next()); break;
      case '--turns': o.turns = posInt(a, next()); break;
      case '--flood': o.flood = posInt(a, next()); break;
      case '--flood-rate': o.floodRate = posInt(a, next()); break;
      case '--only': o.only = next(); if (!['cpu', 'flood'].includes(o.only)) throw new Error('--only cpu|flood'); break;
      case '--json': o.json = next(); break;
      case '--flood-config': o.floodConfig = next(); if (!['security', 'auth-only'].includes(o.floodConfig)) throw new Error('--flood-config security|auth-only'); break;
      case '--configs': o.configs = next().split(','); break;
      case '--workloads': o.workloads = next().split(','); break;
      case '-h': case '--help':
        process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 39).join('\n') + '\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  for (const c of o.configs ?? []) if (!(c in CONFIGS)) throw new Error(`--configs: ${c}? (${Object.keys(CONFIGS).join(', ')})`);
  for (const w of o.workloads ?? []) if (!WORKLOADS.includes(w)) throw new Error(`--workloads: ${w}? (${WORKLOADS.join(', ')})`);
  if (o.flood > 254 * 256 * 2) throw new Error('--flood: at most 130048 addresses (127.1.0.0/15)');
  return o;
}


// ------------------------------------------------------------------------------ processes


// ------------------------------------------------------------------------------ /proc

function cpuUs(pid) {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}

function memKb(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) ?? [0, NaN])[1]);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// ------------------------------------------------------------------------------ configs

/** Replace `re` in `text`, failing loudly when the config no longer has it. */
function must(text, re, by, what) {
  const out = text.replace(re, by);
  if (out === text) throw new Error(`config transform: ${what} not found in the config`);
  return out;
}

function defaultCfg(port, dbUrl, { raiseLimits }) {
  let t = fs.readFileSync(DEFAULT_CFG, 'utf8');
  t = must(t, /socket = udp:127\.0\.0\.1:5060/, `socket = udp:${PROXY_IP}:${port}`, 'udp socket');
  t = must(t, /socket = tcp:127\.0\.0\.1:5060/, `socket = tcp:${PROXY_IP}:${port}`, 'tcp socket');
  t = must(t, /sqlite:\/\/var\/tsips\.db/g, dbUrl, 'db_url');
  if (raiseLimits) {
    t = must(t, /modparam\("pike", "reqs_density_per_unit", 30\)/, `modparam("pike", "reqs_density_per_unit", ${RAISED})`, 'pike density');
    t = must(t, /rl_check\("\$si", 20, "TAILDROP"\)/, `rl_check("$si", ${RAISED}, "TAILDROP")`, 'rl_check');
  }
  return t;
}

/** The default config without pike, ratelimit, scanner and sipmsg_validate: auth stays. */
function authOnlyCfg(port, dbUrl) {
  let t = defaultCfg(port, dbUrl, { raiseLimits: false });
  for (const mod of ['pike', 'ratelimit', 'scanner']) {
    t = must(t, new RegExp(`loadmodule "${mod}\\.so"\\n`), '', `loadmodule ${mod}`);
    t = must(t, new RegExp(`modparam\\("${mod}",[^\\n]*\\n`, 'g'), '', `modparam ${mod}`);
  }
  t = must(t, /    if \(!rl_check\([\s\S]*?\n    }\n/, '', 'rl_check block');
  t = must(t, /    if \(!sipmsg_validate\(\)\) \{[\s\S]*?\n    }\n/, '', 'sipmsg_validate block');
  t = must(t, /    if \(scanner_is_blocked\(\)\) \{[\s\S]*?\n    }\n/, '', 'scanner_is_blocked block');
  t = must(t, /    if \(is_scanner\([\s\S]*?\n    }\n/, '', 'is_scanner block');
  t = must(t, /        if \(!db_does_uri_exist[\s\S]*?\n        }\n/, '', 'unknown-user report');
  t = must(t, /            scanner_report\("auth_failure", "\$au"\);\n/, '', 'auth_failed report');
  t = must(t, /        if \(\$retcode == -2 \|\| \$retcode == -1\)\n            scanner_report\("auth_failure", "\$au"\);\n/, '', 'auth_caller report');
  t = must(t, /route\[pike_exempt\] \{[\s\S]*?\n}\n/, '', 'route[pike_exempt]');
  t = must(t, /event_route\[E_PIKE_BLOCKED\] \{[\s\S]*?\n}\n/, '', 'E_PIKE_BLOCKED');
  t = must(t, /event_route\[E_SCANNER_BLOCKED\] \{[\s\S]*?\n}\n/, '', 'E_SCANNER_BLOCKED');
  if (/pike|rl_check|scanner|sipmsg_validate/.test(t.replace(/#[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, ''))) {
    throw new Error('config transform: auth-only config still mentions pike/ratelimit/scanner');
  }
  return t;
}

function plainCfg(port, dbUrl) {
  return must(must(must(must(fs.readFileSync(PLAIN_CFG, 'utf8'),
    /__PORT__/g, String(port), 'port'),
  /__DB_URL__/g, dbUrl, 'db url'),
  /__FR_TIMEOUT__/g, '5', 'fr_timeout'),
  /__FR_INV_TIMEOUT__/g, '30', 'fr_inv_timeout');
}

const CONFIGS = {
  security: { auth: true, make: (port, db) => defaultCfg(port, db, { raiseLimits: true }) },
  'auth-only': { auth: true, make: authOnlyCfg },
  plain: { auth: false, make: plainCfg },
};

const WORKLOADS = ['register', 'call'];

let templateDb = null;

function createTemplateDb() {
  templateDb = path.join(workDir, 'template.db');
  const url = `sqlite://${templateDb}`;
  execFileSync(process.execPath, [CLI_BIN, 'db', 'create', '--url', url], { stdio: 'pipe' });
  for (const u of ['alice', 'bob', 'carol']) {
    execFileSync(process.execPath, [CLI_BIN, 'user', 'add', `${u}@${PROXY_IP}`, PASSWORD, '--url', url], { stdio: 'pipe' });
  }
}

async function startTsips(name, cfgText) {
  const dir = fs.mkdtempSync(path.join(workDir, `tsips-${name}-`));
  const db = path.join(dir, 'tsips.db');
  fs.copyFileSync(templateDb, db);
  const port = await freePort(PROXY_IP);
  const text = cfgText(port, `sqlite://${db}`);
  const cfg = path.join(dir, 'bench.cfg');
  fs.writeFileSync(cfg, text);
  fs.cpSync(path.join(ROOT, 'examples', 'include'), path.join(dir, 'include'), { recursive: true });
  const nodeArgs = (process.env.TSIPS_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const rec = start('tsips', process.execPath, [...nodeArgs, TSIPS_BIN, '-f', cfg], { cwd: dir });
  await waitUntil('tsips to listen', 20000, async () => {
    if (rec.child.exitCode !== null) throw new Error(`tsips exited early:\n${rec.stderr}`);
    return /tsips: listening on/.test(rec.stderr) && (await udpBound(PROXY_IP, port));
  });
  return { name, rec, port, pid: rec.child.pid, dir };
}

async function stopTsips(p) {
  const alive = p.rec.child.exitCode === null && p.rec.child.signalCode === null;
  await stopProc(p.rec);
  if (process.env.TSIPS_BENCH_KEEP) fs.writeFileSync(path.join(p.dir, 'stderr.log'), p.rec.stderr);
  return alive;
}

// ------------------------------------------------------------------------------ a SIP client

/**
 * REGISTER user -> contact through the proxy, answering a 401 with digest credentials.
 * Resolves with the final status code.
 */
function register(port, user, contact, { fromIp = '127.0.0.4', password = PASSWORD } = {}) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const callId = crypto.randomBytes(8).toString('hex');
    const timer = setTimeout(() => { sock.close(); reject(new Error(`REGISTER ${user}: no answer`)); }, 5000);
    let cseq = 1;
    const send = (auth) => {
      const lp = sock.address().port;
      const lines = [
        `REGISTER sip:${PROXY_IP}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${fromIp}:${lp};branch=z9hG4bK${crypto.randomBytes(6).toString('hex')};rport`,
        `From: <sip:${user}@${PROXY_IP}>;tag=${callId.slice(0, 8)}`,
        `To: <sip:${user}@${PROXY_IP}>`,
        `Call-ID: ${callId}`, `CSeq: ${cseq} REGISTER`, `Contact: <${contact}>`, 'Expires: 3600',
        'Max-Forwards: 70', 'User-Agent: tsips-bench-security',
      ];
      if (auth) lines.push(auth);
      lines.push('Content-Length: 0', '', '');
      sock.send(lines.join('\r\n'), port, PROXY_IP);
    };
    sock.on('message', (buf) => {
      const text = buf.toString('latin1');
      const code = Number(text.slice(8, 11));
      if (code < 200) return;
      const challenge = /^WWW-Authenticate:\s*Digest\s+([^\r\n]*)/mi.exec(text);
      if (code === 401 && challenge && cseq === 1) {
        const p = Object.fromEntries([...challenge[1].matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1].toLowerCase(), m[2]]));
        const uri = `sip:${PROXY_IP}:${port}`;
        const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');
        const ha1 = md5(`${user}:${p.realm}:${password}`);
        const ha2 = md5(`REGISTER:${uri}`);
        const cnonce = crypto.randomBytes(4).toString('hex');
        const qop = p.qop ? 'auth' : null;
        const response = qop ? md5(`${ha1}:${p.nonce}:00000001:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
        let h = `Authorization: Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${response}", algorithm=MD5`;
        if (qop) h += `, qop=auth, nc=00000001, cnonce="${cnonce}"`;
        if (p.opaque) h += `, opaque="${p.opaque}"`;
        cseq = 2;
        send(h);
        return;
      }
      clearTimeout(timer);
      sock.close();
      resolve(code);
    });
    sock.bind(0, fromIp, () => send(null));
  });
}

// ------------------------------------------------------------------------------ sipp runs


function sippStats(file) {
  const st = lastStatsRow(file);
  return { ok: Number(st['SuccessfulCall(C)'] ?? 0), failed: Number(st['FailedCall(C)'] ?? 0), retrans: Number(st['Retransmissions(C)'] ?? 0) };
}

/** sipp registering `user` (with -au/-ap when auth) from UAC_IP: count at rate/s. */
async function sippRegister(dir, port, { auth, rate, count, user = 'alice', tag = 'reg', ip = UAC_IP }) {
  const args = [`${PROXY_IP}:${port}`, '-i', ip, '-p', String(await freePort(ip)), '-r', String(rate), '-m', String(count),
    '-l', String(Math.max(10, rate * 5)), '-nostdin', '-timeout', '120s', '-recv_timeout', '5000',
    '-trace_stat', '-stf', path.join(dir, `${tag}.csv`), '-fd', '600'];
  if (auth) {
    args.push('-sf', REGISTER_AUTH_XML, '-s', user, '-au', user, '-ap', PASSWORD);
  } else {
    const csv = path.join(dir, `${tag}-users.csv`);
    fs.writeFileSync(csv, `SEQUENTIAL\n${user};\n`);
    args.push('-sf', sharedDir('bench', 'uac_register.xml'), '-inf', csv);
  }
  return start(`sipp-${tag}`, 'sipp', args, { cwd: dir });
}

/** One measurement: a fresh tsips with config `cfgName`, one workload, CPU per message. */
async function step(cfgName, workload, o) {
  const cfg = CONFIGS[cfgName];
  const proxy = await startTsips(cfgName, cfg.make);
  const dir = fs.mkdtempSync(path.join(workDir, `step-${cfgName}-${workload}-`));
  let msgsPer;
  let rate;
  let uas = null;
  let stats;
  let cpu0;
  let cpu1;
  let t0;
  try {
    if (workload === 'register') {
      rate = o.regRate;
      msgsPer = cfg.auth ? 2 : 1;
      // warm-up: a few hundred registrations the JIT sees before the measured ones
      const warm = await sippRegister(dir, proxy.port, { auth: cfg.auth, rate, count: Math.min(rate, 300), tag: 'warm' });
      await warm.exited;
      cpu0 = cpuUs(proxy.pid);
      t0 = process.hrtime.bigint();
      const uac = await sippRegister(dir, proxy.port, { auth: cfg.auth, rate, count: rate * o.duration, tag: 'uac' });
      await uac.exited;
      cpu1 = cpuUs(proxy.pid);
      stats = sippStats(path.join(dir, 'uac.csv'));
    } else {
      rate = o.callRate;
      msgsPer = 6; // INVITE, 180, 200, ACK, BYE, 200 (the proxy's 100 Trying is sent, not received)
      const uasPort = await freePort(UAS_IP);
      const calls = rate * o.duration;
      const warmCalls = Math.min(rate, 300);
      uas = start('sipp-uas', 'sipp', [
        '-sf', sharedDir('bench', 'uas_call.xml'), '-i', UAS_IP, '-p', String(uasPort), '-m', String(warmCalls + calls),
        '-nostdin', '-timeout', '120s', '-trace_stat', '-stf', path.join(dir, 'uas.csv'), '-fd', '600',
      ], { cwd: dir });
      await waitUntil('sipp UAS to bind', 5000, () => udpBound(UAS_IP, uasPort));
      const code = await register(proxy.port, 'bob', `sip:bob@${UAS_IP}:${uasPort}`);
      if (code !== 200) throw new Error(`registering bob: ${code}`);
      const uacPort = await freePort(UAC_IP);
      const uacArgs = (count, tag) => [
        `${PROXY_IP}:${proxy.port}`, '-sf', sharedDir('bench', 'uac_call.xml'), '-s', 'bob',
        '-i', UAC_IP, '-p', String(uacPort), '-r', String(rate), '-m', String(count), '-l', String(rate * 20),
        '-recv_timeout', '10000', '-nostdin', '-timeout', '120s',
        '-trace_stat', '-stf', path.join(dir, `${tag}.csv`), '-fd', '600',
      ];
      await start('sipp-warm', 'sipp', uacArgs(warmCalls, 'warm'), { cwd: dir }).exited;
      await delay(200);
      cpu0 = cpuUs(proxy.pid);
      t0 = process.hrtime.bigint();
      const uac = start('sipp-uac', 'sipp', uacArgs(calls, 'uac'), { cwd: dir });
      await uac.exited;
      await delay(100); // the last BYE's 200 reaches the proxy
      cpu1 = cpuUs(proxy.pid);
      stats = sippStats(path.join(dir, 'uac.csv'));
      // the UAS ends by itself after the warm-up's and the run's calls; its retransmissions
      // (warm-up included: a slight overcount of messages) reach the proxy too
      await Promise.race([uas.exited, delay(15000)]);
      stats.retrans += sippStats(path.join(dir, 'uas.csv')).retrans;
    }
  } finally {
    if (uas) uas.child.kill('SIGKILL');
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss = memKb(proxy.pid);
  const alive = await stopTsips(proxy);
  const messages = stats.ok * msgsPer + stats.retrans;
  const r = {
    config: cfgName, workload, rate, ok: stats.ok, failed: stats.failed, retrans: stats.retrans, messages,
    cpuUs: cpu1 - cpu0,
    usPerMsg: messages > 0 ? (cpu1 - cpu0) / messages : NaN,
    usPerOp: stats.ok > 0 ? (cpu1 - cpu0) / stats.ok : NaN,
    cpuShare: (cpu1 - cpu0) / 1e6 / wall,
    peakRssMb: rss.hwm / 1024,
    crashed: !alive,
  };
  console.log(`  ${cfgName.padEnd(9)} ${workload.padEnd(8)} ${String(rate).padStart(4)}/s  ${String(r.ok).padStart(5)} ok ` +
    `${String(r.failed).padStart(3)} failed ${String(r.retrans).padStart(3)} retrans  ${String(messages).padStart(6)} msgs  ` +
    `${r.usPerMsg.toFixed(1).padStart(6)} us/msg  ${r.usPerOp.toFixed(0).padStart(5)} us/${workload === 'call' ? 'call' : 'reg'}  ` +
    `${(r.cpuShare * 100).toFixed(0).padStart(3)}% cpu  RSS ${r.peakRssMb.toFixed(1)} MB${r.crashed ? '  PROXY DIED' : ''}`);
  if (r.crashed) console.log(proxy.rec.stderr.slice(-2000));
  return r;
}


async function partCpu(o) {
  console.log(`part 1: CPU per message, ${o.duration} s per run, ${o.turns} turns (REGISTER at ${o.regRate}/s, calls at ${o.callRate}/s; ` +
    `pike and rl_check limits raised to ${RAISED} in the security config)`);
  const results = [];
  for (let t = 1; t <= o.turns; t++) {
    console.log(` turn ${t} (load average ${loadavg()})`);
    for (const workload of o.workloads ?? WORKLOADS) {
      for (const cfgName of o.configs ?? Object.keys(CONFIGS)) {
        try {
          results.push({ turn: t, ...(await step(cfgName, workload, o)) });
        } catch (e) {
          console.log(`  ${cfgName} ${workload}: could not run: ${String(e.message).split('\n').slice(0, 8).join('\n    ')}`);
          killAll();
        }
      }
    }
  }
  const summary = {};
  for (const workload of ['register', 'call']) {
    summary[workload] = {};
    for (const cfgName of Object.keys(CONFIGS)) {
      const mine = results.filter((r) => r.workload === workload && r.config === cfgName);
      summary[workload][cfgName] = {
        usPerMsg: median(mine.map((r) => r.usPerMsg)),
        usPerOp: median(mine.map((r) => r.usPerOp)),
        failed: mine.reduce((a, r) => a + r.failed, 0),
        ok: mine.reduce((a, r) => a + r.ok, 0),
        turns: mine.length,
      };
    }
  }
  const pct = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(0)}%` : 'n/a');
  console.log('\n  median CPU per message (us) and per operation; overhead against plain');
  console.log('  workload  config     us/msg  us/op   vs plain (msg)  vs plain (op)  ok/failed');
  for (const workload of ['register', 'call']) {
    const s = summary[workload];
    for (const cfgName of Object.keys(CONFIGS)) {
      const c = s[cfgName];
      console.log(`  ${workload.padEnd(9)} ${cfgName.padEnd(9)} ${c.usPerMsg.toFixed(1).padStart(7)} ${c.usPerOp.toFixed(0).padStart(6)}   ` +
        `${(cfgName === 'plain' ? '-' : pct(c.usPerMsg, s.plain.usPerMsg)).padStart(14)} ${(cfgName === 'plain' ? '-' : pct(c.usPerOp, s.plain.usPerOp)).padStart(14)}  ${c.ok}/${c.failed}`);
    }
    s.securityVsAuthOnlyMsg = pct(s.security.usPerMsg, s['auth-only'].usPerMsg);
    console.log(`  ${workload.padEnd(9)} pike+ratelimit+scanner+sipmsg_validate on top of auth-only: ${s.securityVsAuthOnlyMsg} per message`);
  }
  // The machine's load drifts between turns more than the effect measured: the ratio of two
  // configs within one turn (measured a minute apart) is steadier than the ratio of medians.
  console.log('\n  paired per turn (same turn, same workload): median overhead per message [lowest .. highest]');
  const pairs = [['security', 'plain'], ['auth-only', 'plain'], ['security', 'auth-only']];
  for (const workload of o.workloads ?? WORKLOADS) {
    const s = summary[workload];
    s.paired = {};
    for (const [a, b] of pairs) {
      const ratios = [];
      for (let t = 1; t <= o.turns; t++) {
        const ra = results.find((r) => r.turn === t && r.workload === workload && r.config === a);
        const rb = results.find((r) => r.turn === t && r.workload === workload && r.config === b);
        if (ra && rb && rb.usPerMsg > 0) ratios.push(ra.usPerMsg / rb.usPerMsg - 1);
      }
      if (ratios.length === 0) continue;
      const m = median(ratios);
      const f = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
      s.paired[`${a}/${b}`] = { median: m, min: Math.min(...ratios), max: Math.max(...ratios), n: ratios.length };
      console.log(`  ${workload.padEnd(9)} ${`${a} vs ${b}`.padEnd(22)} ${f(m).padStart(5)}  [${f(Math.min(...ratios))} .. ${f(Math.max(...ratios))}]  (${ratios.length} turns)`);
    }
  }
  console.log('  goal (project issue): security pipeline at most +15% per message against the plain proxy');
  return { results, summary };
}

// ------------------------------------------------------------------------------ part 2: spread flood

function floodAddress(i) {
  // 127.1.0.1 ... : host byte 1..254, so no x.y.z.0 / x.y.z.255
  const host = (i % 254) + 1;
  const block = Math.floor(i / 254);
  return `127.${1 + (block >> 8)}.${block & 255}.${host}`;
}

function options(port, ip, lp, n) {
  return Buffer.from([
    `OPTIONS sip:${PROXY_IP}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${ip}:${lp};branch=z9hG4bK-fl${n}`,
    'Max-Forwards: 70',
    `From: <sip:keepalive@example.org>;tag=fl${n}`,
    `To: <sip:${PROXY_IP}>`,
    `Call-ID: flood-${n}@${ip}`,
    'CSeq: 1 OPTIONS',
    'User-Agent: bench-phone/1.0',
    'Content-Length: 0', '', '',
  ].join('\r\n'));
}

/** Sends one OPTIONS from each of n addresses at `rate`/s; at most `window` sockets open. */
function flood(port, n, rate, onTick) {
  return new Promise((resolve) => {
    const st = { sent: 0, replies: 0, codes: {}, bindErrors: 0, timeouts: 0, lat: [] };
    let open = 0;
    let next = 0;
    const window = Math.max(200, Math.min(4000, rate));
    const t0 = Date.now();
    const one = (i) => {
      const ip = floodAddress(i);
      const s = dgram.createSocket('udp4');
      open++;
      let done = false;
      let sentAt = 0;
      const finish = () => {
        if (done) return;
        done = true;
        open--;
        clearTimeout(timer);
        s.close();
      };
      const timer = setTimeout(() => { st.timeouts++; finish(); }, 1000);
      s.on('error', () => { st.bindErrors++; finish(); });
      s.on('message', (buf) => {
        const code = buf.toString('latin1', 8, 11);
        st.codes[code] = (st.codes[code] ?? 0) + 1;
        st.replies++;
        if ((st.replies & 15) === 0) st.lat.push(Date.now() - sentAt);
        finish();
      });
      s.bind(0, ip, () => {
        sentAt = Date.now();
        s.send(options(port, ip, s.address().port, i), port, PROXY_IP, () => { st.sent++; });
      });
    };
    const tick = setInterval(() => {
      const due = Math.min(n, Math.floor(((Date.now() - t0) / 1000) * rate));
      while (next < due && open < window) one(next++);
      onTick?.(st);
      if (next >= n && open === 0) {
        clearInterval(tick);
        st.seconds = (Date.now() - t0) / 1000;
        resolve(st);
      }
    }, 5);
  });
}

async function partFlood(o) {
  console.log(`\npart 2: spread flood, ${o.flood} source addresses (127.1.0.1 ...) x 1 OPTIONS at ${o.floodRate}/s, ` +
    (o.floodConfig === 'security' ? 'default config with its shipped limits' : 'CONTROL: auth-only config (no pike, ratelimit, scanner)'));
  const proxy = await startTsips('flood', o.floodConfig === 'security' ? (port, db) => defaultCfg(port, db, { raiseLimits: false }) : authOnlyCfg);
  const dir = fs.mkdtempSync(path.join(workDir, 'flood-'));
  try {
    const before = await (await sippRegister(dir, proxy.port, { auth: true, rate: 5, count: 5, tag: 'before' })).exited;
    const okBefore = sippStats(path.join(dir, 'before.csv')).ok;
    await delay(300);
    const m0 = memKb(proxy.pid);
    const cpu0 = cpuUs(proxy.pid);
    const seconds = Math.ceil(o.flood / o.floodRate);
    // the legitimate client during the flood: 4 registrations a second (8 messages a second,
    // under pike's 30 per 2 s and rl_check's 20 a second)
    const during = await sippRegister(dir, proxy.port, { auth: true, rate: 4, count: 4 * seconds, tag: 'during' });
    let peakRss = m0.rss;
    const st = await flood(proxy.port, o.flood, o.floodRate, () => {
      try { peakRss = Math.max(peakRss, memKb(proxy.pid).rss); } catch { /* gone */ }
    });
    const cpu1 = cpuUs(proxy.pid);
    const m1 = memKb(proxy.pid);
    await during.exited;
    const dur = sippStats(path.join(dir, 'during.csv'));
    const after = await sippRegister(dir, proxy.port, { auth: true, rate: 5, count: 5, tag: 'after' });
    await after.exited;
    const aft = sippStats(path.join(dir, 'after.csv'));
    const m2 = memKb(proxy.pid);
    const alive = proxy.rec.child.exitCode === null && proxy.rec.child.signalCode === null;
    const lat = st.lat.sort((a, b) => a - b);
    const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
    const r = {
      sources: o.flood, rate: o.floodRate, seconds: st.seconds, sent: st.sent, replies: st.replies, codes: st.codes,
      timeouts: st.timeouts, bindErrors: st.bindErrors, latencyP50Ms: q(0.5), latencyP99Ms: q(0.99),
      cpuUsPerRequest: (cpu1 - cpu0) / Math.max(1, st.sent),
      rssBeforeMb: m0.rss / 1024, rssPeakMb: Math.max(peakRss, m1.hwm) / 1024, vmHwmMb: m2.hwm / 1024, rssAfterMb: m2.rss / 1024,
      legitBefore: `${okBefore}/5`, legitDuring: `${dur.ok}/${4 * seconds} (${dur.failed} failed)`, legitAfter: `${aft.ok}/5 (${aft.failed} failed)`,
      alive, beforeExit: before.code,
    };
    // which sources pike blocked and rl_check refused (from the log: there is no MI transport yet)
    const blockedIps = [...proxy.rec.stderr.matchAll(/PIKE - BLOCKing ip (\S+)/g)].map((x) => x[1]);
    const limitedIps = [...proxy.rec.stderr.matchAll(/SECURITY: (\S+) over its rate limit/g)].map((x) => x[1]);
    r.pikeBlocks = blockedIps.length;
    r.pikeBlockedIps = [...new Set(blockedIps)];
    r.rateLimited = limitedIps.length;
    r.rateLimitedIps = [...new Set(limitedIps)];
    // a retransmitted authorized REGISTER (answer later than sipp's 500 ms timer) reuses its
    // nonce: www_authorize says stale (-3) and the config counts it as a failed authentication
    r.staleAuth = (proxy.rec.stderr.match(/failed auth \(-3\)/g) ?? []).length;
    r.legitBlocked = (proxy.rec.stderr.match(new RegExp(`still blocked after|20 failed auth from ${UAC_IP.replace(/\./g, '\\.')}`, 'g')) ?? []).length;
    console.log(`  sent ${r.sent} in ${r.seconds.toFixed(1)} s, ${r.replies} replies (${Object.entries(r.codes).map(([k, v]) => `${v}x ${k}`).join(', ')}), ` +
      `${r.timeouts} unanswered, ${r.bindErrors} bind errors; reply latency p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms`);
    console.log(`  tsips CPU ${r.cpuUsPerRequest.toFixed(0)} us per flood request; RSS before ${r.rssBeforeMb.toFixed(1)} MB, ` +
      `peak (VmHWM) ${r.vmHwmMb.toFixed(1)} MB, after ${r.rssAfterMb.toFixed(1)} MB; pike blocks logged ${r.pikeBlocks}` +
      `${r.pikeBlocks ? ` (${r.pikeBlockedIps.slice(0, 5).join(' ')})` : ''}, rate-limited ${r.rateLimited}${r.rateLimited ? ` (${r.rateLimitedIps.slice(0, 5).join(' ')})` : ''}`);
    console.log(`  legitimate REGISTER (digest) from ${UAC_IP}: before ${r.legitBefore}, during ${r.legitDuring}, after ${r.legitAfter}; ` +
      `tsips ${alive ? 'alive' : 'DIED'}`);
    console.log(`  stale-nonce authentications (retransmitted authorized REGISTERs) counted as failures: ${r.staleAuth}; ` +
      `refused by the failed-auth block: ${r.legitBlocked}`);
    await stopTsips(proxy);
    const sc = structuresCost(o.flood);
    r.structures = sc;
    if (sc.error) console.log(`  structures: could not measure: ${sc.error}`);
    else {
      console.log(`  the same ${o.flood} addresses in the modules' classes: pike tree ${sc.pikeNodes} nodes ` +
        `(${(sc.pikeBytes / sc.pikeNodes).toFixed(0)} B each, ${(sc.pikeBytes / 2 ** 20).toFixed(1)} MB; capped at ${sc.pikeMaxNodes} nodes, ` +
        'leaves forgotten after remove_latency), ratelimit ' +
        `${sc.pipes} pipes (${(sc.pipeBytes / sc.pipes).toFixed(0)} B each, name strings not counted, ${(sc.pipeBytes / 2 ** 20).toFixed(1)} MB; not capped, idle pipes go after expire_time)`);
    }
    return r;
  } finally {
    killAll();
  }
}

/**
 * The memory pike's tree and ratelimit's pipes need for the flood's addresses, measured on the
 * modules' own classes in a child node with --expose-gc (there is no MI transport yet to ask
 * the running tsips how many nodes and pipes it holds).
 */
function structuresCost(n) {
  const code = `
    const dist = ${JSON.stringify(path.join(ROOT, 'packages', 'modules', 'dist'))};
    const { IpTree, parseIpInto, DEFAULT_MAX_NODES } = require(dist + '/pike/ip-tree.js');
    const { RatelimitEngine } = require(dist + '/ratelimit/engine.js');
    const { LocalPipeStore } = require(dist + '/ratelimit/store.js');
    const addr = ${floodAddress.toString()};
    const mem = () => { global.gc(); global.gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers + m.external; };
    const names = []; for (let i = 0; i < ${n}; i++) names.push(addr(i));
    const m0 = mem();
    const tree = new IpTree({ density: 30, timeoutMs: 4000 });
    const b = new Uint8Array(16); const t = Date.now();
    for (const a of names) tree.hit(b, parseIpInto(a, b), t);
    const m1 = mem();
    const store = new LocalPipeStore(1024);
    const eng = new RatelimitEngine({ timerInterval: 1, limitPerInterval: true, expireTime: 60, defaultAlgorithm: 'TAILDROP', windowSize: 10, slotPeriod: 200 },
      { store, now: () => Date.now(), cpuLoad: { read: () => 0 }, networkLoad: { read: () => 0 }, log: () => {} });
    for (const a of names) eng.check(a, 20, 'TAILDROP');
    const m2 = mem();
    process.stdout.write(JSON.stringify({ pikeNodes: tree.count, pikeMaxNodes: DEFAULT_MAX_NODES, pikeBytes: m1 - m0, pipes: store.size, pipeBytes: m2 - m1 }));
  `;
  try {
    return JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', code], { encoding: 'utf8', timeout: 60000 }));
  } catch (e) {
    return { error: String(e.message).split('\n')[0] };
  }
}

// ------------------------------------------------------------------------------ main

function machine() {
  const cpus = os.cpus();
  let sipp = '?';
  try { sipp = (execFileSync('sipp', ['-v'], { encoding: 'utf8' }).match(/SIPp v[^\s]+?(?=\.?\s)/) ?? ['?'])[0]; } catch (e) {
    sipp = ((e.stdout ?? '').match(/SIPp v[^\s]+?(?=\.?\s)/) ?? ['?'])[0];
  }
  return { cpu: `${cpus[0]?.model ?? '?'} x ${cpus.length}`, memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`, kernel: `${os.type()} ${os.release()}`, node: process.version, sipp };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-bench-security-'));
  setWorkDir(workDir);
  const m = machine();
  console.log('bench:security — cost of the default config\'s security pipeline; spread flood against pike + ratelimit');
  console.log(`machine: ${m.cpu}, ${m.memory}, ${m.kernel}; node ${m.node}; ${m.sipp}`);
  console.log(`date ${new Date().toISOString()}; load average at start: ${loadavg()}\n`);
  createTemplateDb();
  const out = { machine: m, options: o, date: new Date().toISOString(), loadStart: loadavg() };
  if (o.only !== 'flood') out.cpu = await partCpu(o);
  if (o.only !== 'cpu') out.flood = await partFlood(o);
  out.loadEnd = loadavg();
  console.log(`\nload average at end: ${out.loadEnd}`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(out, null, 2));
}

main().then(() => process.exit(0), (e) => {
  console.error(`bench:security: ${e.stack ?? e}`);
  process.exit(1);
});
