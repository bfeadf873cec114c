#!/usr/bin/env node
// Benchmark of the @tsips/sip message parser against the npm package `sip`.
// Needs the BUILT package (packages/sip/dist): run `npm run bench:sip`, or
// `npm run build && node scripts/bench-sip.js [seconds-per-case]`.
//
// (a) minimal proxy parse: start line, top Via branch, Call-ID, CSeq, From tag.
// (b) full parse: every header value, every typed accessor, the SDP.
// `sip` has no lazy mode: its sip.parse() always parses every header, so for
// (a) it is compared with the same sip.parse() call, and for (b) with
// sip.parse() plus its SDP parser (sip/sdp) on the body.
// The two sides run in alternating 200 ms slices; rates are medians over the
// slices and the ratio is the median of the per-round ratios, so a machine
// busy with other jobs moves the ratio little. The load average is printed.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const dist = path.join(__dirname, '..', 'packages', 'sip', 'dist');
if (!fs.existsSync(path.join(dist, 'index.js'))) {
  console.error('packages/sip/dist is missing: run `npm run build` first');
  process.exit(2);
}
const tsips = require(dist);
const { parseTokenList, parseCredentials } = tsips;
const sip = require('sip');
const sipSdp = require('sip/sdp');

const seconds = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 3;

const sdp = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.101',
  's=-',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49172 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  '',
].join('\r\n');

const INVITE = Buffer.from(
  [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@192.0.2.101:5060>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
    'Supported: replaces, timer',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n'),
  'latin1',
);

// ---- the cases; each returns something derived from the parse so nothing is optimised away
// What a stateful proxy reads for every request: the start line (method and
// Request-URI text), the top Via branch (transaction key), Call-ID, CSeq
// (number and method) and the From tag. topViaBranch() and fromTag() validate
// those headers exactly as topVia() and from() would, without building the
// address and parameter objects.
function tsipsMinimal(buf) {
  const m = tsips.parseMessage(buf);
  const cseq = m.cseq();
  return m.method.length + m.ruri.length + m.topViaBranch().length + m.callId().length + cseq.seq + cseq.method.length + m.fromTag().length;
}

function tsipsFull(buf) {
  const m = tsips.parseMessage(buf);
  let n = m.method.length + m.ruri.length;
  const names = m.headerNames();
  for (let i = 0; i < names.length; i++) n += names[i].length + m.headerValue(i).length;
  n += m.vias().length + m.topVia().branch.length + m.callId().length + m.cseq().seq;
  n += m.from().tag.length + m.to().uri.length + m.contacts().contacts.length;
  n += m.maxForwards() + m.contentLength() + m.contentType().mediaType.length;
  n += (m.expires() ?? 0) + m.routes().length + m.recordRoutes().length;
  n += m.requestUri().raw.length;
  n += m.parsedHeader('Allow', parseTokenList)[0].length + m.parsedHeader('Supported', parseTokenList)[0].length;
  n += m.parsedHeader('Authorization', parseCredentials).length;
  n += m.sdp().media[0].formats.length;
  return n;
}

function sipMinimal(buf) {
  const m = sip.parse(buf);
  const cseq = m.headers.cseq;
  return m.method.length + m.uri.length + m.headers.via[0].params.branch.length + m.headers['call-id'].length + cseq.seq + cseq.method.length + m.headers.from.params.tag.length;
}

function sipFull(buf) {
  const m = sip.parse(buf);
  const s = sipSdp.parse(m.content);
  return m.method.length + Object.keys(m.headers).length + sip.parseUri(m.uri).host.length + s.m[0].fmt.length;
}

// ---- measurement
// The two sides run in alternating slices of ~200 ms, so a busy machine
// slows both alike and the ratio stays meaningful.
function slice(fn, ms) {
  let sink = 0;
  let ops = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms * 1e6);
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 1000; i++) sink += fn(INVITE);
    ops += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  return { ops, ns: Number(elapsed), sink };
}

let sinkTotal = 0; // keeps results observable so no work is optimised away
const median = (xs) => {
  const a = xs.slice().sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 === 1 ? a[m] : (a[m - 1] + a[m]) / 2;
};
/**
 * Rates are medians over the slices and the ratio is the median of the
 * per-round ratios (each round = one slice of each side, back to back):
 * a burst of load from other processes then moves neither much.
 */
function measurePair(ours, theirs) {
  slice(ours, 1000); // warm-up
  slice(theirs, 1000);
  const rates = [[], []];
  const ratios = [];
  const rounds = Math.max(1, Math.round((seconds * 1000) / 200));
  for (let r = 0; r < rounds; r++) {
    const pair = [ours, theirs].map((fn) => {
      const s = slice(fn, 200);
      sinkTotal += s.sink;
      return s.ops / (s.ns / 1e9);
    });
    rates[0].push(pair[0]);
    rates[1].push(pair[1]);
    ratios.push(pair[0] / pair[1]);
  }
  return [median(rates[0]), median(rates[1]), median(ratios)];
}

// Sanity: both sides read the same values.
if (tsipsMinimal(INVITE) !== sipMinimal(INVITE)) {
  console.error('tsips and sip disagree on the minimal fields');
  process.exit(1);
}

const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(`@tsips/sip vs npm sip ${require('sip/package.json').version}, Node ${process.version}, ${INVITE.length}-byte INVITE with SDP, ${seconds}s per side and case (alternating slices), one core`);
const [a, aSip, aRatio] = measurePair(tsipsMinimal, sipMinimal);
const [b, bSip, bRatio] = measurePair(tsipsFull, sipFull);
const rows = [
  ['(a) minimal proxy parse', a, aSip, aRatio, 1_000_000],
  ['(b) full parse + SDP', b, bSip, bRatio, 200_000],
];
console.log('');
console.log('case                       |     tsips msg/s |       sip msg/s |  ratio | goal msg/s | goal met');
console.log('---------------------------|-----------------|-----------------|--------|------------|---------');
for (const [name, ours, theirs, ratio, goal] of rows) {
  const met = ours >= goal && ratio > 1 ? 'yes' : 'NO';
  console.log(`${name.padEnd(27)}| ${fmt(ours)}    | ${fmt(theirs)}    | ${ratio.toFixed(2).padStart(5)}x | ${fmt(goal).slice(2)} | ${met}`);
}
if (sinkTotal === 0) console.log('(no work observed?)');
console.log(`\nmsg/s: median over ${Math.max(1, Math.round((seconds * 1000) / 200))} slices of 200 ms per side; ratio: median of the per-round ratios. Load average: ${require('node:os').loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('\n(sip has no lazy mode: its (a) figure is the same full sip.parse() as its (b) figure minus the SDP.)');
