#!/usr/bin/env node
// `npm test` must work on a fresh clone: install the locked dependencies when
// they are missing or older than the lock file. Uses only node built-ins,
// because it runs before anything is installed.
'use strict';
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const marker = path.join(root, 'node_modules', '.package-lock.json');

function needsInstall() {
  if (!fs.existsSync(marker)) return true;
  return fs.statSync(lock).mtimeMs > fs.statSync(marker).mtimeMs;
}

if (needsInstall()) {
  console.log('ensure-deps: installing locked dependencies (npm ci)');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
