#!/usr/bin/env node
// node scripts/pack-check.js [--json] [--keep] [--tarball <file>] [--node <binary>]
//
// Checks what a user gets from npm: packs this package (or takes --tarball),
// installs the tarball into two empty folders with the compiler toolchain
// hidden from PATH (only node and npm are reachable: no g++, cc, make,
// python3), and then, in fresh Node processes:
//   - main:       requires the package, runs real cache operations, and checks
//                 that the .node actually loaded came from prebuilds/;
//   - worker:     the same inside a worker_threads Worker (and a Worker
//                 terminated while it works does not take the process down);
//   - two-copies: one process loads both installed copies (two instances of the
//                 addon); handles of one copy passed to the other throw a
//                 TypeError, and both copies keep working.
// Needs prebuilds/<platform>-<arch>/ (npm run prebuild) and dist/ (npm run
// build:ts). Runs `npm pack --ignore-scripts` so dist/ is packed as it is and
// never rewritten under a running test. Network: `npm install --prefer-offline`
// fetches the runtime dependencies from the npm cache when they are there.
// Exit status 0 when every check passes; --json prints the results as one JSON
// object on the last stdout line.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const argv = process.argv.slice(2);
const asJson = argv.includes('--json');
const keep = argv.includes('--keep');
const givenTarball = argv.includes('--tarball') ? path.resolve(argv[argv.indexOf('--tarball') + 1]) : null;
// --node <binary>: run the load checks under another Node (e.g. to verify the
// `engines` range); packing and installing still use the current node and npm.
const checkNode = argv.includes('--node') ? path.resolve(argv[argv.indexOf('--node') + 1]) : process.execPath;
const tuple = `${process.platform}-${process.arch}`;
const posix = process.platform !== 'win32';

const results = { tuple, tarball: null, files: [], checks: [] };
function check(name, ok, detail) {
  results.checks.push({ name, ok: !!ok, detail: detail === undefined ? '' : String(detail) });
  if (!asJson) console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? ` (${detail})` : ''}`);
  return !!ok;
}
function finish() {
  if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
  else if (!asJson) console.log(`kept ${tmp}`);
  const failed = results.checks.filter((c) => !c.ok).length;
  if (asJson) console.log(JSON.stringify(results));
  else console.log(`pack-check: ${results.checks.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// The environment for npm and the children: nothing inherited from an outer
// `npm run` (npm_config_build_from_source, ignore_scripts, ...), no override of
// the prebuild location, and (POSIX) a PATH holding only node and npm.
function npmCli() {
  const candidates = [
    process.env.npm_execpath,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  for (const c of candidates) if (c && /npm-cli\.js$/.test(c) && fs.existsSync(c)) return fs.realpathSync(c);
  const which = spawnSync(posix ? 'sh' : 'where', posix ? ['-c', 'command -v npm'] : ['npm'], { encoding: 'utf8' });
  const found = (which.stdout || '').split(/\r?\n/)[0].trim();
  if (found && posix) return fs.realpathSync(found);
  return null;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'osc-pack-check-'));
const npm = npmCli();
const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (/^npm_/i.test(k) || /^PREBUILDS_ONLY$/.test(k) || /_PREBUILD$/.test(k) || /^(NODE_OPTIONS|TS_NODE_.*|TAP_.*|TAP)$/.test(k)) continue;
  env[k] = v;
}
env.npm_config_update_notifier = 'false';
env.npm_config_fund = 'false';
env.npm_config_audit = 'false';
const hiddenBin = path.join(tmp, 'bin');
fs.mkdirSync(hiddenBin);
if (posix) {
  fs.symlinkSync(process.execPath, path.join(hiddenBin, 'node'));
  if (npm) fs.symlinkSync(npm, path.join(hiddenBin, 'npm'));
  // npm runs lifecycle scripts with `sh -c`, looked up on PATH; a shell is not
  // part of the compiler toolchain.
  fs.symlinkSync('/bin/sh', path.join(hiddenBin, 'sh'));
  env.PATH = hiddenBin;
}
const npmCmd = npm ? [process.execPath, npm] : ['npm'];
function runNpm(args, cwd, extraEnv = {}) {
  return spawnSync(npmCmd[0], [...npmCmd.slice(1), ...args], {
    cwd,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    shell: !npm && !posix,
    maxBuffer: 1 << 26,
  });
}

