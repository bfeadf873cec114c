#!/usr/bin/env node
'use strict';
/**
 * Core receive path benchmark (not a test): a UDP client sends OPTIONS to a tsips server
 * (a child process) and reports the server's CPU time per request.
 * - default: the server answers with sl_send_reply (1 datagram in, 1 out);
 * - --forward: the server forwards statelessly to a UAS in this process, which answers 200;
 *   the reply is forwarded back (2 in, 2 out per request).
 * Usage: npm run build && node scripts/bench-core.js [--forward] [requests] [window]
 */
const { fork } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

if (process.argv[2] === '--server') {
  const { SipServer } = require('../packages/core/dist');
  const { createAllModules } = require('../packages/modules/dist');
  SipServer.start(process.argv[3], { modules: createAllModules(), logWriter: () => undefined }).then((s) => {
    process.send({ port: s.sockets[0].port });
    process.on('message', (m) => {
      if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
      if (m === 'stop') s.stop().then(() => process.exit(0));
    });
  });
  return;
}

const args = process.argv.slice(2);
const forward = args[0] === '--forward';
if (forward) args.shift();
const total = Number(args[0] || 100000);
const window = Number(args[1] || 64);
const uas = dgram.createSocket('udp4');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-bench-'));
const cfg = path.join(dir, 'bench.cfg');
uas.bind(0, '127.0.0.1', () => {
fs.writeFileSync(cfg, forward ? `
log_level = 1
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "maxfwd.so"
route {
  if (!mf_process_maxfwd_header(10)) { sl_send_reply(483, "Too Many Hops"); exit; }
  forward("sip:127.0.0.1:${uas.address().port}");
}
` : `
log_level = 1
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "maxfwd.so"
loadmodule "sipmsgops.so"
route {
  if (!mf_process_maxfwd_header(10)) { sl_send_reply(483, "Too Many Hops"); exit; }
  if (is_method("OPTIONS")) { sl_send_reply(200, "OK"); exit; }
  sl_send_reply(404, "Not Found");
}
`);
// The UAS answers every request with 200, copying the Vias.
uas.on('message', (m, rinfo) => {
  const t = m.toString('latin1');
  const head = t.slice(0, t.indexOf('\r\n\r\n')).split('\r\n');
  const keep = head.filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
  uas.send(Buffer.from(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, 'latin1'), rinfo.port, rinfo.address);
});
const child = fork(__filename, ['--server', cfg]);
child.once('message', ({ port }) => {
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1', () => {
    const me = sock.address().port;
    let sent = 0;
    let got = 0;
    const msg = (i) =>
      Buffer.from(
        `OPTIONS sip:bench@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK-b${i};rport\r\nFrom: <sip:b@x>;tag=${i}\r\nTo: <sip:bench@127.0.0.1>\r\nCall-ID: bench-${i}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      );
    const send = () => {
      if (sent < total) sock.send(msg(sent++), port, '127.0.0.1');
    };
    let cpu0;
    let t0;
    child.once('message', (m) => {
      cpu0 = m.cpu;
      t0 = process.hrtime.bigint();
      for (let i = 0; i < window; i++) send();
    });
    child.send('cpu');
    sock.on('message', () => {
      got++;
      if (got === total) {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        child.once('message', (m) => {
          const us = m.cpu.user - cpu0.user + (m.cpu.system - cpu0.system);
          console.log(`${forward ? 'forwarded ' : ''}${total} OPTIONS -> 200 in ${ms.toFixed(0)} ms (${((total / ms) * 1000).toFixed(0)}/s); server CPU ${(us / total).toFixed(1)} us per request (user+system)`);
          child.send('stop');
          sock.close();
          uas.close();
        });
        child.send('cpu');
      } else send();
    });
  });
});
});
