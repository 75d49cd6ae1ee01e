#!/usr/bin/env node
'use strict';
// Store and lookup latency of the three session stores, measured from Node through the
// package's public paths, with 1 and with 4 processes at once, in one run:
//
//   in-process     each process's own SSL_CTX cache (SSL_SESS_CACHE_SERVER)
//   shared memory  createSharedSessionStore on one segment the primary creates and every
//                  child attaches by name (SSL_SESS_CACHE_SERVER | NO_INTERNAL: every lookup
//                  reaches the segment)
//   Redis          createRedisSessionStore on a redis-server this script starts on a free
//                  loopback port, one node-redis client per process (SERVER | NO_INTERNAL)
//
// Every store sits behind attachSessionCache on a tls.Server, and the operations are the
// server's own events, emitted without sockets or cryptography (as bench/replay.js does):
//   store        'newSession' with a TLS 1.2 server session's DER (158 bytes: a real Node
//                handshake's, one per session id), timed until the store holds it (for Redis:
//                until the SET is acknowledged; the synchronous part is shown apart);
//   lookup hit   'resumeSession' for a stored id, timed until the callback has the DER;
//   lookup miss  'resumeSession' for an id never stored (a fresh one each time).
// One operation in flight per process. Each process stores 10k sessions of its own; hits
// then pick among every process's sessions for the shared stores, among its own for the
// in-process cache. Processes are child_process.fork children that start each phase together.
//
//   node bench/stores.js            full run (about 1 min), writes bench/results/stores.{md,json}
//   node bench/stores.js --short    quick run (about 20 s), writes bench/results/stores-short.{md,json}
//   node bench/stores.js --json     print the JSON document instead of the table
const { fork } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { writeId } = require('./lib/ids');
const { startRedis } = require('./lib/redis-server');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const SHORT = args.includes('--short');
const JSON_OUT = args.includes('--json');

const SESSIONS = 10000;
const PROCESS_COUNTS = [1, 4];
const SECONDS = SHORT ? 0.4 : 3; // per lookup phase
const WARMUP = SHORT ? 300 : 2000; // untimed lookups before each lookup phase
const MAX_OPS = 3000000; // per process and phase
const SAMPLES = 20000; // latencies each process hands back for the percentiles
const ID_CONTEXT = 'openssl-session-cache/bench/stores'.slice(0, 32); // 32 bytes, as Node's default
const SEGMENT_SIZE = '32m'; // 40k sessions of 158 bytes need about 10 MiB
const STORES = [
  { key: 'inproc', label: 'in-process', shared: 'a cache per process' },
  { key: 'shm', label: 'shared memory', shared: 'one segment' },
  { key: 'redis', label: 'Redis on loopback', shared: 'one redis-server' },
];
const OPS = ['store', 'hit', 'miss'];
const OP_LABEL = { store: 'store', hit: 'lookup hit', miss: 'lookup miss' };

const hr = process.hrtime.bigint;

// ---- child: one process of one configuration ---------------------------------------------------

// Session ids: domain 10 + run for stored sessions, 20 + run for ids never stored; process p
// owns indexes [p * 1e7, (p + 1) * 1e7).
const storedId = (cfg, p, i) => writeId(10 + cfg.run, p * 1e7 + i, Buffer.alloc(32));
const missId = (cfg, i) => writeId(20 + cfg.run, cfg.proc * 1e7 + i, Buffer.alloc(32));

async function openStore(cfg, osc, ctx) {
  if (cfg.store === 'inproc') return { close: async () => {}, stats: () => null };
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL);
  if (cfg.store === 'shm') {
    const store = osc.createSharedSessionStore(ctx, { segment: cfg.segment, idContext: ID_CONTEXT });
    return {
      close: async () => {
        store.detach();
        store.segment.close();
      },
      stats: () => {
        const { segment, ...own } = store.stats();
        return { ...own, segment: { entries: segment.entries, evictions: segment.evictions, lockTimeouts: segment.lockTimeouts } };
      },
    };
  }
  const { createClient } = require('redis');
  const { createRedisSessionStore } = require(path.join(root, 'dist', 'redis-store.js'));
  const client = createClient({ url: `redis://127.0.0.1:${cfg.redisPort}`, disableOfflineQueue: true, commandsQueueMaxLength: 10000 });
  client.on('error', () => {});
  await client.connect();
  const store = createRedisSessionStore(ctx, { client, idContext: ID_CONTEXT, prefix: `bench:stores:${cfg.run}:`, timeoutMs: 1000 });
  return {
    drain: () => store.drain(),
    close: async () => {
      await store.drain();
      store.detach();
      client.destroy();
    },
    stats: () => {
      const { openssl, lastError, ...own } = store.stats();
      return { ...own, lastError };
    },
  };
}

