#!/usr/bin/env node
/*
 * How many brute-force attempts get through before the attacker is blocked: log-scanning
 * fail2ban versus the scanner module's in-process blocking.
 *
 *   npx tsc -b packages/cli            # the bench runs the built tsips
 *   node scripts/bench-fail2ban.js [--rates 20,100,500] [--duration 10] [--maxretry 20]
 *                                  [--findtime 600] [--modes pyinotify,polling,inprocess]
 *
 * Each run starts tsips (packages/cli/bin/tsips.js) on 127.0.0.1 with a script that answers
 * every REGISTER carrying credentials with 403 (every password is wrong), and an attacker
 * on 127.0.0.2 that sends svcrack-shaped REGISTERs (user 100, one password per request) at
 * a fixed rate for at most --duration seconds.
 *
 * - fail2ban modes: the script logs each failure (xlog, Asterisk-like wording) to a log
 *   file; fail2ban-server runs in the foreground with a private configuration (socket, pid
 *   and database in a temporary directory), one jail on that file with maxretry/findtime,
 *   and a ban action that only records the ban time in a file instead of calling iptables.
 *   Requests "through" = 403 replies the attacker received before the recorded ban time
 *   (after it, a real firewall would have dropped them). The jail backend is pyinotify
 *   (what Debian's `auto` picks when python3-pyinotify is installed) or polling.
 * - inprocess: the script calls scanner_is_blocked() / scanner_report("auth_failure")
 *   with auth_failures_threshold = maxretry; requests through = replies received at all.
 *
 * Loopback only. Prints a table (and --json FILE writes the raw numbers).
 */
'use strict';
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const TSIPS = path.join(ROOT, 'packages/cli/bin/tsips.js');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}
const RATES = arg('rates', '20,100,500').split(',').map(Number);
const DURATION = Number(arg('duration', '10'));
const MAXRETRY = Number(arg('maxretry', '20'));
const FINDTIME = Number(arg('findtime', '600'));
const MODES = arg('modes', 'pyinotify,polling,inprocess').split(',');
const JSON_OUT = arg('json', null);
const ATTACKER_IP = '127.0.0.2';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function tsipsScript(port, mode) {
  const head = `socket = udp:127.0.0.1:${port}
log_level = 2
loadmodule "proto_udp.so"
loadmodule "sl.so"
`;
  if (mode === 'inprocess') {
    return `${head}loadmodule "scanner.so"
modparam("scanner", "auth_failures_threshold", ${MAXRETRY})
modparam("scanner", "distinct_users_threshold", 0)
modparam("scanner", "window", ${FINDTIME})
modparam("scanner", "block_time", 600)
route {
  if (scanner_is_blocked()) { drop; }
  if ($hdr(Authorization) == NULL) { sl_send_reply(401, "Unauthorized"); exit; }
  scanner_report("auth_failure", "$au");
  sl_send_reply(403, "Forbidden");
}
`;
  }
  return `${head}route {
  if ($hdr(Authorization) == NULL) { sl_send_reply(401, "Unauthorized"); exit; }
  xlog("L_NOTICE", "Registration from '$fu' failed for '$si:$sp' - Wrong password\\n");
  sl_send_reply(403, "Forbidden");
}
`;
}

