import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';

// What `npm publish` would ship, from `npm pack --dry-run`: exactly what a user needs to load the
// package (dist/, the prebuilt binaries) or to build it from source (binding.gyp and its sources),
// and the package's documents; no tests, benchmarks, TypeScript sources or build leftovers.
const root = path.join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function packed(): string[] {
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const info = JSON.parse(out.slice(out.indexOf('[')))[0] as { files: { path: string }[] };
  return info.files.map((f) => f.path).sort();
}

function listed(dir: string, re: RegExp): string[] {
  return fs
    .readdirSync(path.join(root, dir))
    .filter((f) => re.test(f))
    .map((f) => `${dir}/${f}`);
}

const files = packed();

t.test('npm pack ships exactly the package', async (t) => {
  // Prebuilt binaries: whichever npm run prebuild made (none in a fresh clone), as prebuilds/<tuple>/*.node.
  const prebuilds = files.filter((f) => /^prebuilds\/[a-z0-9]+-[a-z0-9]+\/[^/]+\.node$/.test(f));
  const dist = listed('ts', /\.ts$/).flatMap((f) => {
    const base = path.basename(f, '.ts');
    return [`dist/${base}.js`, `dist/${base}.d.ts`];
  });
  const expected = [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'binding.gyp',
    'binding.map',
    ...listed('src', /\.(cc|h)$/),
    ...listed('native', /\.(cc|h)$/),
    ...dist,
    ...prebuilds,
  ].sort();
  t.same(
    files.filter((f) => !expected.includes(f)),
    [],
    'nothing beyond the list (a stale dist/ file: npm run build:ts starts from an empty dist/)',
  );
  t.same(
    expected.filter((f) => !files.includes(f)),
    [],
    'nothing missing (dist/ is built by npm install)',
  );
});

t.test('every source binding.gyp compiles is shipped', async (t) => {
  const shipped = new Set(files);
  const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
  const sources = [...gyp.matchAll(/"((?:src|native)\/[^"]+\.cc)"/g)].map((m) => m[1]);
  t.ok(sources.length > 20, `${sources.length} sources named`);
  t.same(
    sources.filter((s) => !shipped.has(s)),
    [],
    'each is in the tarball',
  );
  const compiled = new Set(sources);
  t.same(
    listed('src', /\.cc$/)
      .concat(listed('native', /\.cc$/))
      .filter((f) => !compiled.has(f)),
    [],
    'and every .cc under src/ and native/ is compiled',
  );
});