// Runs op(k) for k = 0, 1, ... until `count` operations or `seconds` (0: no time limit).
// op returns its answer, or a Promise of it when the answer comes later.
async function measure(count, seconds, op, expected) {
  const n = Math.min(count, MAX_OPS);
  const total = new Float64Array(n);
  let syncNs = 0;
  let good = 0;
  let k = 0;
  const cpu0 = process.cpuUsage();
  const t00 = hr();
  const end = seconds > 0 ? t00 + BigInt(Math.round(seconds * 1e9)) : -1n;
  let t2 = t00;
  while (k < n && (end < 0n || t2 < end)) {
    const t0 = hr();
    let r = op(k);
    const t1 = hr();
    if (r instanceof Promise) r = await r;
    t2 = hr();
    total[k] = Number(t2 - t0);
    syncNs += Number(t1 - t0);
    if (expected(r)) good++;
    k++;
  }
  const wallNs = Number(t2 - t00);
  const cpu = process.cpuUsage(cpu0);
  const lat = total.subarray(0, k);
  const step = Math.max(1, Math.floor(k / SAMPLES));
  const samples = [];
  for (let j = 0; j < k; j += step) samples.push(lat[j]);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += lat[j];
  return { ops: k, wallNs, sumNs: sum, syncNs, cpuNs: (cpu.user + cpu.system) * 1000, good, samples };
}

async function child(cfg) {
  const osc = require(root);
  const server = tls.createServer({});
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const store = await openStore(cfg, osc, ctx);
  const adapter = osc.attachSessionCache(server, ctx, { sessionIdContext: ID_CONTEXT });
  let adapterErrors = 0;
  adapter.on('error', () => adapterErrors++);

  // This process's sessions: the captured one under each id (and a master key of its own).
  const template = osc.sessionFromDer(Buffer.from(cfg.der, 'base64'));
  osc.SSL_SESSION_set_time(template, Math.floor(Date.now() / 1000));
  const ids = [];
  const ders = [];
  for (let i = 0; i < SESSIONS; i++) {
    const id = storedId(cfg, cfg.proc, i);
    osc.SSL_SESSION_set1_id(template, id);
    osc.SSL_SESSION_set1_master_key(template, crypto.createHash('sha384').update(id).digest());
    ids.push(id);
    ders.push(Buffer.from(osc.sessionToDer(template)));
  }
  osc.SSL_SESSION_free(template);
  // Hits: among every process's sessions when the store is shared.
  const owners = cfg.store === 'inproc' ? [cfg.proc] : Array.from({ length: cfg.procs }, (_, p) => p);
  const hitIds = owners.flatMap((p) => (p === cfg.proc ? ids : Array.from({ length: SESSIONS }, (_, i) => storedId(cfg, p, i))));

  const noop = () => {};
  const lookup = (id) => {
    let answered = false;
    let value = null;
    let resolve = null;
    server.emit('resumeSession', id, (_err, der) => {
      answered = true;
      value = der ?? null;
      if (resolve) resolve(value);
    });
    if (answered) return value;
    return new Promise((r) => {
      resolve = r;
    });
  };
  const stored = () => true;
  const found = (der) => der !== null;
  const notFound = (der) => der === null;
  let x = 0x9e3779b9 ^ cfg.proc;
  const pick = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return hitIds[x % hitIds.length];
  };
  let missNext = 0;

  const phases = {
    store: () =>
      measure(
        SESSIONS,
        0,
        (k) => {
          server.emit('newSession', ids[k], ders[k], noop);
          return store.drain ? store.drain() : null;
        },
        stored,
      ),
    hit: async () => {
      for (let k = 0; k < WARMUP; k++) await lookup(pick());
      return measure(MAX_OPS, cfg.seconds, () => lookup(pick()), found);
    },
    miss: async () => {
      for (let k = 0; k < WARMUP; k++) await lookup(missId(cfg, missNext++));
      // Fresh ids made outside the timed call: the Redis store remembers recent misses.
      const pool = Array.from({ length: 4096 }, () => missId(cfg, missNext++));
      return measure(
        MAX_OPS,
        cfg.seconds,
        (k) => {
          if (k % pool.length === 0 && k > 0) for (let j = 0; j < pool.length; j++) pool[j] = missId(cfg, missNext++);
          return lookup(pool[k % pool.length]);
        },
        notFound,
      );
    },
  };

  process.on('message', async (m) => {
    if (m.phase === 'exit') {
      const stats = { store: store.stats(), adapterErrors, sessionsInCache: osc.SSL_CTX_sess_number(ctx) };
      adapter.detach();
      await store.close();
      osc.SSL_CTX_free(ctx);
      process.send({ type: 'stats', stats }, () => process.exit(0));
      return;
    }
    const result = await phases[m.phase]();
    process.send({ type: 'done', phase: m.phase, result });
  });
  process.send({ type: 'ready', derLength: ders[0].length });
}