/** A private fail2ban configuration: the stock common filter definitions plus our jail. */
function fail2banConf(dir, logFile, banFile, backend) {
  const conf = path.join(dir, 'f2b');
  fs.mkdirSync(path.join(conf, 'filter.d'), { recursive: true });
  fs.mkdirSync(path.join(conf, 'action.d'), { recursive: true });
  fs.copyFileSync('/etc/fail2ban/filter.d/common.conf', path.join(conf, 'filter.d/common.conf'));
  fs.writeFileSync(path.join(conf, 'fail2ban.conf'), `[Definition]
loglevel = INFO
logtarget = ${path.join(dir, 'fail2ban.log')}
socket = ${path.join(dir, 'f2b.sock')}
pidfile = ${path.join(dir, 'f2b.pid')}
dbfile = :memory:
`);
  // tsips log lines: "2026-12-02T06:20:16.565Z [27923] NOTICE:Registration from ..."
  fs.writeFileSync(path.join(conf, 'filter.d/tsips.conf'), `[INCLUDES]
before = common.conf
[Definition]
failregex = ^\\s*\\[\\d+\\] NOTICE:Registration from '[^']*' failed for '<HOST>(?::\\d+)?' - Wrong password$
ignoreregex =
`);
  fs.writeFileSync(path.join(conf, 'action.d/record.conf'), `[Definition]
actionstart = touch <file>
actionstop =
actioncheck =
actionban = printf '%%s %%s\\n' "<ip>" "$(date +%%s.%%N)" >> <file>
actionunban =
[Init]
file = ${banFile}
`);
  fs.writeFileSync(path.join(conf, 'jail.conf'), `[DEFAULT]
ignoreself = false
ignoreip =
bantime = 600
[tsips]
enabled = true
filter = tsips
backend = ${backend}
logpath = ${logFile}
maxretry = ${MAXRETRY}
findtime = ${FINDTIME}
action = record
`);
  return conf;
}

function svcrackRegister(port, i) {
  const pass = String(1000 + i);
  const tag = Buffer.from(`100:${pass}\x01${Math.floor(Math.random() * 2 ** 32)}`).toString('hex');
  const cid = String(Math.floor(Math.random() * 2 ** 32));
  const branch = String(Math.floor(Math.random() * 2 ** 32));
  return `REGISTER sip:127.0.0.1 SIP/2.0\r
Via: SIP/2.0/UDP ${ATTACKER_IP}:${port};branch=z9hG4bK-${branch};rport\r
Max-Forwards: 70\r
To: "100" <sip:100@127.0.0.1>\r
From: "100" <sip:100@127.0.0.1>;tag=${tag}\r
User-Agent: friendly-scanner\r
Call-ID: ${cid}\r
Contact: sip:123@1.1.1.1\r
CSeq: 2 REGISTER\r
Accept: application/sdp\r
Content-Length: 0\r
Authorization: Digest username="100",realm="127.0.0.1",nonce="6f1c2a9e0b7d4c3a",uri="sip:127.0.0.1",algorithm=MD5,response="${'0'.repeat(32)}"\r
\r
`;
}

async function waitFor(pred, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startTsips(dir, mode) {
  const port = await freePort();
  const cfg = path.join(dir, 'tsips.cfg');
  fs.writeFileSync(cfg, tsipsScript(port, mode));
  const logFile = path.join(dir, 'sip.log');
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [TSIPS, '-f', cfg], { stdio: ['ignore', 'ignore', fd] });
  fs.closeSync(fd);
  await waitFor(() => fs.readFileSync(logFile, 'utf8').includes('tsips: listening'), 15000, 'tsips to listen');
  return { child, port, logFile };
}

