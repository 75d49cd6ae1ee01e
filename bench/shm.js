#!/usr/bin/env node
'use strict';
// The shared-memory session store (src/shm_*.cc, issue 16): sessions per MiB
// and lookup/store latency with 1 and 4 processes on one segment.
//
//   node bench/shm.js            full run (about 20 s), writes bench/results/shm.{md,json}
//   node bench/shm.js --short    quick run, writes bench/results/shm-short.{md,json}
//   node bench/shm.js --json     print the JSON document instead of the table
//
// The measuring program is C++ (bench/native/shm_bench.cc, built by
// `test/shm/run.sh bench` with the system compiler): the store is the core
// called directly, no Node-API in between. See that file for what each row
// measures.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const SHORT = args.includes('--short');
const JSON_OUT = args.includes('--json');

const load0 = os.loadavg();
const t0 = Date.now();
const r = spawnSync('sh', [path.join(root, 'test', 'shm', 'run.sh'), 'bench', '--json', ...(SHORT ? ['--short'] : [])], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 1 << 24,
});
if (r.status !== 0) {
  process.stderr.write((r.stdout || '') + (r.stderr || ''));
  process.exit(1);
}
const result = JSON.parse(r.stdout.trim().split('\n').pop());
const doc = {
  date: new Date().toISOString(),
  machine: `${os.cpus()[0].model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}`,
  load: { start: load0, end: os.loadavg() },
  seconds: Math.round((Date.now() - t0) / 100) / 10,
  ...result,
};

const fmt = (n) => Math.round(n).toLocaleString('en-US');
function markdown(d) {
  const lines = [];
  lines.push(`# Shared-memory session store (${d.short ? 'short run' : 'full run'})`, '');
  lines.push(
    `${d.date}: ${d.machine}. Load average at start ${d.load.start.map((x) => x.toFixed(2)).join(' / ')}, ` +
      `at end ${d.load.end.map((x) => x.toFixed(2)).join(' / ')}. The run took ${d.seconds} s. ` +
      'Reproduce with `node bench/shm.js` (or `--short`).',
    '',
  );
  lines.push('## Sessions per MiB', '');
  lines.push('Distinct sessions (32-byte id, 32-byte id context) stored until the first eviction.', '');
  lines.push('| DER bytes | segment | sessions | per MiB |', '| ---: | ---: | ---: | ---: |');
  for (const x of d.density) lines.push(`| ${x.der_len} | ${x.mib} MiB | ${fmt(x.sessions)} | ${fmt(x.per_mib)} |`);
  lines.push('', '## Latency (158-byte sessions)', '');
  lines.push(
    'ns per operation. mean: wall time / operations, per process, averaged over the processes (with more ' +
      'processes than cores it includes time spent descheduled); p50, p99: individually timed operations ' +
      '(every 8th); cpu: CPU time / operations.',
    '',
  );
  lines.push(
    '| operation | sessions | processes | mean | p50 | p99 | cpu | evictions |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const x of d.latency)
    lines.push(
      `| ${x.op} | ${fmt(x.sessions)} | ${x.procs} | ${fmt(x.mean_ns)} | ${fmt(x.p50_ns)} | ${fmt(x.p99_ns)} | ${fmt(x.cpu_ns)} | ${fmt(x.evictions)} |`,
    );
  const at158 = d.density.find((x) => x.der_len === 158 && x.mib === 1);
  const hit4 = d.latency.filter((x) => x.op === 'lookup_hit' && x.procs === 4);
  lines.push('', '## Goals', '', '| goal | measured | wanted | met |', '| --- | ---: | --- | --- |');
  if (at158)
    lines.push(`| sessions per MiB, 158-byte DER | ${fmt(at158.per_mib)} | >= 4,000 | ${at158.per_mib >= 4000 ? 'yes' : '**no**'} |`);
  for (const x of hit4)
    lines.push(
      `| lookup, 4 processes, ${fmt(x.sessions)} sessions (mean) | ${fmt(x.mean_ns)} ns | < 2,000 ns | ${x.mean_ns < 2000 ? 'yes' : '**no**'} |`,
    );
  return `${lines.join('\n')}\n`;
}

const md = markdown(doc);
const outDir = path.join(__dirname, 'results');
const base = SHORT ? 'shm-short' : 'shm';
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, `${base}.json`), `${JSON.stringify(doc, null, 2)}\n`);
fs.writeFileSync(path.join(outDir, `${base}.md`), md);
process.stderr.write(`wrote bench/results/${base}.md and ${base}.json\n`);
process.stdout.write(JSON_OUT ? `${JSON.stringify(doc, null, 2)}\n` : md);
