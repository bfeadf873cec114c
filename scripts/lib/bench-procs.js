// Process and port helpers shared by the end-to-end benchmarks (bench-calls.js,
// bench-security.js): every child they start is tracked and killed on exit, the work
// folder is removed unless TSIPS_BENCH_KEEP is set, and ports are picked free for both
// UDP and TCP on the address asked for (loopback only).
'use strict';
const { spawn } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const net = require('node:net');

const children = new Set();
let workDir = null;

/** The folder children run in (and that is removed at exit). */
function setWorkDir(dir) {
  workDir = dir;
}

function start(name, cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: opts.cwd ?? workDir, stdio: ['ignore', opts.stdout ?? 'ignore', 'pipe'] });
  const rec = { name, child, stderr: '', exited: null };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { if (rec.stderr.length < 1 << 20) rec.stderr += d; });
  rec.exited = new Promise((resolve) => {
    child.once('close', (code, signal) => { children.delete(rec); resolve({ code, signal }); });
    child.once('error', (e) => { rec.stderr += `spawn failed: ${e.message}\n`; children.delete(rec); resolve({ code: null, signal: null }); });
  });
  children.add(rec);
  return rec;
}

function killAll() {
  for (const rec of children) {
    try { process.kill(rec.child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

process.on('exit', () => {
  killAll();
  if (workDir && !process.env.TSIPS_BENCH_KEEP) fs.rmSync(workDir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

async function udpBound(address, port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => { s.close(); resolve(true); });
    s.bind({ address, port, exclusive: true }, () => s.close(() => resolve(false)));
  });
}

const handedOut = new Set();
async function freePort(address) {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen({ host: address, port: 0 }, () => { const p = srv.address().port; srv.close(() => resolve(p)); });
    });
    if (!handedOut.has(port) && !(await udpBound(address, port))) { handedOut.add(port); return port; }
  }
}

async function waitUntil(what, ms, check) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await delay(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function stopProc(rec) {
  if (rec.child.exitCode !== null || rec.child.signalCode !== null) return rec.exited;
  rec.child.kill('SIGTERM');
  const r = await Promise.race([rec.exited, delay(10000).then(() => null)]);
  if (r) return r;
  rec.child.kill('SIGKILL');
  return rec.exited;
}

function lastStatsRow(file) {
  if (!fs.existsSync(file)) return {};
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  if (lines.length < 2) return {};
  const head = lines[0].split(';');
  const row = lines[lines.length - 1].split(';');
  return Object.fromEntries(head.map((h, i) => [h, row[i]]));
}

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function posInt(name, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected a positive integer, got ${v}`);
  return n;
}

module.exports = { start, killAll, delay, udpBound, freePort, waitUntil, stopProc, lastStatsRow, median, posInt, setWorkDir };
