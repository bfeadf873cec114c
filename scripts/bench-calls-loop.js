#!/usr/bin/env node
/*
 * Closed-loop call bench (not a test): CPU per call of tsips independent of an offered rate.
 *
 *   UAC (127.0.0.3, in this process) -> tsips (child, test/e2e/configs/bench-proxy.cfg)
 *   -> UAS (127.0.0.2, in this process); INVITE/100/180/200/ACK/BYE/200, record-routed.
 *
 * Keeps WINDOW calls in flight (a new call starts when one ends), so nothing is lost to an
 * overload and no retransmission is counted; after 2,000 warm-up calls it reports the
 * child's CPU (utime+stime, and utime alone) per call over CALLS calls, and its peak RSS.
 * Use it to compare two builds (ROOT=/other/checkout); bench-calls.js with sipp remains the
 * comparison with Kamailio at a fixed rate.
 *
 * Usage: npm run build && node scripts/bench-calls-loop.js [CALLS=10000] [WINDOW=40]
 * Env: ROOT (checkout to run, default this one), NODE_ARGS (options for tsips' node, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof"; tsips is then stopped with SIGTERM so the profile
 * is written), SHOWERR=1 (print tsips' stderr lines containing ELMON, from a --require probe).
 */
'use strict';
const { spawn } = require('child_process'); const dgram = require('dgram'); const fs = require('fs'); const path = require('path'); const os = require('os');
const ROOT = process.env.ROOT || path.resolve(__dirname, '..');
const CALLS = +process.argv[2] || 10000, W = +process.argv[3] || 40, WARM = 2000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-bench-loop-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const uas = dgram.createSocket('udp4'), uac = dgram.createSocket('udp4');
const stat = (pid) => { const r = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = r.slice(r.lastIndexOf(')') + 2).split(' '); return (+f[11] + +f[12]) * 10000; };
const ustat = (pid) => { const r = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = r.slice(r.lastIndexOf(')') + 2).split(' '); return +f[11] * 10000; };
let u0 = 0;
const hdr = (s, name) => { const m = new RegExp(`^${name}:[^\r\n]*`, 'gmi'); return s.match(m) || []; };
uas.bind(0, '127.0.0.2', () => uac.bind(0, '127.0.0.3', () => {
  const uasPort = uas.address().port, uacPort = uac.address().port;
  const net = require('net'); const srv = net.createServer(); srv.listen(0, '127.0.0.1', () => { const port = srv.address().port; srv.close(() => go(uasPort, uacPort, port)); });
}));
function go(uasPort, uacPort, port) {
  const cfg = path.join(dir, 'b.cfg');
  fs.writeFileSync(cfg, fs.readFileSync(path.join(ROOT, 'test/e2e/configs/bench-proxy.cfg'), 'utf8').replace(/__PORT__/g, port).replace(/__UAS_DST__/g, `sip:127.0.0.2:${uasPort}`));
  const args = (process.env.NODE_ARGS || '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...args, path.join(ROOT, 'packages/cli/bin/tsips.js'), '-f', cfg], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = ''; child.stderr.on('data', (d) => { err += d; if (/listening on/.test(err) && !started) { started = true; setTimeout(start, 300); } });
  let started = false;
  const sdp = 'v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.3\r\ns=-\r\nc=IN IP4 127.0.0.3\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
  const calls = new Map(); let seq = 0, done = 0, lost = 0, cpu0 = 0, t0 = 0;
  const send = (sock, s, p) => sock.send(Buffer.from(s), p, '127.0.0.1');
  function newCall() {
    const n = ++seq; const cid = `${n}-cb@127.0.0.3`;
    const c = { n, cid, t: Date.now() }; calls.set(cid, c);
    send(uac, `INVITE sip:bench@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.3:${uacPort};branch=z9hG4bK-cb-${n}-1\r\nFrom: sipp <sip:sipp@127.0.0.3:${uacPort}>;tag=${n}cbTag00\r\nTo: bench <sip:bench@127.0.0.1:${port}>\r\nCall-ID: ${cid}\r\nCSeq: 1 INVITE\r\nContact: sip:sipp@127.0.0.3:${uacPort}\r\nMax-Forwards: 70\r\nUser-Agent: sipp-perf-uac\r\nSubject: Performance Test\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`, port);
  }
  uas.on('message', (b, ri) => {
    const s = b.toString('latin1'); const line = s.slice(0, s.indexOf('\r\n'));
    const vias = hdr(s, 'Via').join('\r\n'), from = hdr(s, 'From')[0], to = hdr(s, 'To')[0], cid = hdr(s, 'Call-ID')[0], cseq = hdr(s, 'CSeq')[0];
    if (line.startsWith('INVITE')) {
      const rr = hdr(s, 'Record-Route').join('\r\n'); const n = cid.split(' ')[1].split('-')[0];
      const base = `${vias}\r\n${rr}\r\n${from}\r\n${to};tag=${n}uasTag\r\n${cid}\r\n${cseq}\r\nContact: <sip:127.0.0.2:${uasPort};transport=UDP>\r\n`;
      uas.send(Buffer.from(`SIP/2.0 180 Ringing\r\n${base}Content-Length: 0\r\n\r\n`), ri.port, ri.address);
      uas.send(Buffer.from(`SIP/2.0 200 OK\r\n${base}Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`), ri.port, ri.address);
    } else if (line.startsWith('BYE')) {
      uas.send(Buffer.from(`SIP/2.0 200 OK\r\n${vias}\r\n${from}\r\n${to}\r\n${cid}\r\n${cseq}\r\nContact: <sip:127.0.0.2:${uasPort};transport=UDP>\r\nContent-Length: 0\r\n\r\n`), ri.port, ri.address);
    }
  });
  uac.on('message', (b) => {
    const s = b.toString('latin1'); const st = +s.slice(8, 11);
    const cid = hdr(s, 'Call-ID')[0].slice(9).trim(); const c = calls.get(cid); if (!c) return;
    const meth = hdr(s, 'CSeq')[0].split(' ').pop().trim();
    if (meth === 'INVITE' && st === 200 && !c.acked) {
      c.acked = true;
      const rr = hdr(s, 'Record-Route').map((l) => l.slice(l.indexOf(':') + 1).trim()).reverse();
      const routes = rr.map((r) => `Route: ${r}\r\n`).join('');
      const contact = /<([^>]+)>/.exec(hdr(s, 'Contact')[0])[1]; const to = hdr(s, 'To')[0];
      const common = (m, br, cs) => `${m} ${contact} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.3:${uacPort};branch=z9hG4bK-cb-${c.n}-${br}\r\n${routes}From: sipp <sip:sipp@127.0.0.3:${uacPort}>;tag=${c.n}cbTag00\r\n${to}\r\nCall-ID: ${cid}\r\nCSeq: ${cs} ${m}\r\nContact: sip:sipp@127.0.0.3:${uacPort}\r\nMax-Forwards: 70\r\nUser-Agent: sipp-perf-uac\r\nContent-Length: 0\r\n\r\n`;
      send(uac, common('ACK', 1, 1), port); send(uac, common('BYE', 2, 2), port);
    } else if (meth === 'BYE' && st === 200) {
      calls.delete(cid); finish();
    }
  });
  function finish() {
    done++;
    if (done === WARM) { cpu0 = stat(child.pid); u0 = ustat(child.pid); t0 = Date.now(); }
    if (done === WARM + CALLS) {
      const cpu = stat(child.pid) - cpu0; const wall = (Date.now() - t0) / 1000;
      const rss = (fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/) || [])[1];
      if (process.env.SHOWERR) console.log(err.split('\n').filter((l) => l.includes('ELMON')).join('\n')); console.log(`calls ${CALLS} window ${W}: ${(cpu / CALLS).toFixed(0)} us/call (user ${((ustat(child.pid) - u0) / CALLS).toFixed(0)}), ${(CALLS / wall).toFixed(0)} calls/s, lost ${lost}, peak RSS ${(rss / 1024).toFixed(0)} MB, load ${os.loadavg()[0].toFixed(2)}`);
      if (process.env.NODE_ARGS) { child.kill('SIGTERM'); child.on('exit', () => process.exit(0)); setTimeout(() => process.exit(0), 20000); } else { child.kill('SIGKILL'); process.exit(0); }
    }
    if (seq < WARM + CALLS + W * 4) newCall();
  }
  function start() { for (let i = 0; i < W; i++) newCall(); setInterval(() => { const now = Date.now(); for (const [k, c] of calls) if (now - c.t > 3000) { calls.delete(k); lost++; finish(); } }, 500); }
  setTimeout(() => { console.log('timeout', done, err.slice(-500)); child.kill('SIGKILL'); process.exit(1); }, 40000);
}
