'use strict';
// Formats the C and C++ sources with clang-format (the style is .clang-format at the root).
//   node scripts/clang-format.js           rewrite the files in place
//   node scripts/clang-format.js --check   change nothing; exit 1 and name each file that differs
// The files are the tracked *.c, *.cc and *.h; CLANG_FORMAT names the binary (default clang-format).
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bin = process.env.CLANG_FORMAT || 'clang-format';
const check = process.argv.includes('--check');

const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
if (version.status !== 0) {
  console.error(`clang-format: cannot run ${bin} (Debian/Ubuntu: apt-get install clang-format)`);
  process.exit(1);
}
const files = execFileSync('git', ['ls-files', '-z', '*.c', '*.cc', '*.h'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
const args = check ? ['--dry-run', '-Werror', '--ferror-limit=1'] : ['-i'];
let failed = 0;
for (let i = 0; i < files.length; i += 50) {
  const r = spawnSync(bin, [...args, ...files.slice(i, i + 50)], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(r.stderr);
  }
}
console.log(`clang-format: ${files.length} files ${check ? 'checked' : 'formatted'}${failed ? ', some differ' : ''}`);
process.exit(failed ? 1 : 0);