async function startFail2ban(dir, logFile, backend) {
  const banFile = path.join(dir, 'bans.txt');
  const conf = fail2banConf(dir, logFile, banFile, backend);
  const child = spawn('fail2ban-server', ['-f', '-x', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const f2bLog = path.join(dir, 'fail2ban.log');
  await waitFor(() => fs.existsSync(banFile) && fs.existsSync(f2bLog) && fs.readFileSync(f2bLog, 'utf8').includes("Jail 'tsips' started"), 20000, `fail2ban to start (${out.trim()})`);
  const used = /Jail 'tsips' uses (\S+)/.exec(fs.readFileSync(f2bLog, 'utf8'));
  return { child, banFile, backendUsed: used ? used[1] : backend, f2bLog };
}

function readBan(banFile) {
  if (!fs.existsSync(banFile)) return null;
  const line = fs.readFileSync(banFile, 'utf8').split('\n').find((l) => l.startsWith(`${ATTACKER_IP} `));
  return line ? Number(line.split(' ')[1]) * 1000 : null;
}

/** Sends at `rate` req/s until `stop()` says so or the duration ends; returns send and reply times. */
async function attack(port, rate, stop) {
  const sock = dgram.createSocket('udp4');
  const replies = [];
  sock.on('message', (buf) => {
    if (buf.toString('latin1', 0, 12) === 'SIP/2.0 403 ') replies.push(Date.now());
  });
  await new Promise((r) => sock.bind(0, ATTACKER_IP, r));
  const lport = sock.address().port;
  const start = Date.now();
  let sent = 0;
  while (Date.now() - start < DURATION * 1000 && !stop(replies)) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate) + 1;
    while (sent < due) {
      sock.send(svcrackRegister(lport, sent), port, '127.0.0.1');
      sent++;
    }
    await sleep(Math.max(1, Math.min(10, 1000 / rate)));
  }
  await sleep(300); // late replies
  sock.close();
  return { start, sent, replies, elapsed: (Date.now() - start) / 1000 };
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

async function runOne(mode, rate) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `f2bbench-${mode}-${rate}-`));
  const ts = await startTsips(dir, mode === 'inprocess' ? 'inprocess' : 'log');
  let f2b = null;
  try {
    if (mode !== 'inprocess') f2b = await startFail2ban(dir, ts.logFile, mode);
    let banAt = null;
    const stop = (replies) => {
      if (f2b !== null) {
        if (banAt === null) banAt = readBan(f2b.banFile);
        return banAt !== null && Date.now() - banAt > 1000;
      }
      // In-process: stop once the replies have stopped for a second after the threshold.
      const last = replies[replies.length - 1];
      return replies.length > MAXRETRY && last !== undefined && Date.now() - last > 1000;
    };
    const r = await attack(ts.port, rate, stop);
    if (f2b !== null) {
      await sleep(200);
      banAt = readBan(f2b.banFile);
    }
    // In-process the block is the 21st failure (threshold + 1): the time of its reply.
    if (f2b === null && r.replies.length > MAXRETRY) banAt = r.replies[MAXRETRY];
    const through = f2b === null || banAt === null ? r.replies.length : r.replies.filter((t) => t < banAt).length;
    const lastBeforeThreshold = r.replies[MAXRETRY - 1];
    return {
      mode: f2b === null ? 'in-process (scanner)' : `fail2ban (${f2b.backendUsed})`,
      rate,
      sent: r.sent,
      replies: r.replies.length,
      through,
      banned: f2b === null ? r.replies.length === MAXRETRY + 1 && r.sent > MAXRETRY + 1 : banAt !== null,
      banDelayMs: banAt !== null && lastBeforeThreshold !== undefined ? Math.round(banAt - lastBeforeThreshold) : null,
      timeToBlockMs: banAt !== null ? Math.round(banAt - r.start) : null,
    };
  } finally {
    if (f2b !== null) await stopChild(f2b.child);
    await stopChild(ts.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'packages/cli/dist'))) {
    console.error('build first: npx tsc -b packages/cli');
    process.exit(2);
  }
  const haveF2b = spawnSync('fail2ban-server', ['-V']).status === 0;
  const results = [];
  for (const rate of RATES) {
    for (const mode of MODES) {
      if (mode !== 'inprocess' && !haveF2b) {
        console.error(`skipping ${mode}: fail2ban-server is not installed (apt-get install fail2ban)`);
        continue;
      }
      const r = await runOne(mode, rate);
      results.push(r);
      console.error(`done: ${r.mode} at ${rate}/s: ${r.through} through`);
    }
  }
  const rows = [['attacker rate', 'blocker', 'sent', '403s received', 'through before block', 'block after 20th failure (ms)', 'time to block (ms)']];
  for (const r of results) {
    rows.push([`${r.rate}/s`, r.mode, String(r.sent), String(r.replies), r.banned ? String(r.through) : `${r.through} (never blocked)`, r.banDelayMs === null ? '-' : String(r.banDelayMs), r.timeToBlockMs === null ? '-' : String(r.timeToBlockMs)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(rows[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log(`\nmaxretry=${MAXRETRY} findtime=${FINDTIME}s duration<=${DURATION}s, fail2ban ${haveF2b ? spawnSync('fail2ban-server', ['-V']).stdout.toString().trim() : 'absent'}, node ${process.version}`);
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
