#!/usr/bin/env node
// npm run prebuild [-- <prebuildify args>]: build the Node-API prebuild for this
// platform into prebuilds/<platform>-<arch>/ with prebuildify (--napi --strip).
//
// prebuildify runs `node-gyp rebuild`, which deletes build/ first. To leave the
// developer build (build/Release, build/der-test, ...) alone, the build runs in
// a staging copy of the package's source files (the same files a user's
// source-build fallback gets from the tarball), and only prebuilds/ is copied
// back. Extra arguments are passed to prebuildify (e.g. `--arch arm64`).
//
// Skips the build when the prebuild is newer than every source file, unless
// --force is given or PREBUILD_FORCE=1. Note: npm runs this script before
// `npm run build` too (a "pre" hook), which the up-to-date check keeps cheap.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { localNodedir } = require('./lib/node-headers');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

let args = process.argv.slice(2);
const force = args.includes('--force') || process.env.PREBUILD_FORCE === '1';
args = args.filter((a) => a !== '--force');

const platform = process.env.PREBUILD_PLATFORM || os.platform();
const argArch = args.find((a) => a.startsWith('--arch='));
const arch = argArch
  ? argArch.slice(7)
  : args.includes('--arch')
    ? args[args.indexOf('--arch') + 1]
    : process.env.PREBUILD_ARCH || os.arch();
const outDir = path.join(root, 'prebuilds', `${platform}-${arch}`);

// The source files a source build needs: the `files` entries minus build output; a pattern
// (`src/*.cc`) stands for the folder it names (`src`).
const beforePattern = (f) => {
  const parts = f.split('/');
  const glob = parts.findIndex((p) => /[*?]/.test(p));
  return (glob < 0 ? parts : parts.slice(0, glob)).join('/');
};
const sourceEntries = [
  ...new Set(
    (pkg.files || ['binding.gyp', 'src', 'native'])
      .map(beforePattern)
      .filter((f) => f !== '' && !/^(dist|prebuilds)(\/|$)/.test(f))
      .filter((f) => fs.existsSync(path.join(root, f))),
  ),
];

function newestMtime(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of fs.readdirSync(p)) m = Math.max(m, newestMtime(path.join(p, e)));
  return m;
}

function prebuildFiles(dir) {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.node')) : [];
}

if (!force && prebuildFiles(outDir).length) {
  const built = Math.min(...prebuildFiles(outDir).map((f) => fs.statSync(path.join(outDir, f)).mtimeMs));
  const sources = Math.max(...sourceEntries.map((f) => newestMtime(path.join(root, f))), newestMtime(path.join(root, 'package.json')));
  if (built > sources) {
    console.log(`prebuild: ${path.relative(root, outDir)}/${prebuildFiles(outDir).join(', ')} is up to date (--force to rebuild)`);
    process.exit(0);
  }
}

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'osc-prebuild-'));
try {
  for (const f of ['package.json', ...sourceEntries]) {
    fs.cpSync(path.join(root, f), path.join(stage, f), { recursive: true });
  }
  // Use the repository's node_modules (node-gyp, node-addon-api) without copying.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), process.platform === 'win32' ? 'junction' : 'dir');

  const env = { ...process.env };
  if (!env.JOBS) env.JOBS = 'max';
  // Build against the running Node's own headers when it ships them, so no
  // header download is needed.
  const nodedir = localNodedir(env);
  if (nodedir) env.npm_config_nodedir = nodedir;

  // One Node-API build serves every Node version with Node-API 8; building
  // against the running Node keeps the header version fixed and local.
  const defaults = ['--napi', '--strip'];
  if (!args.some((a) => a === '-t' || a.startsWith('--target'))) defaults.push('--target', process.versions.node);
  // Tag Linux prebuilds with their libc so glibc and musl (Alpine) builds can
  // sit side by side in prebuilds/linux-<arch>/ and never load on the wrong one.
  if (platform === 'linux' && !args.some((a) => a.startsWith('--tag-libc'))) defaults.push('--tag-libc');

  const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
  const cmd = [prebuildify, ...defaults, ...args, '--cwd', stage];
  console.log(`prebuild: prebuildify ${[...defaults, ...args].join(' ')} (in ${stage})`);
  const r = spawnSync(process.execPath, cmd, { cwd: stage, env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`prebuild: prebuildify failed (${r.status ?? r.signal})`);
    process.exit(1);
  }

  const built = path.join(stage, 'prebuilds');
  for (const tuple of fs.readdirSync(built)) {
    const dest = path.join(root, 'prebuilds', tuple);
    fs.mkdirSync(dest, { recursive: true });
    for (const f of fs.readdirSync(path.join(built, tuple))) {
      // Copy then rename, so a concurrent load never sees a half-written file.
      const tmp = path.join(dest, `.${f}.${process.pid}.tmp`);
      fs.copyFileSync(path.join(built, tuple, f), tmp);
      fs.renameSync(tmp, path.join(dest, f));
      console.log(`prebuild: wrote prebuilds/${tuple}/${f} (${fs.statSync(path.join(dest, f)).size} bytes)`);
    }
  }
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
