#!/usr/bin/env node
'use strict';
// npm run bench [-- --short] [-- --json] [-- --only=core,openssl] [-- --scenarios=add,lookup_hit]
//
// Runs every implementation × scenario × size in a fresh child process
// (bench/child.js), several repetitions, and reports the median and the
// spread ((max - min) / median). Writes bench/results/latest.{md,json} (full
// mode) or bench/results/short.{md,json} (short mode), prints the table, or
// with --json prints the JSON document instead.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { localNodedir } = require('../scripts/lib/node-headers');

const root = path.join(__dirname, '..');
const nativeDir = path.join(__dirname, 'native');
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3).split(',') : null;
};
const SHORT = flag('short');
const JSON_OUT = flag('json');
const ONLY = option('only');
const ONLY_SCENARIOS = option('scenarios');
const log = (...m) => process.stderr.write(`${m.join(' ')}\n`);

// ---- what runs -----------------------------------------------------------

const IMPLS = [
  { id: 'core', label: '1 core C++', desc: 'our C++ core called directly from C++ (bench/native/core_bench.cc)' },
  {
    id: 'openssl',
    label: '2 OpenSSL C++',
    desc: "real OpenSSL's cache called directly from C++ (Node's exported OpenSSL; bench/native/openssl_bench.cc)",
  },
  { id: 'js-api', label: '3 our API (JS)', desc: 'our TypeScript API from JS (the package, dist/)' },
  {
    id: 'js-openssl',
    label: '4 OpenSSL via N-API',
    desc: 'real OpenSSL from JS through an equally thin Node-API wrapper (bench/native/openssl_napi.cc)',
  },
  { id: 'js-map', label: '5a Map (hex id)', desc: "a JS Map keyed by hex id holding Buffers (Node's documented pattern)" },
  { id: 'js-lru', label: '5b lru-cache', desc: 'lru-cache with the same size and TTL' },
  { id: 'floor', label: '6 N-API floor', desc: 'an empty Node-API call, and one taking a 32-byte Buffer' },
];
const NAPI = ['core', 'openssl', 'js-api', 'js-openssl'];
const STORES = ['js-map', 'js-lru'];

// sizeless: the size column does not apply (new session, a default-size cache, the floor).
const SCENARIOS = [
  { id: 'new', title: 'new session (create + set id/version/time/timeout)', impls: NAPI, sizeless: true, ops: [200000, 40000] },
  { id: 'add', title: 'add (new entry, at the head)', impls: [...NAPI, ...STORES], ops: [100000, 20000] },
  {
    id: 'lookup_hit',
    title: 'lookup hit (table lookup + reference, as the handshake; Map/LRU: get(hex))',
    impls: [...NAPI, ...STORES],
    ops: [200000, 40000],
  },
  { id: 'lookup_miss', title: 'lookup miss (table lookup; Map/LRU: get(hex))', impls: [...NAPI, ...STORES], ops: [200000, 40000] },
  { id: 'has_match_hit', title: 'SSL_has_matching_session_id, hit', impls: NAPI, ops: [200000, 40000] },
  { id: 'has_match_miss', title: 'SSL_has_matching_session_id, miss (the locked lookup)', impls: NAPI, ops: [200000, 40000] },
  { id: 'remove', title: 'remove with destruction (Map/LRU: delete(hex))', impls: [...NAPI, ...STORES], ops: [100000, 20000] },
  {
    id: 'evict',
    title: 'add into a full default-size cache (20480: evicts the tail)',
    impls: [...NAPI, 'js-lru'],
    sizeless: true,
    ops: [100000, 20000],
  },
  {
    id: 'flush0',
    title: 'flush, 0% expired (per call; lru-cache: purgeStale)',
    impls: [...NAPI, 'js-lru'],
    ops: [10000, 2000],
    budget: [300, 50],
  },
  { id: 'flush10', title: 'flush, 10% expired (per removed session)', impls: [...NAPI, 'js-lru'], ops: [1, 1] },
  { id: 'flush100', title: 'flush, 100% expired (per removed session)', impls: [...NAPI, 'js-lru'], ops: [1, 1] },
  { id: 'add_early', title: 'add a session that expires before the newest ones', impls: NAPI, ops: [5000, 1000], budget: [300, 50] },
  {
    id: 'handshake',
    title: 'server handshake path: 50% resume, 50% new + ssl_update_cache (cache full at N)',
    impls: [...NAPI, ...STORES],
    ops: [100000, 10000],
  },
  {
    id: 'memory',
    title: 'memory: resident bytes per cached session (RSS delta after filling N)',
    impls: [...NAPI, ...STORES],
    unit: 'B',
    ops: [0, 0],
  },
  {
    id: 'dram_miss',
    title: 'floor: one dependent load from a random line of a buffer the size of the core cache at N (N × 336 B)',
    impls: ['core'],
    ops: [200000, 40000],
  },
  { id: 'floor_empty', title: 'Node-API floor: empty call', impls: ['floor'], sizeless: true, ops: [2000000, 500000] },
  { id: 'floor_buf', title: 'Node-API floor: call taking one 32-byte Buffer', impls: ['floor'], sizeless: true, ops: [2000000, 500000] },
  {
    id: 'floor_handle',
    title: '(for reference) call taking one type-tagged external handle',
    impls: ['floor'],
    sizeless: true,
    ops: [2000000, 500000],
  },
];

