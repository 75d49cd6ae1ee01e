#!/usr/bin/env node
// The adapter's work per Node event, without sockets or crypto: recorded 'newSession' DER blobs
// and 'resumeSession' ids are emitted straight at a tls.Server, whose handlers are
//   adapter  attachSessionCache over an SSL_CTX of the given size (OpenSSL's steps, native)
//   map      the pattern Node's documentation shows: a Map keyed by the hex id, holding the DER
//   lru      the same over lru-cache (max = size, ttl = the session timeout)
// at 10k and 100k cached sessions. Each implementation x size runs in a fresh child process,
// twice; the lower median per event is reported (ns per event).
//
//   node bench/replay.js [--short] [--json]
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const SHORT = process.argv.includes('--short');
const JSON_OUT = process.argv.includes('--json');
const SIZES = SHORT ? [10000] : [10000, 100000];
const IMPLS = ['adapter', 'map', 'lru'];
const EVENTS = SHORT ? 20000 : 200000;

function child(impl, size, events) {
  const tls = require('node:tls');
  const osc = require(root);
  const server = tls.createServer({});
  const cipher = osc.SSL_CIPHER_find(null, Buffer.from([0xc0, 0x2f]));
  const sidCtx = Buffer.from('replay');
  // Recorded sessions: what Node hands to 'newSession' for a TLS 1.2 full handshake (about 150
  // bytes of DER: version, cipher, 32-byte id, 48-byte master key, times, id context).
  const record = (i) => {
    const s = osc.SSL_SESSION_new();
    const id = Buffer.alloc(32);
    id.writeUInt32BE(i, 0);
    id.writeUInt32BE((i * 2654435761) >>> 0, 4);
    osc.SSL_SESSION_set1_id(s, id);
    osc.SSL_SESSION_set_protocol_version(s, osc.TLS1_2_VERSION);
    osc.SSL_SESSION_set_cipher(s, cipher);
    osc.SSL_SESSION_set1_master_key(s, Buffer.alloc(48, i & 0xff));
    osc.SSL_SESSION_set1_id_context(s, sidCtx);
    osc.SSL_SESSION_set_timeout(s, 7200);
    const der = Buffer.from(osc.sessionToDer(s));
    osc.SSL_SESSION_free(s);
    return { id, der };
  };
  const total = size + events;
  const recs = new Array(total);
  for (let i = 0; i < total; i++) recs[i] = record(i);

  if (impl === 'adapter') {
    const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    osc.SSL_CTX_sess_set_cache_size(ctx, size + 1); // keeps `size`
    osc.attachSessionCache(server, ctx, { sessionIdContext: 'replay' });
  } else if (impl === 'map') {
    const store = new Map();
    server.on('newSession', (id, der, done) => {
      store.set(id.toString('hex'), der);
      done();
    });
    server.on('resumeSession', (id, cb) => {
      cb(null, store.get(id.toString('hex')) ?? null);
    });
  } else {
    const { LRUCache } = require('lru-cache');
    const store = new LRUCache({ max: size, ttl: 7200 * 1000 });
    server.on('newSession', (id, der, done) => {
      store.set(id.toString('hex'), der);
      done();
    });
    server.on('resumeSession', (id, cb) => {
      cb(null, store.get(id.toString('hex')) ?? null);
    });
  }
  const noop = () => undefined;
  let found = 0;
  const got = (_e, der) => {
    if (der) found++;
  };
  for (let i = 0; i < size; i++) server.emit('newSession', recs[i].id, recs[i].der, noop);
  // Measured: the steady state of a full cache, one new session and one resumption of a random
  // cached one per pair of events.
  let x = 0x9e3779b9;
  const t0 = process.hrtime.bigint();
  for (let i = size; i < total; i++) {
    server.emit('newSession', recs[i].id, recs[i].der, noop);
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const j = i - 1 - (x % (size - 1));
    server.emit('resumeSession', recs[j].id, got);
  }
  const ns = Number(process.hrtime.bigint() - t0) / (2 * events);
  return { ns, found, events };
}

if (process.argv[2] === '--child') {
  const [, , , impl, size, events] = process.argv;
  process.stdout.write(JSON.stringify(child(impl, Number(size), Number(events))));
  process.exit(0);
}

const results = [];
for (const size of SIZES) {
  for (const impl of IMPLS) {
    const runs = [];
    for (let rep = 0; rep < 2; rep++) {
      const r = spawnSync(process.execPath, [__filename, '--child', impl, String(size), String(EVENTS)], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      if (r.status !== 0) throw new Error(`${impl} @${size}: ${r.stderr}`);
      runs.push(JSON.parse(r.stdout));
    }
    const best = runs.reduce((a, b) => (a.ns <= b.ns ? a : b));
    // The adapter and the Map keep the `size` newest; lru-cache keeps the most recently used.
    if (impl !== 'lru' && best.found !== EVENTS) throw new Error(`${impl} @${size}: resumed ${best.found} of ${EVENTS}`);
    results.push({ impl, size, ns: best.ns });
  }
}
if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
} else {
  console.log('replay: ns per Node event (newSession + resumeSession, no sockets), lower of 2 runs');
  console.log('| size | adapter | Map (hex id) | lru-cache | adapter / Map |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const size of SIZES) {
    const get = (impl) => results.find((r) => r.impl === impl && r.size === size).ns;
    console.log(
      `| ${size} | ${get('adapter').toFixed(0)} | ${get('map').toFixed(0)} | ${get('lru').toFixed(0)} | ${(get('adapter') / get('map')).toFixed(2)} |`,
    );
  }
}
