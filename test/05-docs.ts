// The documentation's code is checked like code. Every fenced block tagged ts, typescript or js
// in README.md and docs/*.md becomes a module that imports the package by its name (written under
// build/, so 'openssl-session-cache' and 'openssl-session-cache/redis' resolve through
// package.json "exports" to dist/, as they do for a user), and all of them are type-checked in one
// TypeScript program. How a block is marked (docs/development.md, "Code blocks in the docs"):
//
//   ```ts               a complete program: type-checked
//   ```ts runnable      also run with node from the checkout's root; it must exit 0 within 30 s,
//                       and if it has `// => text` comments, print exactly those lines, in order
//   <!-- prelude        just before a block: code prepended to it, unseen by readers, that declares
//   declare const ...   what a fragment assumes; the block's first line must then say "fragment"
//   -->
//
// TypeScript blocks are ES modules (.mts: top-level await works); a js block is CommonJS when it
// calls require(), else an ES module. Blocks tagged sh/bash/shell are not run, but every
// `npm run X` in them must be a script of package.json and every `node F` / `bash F` a file of the
// checkout. Relative links must reach a file (and a #fragment a heading of it), and nothing may
// point readers at files that are not in the repository.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import * as ts from 'typescript';

const root = path.join(__dirname, '..');
const RUN_TIMEOUT_MS = 30_000;

interface Block {
  md: string; // path relative to the root, e.g. docs/stores.md
  line: number; // 1-based line of the block's first code line in the markdown file
  lang: 'ts' | 'js' | 'sh';
  flags: string[];
  code: string;
  prelude: { line: number; code: string } | null; // line: 1-based line of the prelude's first code line
}

interface Doc {
  md: string;
  text: string;
  blocks: Block[];
}

function docFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

const LANGS: Record<string, Block['lang']> = {
  ts: 'ts',
  typescript: 'ts',
  js: 'js',
  javascript: 'js',
  sh: 'sh',
  bash: 'sh',
  shell: 'sh',
};

