#!/usr/bin/env node
'use strict';
// Thin launcher: the compiled admin CLI lives in ../dist (npm run build).
require('../dist/tsips-cli.js')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; })
  .catch((e) => { console.error(e && e.stack ? e.stack : e); process.exitCode = 70; });
