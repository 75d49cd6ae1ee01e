#!/usr/bin/env node
// npm test: type-check the sources and tests, run the tap suite, and end with
// the plain summary line CI reads ("tests: N passed, N failed").
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', maxBuffer: 1 << 30 });
  return r;
}

let failedSteps = 0;
const typecheck = run(bin('tsc'), ['-p', 'test/tsconfig.json']);
if (typecheck.status !== 0) {
  console.error('type-check failed');
  failedSteps++;
}

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : fs.readdirSync(path.join(root, 'test')).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort().map((f) => `test/${f}`);
const tap = run(bin('tap'), ['--reporter=tap', ...files], { capture: true });
process.stdout.write(tap.stdout || '');

// Count the subtests of every file (t.test blocks, one indent level down).
let passed = 0;
let failed = 0;
for (const line of (tap.stdout || '').split('\n')) {
  if (/^    ok \d+ /.test(line)) passed++;
  else if (/^    not ok \d+ /.test(line)) failed++;
}
if (typecheck.status !== 0) failed++;
else passed++;
if (tap.status !== 0 && failed === 0) failed++;
console.log(`tests: ${passed} passed, ${failed} failed`);
// exitCode, not exit(): a piped stdout must drain first.
process.exitCode = failed === 0 ? 0 : 1;
