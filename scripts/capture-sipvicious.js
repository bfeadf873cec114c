#!/usr/bin/env node
/*
 * Captures the exact requests sipvicious (svmap, svwar, svcrack) sends, for the scanner
 * module's tests. A tiny SIP responder listens on 127.0.0.1 only, answers like a registrar
 * would (200 to OPTIONS, 401 challenge to a REGISTER without credentials, 403 to a wrong
 * password, 404 to INVITEs for unknown users), and records every datagram it receives.
 *
 *   node scripts/capture-sipvicious.js [out.json]
 *
 * Default output: packages/modules/src/scanner/fixtures/sipvicious-captured.json. Needs the
 * Debian package `sipvicious` (svmap/svwar/svcrack on PATH). Loopback only: every tool is
 * pointed at 127.0.0.1.
 */
'use strict';
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const out = process.argv[2] ?? path.join(__dirname, '..', 'packages/modules/src/scanner/fixtures/sipvicious-captured.json');
const KNOWN = new Set(['100', '101', '105']);

function header(text, name, compact) {
  const re = new RegExp(`^(?:${name}${compact ? `|${compact}` : ''})\\s*:\\s*(.*)$`, 'im');
  const m = re.exec(text);
  return m ? m[1].trim() : '';
}

function reply(reqText, status, reason, extra = []) {
  const vias = reqText.split('\r\n').filter((l) => /^(via|v)\s*:/i.test(l));
  let to = header(reqText, 'To', 't');
  if (!/;\s*tag=/i.test(to)) to += ';tag=cap' + Math.floor(Math.random() * 1e9);
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...vias,
    `From: ${header(reqText, 'From', 'f')}`,
    `To: ${to}`,
    `Call-ID: ${header(reqText, 'Call-ID', 'i')}`,
    `CSeq: ${header(reqText, 'CSeq')}`,
    'Server: capture-responder',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function answer(text) {
  const [method, uri] = text.split(' ', 2);
  const toUser = /sip:([^@>;]+)@/.exec(header(text, 'To', 't'))?.[1] ?? '';
  if (method === 'OPTIONS') return reply(text, 200, 'OK');
  if (method === 'REGISTER') {
    if (!KNOWN.has(toUser)) return reply(text, 404, 'Not Found');
    if (!/^(authorization|proxy-authorization)\s*:/im.test(text)) {
      return reply(text, 401, 'Unauthorized', ['WWW-Authenticate: Digest realm="127.0.0.1", nonce="6f1c2a9e0b7d4c3a", algorithm=MD5']);
    }
    return reply(text, 403, 'Forbidden');
  }
  if (method === 'INVITE') {
    const ruser = /sip:([^@>;]+)@/.exec(uri ?? '')?.[1] ?? '';
    return KNOWN.has(ruser) ? reply(text, 486, 'Busy Here') : reply(text, 404, 'Not Found');
  }
  if (method === 'ACK') return null;
  return reply(text, 501, 'Not Implemented');
}

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => p.kill('SIGTERM'), 30000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function main() {
  const sock = dgram.createSocket('udp4');
  const captured = [];
  let tool = '';
  sock.on('message', (buf, rinfo) => {
    const text = buf.toString('utf8');
    captured.push({ tool, text });
    const r = answer(text);
    if (r !== null) sock.send(r, rinfo.port, rinfo.address);
  });
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const port = sock.address().port;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'svhome-'));
  const env = { ...process.env, HOME: home };
  const runs = [
    ['svmap', ['-x', '127.0.0.1', '-p', String(port), '127.0.0.1']],
    ['svmap', ['-x', '127.0.0.1', '-m', 'INVITE', '-p', String(port), '127.0.0.1']],
    ['svmap', ['-x', '127.0.0.1', '-m', 'REGISTER', '-p', String(port), '127.0.0.1']],
    ['svwar', ['-x', '127.0.0.1', '-e100-110', '-p', String(port), '127.0.0.1']],
    ['svwar', ['-x', '127.0.0.1', '-e100-104', '-m', 'INVITE', '-p', String(port), '127.0.0.1']],
    ['svwar', ['-x', '127.0.0.1', '-e100-104', '-m', 'OPTIONS', '-p', String(port), '127.0.0.1']],
    ['svwar', ['-x', '127.0.0.1', '-c', '-e100-103', '-p', String(port), '127.0.0.1']],
    ['svcrack', ['-x', '127.0.0.1', '-u', '100', '-r', '1000-1004', '-p', String(port), '127.0.0.1']],
  ];
  // An ordinary UA for comparison: sipp's built-in uac scenario (no User-Agent at all).
  const sippPort = String(port + 1);
  runs.push(['sipp', ['-sn', 'uac', '-m', '1', '-i', '127.0.0.1', '-p', sippPort, '-timeout', '4s', '-nostdin', `127.0.0.1:${port}`]]);
  const logs = [];
  for (const [cmd, args] of runs) {
    tool = `${cmd} ${args.join(' ').split(String(port)).join('PORT')}`;
    const r = await run(cmd, args, env);
    logs.push({ tool, code: r.code, output: r.output.slice(0, 2000) });
  }
  sock.close();
  fs.rmSync(home, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const data = {
    note: 'Requests captured from the Debian sipvicious 0.3.3 tools against a loopback responder (scripts/capture-sipvicious.js). The responder port is replaced by PORT.',
    packets: captured.map((c) => ({ tool: c.tool, text: c.text.split(`:${port + 1}`).join(':SIPPPORT').split(`:${port}`).join(':PORT') })),
  };
  fs.writeFileSync(out, JSON.stringify(data, null, 1) + '\n');
  for (const l of logs) console.log(`${l.tool}: exit ${l.code}, ${captured.filter((c) => c.tool === l.tool).length} packets`);
  console.log(`wrote ${captured.length} packets to ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
