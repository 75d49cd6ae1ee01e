#!/usr/bin/env node
// npm run check:docs: fails when a symbol exported from one of the package's
// entry points has no doc comment. The entry points are those of package.json
// "exports" (ts/index.ts for the package, ts/redis-store.ts for ./redis);
// typedoc.json must list the same files. TypeDoc then reports every exported
// variable, function, class, interface, type alias, method and accessor without
// a doc comment (validation.notDocumented), and --treatValidationWarningsAsErrors
// turns each report into a failure. Members' properties are not required.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const config = JSON.parse(fs.readFileSync(path.join(root, 'typedoc.json'), 'utf8'));

// Each "exports" subpath with types ./dist/X.d.ts is the source ts/X.ts.
const sources = [];
for (const [subpath, target] of Object.entries(pkg.exports)) {
  const types = target && typeof target === 'object' ? target.types : undefined;
  if (typeof types !== 'string') continue;
  const m = /^\.\/dist\/(.+)\.d\.ts$/.exec(types);
  if (!m) {
    console.error(`check:docs: exports["${subpath}"].types is not under ./dist/: ${types}`);
    process.exit(1);
  }
  sources.push(`ts/${m[1]}.ts`);
}
const listed = new Set(config.entryPoints);
const missing = sources.filter((s) => !listed.has(s));
if (missing.length > 0) {
  console.error(`check:docs: typedoc.json entryPoints lacks ${missing.join(', ')} (an entry point of package.json "exports")`);
  process.exit(1);
}

const typedoc = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
const r = spawnSync(process.execPath, [typedoc, '--emit', 'none', '--treatValidationWarningsAsErrors', '--logLevel', 'Warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) {
  console.error('check:docs: add a doc comment to each symbol named above ("NAME does/returns ...")');
  process.exit(1);
}
console.log(`check:docs: every exported symbol of ${sources.join(', ')} has a doc comment`);
