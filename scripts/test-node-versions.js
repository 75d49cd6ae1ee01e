#!/usr/bin/env node
// npm run test:node-versions [-- <version> ...] [--no-prebuild] [--keep]
//
// The promise: one linux glibc prebuild per architecture (Node-API 8, made
// once by `npm run prebuild` with the current Node) serves every Node.js line
// that package.json `engines` admits. This script builds that prebuild for
// this machine (linux-x64 here; linux-arm64 on an arm64 runner; reused when
// up to date, or with --no-prebuild taken as it is, e.g. a CI artifact) and
// dist/, checks its glibc needs (scripts/check-glibc.js), and then, under
// each official Node binary in NODE_VERSIONS, loads the package from a
// staging folder holding only the prebuild (no build/: see
// scripts/lib/unit-tests.js) and runs the unit tests (the list is there).
// Versions given as arguments replace NODE_VERSIONS for one run.
//
// System packages: none beyond a machine that builds the addon (g++, make,
// python3), plus binutils (objdump, for check-glibc) and tar.
// Network: the npm registry, once per Node version (node-linux-<arch>@<version>,
// cached in ~/.cache/osc-node/: scripts/lib/npm-cache.js).
// Exit status 0 only when every check passes; the last line is
// "node-versions: N passed, N failed" (the prebuild, the glibc check, then
// per Node version the load probe and each test file).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { officialNode } = require('./lib/npm-cache');
const u = require('./lib/unit-tests');

// Every line `engines` admits; a major alone means the newest release of that
// line (18: the newest 18.20.x, the engines floor's line). test/60-der.ts
// compares our DER with the OpenSSL inside each node binary: Node 18.17.0
// embeds OpenSSL 3.0.9, whose SSL_SESSION_new() encodes no
// max_fragment_length field (3.0.16+ and 3.5 do, as we do).
const NODE_VERSIONS = ['18', '20', '22', '24'];
const ARCH = process.arch;
const TUPLE = `linux-${ARCH}`;
const FILE_TIMEOUT_MS = 10 * 60_000;

const argv = process.argv.slice(2);
const keep = argv.includes('--keep');
const versions = argv.filter((a) => !a.startsWith('--'));
const rep = u.reporter('node-versions');

function main() {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(ARCH)) {
    rep.check(false, `runs on linux-x64 or linux-arm64 (this is ${process.platform}-${ARCH})`);
    return [];
  }
  // Every even (LTS) line from the engines floor up to the newest tested one
  // is in the list: a bumped `engines` needs this list bumped too.
  const engines = JSON.parse(fs.readFileSync(path.join(u.root, 'package.json'), 'utf8')).engines.node;
  const floorMajor = Number((engines.match(/^>=\s*(\d+)\./) || [])[1]);
  const majors = NODE_VERSIONS.map((v) => Number(v.split('.')[0]));
  const missing = [];
  for (let m = floorMajor; m <= Math.max(...majors); m += 2) if (!majors.includes(m)) missing.push(m);
  if (!versions.length) {
    rep.check(
      floorMajor > 0 && missing.length === 0,
      `engines "${engines}": every LTS line from ${floorMajor} is tested`,
      missing.length ? `missing ${missing.join(', ')}` : NODE_VERSIONS.join(', '),
    );
  }

  u.buildTs();
  if (argv.includes('--no-prebuild')) console.log(`# --no-prebuild: testing prebuilds/${TUPLE}/ as it is`);
  else if (!u.prebuild(rep, `npm run prebuild (${TUPLE}, current Node)`)) return [];
  u.checkGlibc(rep, u.glibcPrebuild(TUPLE));

  const files = u.unitTests();
  const dir = u.stage(TUPLE);
  const lines = [];
  try {
    for (const spec of versions.length ? versions : NODE_VERSIONS) {
      let node;
      try {
        node = officialNode(spec, ARCH);
      } catch (e) {
        rep.check(false, `Node ${spec}: official binary from the npm registry`, e.message);
        continue;
      }
      const p = u.probe([node.bin], dir, TUPLE);
      if (!rep.check(p.ok, `Node ${node.version}: the package loads the staged prebuild`, p.detail)) continue;
      try {
        u.buildOracle(dir, files, node);
      } catch (e) {
        rep.check(false, `Node ${node.version}: build the DER oracle test addon`, e.message);
      }
      const runner = u.testRunner([], node.bin, p.info);
      if (runner.length > 1)
        console.log(`# Node ${node.version}: tests run with ${runner.slice(1).join(' ')} (tap's library needs tracingChannel)`);
      lines.push(u.runAll(rep, runner, dir, files, `Node ${node.version}`, FILE_TIMEOUT_MS));
    }
  } finally {
    if (keep) console.log(`# kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

let lines = [];
try {
  lines = main();
} catch (e) {
  rep.check(false, 'setup', e.message);
}
rep.finish(lines);
