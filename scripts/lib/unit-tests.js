// The unit tests, run under a Node.js binary of our choosing against a
// prebuild, never against a source build. Used by scripts/test-node-versions.js
// and scripts/test-arm64.js.
//
// How: tsc compiles test/ (and its helpers) to CommonJS into a staging folder
// that looks like an installed package: package.json, dist/ (the shipped
// JavaScript), prebuilds/<tuple>/ (only the prebuild under test), test/ (the
// compiled tests and their data files), and node_modules linked to the
// repository's. There is no build/ folder, so node-gyp-build can only load the
// prebuild; probe() checks which .node the process really mapped.
//
// Each test file runs as a plain `node test/NN-x.js`: tap's library runs a
// file on its own (TAP on stdout, exit status non-zero on a failure), and it
// does so on Node 18 too, which tap 21's runner (`engines: 20 || >=22`) does
// not promise (before 18.19 only with scripts/lib/preload-tracing-channel.js).
// Files run one after another (the machine is small, and qemu is slow), each
// with a time limit.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// The unit tests: the one list both scripts run. OSC_UNIT_TESTS (file names
// separated by spaces) replaces it for one run.
const UNIT_TESTS = [
  'test/00-load.ts',
  'test/10-session.ts',
  'test/20-ctx.ts',
  'test/30-cache.ts',
  'test/40-callbacks.ts',
  'test/45-misuse.ts',
  'test/50-handshake.ts',
  'test/60-der.ts',
];

const root = path.join(__dirname, '..', '..');

function unitTests() {
  const env = (process.env.OSC_UNIT_TESTS || '').trim();
  return env ? env.split(/\s+/) : UNIT_TESTS.slice();
}

/** Runs a command from the repository root; throws with its output when it fails. */
function must(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) {
    throw new Error(
      `${path.basename(cmd)} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${`${r.stdout || ''}${r.stderr || ''}`.slice(-4000)}`,
    );
  }
  return r;
}

/** dist/ from ts/ (what the package ships), with the repository's tsc. */
function buildTs() {
  must(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
}

/** The glibc prebuild for a tuple ('linux-x64'), or throws. */
function glibcPrebuild(tuple) {
  const dir = path.join(root, 'prebuilds', tuple);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.glibc.node')) : [];
  if (files.length !== 1) throw new Error(`prebuilds/${tuple}/ should hold one *.glibc.node, holds: ${files.join(', ') || 'none'}`);
  return path.join(dir, files[0]);
}

/**
 * Makes the staging folder for `tuple` (see the top of this file) and returns
 * its path. Only the glibc prebuild of that tuple is copied.
 */
function stage(tuple) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `osc-unit-${tuple}-`));
  // Data files the tests read (fixtures, the DER oracle's sources); the .ts
  // sources are replaced by tsc's output below.
  fs.cpSync(path.join(root, 'test'), path.join(dir, 'test'), {
    recursive: true,
    filter: (src) => !/\.ts$/.test(src) && !/(^|\/)(build|node_modules|\.build\.lock)$/.test(src),
  });
  must(process.execPath, [
    path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'test/tsconfig.json',
    '--noEmit',
    'false',
    '--outDir',
    dir,
    '--sourceMap',
    'false',
    '--declaration',
    'false',
  ]);
  fs.rmSync(path.join(dir, 'ts'), { recursive: true, force: true }); // tsc's copy of ts/: dist/ is what ships
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  const prebuild = glibcPrebuild(tuple);
  fs.mkdirSync(path.join(dir, 'prebuilds', tuple), { recursive: true });
  fs.copyFileSync(prebuild, path.join(dir, 'prebuilds', tuple, path.basename(prebuild)));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  if (fs.existsSync(path.join(dir, 'build'))) throw new Error(`${dir}/build exists`);
  return dir;
}

/**
 * Builds the test-only DER oracle addon (test/der-oracle: OpenSSL's own i2d
 * and d2i, resolved from the node binary at load time) for the Node under
 * test, when a selected test uses it: against that Node's headers (its
 * OpenSSL version), for its architecture. `env` carries a cross compiler.
 */
