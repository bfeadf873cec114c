#!/usr/bin/env node
/*
 * The learned fraud detector's costs (fraud issue goals: replay >= 1,000,000 call records
 * per minute on one core; learning bounded in memory per user; no slower call setup):
 *   1. replay of a simulated CDR file (tsips fraud simulate's generator, --users users for
 *      4 weeks) with the static rules and the learned detector, records per minute;
 *   2. the detector alone per call attempt (assess + answer + end), microseconds;
 *   3. check_fraud_learned() in a script: route run time per INVITE with and without it;
 *   4. memory of a learned profile (heap after learning --profiles users, per user).
 *
 *   npm run bench:fraud            (builds first)
 *   node --expose-gc scripts/bench-fraud.js [--users 4000] [--profiles 20000]
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const modules = require(path.join(__dirname, '../packages/modules/dist'));
const script = require(path.join(__dirname, '../packages/script/dist'));
const core = require(path.join(__dirname, '../packages/core/dist'));

const { simulate, replay, RuleSet, LearnedDetector } = modules;
const { createFraudDetection } = require(path.join(__dirname, '../packages/modules/dist/fraud_detection'));
const { createDbSqlite } = require(path.join(__dirname, '../packages/modules/dist/db_sqlite'));

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : dflt;
}
const USERS = arg('users', 4000);
const PROFILES = arg('profiles', 20000);

function staticRules() {
  const set = new RuleSet();
  const all = { profile: 0, startMin: 0, endMin: 0, days: 0b1111111 };
  const t = (warning, critical) => ({ warning, critical });
  set.add({ ...all, id: 1, prefix: '', cpm: t(10, 20), duration: t(3600, 7200), total: t(500, 1000), concurrent: t(5, 10), sequential: t(10, 20) });
  set.add({ ...all, id: 2, prefix: '+53', cpm: t(2, 5), duration: t(300, 600), total: t(10, 20), concurrent: t(2, 3), sequential: t(3, 5) });
  return set;
}

function section1and2() {
  const t0 = Date.now();
  const { records, summary } = simulate({ seed: 99, users: USERS, episodes: Math.round(USERS / 13) });
  console.log(`simulated ${summary.rows} records (${USERS} users, 4 weeks, ${summary.fraudRows} fraud rows) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const rules = staticRules();
  const learnedRun = (withRules) => replay(records, {
    rules: withRules ? rules : new RuleSet(), utc: true, onAlert: () => undefined,
    learned: new LearnedDetector({ utcOffsetMin: () => 0, maxProfiles: 1_000_000 }),
  });
  const both = [learnedRun(true), learnedRun(true)].reduce((a, b) => (a.recordsPerSecond > b.recordsPerSecond ? a : b));
  console.log(`1. replay, static rules + learned detector: ${(both.recordsPerSecond * 60 / 1e6).toFixed(2)} M records/min (best of 2; goal >= 1 M/min)`);
  const alone = learnedRun(false);
  const ev = alone.evaluation;
  console.log(`   learned detector alone: ${(alone.recordsPerSecond * 60 / 1e6).toFixed(2)} M records/min; episodes ${ev.detected}/${ev.episodes}, median ${ev.callsToDetect?.median} call(s), false alerts ${ev.falseAlertsPer1000.toFixed(3)}/1000`);
  const staticOnly = replay(records, { rules, utc: true, onAlert: () => undefined });
  console.log(`   static rules only (a catch-all rule tuned for nobody): ${(staticOnly.recordsPerSecond * 60 / 1e6).toFixed(2)} M records/min, false alerts ${staticOnly.evaluation.falseAlertsPer1000.toFixed(3)}/1000`);

  // 2. The detector alone, on the same records (ends delivered right after, order kept).
  const d = new LearnedDetector({ utcOffsetMin: () => 0, maxProfiles: 1_000_000 });
  const start = process.hrtime.bigint();
  for (const r of records) {
    const v = d.assess({ user: r.caller, number: r.callee, t: r.startMs, sourceIp: r.sourceIp });
    if (r.answered) v.call.answered(r.startMs);
    v.call.ended(r.startMs + r.durationS * 1000, r.answered);
  }
  const ns = Number(process.hrtime.bigint() - start);
  console.log(`2. learned detector per call (assess + answer + end): ${(ns / records.length / 1000).toFixed(2)} us`);
}

async function section3() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-bench-frd-'));
  const url = `sqlite://${path.join(dir, 'frd.db')}`;
  const m = new core.DbManager(dir);
  m.registerDriver(new core.SqliteDriver());
  const db = await m.open(url);
  await core.createSchema(db, core.selectTables(['fraud_detection']));
  await db.close();
  const body = (withCheck) => `
loadmodule "db_sqlite.so"
loadmodule "dialog.so"
loadmodule "fraud_detection.so"
modparam("fraud_detection", "db_url", "${url}")
modparam("fraud_detection", "utc_offset", 0)
modparam("fraud_detection", "profile_save_interval", 0)
route {
  $var(n) = $rU;
  ${withCheck ? 'check_fraud_learned($fU, $rU);' : ''}
  $var(rc) = $retcode;
}`;
  const perRun = async (withCheck) => {
    const frd = createFraudDetection({ autoTimer: false, raise: () => undefined });
    const mods = [createDbSqlite(), frd];
    const kit = script.ScriptTestKit.fromText(body(withCheck), script.createModuleRegistry([...mods, { name: 'dialog' }]));
    kit.script.applyModparams();
    const services = new script.Services();
    for (const mod of mods) await mod.init?.({ services, log: () => undefined });
    const msgs = [];
    for (let i = 0; i < 2000; i++) {
      msgs.push([`INVITE sip:+4420794${String(i % 500).padStart(5, '0')}@example.com SIP/2.0`, 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-b' + i,
        `From: <sip:user${i % 400}@example.com>;tag=b${i}`, 'To: <sip:x@example.com>', `Call-ID: bench-${i}`, 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n'));
    }
    for (const msg of msgs) await kit.run(msg); // warm-up: profiles exist, code is hot
    const start = process.hrtime.bigint();
    const rounds = 5;
    for (let k = 0; k < rounds; k++) for (const msg of msgs) await kit.run(msg);
    const us = Number(process.hrtime.bigint() - start) / 1000 / (rounds * msgs.length);
    for (const mod of [...mods].reverse()) await mod.destroy?.();
    return us;
  };
  const without = await perRun(false);
  const withCheck = await perRun(true);
  console.log(`3. route run per INVITE (script test kit, parse included): ${without.toFixed(1)} us without, ${withCheck.toFixed(1)} us with check_fraud_learned (+${(withCheck - without).toFixed(1)} us)`);
  fs.rmSync(dir, { recursive: true, force: true });
}

function section4() {
  if (typeof global.gc !== 'function') {
    console.log('4. profile memory: run with node --expose-gc to measure');
    return;
  }
  // The detector (and its caches' preallocated tables) first, so only the profiles are measured.
  const d = new LearnedDetector({ utcOffsetMin: () => 0, maxProfiles: Math.max(100_000, PROFILES) });
  d.assess({ user: 'warm-up', number: '+442079460000', t: Date.UTC(2026, 8, 1), sourceIp: '' }).call.ended(Date.UTC(2026, 8, 1), false);
  global.gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = Date.UTC(2026, 8, 7, 8);
  // Each user: 60 calls over 3 weeks to 12 numbers in 6 zones, from 2 addresses.
  const zones = ['+4420794', '+4474001', '+3361234', '+4930123', '+1212555', '+3491234'];
  for (let u = 0; u < PROFILES; u++) {
    for (let k = 0; k < 60; k++) {
      const number = `${zones[k % 6]}${String((u + k) % 2 === 0 ? 1000 + (k % 12) : 2000 + (k % 12)).padStart(4, '0')}`;
      const t = t0 + k * 8 * 3_600_000 + u;
      const v = d.assess({ user: `u${u}`, number, t, sourceIp: `10.0.${u % 250}.${k % 2}` });
      v.call.answered(t);
      v.call.ended(t + 120_000, true);
    }
  }
  d.drainDirty();
  global.gc();
  const after = process.memoryUsage().heapUsed;
  console.log(`4. learned profiles: ${((after - before) / PROFILES).toFixed(0)} bytes per user in memory (${PROFILES} users, 60 calls each); JSON row ${JSON.stringify(d.profile('u1')).length} bytes`);
}

(async () => {
  section1and2();
  await section3();
  section4();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