/** parseBlocks returns the fenced code blocks of a markdown text, with the prelude comment before each. */
function parseBlocks(md: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let pending: { line: number; code: string } | null = null; // a prelude waiting for its block
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]);
    if (open) {
      const [, indent, fence, info] = open;
      const words = info.trim().split(/\s+/).filter(Boolean);
      const start = i + 1;
      const body: string[] = [];
      for (i++; i < lines.length; i++) {
        const close = /^(\s*)(`{3,}|~{3,})\s*$/.exec(lines[i]);
        if (close && close[2][0] === fence[0] && close[2].length >= fence.length) break;
        body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i].trimStart());
      }
      const lang = LANGS[(words[0] ?? '').toLowerCase()];
      if (lang) blocks.push({ md, line: start + 1, lang, flags: words.slice(1), code: body.join('\n'), prelude: pending });
      else if (pending) blocks.push({ md, line: start + 1, lang: 'ts', flags: ['orphan-prelude'], code: '', prelude: pending });
      pending = null;
      continue;
    }
    const prelude = /^\s*<!--\s*prelude\s*$/.exec(lines[i]);
    if (prelude) {
      const first = i + 2;
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*-->\s*$/.test(lines[i]); i++) body.push(lines[i]);
      pending = { line: first, code: body.join('\n') };
      continue;
    }
    if (pending && lines[i].trim() !== '') {
      blocks.push({ md, line: i + 1, lang: 'ts', flags: ['orphan-prelude'], code: '', prelude: pending });
      pending = null;
    }
  }
  return blocks;
}

const docs: Doc[] = docFiles().map((md) => {
  const text = fs.readFileSync(path.join(root, md), 'utf8');
  return { md, text, blocks: parseBlocks(md, text) };
});
const all = docs.flatMap((d) => d.blocks);
const code = all.filter((b) => b.lang !== 'sh' && !b.flags.includes('orphan-prelude'));
const where = (b: Block) => `${b.md}:${b.line}`;

t.test('the docs have code blocks, and some of them run', async (t) => {
  t.ok(fs.existsSync(path.join(root, 'dist', 'index.d.ts')), 'dist/ is built (npm run build:ts)');
  t.ok(code.length >= 5, `${code.length} ts/js blocks found`);
  t.ok(
    docs[0].blocks.some((b) => b.flags.includes('runnable')),
    'README.md has a runnable block',
  );
  t.ok(
    docs[0].blocks.some((b) => b.lang === 'sh'),
    'README.md has a shell block',
  );
  for (const b of all) {
    if (b.flags.includes('orphan-prelude')) t.fail(`${where(b)}: a prelude comment must be followed by a ts/js block`);
    for (const f of b.flags) {
      if (f !== 'runnable' && f !== 'orphan-prelude') t.fail(`${where(b)}: unknown marker "${f}" (only "runnable")`);
    }
    if (b.lang === 'sh' && b.flags.includes('runnable')) t.fail(`${where(b)}: shell blocks are never run`);
    if (b.prelude && b.code) {
      t.match(b.code.split('\n')[0], /fragment/i, `${where(b)}: a block with a prelude says "fragment" on its first line`);
    }
  }
});

// Each block as a file of its own under build/, so that the package resolves by its name.
function fileName(b: Block, i: number): string {
  const base = `${String(i).padStart(2, '0')}-${b.md.replace(/[/.]/g, '_')}-${b.line}`;
  if (b.lang === 'ts') return `${base}.mts`;
  return /\brequire\s*\(/.test(b.code) ? `${base}.cjs` : `${base}.mjs`;
}

function emittedName(file: string): string {
  return file.replace(/\.mts$/, '.mjs');
}

/** The output a runnable block promises: its `// => text` comments, in order, one line each. */
function expectedOutput(code: string): string[] {
  return code
    .split('\n')
    .map((l) => /\/\/ => (.*)$/.exec(l)?.[1].trim())
    .filter((x): x is string => x !== undefined);
}

/** The markdown position of a line (0-based) of the generated file. */
function mdLine(b: Block, line: number): string {
  const preludeLines = b.prelude ? b.prelude.code.split('\n').length : 0;
  if (b.prelude && line < preludeLines) return `${b.md}:${b.prelude.line + line} (prelude)`;
  return `${b.md}:${b.line + line - preludeLines}`;
}

t.test('every ts/js block type-checks against the package; runnable ones exit 0', async (t) => {
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, 'build', 'docs-blocks-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

  const files = new Map<string, Block>();
  code.forEach((b, i) => {
    const file = path.join(dir, fileName(b, i));
    fs.writeFileSync(file, `${(b.prelude ? `${b.prelude.code}\n` : '') + b.code}\n`);
    files.set(file, b);
  });

  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    strict: true,
    allowJs: true,
    checkJs: true,
    skipLibCheck: true,
    rootDir: dir,
    outDir: path.join(dir, 'out'),
    sourceMap: false,
    declaration: false,
  };
  const program = ts.createProgram([...files.keys()], options);
  const errors = new Map<Block, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const b = d.file ? files.get(path.resolve(d.file.fileName)) : undefined;
    if (!b || !d.file || d.start === undefined) {
      t.fail(`TS${d.code} outside the blocks: ${text}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const list = errors.get(b) ?? [];
    list.push(`${mdLine(b, line)}: TS${d.code}: ${text}`);
    errors.set(b, list);
  }
  for (const b of code)
    t.same(errors.get(b) ?? [], [], `${where(b)} (${b.lang}${b.flags.length ? ` ${b.flags.join(' ')}` : ''}) type-checks`);
  if (errors.size > 0) return; // running code that does not type-check tells nothing more

  const emitted = program.emit();
  t.notOk(emitted.emitSkipped, 'the blocks compile to JavaScript');
  for (const [file, b] of files) {
    if (!b.flags.includes('runnable')) continue;
    const js = path.join(dir, 'out', emittedName(path.basename(file)));
    const r = spawnSync(process.execPath, [js], { cwd: root, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
    const why = r.error ? String(r.error) : r.signal ? `killed by ${r.signal}` : `stderr: ${r.stderr.trim().slice(-2000)}`;
    t.equal(r.status, 0, `${where(b)} runs and exits 0${r.status === 0 ? '' : ` (${why})`}`);
    const expected = expectedOutput(b.code);
    if (expected.length > 0 && r.status === 0) {
      t.same(
        r.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
        expected,
        `${where(b)} prints what its "// =>" comments say`,
      );
    }
  }
});

t.test('shell blocks name npm scripts and files that exist', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  let checked = 0;
  const bad: string[] = [];
  for (const b of all.filter((x) => x.lang === 'sh')) {
    b.code.split('\n').forEach((line, i) => {
      const cmd = line.replace(/(^|\s)#.*$/, ''); // drop comments
      for (const m of cmd.matchAll(/\bnpm run(?:-script)? ([\w:.-]+)/g)) {
        checked++;
        if (!(m[1] in pkg.scripts)) bad.push(`${b.md}:${b.line + i}: npm run ${m[1]}: no such script in package.json`);
      }
      if (/\bnpm (test|t)\b/.test(cmd)) {
        checked++;
        if (!('test' in pkg.scripts)) bad.push(`${b.md}:${b.line + i}: npm test: no test script in package.json`);
      }
      for (const m of cmd.matchAll(/\b(?:node|bash)\s+((?:\.\/)?(?:scripts|bench|test|examples)\/[\w./-]+)/g)) {
        checked++;
        if (!fs.existsSync(path.join(root, m[1]))) bad.push(`${b.md}:${b.line + i}: ${m[1]}: no such file`);
      }
    });
  }
  t.ok(checked >= 5, `${checked} commands checked`);
  t.same(bad, [], 'every npm script and file named exists');
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(text: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    const h = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const s = slug(h[1]);
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    out.add(n === 0 ? s : `${s}-${n}`);
  }
  return out;
}

t.test('relative links reach a file, and a #fragment a heading of it', async (t) => {
  let checked = 0;
  const broken: string[] = [];
  for (const d of docs) {
    const prose = d.text.replace(/^\s*(`{3,}|~{3,})[\s\S]*?^\s*\1\s*$/gm, (m) => m.replace(/[^\n]/g, ' '));
    prose.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        checked++;
        const [file, frag] = target.split('#');
        const abs = file ? path.resolve(path.dirname(path.join(root, d.md)), file) : path.join(root, d.md);
        const at = `${d.md}:${i + 1}: ${target}`;
        if (!abs.startsWith(root + path.sep)) broken.push(`${at}: leaves the repository`);
        else if (abs.startsWith(path.join(root, 'docs', 'api') + path.sep))
          broken.push(`${at}: docs/api is generated (npm run docs), not in the repository`);
        else if (!fs.existsSync(abs)) broken.push(`${at}: no such file`);
        else if (frag !== undefined && !(abs.endsWith('.md') && anchors(fs.readFileSync(abs, 'utf8')).has(frag))) {
          broken.push(`${at}: no such heading`);
        }
      }
    });
  }
  t.ok(checked >= 10, `${checked} links checked`);
  t.same(broken, [], 'no broken links');
});

t.test('nothing points readers at files outside the repository', async (t) => {
  const outside = /SPEC\.md|\bSPEC\s+\d|\bSPEC's\b|STYLE\.md|design card|\/work\//;
  const found: string[] = [];
  for (const d of docs) {
    d.text.split('\n').forEach((line, i) => {
      const m = outside.exec(line);
      if (m) found.push(`${d.md}:${i + 1}: ${m[0]}`);
    });
  }
  t.same(found, [], 'no SPEC.md sections, STYLE.md, design card or local paths');
});

t.test('npm run check:docs: every exported symbol has a doc comment', async (t) => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'check-docs.js')], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, `scripts/check-docs.js exits 0${r.status === 0 ? '' : `: ${(r.stdout + r.stderr).trim().slice(-3000)}`}`);
});