function buildOracle(dir, files, node, env = {}) {
  const uses = files.some((f) => /der-oracle/.test(fs.readFileSync(path.join(dir, jsName(f)), 'utf8')));
  if (!uses) return false;
  const oracle = path.join(dir, 'test', 'der-oracle');
  fs.rmSync(path.join(oracle, 'build'), { recursive: true, force: true });
  must(
    process.execPath,
    [
      path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      'rebuild',
      '--directory',
      oracle,
      `--nodedir=${node.dir}`,
      `--arch=${node.arch}`,
      '--jobs=max',
    ],
    { env: { ...childEnv(), ...env } },
  );
  return true;
}

function jsName(file) {
  return file.replace(/\.ts$/, '.js');
}

/** The environment of the test processes: nothing from an outer npm or tap run. */
function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || /_PREBUILD$/.test(k) || /^(NODE_OPTIONS|NODE_PATH|TAP|TAP_.*|TS_NODE_.*)$/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

/**
 * Loads the package in `dir` with `runner` (argv before the script: the node
 * binary, or qemu and its arguments first) and reports what it runs on and
 * which addon files the process mapped (/proc/self/maps). Returns
 * { ok, detail, info }: ok when exactly one addon is mapped, it is the
 * staged prebuild of `tuple`, and process.arch matches the tuple.
 */
function probe(runner, dir, tuple) {
  const code = String.raw`
    const fs = require('node:fs');
    const osc = require(process.argv[1]);
    if (typeof osc.SSL_CTX_new !== 'function') throw new Error('no SSL_CTX_new');
    const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    const n = osc.SSL_CTX_sess_number(ctx);
    osc.SSL_CTX_free(ctx);
    const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\n')
      .map((l) => l.split(/\s+/).slice(5).join(' ')).filter((f) => /\.node$/.test(f));
    console.log(JSON.stringify({ version: process.version, arch: process.arch, openssl: process.versions.openssl,
      tracingChannel: typeof require('node:diagnostics_channel').tracingChannel === 'function',
      napi: process.versions.napi, sessions: n, loaded: [...new Set(maps)] }));`;
  const r = spawnSync(runner[0], [...runner.slice(1), '-e', code, dir], { cwd: dir, env: childEnv(), encoding: 'utf8', timeout: 300_000 });
  let info = null;
  try {
    info = JSON.parse((r.stdout || '').trim().split('\n').pop());
  } catch {
    /* reported below */
  }
  if (r.status !== 0 || !info)
    return { ok: false, detail: `load failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim().slice(-1500)}`, info };
  const want = fs.realpathSync(path.join(dir, 'prebuilds', tuple));
  const ours = info.loaded;
  const ok = info.arch === tuple.split('-')[1] && ours.length === 1 && ours[0].startsWith(`${want}/`) && /\.glibc\.node$/.test(ours[0]);
  return {
    ok,
    info,
    detail: `node ${info.version} ${info.arch}, OpenSSL ${info.openssl}, loaded ${ours.map((f) => path.relative(dir, f)).join(', ') || 'no addon'}`,
  };
}

/**
 * The argv that runs a test file under `node` (with `prefix`, e.g. qemu, in
 * front): on a Node without diagnostics_channel.tracingChannel, which tap's
 * own library needs, preload the no-op stand-in (see that file).
 */
function testRunner(prefix, nodeBin, info) {
  const runner = [...prefix, nodeBin];
  if (!info.tracingChannel) runner.push('-r', path.join(__dirname, 'preload-tracing-channel.js'));
  return runner;
}

/**
 * Runs one compiled test file with `runner`; returns
 * { file, ok, status, total, pass, fail, skip, todo, ms, output }. ok needs
 * exit status 0, tap's closing count line, at least one assertion, and no
 * failure.
 */