const SIZES = SHORT ? [10000] : [10000, 100000, 1000000];
// Repetitions by size. At 1M the fill alone takes seconds per process (most
// of all for OpenSSL and the JS implementations), so fewer repetitions and,
// for the JS implementations, only the scenarios the goals and the Map
// comparison need.
function reps(impl, size) {
  if (SHORT) return 1;
  if (size >= 1000000) return impl === 'core' || impl === 'openssl' ? 2 : 1;
  return size >= 100000 ? 2 : 3;
}
const AT_1M_JS = new Set(['add', 'lookup_hit', 'memory']);
const AT_1M_CPP_SKIP = new Set(['has_match_hit']);
function runsAt(impl, sc, size) {
  if (size < 1000000) return true;
  if (impl === 'core' || impl === 'openssl') return !AT_1M_CPP_SKIP.has(sc.id);
  return AT_1M_JS.has(sc.id) && (impl !== 'js-lru' || sc.id !== 'add');
}

// ---- build ---------------------------------------------------------------

function newestMtime(dir, re) {
  let t = 0;
  for (const f of fs.readdirSync(dir)) if (re.test(f)) t = Math.max(t, fs.statSync(path.join(dir, f)).mtimeMs);
  return t;
}

function ensureBuilt() {
  const out = path.join(nativeDir, 'build', 'Release');
  const targets = ['core_bench', 'openssl_bench', 'openssl_napi', 'napi_floor'].map((t) => path.join(out, `${t}.node`));
  const sources = Math.max(newestMtime(nativeDir, /\.(cc|h|gyp)$/), newestMtime(path.join(root, 'src'), /\.(cc|h)$/));
  const built = targets.every((t) => fs.existsSync(t)) ? Math.min(...targets.map((t) => fs.statSync(t).mtimeMs)) : 0;
  if (built < sources) {
    log('building the bench addons (bench/native) ...');
    const gyp = path.join(root, 'node_modules', '.bin', 'node-gyp');
    const nodedir = localNodedir();
    const extra = nodedir ? [`--nodedir=${nodedir}`] : [];
    const r = spawnSync(gyp, ['rebuild', '-j', String(os.cpus().length), ...extra], {
      cwd: nativeDir,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0) {
      process.stderr.write(r.stdout + r.stderr);
      throw new Error('node-gyp rebuild in bench/native failed');
    }
  }
  if (!fs.existsSync(path.join(root, 'dist', 'index.js')))
    throw new Error('dist/ is missing: run `npm install` (or `npm run build`) first');
}

// ---- run -----------------------------------------------------------------

function runChild(impl, sc, size) {
  const i = SHORT ? 1 : 0;
  const ops = sc.ops[i];
  const budget = sc.budget ? sc.budget[i] : 0;
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', path.join(__dirname, 'child.js'), impl, sc.id, String(size), String(ops), String(budget)],
    {
      encoding: 'utf8',
      timeout: 180000,
      maxBuffer: 1 << 20,
    },
  );
  const line = (r.stdout || '').trim().split('\n').pop();
  if (r.status !== 0 || !line) return { error: (r.stderr || '').trim().split('\n').slice(-3).join(' ') || `exit ${r.status ?? r.signal}` };
  return JSON.parse(line);
}

// The median; of an even count the lower middle (of two repetitions, the
// faster: a burst of load on the shared machine only ever slows a run down).
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1];
}