// ---- primary ----------------------------------------------------------------------------------

// One TLS 1.2 server session from a real Node handshake on loopback (no tickets: the session
// Node hands to 'newSession' for a session-id resumption).
async function captureServerSession() {
  const fixtures = path.join(root, 'test', 'fixtures');
  let der = null;
  const server = tls.createServer(
    {
      key: fs.readFileSync(path.join(fixtures, 'der-server-key.pem')),
      cert: fs.readFileSync(path.join(fixtures, 'der-server-cert.pem')),
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      sessionIdContext: ID_CONTEXT,
      sessionTimeout: 7200,
      secureOptions: crypto.constants.SSL_OP_NO_TICKET,
    },
    (s) => {
      s.on('error', () => {});
      s.end('x');
    },
  );
  server.on('newSession', (_id, d, cb) => {
    der ??= Buffer.from(d);
    cb();
  });
  server.on('resumeSession', (_id, cb) => cb(null, null));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  await new Promise((resolve, reject) => {
    const c = tls.connect({ host: '127.0.0.1', port: server.address().port, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
    c.on('data', () => {});
    c.on('error', reject);
    c.on('close', resolve);
  });
  await new Promise((r) => server.close(r));
  if (!der) throw new Error('the TLS 1.2 handshake gave no server session');
  return der;
}

// Forks `procs` children for one store and runs the phases, all children at once.
async function runConfig(store, procs, run, extra) {
  const kids = [];
  const waiting = new Map();
  const expect = (kid, type) => new Promise((resolve) => waiting.set(`${kid.index}:${type}`, resolve));
  for (let p = 0; p < procs; p++) {
    const cfg = { store, proc: p, procs, run, seconds: SECONDS, ...extra };
    const kid = { index: p, proc: fork(__filename, ['--child', JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) };
    kid.proc.on('message', (m) => {
      const key = `${p}:${m.type}`;
      const resolve = waiting.get(key);
      waiting.delete(key);
      if (resolve) resolve(m);
    });
    kid.proc.on('exit', (code) => {
      if (code !== 0) {
        console.error(`bench/stores.js: ${store} child ${p} exited with ${code}`);
        process.exit(1);
      }
    });
    kids.push(kid);
  }
  const ready = await Promise.all(kids.map((k) => expect(k, 'ready')));
  const rows = [];
  for (const phase of OPS) {
    const done = kids.map((k) => expect(k, 'done'));
    for (const k of kids) k.proc.send({ phase });
    const results = (await Promise.all(done)).map((m) => m.result);
    rows.push(summarize(store, procs, phase, results));
  }
  const statsDone = kids.map((k) => expect(k, 'stats'));
  for (const k of kids) k.proc.send({ phase: 'exit' });
  const stats = (await Promise.all(statsDone)).map((m) => m.stats);
  await Promise.all(kids.map((k) => (k.proc.exitCode === null ? new Promise((r) => k.proc.once('exit', r)) : null)));
  return { rows, stats, derLength: ready[0].derLength };
}

function summarize(store, procs, op, results) {
  const ops = results.reduce((a, r) => a + r.ops, 0);
  const samples = results.flatMap((r) => r.samples).sort((a, b) => a - b);
  const q = (f) => samples[Math.min(samples.length - 1, Math.floor(f * samples.length))];
  const us = (ns) => Math.round(ns) / 1000;
  return {
    store,
    procs,
    op,
    ops,
    mean_us: us(results.reduce((a, r) => a + r.sumNs, 0) / ops),
    p50_us: us(q(0.5)),
    p99_us: us(q(0.99)),
    sync_us: us(results.reduce((a, r) => a + r.syncNs, 0) / ops),
    cpu_us: us(results.reduce((a, r) => a + r.cpuNs, 0) / ops),
    ops_per_s: Math.round(results.reduce((a, r) => a + r.ops / (r.wallNs / 1e9), 0)),
    expected_share: results.reduce((a, r) => a + r.good, 0) / ops,
  };
}

const num = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const micro = (v) => (v >= 100 ? num(v, 0) : v >= 10 ? num(v, 1) : num(v, 2));

function markdown(d) {
  const lines = [];
  const load = (l) => l.map((v) => v.toFixed(2)).join(' / ');
  lines.push(`# Session stores from Node: in-process, shared memory, Redis (${d.short ? 'short run' : 'full run'})`, '');
  lines.push(
    `${d.date}: ${d.machine}; Node ${d.node}; ${d.redis.version ? `Redis ${d.redis.version} on loopback` : 'no Redis'}. ` +
      `Load average at start ${load(d.load.start)}, at end ${load(d.load.end)}. The run took ${d.seconds} s. ` +
      `Reproduce with \`node bench/stores.js\` (or \`--short\`), after \`npm run build:ts\`.`,
    '',
  );
  lines.push(
    `Each process stores ${num(d.sessions)} sessions (${d.der_length}-byte DER, a TLS 1.2 server session from a real Node ` +
      'handshake) and then looks sessions up, one operation in flight per process, through attachSessionCache: ' +
      "the 'newSession' and 'resumeSession' events of a tls.Server, emitted without sockets or cryptography. " +
      'With 4 processes, all 4 run each phase at once (child_process.fork); ' +
      `this machine has ${d.cores} cores, so 4 processes share them. ` +
      'In-process: each process has its own cache (its own 10k sessions; nothing is shared). Shared memory: the primary ' +
      `creates one ${d.segment_size} segment, the children attach it by name. Redis: one redis-server, a client per process. ` +
      'The shared stores run with SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL, so every lookup reaches the store, ' +
      "and their hits pick among every process's sessions.",
    '',
  );
  lines.push('## Latency, µs per operation: mean (p50)', '');
  const present = STORES.filter((st) => d.rows.some((r) => r.store === st.key));
  lines.push(`| operation | processes | ${present.map((st) => `${st.label} (${st.shared})`).join(' | ')} |`);
  lines.push(`| --- | ---: | ${present.map(() => '---:').join(' | ')} |`);
  for (const procs of d.process_counts)
    for (const op of OPS) {
      const cells = present.map((st) => {
        const r = d.rows.find((x) => x.store === st.key && x.procs === procs && x.op === op);
        return r ? `${micro(r.mean_us)} (${micro(r.p50_us)})` : '';
      });
      lines.push(`| ${OP_LABEL[op]} | ${procs} | ${cells.join(' | ')} |`);
    }
  if (d.redis.skipped) lines.push('', `Redis rows skipped: ${d.redis.skipped}.`);
  lines.push('', '## Details', '');
  lines.push(
    'µs per operation, all processes together. mean, p50, p99: from the call to the answer (a store: until the store ' +
      'holds the session; for Redis, until the SET is acknowledged); sync: the part the event handler runs before it ' +
      'returns (what the event loop is blocked for; a Redis write then completes in the background, a lookup that asks a store ' +
      'answers a turn later); cpu: CPU time of the Node process / operations (not redis-server). With more processes than ' +
      'cores the times include time spent descheduled. ops/s: the sum over the processes. expected: hits found, misses not ' +
      'found, stores done.',
    '',
  );
  lines.push('| store | processes | operation | operations | mean | p50 | p99 | sync | cpu | ops/s | expected |');
  lines.push('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of d.rows) {
    const st = STORES.find((x) => x.key === r.store);
    lines.push(
      `| ${st.label} | ${r.procs} | ${OP_LABEL[r.op]} | ${num(r.ops)} | ${micro(r.mean_us)} | ${micro(r.p50_us)} | ${micro(r.p99_us)} | ` +
        `${micro(r.sync_us)} | ${micro(r.cpu_us)} | ${num(r.ops_per_s)} | ${(r.expected_share * 100).toFixed(1)}% |`,
    );
  }
  const notes = [];
  for (const c of d.configs) {
    const errs = c.stats.reduce((a, s) => a + s.adapterErrors, 0);
    if (errs) notes.push(`${c.store}, ${c.procs} processes: the adapter reported ${errs} errors.`);
    if (c.store === 'redis') {
      const sum = (k) => c.stats.reduce((a, s) => a + (s.store[k] || 0), 0);
      notes.push(
        `Redis, ${c.procs} process${c.procs > 1 ? 'es' : ''}: stores ${sum('stores')}, lookups ${sum('lookups')}, hits ${sum('hits')}, ` +
          `misses ${sum('misses')}, timeouts ${sum('timeouts')}, errors ${sum('errors')}, dropped ${sum('dropped')}.`,
      );
    }
    if (c.store === 'shm') {
      const seg = c.stats[0].store.segment;
      notes.push(
        `Shared memory, ${c.procs} process${c.procs > 1 ? 'es' : ''}: ${num(seg.entries)} entries in the segment, ` +
          `${seg.evictions} evictions, ${seg.lockTimeouts} lock timeouts.`,
      );
    }
  }
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

async function main() {
  const load0 = os.loadavg();
  const t0 = Date.now();
  const osc = require(root);
  const der = (await captureServerSession()).toString('base64');
  const redis = await startRedis();
  const configs = [];
  let run = 0;
  for (const procs of PROCESS_COUNTS) {
    for (const s of STORES) {
      run++;
      if (s.key === 'redis' && redis.skipped) continue;
      let segment = null;
      const extra = { der };
      if (s.key === 'shm') {
        segment = osc.SharedSessionSegment.create(SEGMENT_SIZE);
        extra.segment = segment.name;
      }
      if (s.key === 'redis') extra.redisPort = redis.port;
      const tc = Date.now();
      try {
        configs.push({ store: s.key, procs, ...(await runConfig(s.key, procs, run, extra)) });
        process.stderr.write(`${s.label}, ${procs} process${procs > 1 ? 'es' : ''}: ${((Date.now() - tc) / 1000).toFixed(1)} s\n`);
      } finally {
        if (segment) {
          segment.unlink();
          segment.close();
        }
      }
    }
  }
  if (redis.proc) redis.proc.kill('SIGKILL');
  const cpus = os.cpus();
  const doc = {
    date: new Date().toISOString(),
    short: SHORT,
    machine: `${cpus[0].model}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}`,
    cores: cpus.length,
    node: process.version,
    redis: redis.skipped ? { skipped: redis.skipped } : { version: redis.version },
    load: { start: load0, end: os.loadavg() },
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    sessions: SESSIONS,
    der_length: configs[0].derLength,
    segment_size: SEGMENT_SIZE,
    lookup_seconds: SECONDS,
    process_counts: PROCESS_COUNTS,
    rows: configs.flatMap((c) => c.rows),
    configs: configs.map(({ store, procs, stats }) => ({ store, procs, stats })),
  };
  const md = markdown(doc);
  const outDir = path.join(__dirname, 'results');
  const base = SHORT ? 'stores-short' : 'stores';
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `${base}.json`), `${JSON.stringify(doc, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, `${base}.md`), md);
  process.stderr.write(`wrote bench/results/${base}.md and ${base}.json\n`);
  process.stdout.write(JSON_OUT ? `${JSON.stringify(doc, null, 2)}\n` : md);
  process.exit(0);
}

if (args[0] === '--child') {
  child(JSON.parse(args[1])).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
