#!/usr/bin/env node
/*
 * The learned detector's figures over many simulated months: what `tsips fraud simulate`
 * + `tsips fraud replay` print for one seed, summed over --seeds (the same replay and
 * evaluation code as the CLI). Seeds 1-4, 11-20, 101-120 and 201-220 were used while tuning; the
 * figures in docs/modules/fraud_detection.md are from seeds the detector was not tuned on.
 *
 *   node scripts/eval-fraud.js [--seeds 301-320] [--users 400] [--warmup 7] [--no-risk-table]
 */
'use strict';
const path = require('node:path');
const { simulate, replay, RuleSet, LearnedDetector } = require(path.join(__dirname, '../packages/modules/dist'));

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const range = opt('seeds', '301-320');
const [lo, hi] = range.includes('-') ? range.split('-').map(Number) : [Number(range), Number(range)];
const users = Number(opt('users', 400));
const warmup = Number(opt('warmup', 7));
const noRisk = argv.includes('--no-risk-table');

const calls = [];
const seconds = [];
const missedByKind = {};
const totalByKind = {};
let episodes = 0;
let detected = 0;
let legit = 0;
let falseAlerts = 0;
let records = 0;
let elapsed = 0;
for (let seed = lo; seed <= hi; seed++) {
  const sim = simulate({ seed, users, episodes: Math.round((30 * users) / 400), warmupDays: warmup });
  const learned = new LearnedDetector({ utcOffsetMin: () => 0, maxProfiles: 1_000_000, ...(noRisk ? { riskRanges: [] } : {}) });
  const r = replay(sim.records, { rules: new RuleSet(), utc: true, learned, onAlert: () => undefined });
  const ev = r.evaluation;
  records += r.records;
  elapsed += r.elapsedMs;
  episodes += ev.episodes;
  detected += ev.detected;
  legit += ev.legitRows;
  falseAlerts += ev.falseAlerts;
  for (const e of sim.episodes) totalByKind[e.kind] = (totalByKind[e.kind] ?? 0) + 1;
  for (const id of ev.undetected) {
    const kind = id.replace(/^e\d+-/, '');
    missedByKind[kind] = (missedByKind[kind] ?? 0) + 1;
  }
  for (const d of ev.detections) {
    calls.push(d.calls);
    seconds.push(d.seconds);
  }
  console.log(`seed ${seed}: ${ev.detected}/${ev.episodes} episodes, median ${ev.callsToDetect?.median} call(s), false alerts ${ev.falseAlertsPer1000.toFixed(3)}/1000`);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\nseeds ${lo}-${hi}, ${users} users, warm-up ${warmup} days${noRisk ? ', EMPTY high-risk table' : ''}:`);
console.log(`episodes detected: ${detected}/${episodes} (${((100 * detected) / episodes).toFixed(1)}%); missed by kind: ${Object.entries(missedByKind).map(([k, n]) => `${k} ${n}/${totalByKind[k]}`).join(', ') || 'none'}`);
if (calls.length > 0) console.log(`time to first alert: median ${median(calls)} call(s) / ${median(seconds)} s, worst ${Math.max(...calls)} call(s) / ${Math.max(...seconds)} s`);
console.log(`false alerts: ${falseAlerts} on ${legit} legitimate calls = ${((1000 * falseAlerts) / legit).toFixed(3)} per 1,000`);
console.log(`replay: ${records} records in ${(elapsed / 1000).toFixed(1)} s = ${((records / elapsed) * 60_000 / 1e6).toFixed(2)} M records/min`);
