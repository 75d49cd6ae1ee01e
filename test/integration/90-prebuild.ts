// Packaging: the prebuild for this platform is built (npm run prebuild), packed
// (npm pack) and installed from the tarball into empty folders with the
// compiler toolchain hidden from PATH; the package must load the prebuild, not
// build, and work in the main thread, in a Worker, and as two copies in one
// process. scripts/pack-check.js does the work and reports each check.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';

const root = path.join(__dirname, '..', '..');
const tuple = `${process.platform}-${process.arch}`;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
interface Report {
  tuple: string;
  tarball: string;
  files: string[];
  checks: Check[];
}

t.test('npm run prebuild produces the prebuild for this platform', async (t) => {
  // Reuses a prebuild that is newer than every source file; builds otherwise.
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'prebuild.js')], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  t.equal(r.status, 0, 'scripts/prebuild.js exits 0', { output: `${r.stdout}\n${r.stderr}`.slice(-4000) });
  const dir = path.join(root, 'prebuilds', tuple);
  const built = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.node')) : [];
  t.ok(built.length > 0, `prebuilds/${tuple}/ holds a .node (${built.join(', ')})`);
});

t.test('the packed tarball installs without a compiler and loads the prebuild', async (t) => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'pack-check.js'), '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const last = (r.stdout || '').trim().split('\n').pop() || '';
  let report: Report | undefined;
  try {
    report = JSON.parse(last) as Report;
  } catch {
    /* reported below */
  }
  if (!report) {
    t.fail('scripts/pack-check.js printed a report', { output: `${r.stdout}\n${r.stderr}`.slice(-4000) });
    return;
  }
  for (const c of report.checks) t.ok(c.ok, c.name, { detail: c.detail });
  t.equal(r.status, 0, 'scripts/pack-check.js exits 0');
  t.ok(
    report.files.some((f) => f.startsWith(`prebuilds/${tuple}/`)),
    'the tarball contains the prebuild',
  );
  t.notOk(
    report.files.some((f) => /^(test|bench|ts)\//.test(f)),
    'the tarball contains no tests, benchmarks or TS sources',
  );
});
