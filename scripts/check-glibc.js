#!/usr/bin/env node
// npm run check:glibc [-- <file.node> ...] [--glibc X.Y]
//
// The README ("Supported platforms") promises that the Linux glibc prebuilds
// are "built against glibc X.Y" and so load on the distributions it names.
// This reads X.Y from the README (or --glibc) and checks each file (default:
// every prebuilds/linux-*/*.glibc.node) with objdump:
//   - every versioned symbol it imports is within the manylinux_X_Y symbol
//     policy (auditwheel's): GLIBC_ <= X.Y, and for the C++ runtime that
//     such a distribution ships, GLIBCXX_, CXXABI_ and GCC_ (libgcc_s) at
//     most what that policy allows (a libstdc++ symbol from a newer GCC fails
//     to load there just like a newer glibc symbol);
//   - it needs (DT_NEEDED) only libraries every glibc system has;
//   - it is an ELF shared object for the architecture its folder names
//     (prebuilds/linux-<arch>/).
// Symbols over the limit are listed by name.
//
// Before that, a self-test: a tiny shared object that calls gettid()
// (GLIBC_2.30) must fail against 2.28 and a plain one must pass, so a broken
// parser cannot pass everything (needs cc; without one that check fails).
//
// System packages: binutils (objdump); for arm64 files the Debian package
// binutils-aarch64-linux-gnu (aarch64-linux-gnu-objdump) when the host
// objdump cannot read them; gcc for the self-test.
// Exit status 0 when every check passes; last line
// "check-glibc: N passed, N failed".
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');

// manylinux_X_Y symbol versions (auditwheel's policy, the same for x86_64
// and aarch64): the newest version of each family a file may import.
const POLICY = {
  2.28: { GLIBC: '2.28', GLIBCXX: '3.4.24', CXXABI: '1.3.11', GCC: '7.0.0' }, // manylinux_2_28: RHEL/Alma 8, Debian 10
  2.31: { GLIBC: '2.31', GLIBCXX: '3.4.28', CXXABI: '1.3.12', GCC: '7.0.0' }, // manylinux_2_31: Debian 11, Ubuntu 20.04
};
// Libraries a file may need: part of every glibc system (plus the C++ runtime).
const ALLOWED_NEEDED =
  /^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])$/;
// ELF e_machine values (objdump names an aarch64 file "UNKNOWN!" on an x86 host).
const EM = { 62: 'x64', 183: 'arm64' };