// 0. Inputs.
const prebuildDir = path.join(root, 'prebuilds', tuple);
const prebuilds = fs.existsSync(prebuildDir) ? fs.readdirSync(prebuildDir).filter((f) => f.endsWith('.node')) : [];
if (!givenTarball) {
  if (!check(`prebuilds/${tuple} holds a prebuild`, prebuilds.length, prebuilds.join(', ') || 'run `npm run prebuild`')) finish();
  if (!check('dist/index.js exists', fs.existsSync(path.join(root, 'dist', 'index.js')), 'run `npm run build:ts` if missing')) finish();
}
check('npm found for the hidden PATH', npm || !posix, npm || 'npm-cli.js not found');
if (posix) {
  const leaked = ['g++', 'c++', 'cc', 'gcc', 'clang', 'make', 'python3', 'python'].filter(
    (tool) => spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env }).status === 0,
  );
  check('toolchain hidden from PATH (no g++, cc, make, python3)', leaked.length === 0, leaked.join(', '));
}

// 1. Pack.
let tarball = givenTarball;
if (!tarball) {
  const packDir = path.join(tmp, 'pack');
  fs.mkdirSync(packDir);
  const r = spawnSync(process.execPath, [npm, 'pack', '--ignore-scripts', '--json', '--pack-destination', packDir], {
    cwd: root,
    env: { ...process.env, PATH: process.env.PATH },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  let info = null;
  try {
    info = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))[0];
  } catch {
    /* reported below */
  }
  if (!check('npm pack', r.status === 0 && info, r.status === 0 ? info?.filename : (r.stderr || '').slice(-2000))) finish();
  tarball = path.join(packDir, info.filename);
  results.files = info.files.map((f) => f.path).sort();
  results.size = info.size;
  results.unpackedSize = info.unpackedSize;
  const files = results.files;
  const has = (re) => files.some((f) => re.test(f));
  const missing = [
    ['package.json', /^package\.json$/],
    ['LICENSE', /^LICENSE/i],
    ['dist/index.js', /^dist\/index\.js$/],
    ['dist/index.d.ts', /^dist\/index\.d\.ts$/],
    ['binding.gyp', /^binding\.gyp$/],
    ['src/', /^src\/.+\.(cc|h)$/],
    ['native/', /^native\/.+\.(cc|h)$/],
    [`prebuilds/${tuple}/*.node`, new RegExp(`^prebuilds/${tuple}/[^/]+\\.node$`)],
  ]
    .filter(([, re]) => !has(re))
    .map(([name]) => name);
  check(
    'tarball holds what a user needs',
    missing.length === 0,
    missing.length ? `missing: ${missing.join(', ')}` : `${files.length} files`,
  );
  const extra = files.filter(
    (f) =>
      /^(test|tests|bench|benchmark|ts|build|scripts|\.ci|\.github|\.tap|coverage|node_modules)\//.test(f) ||
      /oracle/i.test(f) ||
      /\.(js\.map|ts\.map|tgz|o|a)$/.test(f) ||
      /^tsconfig/.test(f) ||
      (/^prebuilds\//.test(f) && !/\.node$/.test(f)),
  );
  check('tarball holds no tests, benchmarks, oracle or build leftovers', extra.length === 0, extra.join(', '));
}
results.tarball = tarball;

// 2. Install into two empty folders, toolchain hidden.
const dirs = ['a', 'b'].map((n) => path.join(tmp, `install-${n}`));
for (const dir of dirs) {
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: `pack-check-${path.basename(dir)}`, version: '1.0.0', private: true }),
  );
  const t0 = Date.now();
  const r = runNpm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--foreground-scripts', tarball], dir);
  const pkgDir = path.join(dir, 'node_modules', pkg.name);
  if (
    !check(
      `npm install <tarball> in an empty folder (${path.basename(dir)}) with no compiler`,
      r.status === 0,
      r.status === 0 ? `${Date.now() - t0} ms` : `${r.stdout}\n${r.stderr}`.slice(-3000),
    )
  )
    finish();
  check(`install ${path.basename(dir)} did not build (no build/ folder)`, !fs.existsSync(path.join(pkgDir, 'build')));
}