function runFile(runner, dir, file, timeoutMs) {
  const t0 = Date.now();
  const r = spawnSync(runner[0], [...runner.slice(1), jsName(file)], {
    cwd: dir,
    env: childEnv(),
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 28,
  });
  // Long lines (a minified stack frame) are cut for the report.
  const output = `${r.stdout || ''}${r.stderr || ''}`
    .split('\n')
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l))
    .join('\n');
  // tap's own closing comment: "# { total: 82, pass: 80, fail: 1, skip: 1 }"
  const m = (r.stdout || '').match(/^# \{ total: \d+.*\}$/gm);
  const counts = { total: 0, pass: 0, fail: 0, skip: 0, todo: 0 };
  if (m) for (const [, k, v] of m[m.length - 1].matchAll(/(\w+): (\d+)/g)) counts[k] = Number(v);
  const ok = r.status === 0 && !!m && counts.total > 0 && counts.fail === 0;
  return { file, ok, status: r.status ?? r.signal, ...counts, ms: Date.now() - t0, output };
}

/** What to show of a failed file: each failed assertion with its diagnostics, then the output's end. */
function failureReport(output, maxLines = 150) {
  const lines = output.split('\n');
  const shown = [];
  lines.forEach((l, i) => {
    if (/^\s*not ok /.test(l)) shown.push(...lines.slice(i, i + 30), '...');
  });
  shown.push('--- last lines:', ...lines.slice(-12));
  return shown
    .slice(0, maxLines)
    .map((l) => `#   ${l}`)
    .join('\n');
}

/**
 * The checks of one script: check(ok, name, detail) prints a TAP-like line;
 * finish() prints the closing "<name>: N passed, N failed" line and sets the
 * exit status.
 */
function reporter(name) {
  const t0 = Date.now();
  const r = { passed: 0, failed: 0 };
  r.check = (ok, what, detail) => {
    if (ok) r.passed++;
    else r.failed++;
    console.log(`${ok ? 'ok' : 'not ok'} - ${what}${detail ? ` (${detail})` : ''}`);
    return ok;
  };
  r.finish = (lines = []) => {
    for (const l of lines) console.log(`# ${l}`);
    console.log(`# ${name} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    console.log(`${name}: ${r.passed} passed, ${r.failed} failed`);
    process.exitCode = r.failed ? 1 : 0;
  };
  return r;
}

/**
 * Runs `files` one by one with `runner` in the staging folder, one check
 * each; returns a one-line summary for `label`.
 */
function runAll(rep, runner, dir, files, label, timeoutMs) {
  const t0 = Date.now();
  let assertions = 0;
  let ok = 0;
  for (const file of files) {
    const r = runFile(runner, dir, file, timeoutMs);
    assertions += r.pass;
    if (r.ok) ok++;
    rep.check(
      r.ok,
      `${label}: ${file}`,
      `${r.pass}/${r.total} assertions${r.skip ? `, ${r.skip} skipped` : ''}${r.todo ? `, ${r.todo} todo` : ''}, exit ${r.status}, ${(r.ms / 1000).toFixed(1)} s`,
    );
    if (!r.ok) console.log(failureReport(r.output));
  }
  return `${label}: ${ok}/${files.length} files, ${assertions} assertions passed (${((Date.now() - t0) / 1000).toFixed(1)} s)`;
}

/** Runs scripts/prebuild.js with `args` and `env`; one check, quiet unless it fails. */
function prebuild(rep, what, args = [], env = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'prebuild.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, ...env },
  });
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim().split('\n');
  return rep.check(
    r.status === 0,
    what,
    r.status === 0 ? out.filter((l) => /^prebuild: (wrote|.*up to date)/.test(l)).join('; ') : out.slice(-40).join('\n'),
  );
}

/** Runs scripts/check-glibc.js on one file; one check. */
function checkGlibc(rep, file) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'check-glibc.js'), file], { cwd: root, encoding: 'utf8' });
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
  return rep.check(
    r.status === 0,
    `check-glibc ${path.relative(root, file)}`,
    r.status === 0
      ? out
          .split('\n')
          .filter((l) => / (GLIBC|GLIBCXX) <= /.test(l))
          .map((l) => l.replace(/^.*: /, ''))
          .join(', ')
      : `\n${out}`,
  );
}

module.exports = {
  UNIT_TESTS,
  unitTests,
  root,
  must,
  buildTs,
  glibcPrebuild,
  stage,
  buildOracle,
  probe,
  testRunner,
  runFile,
  failureReport,
  childEnv,
  reporter,
  runAll,
  prebuild,
  checkGlibc,
};
