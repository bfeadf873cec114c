#!/usr/bin/env node
// Load time of a ~2,000-line script (lex + parse + AST, includes resolved):
// the budget for the whole load, checking included, is 200 ms.
// Measures a cold process (module loading + grammar analysis + first parse)
// and warm re-loads. Needs a build (`npm run build`).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const syntaxDist = path.join(__dirname, '..', 'packages', 'script', 'dist', 'syntax', 'index.js');
const targetLines = Number(process.env.LINES ?? 2000);

/** Builds a realistic script: the residential example's globals once, its routes repeated under new names. */
function makeScript(dir) {
  const repo = path.join(__dirname, '..');
  const text = fs.readFileSync(path.join(repo, 'examples', 'opensips.cfg'), 'utf8');
  fs.mkdirSync(path.join(dir, 'include'), { recursive: true });
  fs.copyFileSync(path.join(repo, 'examples', 'include', 'contact-check.cfg'), path.join(dir, 'include', 'contact-check.cfg'));
  const firstRoute = text.indexOf('\nroute {');
  const globals = text.slice(0, firstRoute);
  const routes = text.slice(firstRoute).replace(/^route \{/m, 'route[main_copy] {');
  let out = globals;
  for (let i = 0; out.split('\n').length < targetLines; i++) {
    out += routes.replace(/(route|branch_route|onreply_route|failure_route|timer_route|event_route)\[([A-Za-z_]+)/g, `$1[$2_${i}`);
  }
  out += '\nroute {\n    route(main_copy_0);\n}\n';
  const file = path.join(dir, 'big.cfg');
  fs.writeFileSync(file, out);
  return { file, lines: out.split('\n').length };
}

if (process.argv[2] === '--child') {
  const t0 = performance.now();
  const syntax = require(syntaxDist);
  const t1 = performance.now();
  const r = syntax.loadScript(process.argv[3]);
  const t2 = performance.now();
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    console.error(syntax.formatDiagnostics(errors.slice(0, 5), r.files));
    process.exit(1);
  }
  const warm = [];
  for (let i = 0; i < 30; i++) {
    const s = performance.now();
    syntax.loadScript(process.argv[3]);
    warm.push(performance.now() - s);
  }
  warm.sort((a, b) => a - b);
  console.log(JSON.stringify({ requireMs: t1 - t0, firstLoadMs: t2 - t1, warmMedianMs: warm[15], warmMinMs: warm[0], items: r.script.items.length }));
  process.exit(0);
}

if (!fs.existsSync(syntaxDist)) {
  console.error('build first: npm run build');
  process.exit(1);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-grammar-bench-'));
try {
  const { file, lines } = makeScript(dir);
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, [__filename, '--child', file], { encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(r.stdout + r.stderr);
      process.exit(1);
    }
    runs.push(JSON.parse(r.stdout));
  }
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[2];
  const cold = med('requireMs') + med('firstLoadMs');
  console.log(`script: ${lines} lines, ${runs[0].items} top-level items`);
  console.log(`cold process: require ${med('requireMs').toFixed(1)} ms + first load ${med('firstLoadMs').toFixed(1)} ms = ${cold.toFixed(1)} ms (median of 5 processes)`);
  console.log(`warm load:    ${med('warmMedianMs').toFixed(1)} ms median, ${med('warmMinMs').toFixed(1)} ms best`);
  console.log(`budget 200 ms for the whole load: ${cold < 200 ? 'OK' : 'OVER'}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