const argv = process.argv.slice(2);
const opt = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
let passed = 0;
let failed = 0;
function check(ok, name, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? ` (${detail})` : ''}`);
  return ok;
}

function cmpVersion(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] || 0) - (y[i] || 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

// objdump that reads this file: the host's first, else the cross one.
function objdump(args, file) {
  const tools = ['objdump', 'aarch64-linux-gnu-objdump'].filter(have);
  let last;
  for (const tool of tools) {
    last = spawnSync(tool, [...args, file], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (last.status === 0) return last.stdout;
  }
  throw new Error(`objdump ${args.join(' ')} ${file}: ${last ? last.stderr.trim() : 'no objdump on PATH (Debian package binutils)'}`);
}

/** { needed, machine, symbols: [{ family, version, name }] } imported (undefined) versioned symbols. */
function inspect(file) {
  const elf = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, elf, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  const isElf64Dyn = elf.readUInt32BE(0) === 0x7f454c46 && elf[4] === 2 && elf[5] === 1 && elf.readUInt16LE(16) === 3;
  const machine = isElf64Dyn
    ? EM[elf.readUInt16LE(18)] || `e_machine ${elf.readUInt16LE(18)}`
    : 'not a 64-bit little-endian ELF shared object';
  const needed = [...objdump(['-p'], file).matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((m) => m[1]);
  const symbols = [];
  for (const line of objdump(['-T'], file).split('\n')) {
    if (!/\*UND\*/.test(line)) continue;
    const m = line.match(/\(?\b(GLIBC|GLIBCXX|CXXABI|GCC)_([0-9][0-9.]*)\)?\s+(\S+)\s*$/);
    if (m) symbols.push({ family: m[1], version: m[2], name: m[3] });
  }
  return { needed, machine, symbols };
}

/** Checks one file against the policy for `glibc`; returns true when all of it passes. */
function checkFile(file, glibc, label = path.relative(root, file), quiet = false) {
  const limits = POLICY[glibc];
  const info = inspect(file);
  const results = [];
  const arch = (path.basename(path.dirname(file)).match(/^linux-(\w+)$/) || [])[1];
  if (arch) results.push([info.machine === arch, `${label}: ELF shared object for ${arch}`, info.machine]);
  const badLibs = info.needed.filter((n) => !ALLOWED_NEEDED.test(n));
  results.push([
    badLibs.length === 0,
    `${label}: needs only system libraries`,
    badLibs.length ? `also needs ${badLibs.join(', ')}` : info.needed.join(' '),
  ]);
  for (const family of Object.keys(limits)) {
    const syms = info.symbols.filter((s) => s.family === family);
    const newest = syms
      .map((s) => s.version)
      .sort(cmpVersion)
      .pop();
    const over = syms.filter((s) => cmpVersion(s.version, limits[family]) > 0);
    results.push([
      over.length === 0,
      `${label}: ${family} <= ${limits[family]}`,
      over.length
        ? `too new: ${over.map((s) => `${s.name}@${family}_${s.version}`).join(', ')}`
        : `newest ${newest ? `${family}_${newest}` : 'none'}`,
    ]);
  }
  if (!quiet) for (const r of results) check(...r);
  return { ok: results.every((r) => r[0]), results };
}

// The promise, from the README unless --glibc says otherwise.
let glibc = opt('--glibc');
if (!glibc) {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Supported platforms'));
  glibc = (section.match(/built against glibc (\d+\.\d+)/) || [])[1];
}
if (
  !check(
    !!glibc && !!POLICY[glibc],
    'the promised glibc version is known',
    glibc
      ? POLICY[glibc]
        ? `glibc ${glibc}: ${Object.entries(POLICY[glibc])
            .map(([k, v]) => `${k}_${v}`)
            .join(' ')}`
        : `no policy row for glibc ${glibc} in scripts/check-glibc.js`
      : 'README "Supported platforms" has no "built against glibc X.Y"',
  )
) {
  console.log(`check-glibc: ${passed} passed, ${failed} failed`);
  process.exit(1);
}

// Self-test on two tiny shared objects made here.
const cc = ['cc', 'gcc'].find(have);
if (!cc) {
  check(false, 'self-test', 'no C compiler (cc or gcc) on PATH');
} else {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'osc-check-glibc-'));
  try {
    const build = (name, body) => {
      fs.writeFileSync(path.join(tmp, `${name}.c`), `#define _GNU_SOURCE\n#include <unistd.h>\n${body}\n`);
      const r = spawnSync(cc, ['-shared', '-fPIC', '-O1', '-o', path.join(tmp, `${name}.so`), path.join(tmp, `${name}.c`)], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`${cc} ${name}.c: ${r.stderr}`);
      return path.join(tmp, `${name}.so`);
    };
    const plain = checkFile(build('plain', 'long f(void) { return (long)getpid(); }'), '2.28', 'plain', true);
    const newer = checkFile(build('newer', 'long f(void) { return (long)gettid(); }'), '2.28', 'newer', true);
    const flagged = newer.results
      .filter((r) => !r[0])
      .map((r) => r[2])
      .join('; ');
    check(
      plain.ok && !newer.ok && /gettid@GLIBC_2\.30/.test(flagged),
      'self-test: a getpid() object passes, a gettid() object (GLIBC_2.30) fails for 2.28',
      flagged || 'the gettid() object was not flagged',
    );
  } catch (e) {
    check(false, 'self-test', e.message);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

let files = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--glibc').map((f) => path.resolve(f));
if (!files.length) {
  const dir = path.join(root, 'prebuilds');
  files = (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
    .filter((d) => d.startsWith('linux-'))
    .flatMap((d) =>
      fs
        .readdirSync(path.join(dir, d))
        .filter((f) => f.endsWith('.glibc.node'))
        .map((f) => path.join(dir, d, f)),
    );
  check(
    files.length > 0,
    'prebuilds/linux-*/*.glibc.node found',
    files.map((f) => path.relative(root, f)).join(', ') || 'none: run npm run prebuild',
  );
}
for (const file of files) {
  try {
    checkFile(file, glibc);
  } catch (e) {
    check(false, path.relative(root, file), e.message);
  }
}
console.log(`check-glibc: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
