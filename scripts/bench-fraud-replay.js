#!/usr/bin/env node
/*
 * Replay speed of the static fraud_detection check over synthetic CDR records (the goal
 * of the fraud issue: >= 1,000,000 records per minute on one core with the learned
 * detector too, so the static part must leave plenty of room).
 *
 *   npx tsc -b packages/cli            # the bench runs the built modules
 *   node scripts/bench-fraud-replay.js [--records 1000000] [--users 20000] [--runs 3]
 *
 * The records (generated in memory first, not timed) are one day of calls of --users
 * users, in time order: 70% answered (1..600 s), the others ringing 0..30 s; callees are
 * mostly national numbers, some international and a few high-risk destinations. The rules
 * are a realistic small table: a catch-all with calls-per-minute, total, concurrent,
 * sequential and duration thresholds, and tighter rules for two high-risk prefixes.
 */
'use strict';
const path = require('node:path');
const { replay, RuleSet } = require(path.join(__dirname, '../packages/modules/dist'));

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : dflt;
}
const N = arg('records', 1_000_000);
const USERS = arg('users', 20_000);
const RUNS = arg('runs', 3);

/** Deterministic PRNG (mulberry32), so every run replays the same records. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function records(n) {
  const rand = rng(42);
  const day = 86_400_000;
  const t0 = Date.UTC(2026, 0, 5);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = rand();
    const callee = p < 0.8 ? `+4420${String(Math.floor(rand() * 1e7)).padStart(7, '0')}`
      : p < 0.98 ? `+33${Math.floor(rand() * 1e9)}`
        : p < 0.99 ? `+53${Math.floor(rand() * 1e7)}` : `+371${Math.floor(rand() * 1e7)}`;
    const answered = rand() < 0.7;
    out[i] = {
      row: i + 1,
      startMs: t0 + Math.floor((i * day) / n),
      caller: `user${Math.floor(rand() * USERS)}`,
      callee,
      durationS: answered ? 1 + Math.floor(rand() * 600) : Math.floor(rand() * 30),
      sourceIp: '192.0.2.1',
      answered,
    };
  }
  return out;
}

function rules() {
  const set = new RuleSet();
  const all = { profile: 0, startMin: 0, endMin: 0, days: 0b1111111 };
  const t = (warning, critical) => ({ warning, critical });
  set.add({ ...all, id: 1, prefix: '', cpm: t(10, 20), duration: t(3600, 7200), total: t(500, 1000), concurrent: t(5, 10), sequential: t(10, 20) });
  set.add({ ...all, id: 2, prefix: '+53', cpm: t(2, 5), duration: t(300, 600), total: t(10, 20), concurrent: t(2, 3), sequential: t(3, 5) });
  set.add({ ...all, id: 3, prefix: '+371', cpm: t(2, 5), duration: t(300, 600), total: t(10, 20), concurrent: t(2, 3), sequential: t(3, 5) });
  return set;
}

const recs = records(N);
const set = rules();
console.log(`${N} records, ${USERS} users, ${set.size} rules; ${RUNS} run(s), static check only`);
let best = 0;
for (let run = 1; run <= RUNS; run++) {
  let alerts = 0;
  const r = replay(recs, { rules: set, utc: true, onAlert: () => { alerts++; } });
  const perMin = r.recordsPerSecond * 60;
  best = Math.max(best, perMin);
  console.log(`run ${run}: ${r.elapsedMs.toFixed(0)} ms, ${alerts} alerts, ${(perMin / 1e6).toFixed(2)} M records/min`);
}
console.log(`best: ${(best / 1e6).toFixed(2)} M records/min (goal with the learned detector: >= 1 M/min)`);
