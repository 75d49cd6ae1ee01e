#!/usr/bin/env node
// The test runner behind `npm test` and `npm run test:all`.
//
//   node scripts/test.js            the fast layer: type-check + test/*.ts
//   node scripts/test.js --all      the fast layer + test/integration/*.ts
//                                   (needs openssl and redis-server, packs the
//                                   package, spawns clusters)
//   node scripts/test.js FILE...    just those files
//
// Each file runs as its own process, `node --import tsx FILE` (tap's library
// prints TAP on stdout and exits non-zero on a failure), TEST_JOBS at a time
// (default: the CPU count). Output streams: the oldest running file writes
// through live, the others are held until it is their turn, so every file's
// TAP stays in one piece. The last line is the one CI reads:
// "tests: N passed, N failed", counting each file's top-level tests (t.test
// blocks) and the type-check. A skipped or todo test counts as failed: none
// may be left behind.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const all = args.includes('--all');
const named = args.filter((a) => a !== '--all');
const jobs = Math.max(1, Number(process.env.TEST_JOBS) || (os.availableParallelism?.() ?? os.cpus().length));
const timeoutMs = Number(process.env.TEST_TIMEOUT_MS) || 600_000;

const testFiles = (dir) =>
  fs
    .readdirSync(path.join(root, dir))
    .filter((f) => /^\d\d-.*\.ts$/.test(f))
    .sort()
    .map((f) => `${dir}/${f}`);
const files = named.length ? named : [...testFiles('test'), ...(all ? testFiles('test/integration') : [])];

// The child environment: nothing of an outer tap run (which would change how
// tap's library reports).
const env = {};
for (const [k, v] of Object.entries(process.env)) if (!/^(TAP|TAP_.*|NODE_OPTIONS)$/.test(k)) env[k] = v;
// tap's own limit for a file run without its runner is 30 s; this runner's limit is the one.
env.TAP_TIMEOUT = String(Math.ceil(timeoutMs / 1000));

const jobsList = [
  {
    name: 'type-check',
    cmd: process.execPath,
    argv: [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'test/tsconfig.json'],
    tap: false,
  },
  ...files.map((f) => ({ name: f, cmd: process.execPath, argv: ['--import', 'tsx', f], tap: true })),
];
jobsList.forEach((job, i) => {
  job.point = i + 1;
});

let passed = 0;
let failed = 0;
const t0 = Date.now();
const running = []; // in start order; running[0] writes through
process.stdout.write(`TAP version 14\n# ${files.length} files, ${jobs} at a time\n`);

function emit(job, text) {
  if (running[0] === job) process.stdout.write(text);
  else job.held.push(text);
}

/** Counts a finished file and writes its closing test point. */
function close(job, status, signal) {
  let ok = 0;
  let bad = 0;
  for (const line of job.out.split('\n')) {
    if (/^ok \d+ /.test(line) && !/# (SKIP|TODO)\b/i.test(line)) ok++;
    else if (/^(not )?ok \d+ /.test(line)) bad++;
  }
  if (!job.tap) status === 0 ? ok++ : bad++;
  else if (status !== 0 && bad === 0)
    bad++; // a crash, a timeout, or a failure outside t.test
  else if (ok + bad === 0) bad++; // nothing ran
  passed += ok;
  failed += bad;
  const counts = (job.out.match(/^# \{ total: .*\}$/gm) || []).pop() || '';
  const how = signal ? `killed by ${signal}${job.timedOut ? ` after ${timeoutMs} ms` : ''}` : `exit ${status}`;
  const good = status === 0 && bad === 0;
  emit(
    job,
    `${good ? 'ok' : 'not ok'} ${job.point} - ${job.name} # ${ok} passed, ${bad} failed, ${how}, ${((Date.now() - job.start) / 1000).toFixed(1)} s ${counts.slice(2)}\n`,
  );
}

function start(job) {
  job.start = Date.now();
  job.out = '';
  job.held = [];
  running.push(job);
  emit(job, `# Subtest: ${job.name}\n`);
  const child = spawn(job.cmd, job.argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const timer = setTimeout(() => {
    job.timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  let partial = '';
  const onData = (chunk) => {
    // Whole lines only, indented as a TAP 14 subtest.
    const text = partial + chunk.toString('utf8');
    const cut = text.lastIndexOf('\n') + 1;
    partial = text.slice(cut);
    if (!cut) return;
    job.out += text.slice(0, cut);
    emit(job, text.slice(0, cut).replace(/^(?=.)/gm, '    '));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('close', (status, signal) => {
    clearTimeout(timer);
    if (partial) onData('\n');
    close(job, status, signal);
    job.done = true;
    // Hand the stream on: flush the next files in start order, live from the first still running.
    while (running.length && running[0].done) {
      running.shift();
      if (running.length) process.stdout.write(running[0].held.splice(0).join(''));
    }
    next();
  });
}

const queue = jobsList.slice();
function next() {
  while (queue.length && running.filter((j) => !j.done).length < jobs) start(queue.shift());
  if (!queue.length && !running.length) {
    process.stdout.write(`1..${jobsList.length}\n# took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    console.log(`tests: ${passed} passed, ${failed} failed`);
    // exitCode, not exit(): a piped stdout must drain first.
    process.exitCode = failed === 0 ? 0 : 1;
  }
}
next();