// 3. Checks in fresh Node processes (same hidden PATH).
const pkgDirs = dirs.map((d) => path.join(d, 'node_modules', pkg.name));
const child = String.raw`
'use strict';
const assert = require('node:assert');
const path = require('node:path');
const fs = require('node:fs');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const [mode, dirA, dirB] = process.argv.slice(2);

// Real cache operations through the public API; returns a summary.
function cacheOps(osc) {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  assert.equal(osc.SSL_CTX_sess_number(ctx), 0);
  const sessions = [];
  for (let i = 0; i < 3; i++) {
    const s = osc.SSL_SESSION_new();
    const id = new Uint8Array(32).fill(i + 1);
    assert.equal(osc.SSL_SESSION_set1_id(s, id, id.length), 1);
    assert.equal(osc.SSL_CTX_add_session(ctx, s), 1);
    sessions.push(s);
  }
  assert.equal(osc.SSL_CTX_sess_number(ctx), 3);
  assert.equal(osc.SSL_CTX_remove_session(ctx, sessions[0]), 1);
  assert.equal(osc.SSL_CTX_sess_number(ctx), 2);
  for (const s of sessions) osc.SSL_SESSION_free(s);
  assert.equal(osc.SSL_CTX_sess_number(ctx), 2, 'the cache holds its own references');
  osc.SSL_CTX_free(ctx);
  return 'add x3, remove x1, sess_number 3 -> 2';
}

// The shared objects this process has really loaded that are .node files.
function loadedAddons() {
  return process.report.getReport().sharedObjects.filter((f) => /\.node$/.test(f)).map((f) => fs.realpathSync(f));
}

function pkgInfo(dir) {
  const resolved = fs.realpathSync(require(require.resolve('node-gyp-build', { paths: [dir] })).resolve(dir));
  const norm = (f) => (process.platform === 'win32' ? f.toLowerCase() : f);
  return { dir, resolved, fromPrebuilds: norm(resolved).startsWith(norm(fs.realpathSync(path.join(dir, 'prebuilds')) + path.sep)) };
}

function out(o) { process.stdout.write(JSON.stringify(o) + '\n'); }

if (!isMainThread) {
  const osc = require(workerData.dir);
  if (workerData.spin) {
    parentPort.postMessage('started');
    for (;;) cacheOps(osc);
  }
  parentPort.postMessage(cacheOps(osc));
} else if (mode === 'main') {
  const osc = require(dirA);
  const ops = cacheOps(osc);
  out({ mode, ops, info: pkgInfo(dirA), loaded: loadedAddons() });
} else if (mode === 'worker') {
  const osc = require(dirA);
  cacheOps(osc);
  const w = new Worker(__filename, { argv: process.argv.slice(2), workerData: { dir: dirA } });
  let result;
  w.on('message', (m) => { result = m; });
  w.on('error', (e) => { out({ mode, error: String(e && e.stack || e) }); process.exitCode = 1; });
  w.on('exit', (code) => {
    // A second Worker is terminated while it works on the cache.
    const w2 = new Worker(__filename, { argv: process.argv.slice(2), workerData: { dir: dirA, spin: true } });
    w2.on('error', () => {});
    w2.once('message', () => setTimeout(() => w2.terminate(), 50));
    w2.on('exit', (code2) => {
      cacheOps(osc); // the main thread's copy still works
      out({ mode, result, exitCode: code, terminatedExitCode: code2, info: pkgInfo(dirA), loaded: loadedAddons() });
    });
  });
} else if (mode === 'two-copies') {
  const A = require(dirA);
  const B = require(dirB);
  const ctxA = A.SSL_CTX_new(A.TLS_server_method());
  const ctxB = B.SSL_CTX_new(B.TLS_server_method());
  const sA = A.SSL_SESSION_new();
  const sB = B.SSL_SESSION_new();
  A.SSL_SESSION_set1_id(sA, new Uint8Array(32).fill(7), 32);
  B.SSL_SESSION_set1_id(sB, new Uint8Array(32).fill(7), 32);
  const crossed = {};
  const attempts = {
    'B.SSL_CTX_sess_number(ctxA)': () => B.SSL_CTX_sess_number(ctxA),
    'B.SSL_CTX_add_session(ctxB, sessA)': () => B.SSL_CTX_add_session(ctxB, sA),
    'B.SSL_CTX_add_session(ctxA, sessB)': () => B.SSL_CTX_add_session(ctxA, sB),
    'A.SSL_CTX_add_session(ctxA, sessB)': () => A.SSL_CTX_add_session(ctxA, sB),
    'A.SSL_SESSION_free(sessB)': () => A.SSL_SESSION_free(sB),
    'B.SSL_CTX_free(ctxA)': () => B.SSL_CTX_free(ctxA),
    'A.SSL_CTX_new(B.TLS_server_method())': () => A.SSL_CTX_new(B.TLS_server_method()),
  };
  for (const [name, fn] of Object.entries(attempts)) {
    try { fn(); crossed[name] = 'no throw'; } catch (e) { crossed[name] = e instanceof TypeError ? 'TypeError' : 'threw ' + (e && e.name); }
  }
  // Both copies still work with their own handles.
  assert.equal(A.SSL_CTX_add_session(ctxA, sA), 1);
  assert.equal(B.SSL_CTX_add_session(ctxB, sB), 1);
  const counts = [A.SSL_CTX_sess_number(ctxA), B.SSL_CTX_sess_number(ctxB)];
  A.SSL_SESSION_free(sA); B.SSL_SESSION_free(sB); A.SSL_CTX_free(ctxA); B.SSL_CTX_free(ctxB);
  out({ mode, crossed, counts, ops: [cacheOps(A), cacheOps(B)], infos: [pkgInfo(dirA), pkgInfo(dirB)], loaded: loadedAddons() });
}
`;
const childFile = path.join(tmp, 'child.js');
fs.writeFileSync(childFile, child);
function runChild(mode) {
  const r = spawnSync(checkNode, [childFile, mode, ...pkgDirs], { cwd: tmp, env, encoding: 'utf8', timeout: 60000 });
  let data = null;
  try {
    data = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    /* reported by the caller */
  }
  return { status: r.status, signal: r.signal, stderr: r.stderr, stdout: r.stdout, data };
}
function failure(r) {
  return `exit ${r.status}${r.signal ? ` signal ${r.signal}` : ''}: ${(r.stderr || r.stdout || '').slice(-2000)}`;
}
// Windows paths compare case-insensitively (drive letters differ in case).
const norm = (f) => (posix ? f : f.toLowerCase());
const inPrebuilds = (f, dir) => norm(f).startsWith(norm(fs.realpathSync(path.join(dir, 'prebuilds')) + path.sep));

