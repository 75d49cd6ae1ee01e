#!/usr/bin/env node
// Runs a TypeScript example of examples/: compiles examples/*.ts (examples/tsconfig.json) into
// node_modules/.cache/openssl-session-cache/examples, where `import ... from 'openssl-session-cache'`
// resolves to this checkout (a link in the cache folder), then runs the example with the rest of
// the arguments. The package itself must be built (npm install does it: dist/ and the addon).
//
//   node scripts/demo.js                 # examples/demo.ts (what `npm run demo` runs)
//   node scripts/demo.js s_server 4433   # examples/s_server.ts on port 4433
//   node scripts/demo.js --build         # compile only
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const cache = path.join(root, 'node_modules', '.cache', 'openssl-session-cache');
const out = path.join(cache, 'examples');

function fail(msg) {
  console.error(`demo: ${msg}`);
  process.exit(1);
}

if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) fail('dist/ is missing: run `npm install` (or `npm run build:ts`) first');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!fs.existsSync(tsc)) fail('TypeScript is missing: run `npm install` first');

const built = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'examples', 'tsconfig.json')], { stdio: 'inherit' });
if (built.status !== 0) fail('the examples do not compile');

// node_modules/.cache/openssl-session-cache/node_modules/openssl-session-cache -> the checkout
const link = path.join(cache, 'node_modules', 'openssl-session-cache');
let linked = false;
try {
  linked = fs.realpathSync(link) === fs.realpathSync(root);
} catch {
  /* not there */
}
if (!linked) {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { force: true, recursive: false });
  fs.symlinkSync(root, link, process.platform === 'win32' ? 'junction' : 'dir');
}

const args = process.argv.slice(2);
if (args[0] === '--build') process.exit(0);
const name = args.length > 0 && !/^-|^\d+$/.test(args[0]) ? args.shift() : 'demo';
const script = path.join(out, `${name}.js`);
if (!fs.existsSync(script)) fail(`no example "${name}" (examples/${name}.ts)`);
const run = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
process.exit(run.status === null ? 1 : run.status);
