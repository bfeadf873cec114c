#!/usr/bin/env node
// Memory and matching cost of the dialog module's records: creates N dialogs (default
// 100,000) in-process the way create_dialog + the 200 OK fill them (Call-ID, tags, URIs,
// both contacts, a one-hop route set each way, a profile membership with a value, a
// lifetime timer), then measures heap/RSS per dialog and the time to match a sequential
// request by did and by Call-ID + tags.
// Needs the BUILT packages: `npx tsc -b packages/cli && node --expose-gc scripts/bench-dialog.js [N]`.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const dist = path.join(__dirname, '..', 'packages', 'modules', 'dist');
if (!fs.existsSync(path.join(dist, 'dialog', 'store.js'))) {
  console.error('packages/modules/dist is missing: run `npx tsc -b packages/cli` first');
  process.exit(2);
}
const { Dialog, LocalDialogStore, callIdHash, parseDid, matchBySipIds, CALLER, CALLEE, DLG_STATE } = require(path.join(dist, 'dialog', 'store.js'));
const { ProfileTable } = require(path.join(dist, 'dialog', 'profiles.js'));
const { TimerQueue } = require(path.join(dist, 'tm', 'timer-queue.js'));

const N = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 100000;
// --no-profile: leave the profile membership out (to see what it costs).
const withProfile = !process.argv.includes('--no-profile');
const gc = typeof global.gc === 'function' ? global.gc : null;
if (gc === null) console.warn('run with --expose-gc for stable heap numbers');

function settle() {
  if (gc !== null) {
    gc();
    gc();
  }
  return process.memoryUsage();
}

const store = new LocalDialogStore();
const profiles = new ProfileTable();
profiles.declare('caller', true);
const caller = profiles.get('caller');
const timers = new TimerQueue();
const mask = 4095;
const expire = () => undefined;
const salt = Math.random().toString(36).slice(2, 8);
const ids = [];

const before = settle();
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  // Strings sliced out of a "message" so each is a fresh heap string, as after parsing.
  const callid = `${salt}${i.toString(36)}-4f2a9c@10.0.${(i >> 8) & 255}.${i & 255}`;
  const d = new Dialog(callIdHash(callid, mask), i + 1, callid, `sip:user${i}@example.com`, `sip:dest${i}@example.com`, Date.now(), 43200, expire);
  const a = d.legs[CALLER];
  const b = d.legs[CALLEE];
  a.tag = `a${salt}${i}`;
  b.tag = `b${salt}${i}`;
  a.contact = `sip:user${i}@10.0.${(i >> 8) & 255}.${i & 255}:5060`;
  b.contact = `sip:dest${i}@10.1.${(i >> 8) & 255}.${i & 255}:5060`;
  a.invCseq = 1;
  b.cseq = 1;
  a.routes = null;
  b.routes = [`<sip:10.9.0.${i & 255};lr;ftag=a${i}>`];
  a.socket = 'udp:127.0.0.1:5060';
  d.state = DLG_STATE.CONFIRMED;
  d.startTime = Math.floor(Date.now() / 1000);
  store.insert(d);
  if (withProfile) profiles.add(caller, d, `user${i}`);
  d.timer = timers.schedule(d, 0, 43200 * 1000);
  if (i % 97 === 0) ids.push([d.did, callid, a.tag, b.tag]);
}
const t1 = process.hrtime.bigint();
const after = settle();

const heapPer = (after.heapUsed - before.heapUsed) / N;
const rssPer = (after.rss - before.rss) / N;
console.log(`dialogs: ${N} (store size ${store.size}, profile size ${caller.size(null)})`);
console.log(`create: ${(Number(t1 - t0) / 1e6).toFixed(0)} ms total, ${(Number(t1 - t0) / N / 1000).toFixed(2)} us/dialog`);
console.log(`heap: ${(heapPer).toFixed(0)} bytes/dialog (${((after.heapUsed - before.heapUsed) / 1048576).toFixed(1)} MiB total)`);
console.log(`rss:  ${(rssPer).toFixed(0)} bytes/dialog (${((after.rss - before.rss) / 1048576).toFixed(1)} MiB total; process RSS ${(after.rss / 1048576).toFixed(0)} MiB)`);

const LOOKUPS = 1_000_000;
let found = 0;
let t = process.hrtime.bigint();
for (let k = 0; k < LOOKUPS; k++) {
  const [did] = ids[k % ids.length];
  const p = parseDid(did);
  if (p !== null && store.byId(p.hEntry, p.hId) !== undefined) found++;
}
let dt = Number(process.hrtime.bigint() - t) / LOOKUPS;
console.log(`match by did:           ${dt.toFixed(0)} ns/lookup (${found} found)`);
found = 0;
t = process.hrtime.bigint();
for (let k = 0; k < LOOKUPS; k++) {
  const [, callid, ftag, ttag] = ids[k % ids.length];
  if (matchBySipIds(store, callid, ftag, ttag) !== null) found++;
}
dt = Number(process.hrtime.bigint() - t) / LOOKUPS;
console.log(`match by Call-ID+tags:  ${dt.toFixed(0)} ns/lookup (${found} found)`);
const projected = (heapPer * 100000) / 1073741824;
console.log(`100k dialogs would take ${(heapPer * 100000 / 1048576).toFixed(0)} MiB of heap (${(projected * 100).toFixed(1)}% of 1 GiB)`);
timers.stop();
