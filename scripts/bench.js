#!/usr/bin/env node
// `npm run bench`: runs every benchmark script that exists, in order, each in
// its own process so one benchmark's JIT state and garbage do not skew another.
// Benchmarks print their own tables; this only sequences them.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const benches = ['bench-sip.js', 'bench-grammar.js', 'bench-script.js'];
let failed = 0;
for (const file of benches) {
  const full = path.join(__dirname, file);
  if (!fs.existsSync(full)) continue;
  console.log(`\n=== ${file} ===`);
  const r = spawnSync(process.execPath, [full, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