if (checkNode !== process.execPath) {
  const v = spawnSync(checkNode, ['-p', 'process.version + " napi " + process.versions.napi'], { encoding: 'utf8' });
  check('load checks run under another Node', v.status === 0, (v.stdout || v.stderr).trim());
  results.checkNode = (v.stdout || '').trim();
}
const main = runChild('main');
if (check('main thread: require + cache operations', main.status === 0 && main.data, main.status === 0 ? main.data?.ops : failure(main))) {
  check('main thread: node-gyp-build resolves to prebuilds/', main.data.info.fromPrebuilds, path.relative(tmp, main.data.info.resolved));
  check(
    'main thread: the loaded .node is the prebuild',
    main.data.loaded.length === 1 && inPrebuilds(main.data.loaded[0], pkgDirs[0]),
    main.data.loaded.map((f) => path.relative(tmp, f)).join(', '),
  );
}

const worker = runChild('worker');
if (
  check(
    'worker_threads: require + cache operations in a Worker',
    worker.status === 0 && worker.data && worker.data.exitCode === 0 && worker.data.result,
    worker.status === 0 ? worker.data?.result : failure(worker),
  )
) {
  check(
    'worker_threads: a Worker terminated mid-operation ends cleanly, the process lives on',
    worker.data.terminatedExitCode === 1,
    `exit code ${worker.data.terminatedExitCode}`,
  );
  check(
    'worker_threads: the loaded .node is the prebuild',
    worker.data.loaded.every((f) => inPrebuilds(f, pkgDirs[0])) && worker.data.loaded.length === 1,
    worker.data.loaded.map((f) => path.relative(tmp, f)).join(', '),
  );
}

const two = runChild('two-copies');
if (
  check(
    'two copies in one process: both load and work',
    two.status === 0 && two.data,
    two.status === 0 ? two.data?.counts.join(', ') : failure(two),
  )
) {
  const loaded = two.data.loaded;
  check(
    'two copies in one process: two distinct prebuilds are loaded',
    loaded.length === 2 &&
      inPrebuilds(loaded[0], pkgDirs[0]) !== inPrebuilds(loaded[1], pkgDirs[0]) &&
      loaded.every((f, _i) => inPrebuilds(f, pkgDirs[0]) || inPrebuilds(f, pkgDirs[1])),
    loaded.map((f) => path.relative(tmp, f)).join(', '),
  );
  const bad = Object.entries(two.data.crossed).filter(([, v]) => v !== 'TypeError');
  check(
    'two copies in one process: a handle from one copy passed to the other throws TypeError',
    bad.length === 0,
    bad.length ? bad.map(([k, v]) => `${k}: ${v}`).join('; ') : `${Object.keys(two.data.crossed).length} cross calls`,
  );
}
finish();