function machine() {
  const cpus = os.cpus();
  let opensslBuild = '';
  try {
    opensslBuild = require(path.join(nativeDir, 'build', 'Release', 'openssl_bench.node')).version;
  } catch {
    /* reported as missing */
  }
  return {
    cpu: cpus[0] ? cpus[0].model : 'unknown',
    cores: cpus.length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    openssl: opensslBuild || `OpenSSL ${process.versions.openssl}`,
    lruCache: require(path.join(root, 'node_modules', 'lru-cache', 'package.json')).version,
    loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

function main() {
  const t0 = Date.now();
  ensureBuilt();
  const info = machine();
  const plan = [];
  for (const sc of SCENARIOS) {
    if (ONLY_SCENARIOS && !ONLY_SCENARIOS.includes(sc.id)) continue;
    for (const size of sc.sizeless ? [0] : SIZES) {
      for (const impl of sc.impls) {
        if (ONLY && !ONLY.includes(impl)) continue;
        if (!sc.sizeless && !runsAt(impl, sc, size)) continue;
        plan.push({ sc, size, impl, reps: reps(impl, size || 10000) });
      }
    }
  }
  const total = plan.reduce((a, p) => a + p.reps, 0);
  log(`${SHORT ? 'short' : 'full'} run: ${total} child processes (${info.cpu}, ${info.cores} cores, node ${info.node}, ${info.openssl})`);
  const rows = [];
  let done = 0;
  // Repetitions interleaved (all of rep 1, then all of rep 2, ...) so a burst
  // of load on the machine does not hit every repetition of one cell.
  const samples = plan.map(() => []);
  const maxReps = Math.max(...plan.map((p) => p.reps));
  for (let rep = 0; rep < maxReps; rep++) {
    plan.forEach((p, k) => {
      if (rep >= p.reps) return;
      const r = runChild(p.impl, p.sc, p.size);
      samples[k].push(r);
      done++;
      if (done % 20 === 0 || r.error) {
        log(`  ${done}/${total} ${((Date.now() - t0) / 1000).toFixed(0)}s${r.error ? `  ${p.impl} ${p.sc.id} ${p.size}: ${r.error}` : ''}`);
      }
    });
  }
  plan.forEach((p, k) => {
    const ok = samples[k].filter((r) => !r.error);
    const vals = ok.map((r) => (p.sc.unit === 'B' ? r.bytesPerSession : r.nsPerOp));
    const row = { scenario: p.sc.id, size: p.size || null, impl: p.impl, reps: samples[k].length };
    if (vals.length) {
      const med = median(vals);
      row.median = +med.toPrecision(4);
      row.min = +Math.min(...vals).toPrecision(4);
      row.max = +Math.max(...vals).toPrecision(4);
      row.spreadPct = vals.length > 1 && med ? +((100 * (row.max - row.min)) / med).toFixed(1) : null;
      row.ops = ok[0].ops;
      if (ok[0].removed) row.removed = ok[0].removed;
    }
    const errors = samples[k].filter((r) => r.error).map((r) => r.error);
    if (errors.length) row.error = errors[0];
    rows.push(row);
  });
  info.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(2));
  const doc = {
    mode: SHORT ? 'short' : 'full',
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
    machine: info,
    implementations: IMPLS.map(({ id, label, desc }) => ({ id, label, desc })),
    scenarios: SCENARIOS.map(({ id, title, unit }) => ({ id, title, unit: unit || 'ns/op' })),
    results: rows,
  };
  doc.goals = goals(doc);
  const md = markdown(doc);
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  if (!ONLY && !ONLY_SCENARIOS) {
    const base = SHORT ? 'short' : 'latest';
    fs.writeFileSync(path.join(outDir, `${base}.json`), `${JSON.stringify(doc, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, `${base}.md`), md);
    log(`wrote bench/results/${base}.md and ${base}.json (${doc.seconds}s)`);
  }
  process.stdout.write(JSON_OUT ? `${JSON.stringify(doc, null, 2)}\n` : md);
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

// ---- goals (ratios from this run) ----------------------------------------

function goals(doc) {
  const get = (impl, scenario, size = null) => {
    const r = doc.results.find((x) => x.impl === impl && x.scenario === scenario && x.size === size);
    return r && r.median != null ? r.median : null;
  };
  const ratio = (a, b) => (a != null && b != null && b > 0 ? a / b : null);
  const out = [];
  const add = (group, name, value, want, cmp, note = '') => {
    const met = value == null ? null : cmp === '>=' ? value >= want : value <= want;
    out.push({ group, name, value: value == null ? null : +value.toFixed(2), want: `${cmp} ${want}`, met, note });
  };
  const sizes = [...new Set(doc.results.filter((r) => r.size).map((r) => r.size))].sort((a, b) => a - b);
  for (const s of sizes) {
    const k = fmtSize(s);
    add('core vs OpenSSL, C++', `add @${k}`, ratio(get('openssl', 'add', s), get('core', 'add', s)), 3, '>=');
    add('core vs OpenSSL, C++', `lookup hit @${k}`, ratio(get('openssl', 'lookup_hit', s), get('core', 'lookup_hit', s)), 3, '>=');
    add('core vs OpenSSL, C++', `lookup miss @${k}`, ratio(get('openssl', 'lookup_miss', s), get('core', 'lookup_miss', s)), 3, '>=');
    add('core vs OpenSSL, C++', `flush 10% per removed @${k}`, ratio(get('openssl', 'flush10', s), get('core', 'flush10', s)), 3, '>=');
    add('core vs OpenSSL, C++', `flush 100% per removed @${k}`, ratio(get('openssl', 'flush100', s), get('core', 'flush100', s)), 3, '>=');
    add('core vs OpenSSL, C++', `remove with destruction @${k}`, ratio(get('openssl', 'remove', s), get('core', 'remove', s)), 5, '>=');
    for (const sc of ['lookup_hit', 'lookup_miss']) {
      const dram = get('core', 'dram_miss', s);
      add(
        'core lookup vs one DRAM miss',
        `${sc.replace('_', ' ')} @${k} / dependent random load`,
        ratio(get('core', sc, s), dram),
        2,
        '<=',
        `${fmt(get('core', sc, s))} ns vs ${fmt(dram)} ns (the goal is at 1M)`,
      );
    }
    add(
      'core vs OpenSSL, C++',
      `memory per session @${k} (core / OpenSSL)`,
      ratio(get('core', 'memory', s), get('openssl', 'memory', s)),
      0.33,
      '<=',
      `${fmt(get('core', 'memory', s))} B vs ${fmt(get('openssl', 'memory', s))} B`,
    );
  }
  // JS API: cost above the Node-API floor of the same argument shape, over the core's own cost.
  const fe = get('floor', 'floor_empty');
  const fb = get('floor', 'floor_buf');
  const shapes = {
    add: [fe, 'one call, handles only'],
    remove: [fe, 'one call, handles only'],
    flush0: [fe, 'one call, handle + number'],
    has_match_hit: [fb, 'one call taking a 32-byte id'],
    has_match_miss: [fb, 'one call taking a 32-byte id'],
    lookup_hit: [fb != null && fe != null ? fb + fe : null, 'lookup_sess_in_cache (id) + SSL_SESSION_free'],
    lookup_miss: [fb, 'lookup_sess_in_cache (id), null back'],
    new: [fb != null && fe != null ? fb + 4 * fe : null, 'five calls, one taking the id'],
  };
  for (const s of sizes.length ? [sizes[0]] : []) {
    for (const [sc, [floor, shape]] of Object.entries(shapes)) {
      const size = sc === 'new' ? null : s;
      const js = get('js-api', sc, size);
      const core = get('core', sc, size);
      const over = js != null && floor != null ? js - floor : null;
      add(
        'JS API overhead',
        `${sc}${size ? ` @${fmtSize(size)}` : ''}: (JS - floor) / core`,
        ratio(over, core),
        1.5,
        '<=',
        `JS ${fmt(js)} ns, floor ${fmt(floor)} ns (${shape}), core ${fmt(core)} ns`,
      );
    }
  }
  for (const s of sizes) {
    add(
      'JS lookup vs hex Map',
      `lookup hit @${fmtSize(s)}: Map / our API`,
      ratio(get('js-map', 'lookup_hit', s), get('js-api', 'lookup_hit', s)),
      5,
      '>=',
      `Map ${fmt(get('js-map', 'lookup_hit', s))} ns, ours ${fmt(get('js-api', 'lookup_hit', s))} ns (lookup_sess_in_cache + free)`,
    );
    const hm = get('js-api', 'has_match_hit', s);
    if (hm != null) {
      add(
        'JS lookup vs hex Map',
        `lookup hit @${fmtSize(s)}: Map / SSL_has_matching_session_id`,
        ratio(get('js-map', 'lookup_hit', s), hm),
        5,
        '>=',
        `Map ${fmt(get('js-map', 'lookup_hit', s))} ns, ours ${fmt(hm)} ns`,
      );
    }
  }
  if (sizes.length > 1) {
    const lo = sizes[0];
    const hi = sizes[sizes.length - 1];
    for (const impl of ['core', 'js-api', 'openssl']) {
      const a = get(impl, 'flush0', lo);
      const b = get(impl, 'flush0', hi);
      if (a == null || b == null) continue;
      add(
        'flush proportional to removed',
        `${impl}: flush 0% @${fmtSize(hi)} / @${fmtSize(lo)}`,
        ratio(b, a),
        1.5,
        '<=',
        `${fmt(a)} ns vs ${fmt(b)} ns per call`,
      );
    }
  }
  return out;
}

// ---- markdown ------------------------------------------------------------

function fmtSize(s) {
  return s >= 1e6 ? `${s / 1e6}M` : s >= 1e3 ? `${s / 1e3}k` : String(s);
}
function fmt(v) {
  if (v == null) return '—';
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} ms`.replace(' ms', 'e6');
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
function cell(r) {
  if (!r) return '';
  if (r.median == null) return r.error ? 'error' : '';
  const spread = r.spreadPct != null ? ` ±${Math.round(r.spreadPct / 2)}%` : '';
  return `${fmt(r.median)}${spread}`;
}

function markdown(doc) {
  const m = doc.machine;
  const lines = [];
  lines.push(`# Benchmark results (${doc.mode} run)`);
  lines.push('');
  lines.push(
    `${doc.date}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, ${m.openssl}, lru-cache ${m.lruCache}. ` +
      `Load average at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd.join(' / ')}. The run took ${doc.seconds} s.`,
  );
  lines.push('');
  lines.push(
    'Every cell is one implementation × scenario × size, each repetition in a fresh child process: the median (of two, the lower) ' +
      'in ns per operation (memory: bytes per cached session), ± half the spread between the fastest and the slowest ' +
      'repetition, relative to the median (no ± where one repetition ran). Loops of cheap calls (lookups, flush 0%, the floor) ' +
      'are timed in blocks of 1,000 and report the median block. After filling the cache, the C++ scenarios look up ' +
      'every cached session once, untimed, in random order, on both sides: the page tables and caches of a running server, ' +
      'not those right after the prefill wrote the memory in order. Empty: not applicable. ' +
      'Reproduce with `npm run bench` (full) or `npm run bench:short`.',
  );
  lines.push('');
  lines.push('## Goals (ratios from this run)');
  lines.push('');
  lines.push('| goal | measured | wanted | met | detail |');
  lines.push('| --- | ---: | --- | --- | --- |');
  for (const g of doc.goals) {
    lines.push(
      `| ${g.group}: ${g.name} | ${g.value == null ? '—' : g.value.toFixed(2)} | ${g.want} | ${g.met == null ? '—' : g.met ? 'yes' : '**no**'} | ${g.note} |`,
    );
  }
  lines.push('');
  lines.push('## All results');
  lines.push('');
  const impls = doc.implementations.filter((i) => doc.results.some((r) => r.impl === i.id));
  lines.push(`| scenario | N | ${impls.map((i) => i.label).join(' | ')} |`);
  lines.push(`| --- | ---: | ${impls.map(() => '---:').join(' | ')} |`);
  for (const sc of doc.scenarios) {
    const rs = doc.results.filter((r) => r.scenario === sc.id);
    const sizes = [...new Set(rs.map((r) => r.size))];
    for (const s of sizes) {
      const cells = impls.map((i) => cell(rs.find((r) => r.impl === i.id && r.size === s)));
      lines.push(
        `| ${sc.title}${sc.unit === 'B' ? ' [B]' : ''} | ${s ? fmtSize(s) : s === null && sc.id === 'evict' ? '20480' : '—'} | ${cells.join(' | ')} |`,
      );
    }
  }
  lines.push('');
  lines.push('## Implementations');
  lines.push('');
  for (const i of impls) lines.push(`- **${i.label}**: ${i.desc}`);
  const errs = doc.results.filter((r) => r.error);
  if (errs.length) {
    lines.push('');
    lines.push('## Errors');
    lines.push('');
    for (const r of errs) lines.push(`- ${r.impl} ${r.scenario} ${r.size || ''}: ${r.error}`);
  }
  lines.push('');
  return lines.join('\n');
}

main();
