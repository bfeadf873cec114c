#!/usr/bin/env node
/**
 * Long fuzzing run of the SIP message layer (the jest suite runs ~65,000
 * cases; this runs as many as asked, by default 1,000,000). Needs the built
 * package: `npm run build` (or `npm run fuzz:sip`, which builds first).
 *
 *   node scripts/fuzz-sip.js [--cases N] [--seed S] [--batch B] [--limit-ms L]
 *   node scripts/fuzz-sip.js --replay SEED:PATH      # re-run one failure
 *   positional form: node scripts/fuzz-sip.js N S
 *
 * Each batch of B cases is one fast-check run with seed S+i, so a failure is
 * reported as "SEED:PATH", which --replay re-runs (and shrinks) exactly.
 * The failing input is also written to the temp directory.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'packages', 'sip', 'dist', 'conformance');
let harness;
let corpusMod;
let fc;
try {
  harness = require(path.join(dist, 'fuzz-harness.js'));
  corpusMod = require(path.join(dist, 'corpus.js'));
  fc = require('fast-check');
} catch (e) {
  console.error(`fuzz-sip: cannot load the built package (${e.message}); run "npm run build" first`);
  process.exit(2);
}

/** A full garbage collection, so heap figures show what is retained rather than what awaits collection. */
const collectGarbage = (() => {
  require('node:v8').setFlagsFromString('--expose-gc');
  return require('node:vm').runInNewContext('gc');
})();

function usage(msg) {
  if (msg) console.error(`fuzz-sip: ${msg}`);
  console.error('usage: node scripts/fuzz-sip.js [--cases N] [--seed S] [--batch B] [--limit-ms L] [--replay SEED:PATH]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { cases: 1000000, seed: Date.now() % 2147483647, batch: 20000, limitMs: 50, replay: null };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const num = (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) usage(`not a non-negative integer: ${v}`);
      return n;
    };
    if (a === '--cases' || a === '-n') o.cases = num(next());
    else if (a === '--seed' || a === '-s') o.seed = num(next());
    else if (a === '--batch') o.batch = Math.max(1, num(next()));
    else if (a === '--limit-ms') o.limitMs = Math.max(1, num(next()));
    else if (a === '--replay') o.replay = next();
    else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else positional.push(num(a));
  }
  if (positional.length > 0) o.cases = positional[0];
  if (positional.length > 1) o.seed = positional[1];
  if (positional.length > 2) usage('too many arguments');
  return o;
}

function describeInput(c, corpus) {
  const data = harness.buildInput(c, corpus);
  const file = path.join(os.tmpdir(), `tsips-fuzz-${process.pid}-${Date.now()}.bin`);
  fs.writeFileSync(file, data);
  const preview = data.subarray(0, 600).toString('latin1').replace(/[^\x20-\x7e\r\n]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return { file, preview, length: data.length, seedMessage: corpus[c.seed % corpus.length].name };
}

function report(kind, details, corpus, limitMs) {
  console.error(`\nFAILURE (${kind})`);
  const extra = `${kind === 'parsers' ? ' --parsers' : ''}${limitMs !== 50 ? ` --limit-ms ${limitMs}` : ''}`;
  console.error(`  reproduce: node scripts/fuzz-sip.js --replay ${details.seed}:${details.counterexamplePath}${extra}`);
  console.error(`  error: ${details.errorInstance && details.errorInstance.stack ? details.errorInstance.stack : details.error}`);
  if (kind === 'messages' && details.counterexample) {
    const c = details.counterexample[0];
    const d = describeInput(c, corpus);
    console.error(`  corpus message: ${d.seedMessage}; mutations: ${JSON.stringify(c.mutations).slice(0, 800)}`);
    console.error(`  input (${d.length} bytes) written to ${d.file}; first bytes:\n${d.preview}`);
  } else if (details.counterexample) {
    console.error(`  counterexample: ${JSON.stringify(details.counterexample).slice(0, 800)}`);
  }
}

function main() {
  const argv = process.argv.slice(2);
  const parsersOnly = argv.includes('--parsers');
  const opts = parseArgs(argv.filter((a) => a !== '--parsers'));
  const corpus = corpusMod.loadCorpus();
  const stats = harness.newStats();

  if (opts.replay !== null) {
    const m = /^(\d+):([\d:]+)$/.exec(opts.replay);
    if (!m) usage('--replay expects SEED:PATH as printed by a failure');
    const prop = parsersOnly ? harness.parserProperty(opts.limitMs, stats) : harness.messageProperty(corpus, opts.limitMs, stats);
    const details = fc.check(prop, { seed: Number(m[1]), path: m[2], numRuns: 1 });
    if (details.failed) {
      report(parsersOnly ? 'parsers' : 'messages', details, corpus, opts.limitMs);
      process.exit(1);
    }
    console.log(`replay ${opts.replay}: passes now`);
    return;
  }

  console.log(`fuzz-sip: ${opts.cases} mutated messages + ${Math.ceil(opts.cases / 4)} parser cases, seed ${opts.seed}, batches of ${opts.batch}, per-case limit ${opts.limitMs} ms, corpus ${corpus.length} messages`);
  const t0 = process.hrtime.bigint();
  collectGarbage();
  const heap0 = process.memoryUsage().heapUsed;
  let done = 0;
  let batchNo = 0;
  while (done < opts.cases) {
    const n = Math.min(opts.batch, opts.cases - done);
    const seed = (opts.seed + batchNo) % 2147483647;
    const details = fc.check(harness.messageProperty(corpus, opts.limitMs, stats), { seed, numRuns: n });
    if (details.failed) {
      report('messages', details, corpus, opts.limitMs);
      process.exit(1);
    }
    done += n;
    batchNo++;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    collectGarbage();
    const heapMb = (process.memoryUsage().heapUsed / 1048576).toFixed(0);
    console.log(
      `  ${done.toLocaleString('en-US')} cases, ${(done / secs).toFixed(0)} cases/s, ${((100 * stats.accepted) / stats.cases).toFixed(1)}% parsed, ${stats.slowReruns} slow re-runs, heap ${heapMb} MB`,
    );
  }
  const pStats = harness.newStats();
  const parserCases = Math.ceil(opts.cases / 4);
  const pd = fc.check(harness.parserProperty(opts.limitMs, pStats), { seed: opts.seed, numRuns: parserCases });
  if (pd.failed) {
    report('parsers', pd, corpus, opts.limitMs);
    process.exit(1);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  collectGarbage();
  const heapEnd = process.memoryUsage().heapUsed / 1048576;
  console.log(
    `fuzz-sip: OK: ${done.toLocaleString('en-US')} message cases (${stats.requests} requests, ${stats.accepted} parsed) and ${parserCases.toLocaleString('en-US')} parser cases in ${secs.toFixed(1)} s (${((done + parserCases) / secs).toFixed(0)} cases/s); heap after GC ${(heap0 / 1048576).toFixed(0)} MB at start, ${heapEnd.toFixed(0)} MB at end`,
  );
}

main();
