'use strict';
// One measurement in a fresh process: `node --expose-gc bench/child.js
// <impl> <scenario> <size> <ops> [budgetMs]`. Prints one JSON line:
// { nsPerOp, ops, ... }. bench/run.js spawns one of these per
// implementation × scenario × size × repetition.
const path = require('node:path');
const crypto = require('node:crypto');
const { writeId, idViews, scatter, SPAN, TIMEOUT, DEFAULT_CACHE_SIZE } = require('./lib/ids');

const [impl, scenario, sizeArg, opsArg, budgetArg] = process.argv.slice(2);
const n = Number(sizeArg);
const OPS = Number(opsArg);
const BUDGET_MS = Number(budgetArg || 0);
const root = path.join(__dirname, '..');
const nativeDir = path.join(__dirname, 'native', 'build', 'Release');
const V12 = 0x0303;
const SERVER = 0x0002;
const NO_AUTO_CLEAR = 0x0080;
const SESSION_BYTES = 128; // what a Map store holds per session: DER of a TLS 1.2 session, about this long

const hr = () => Number(process.hrtime.bigint());
let sink = 0;
function gc() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
}
// Times body(s, e) over blocks of 1000 operations; the median per-operation
// time of the blocks (a preemption spoils one block, not the result).
function blocks(k, body) {
  const per = [];
  let total = 0;
  for (let s = 0; s < k; s += 1000) {
    const e = Math.min(k, s + 1000);
    const t = hr();
    body(s, e);
    const dt = hr() - t;
    total += dt;
    per.push(dt / (e - s));
  }
  per.sort((a, b) => a - b);
  return { total, median: per[(per.length - 1) >> 1] };
}
function result(totalNs, ops, extra = {}) {
  return { nsPerOp: ops ? totalNs / ops : 0, ops, totalNs, ...extra };
}

// ---- C++ implementations: the whole measurement runs inside the addon ------

function runCpp(file) {
  const m = require(path.join(nativeDir, file));
  return m.run(scenario, n, OPS, BUDGET_MS);
}

// ---- Node-API implementations: our API and the thin OpenSSL wrapper --------

function ourLib() {
  const api = require(root);
  const { binding } = require(path.join(root, 'dist', 'binding'));
  // The package's exports, plus the addon's handshake steps where the
  // TypeScript layer does not re-export them (yet): the same native functions.
  const lib = { ...binding, ...api };
  return {
    lib,
    newCtx: () => lib.SSL_CTX_new(lib.TLS_server_method()),
    // SSL_new gives the method's version; one handshake (cache off) makes it 1.2.
    newSsl(ctx) {
      const ssl = lib.SSL_new(ctx);
      const mode = lib.SSL_CTX_set_session_cache_mode(ctx, 0);
      lib.simulateServerHandshake(ssl, { version: V12 });
      lib.SSL_CTX_set_session_cache_mode(ctx, mode);
      return ssl;
    },
    now: () => Number(lib.getCacheTime()),
  };
}

function opensslLib() {
  const lib = require(path.join(nativeDir, 'openssl_napi.node'));
  return { lib, newCtx: () => lib.SSL_CTX_new(), newSsl: (ctx) => lib.SSL_new(ctx), now: () => Math.floor(Date.now() / 1000) };
}

function runNapi({ lib, newCtx, newSsl, now: clock }) {
  const L = lib;
  const ctx = newCtx();
  const tNow = clock();
  const t0 = tNow - SPAN;
  const prefillTime = (i, count) => t0 + Math.floor((SPAN * i) / count);
  const scratch = Buffer.alloc(32);
  const make = (id, t) => {
    const s = L.SSL_SESSION_new();
    L.SSL_SESSION_set1_id(s, id);
    L.SSL_SESSION_set_protocol_version(s, V12);
    L.SSL_SESSION_set_time(s, t);
    L.SSL_SESSION_set_timeout(s, TIMEOUT);
    return s;
  };
  const prefill = (count, keep) => {
    const handles = keep ? new Array(count) : null;
    for (let i = 0; i < count; i++) {
      const s = make(writeId(1, i, scratch), prefillTime(i, count));
      L.SSL_CTX_add_session(ctx, s);
      if (keep) handles[i] = s;
      L.SSL_SESSION_free(s); // the cache holds the only reference
    }
    // As the C++ scenarios (scenarios.h, settle): every cached session looked
    // up once, untimed, in random order, so that the timed loop runs on the
    // memory of a running server, not on the first touch after the fill.
    const ssl = newSsl(ctx);
    for (let i = 0; i < count; i++) sink += L.SSL_has_matching_session_id(ssl, writeId(1, scatter(i, count), scratch));
    L.SSL_free(ssl);
    return handles;
  };
  const number = () => L.SSL_CTX_sess_number(ctx);

  switch (scenario) {
    case 'new': {
      const batch = 1024;
      let total = 0,
        done = 0,
        serial = 0;
      const made = new Array(batch);
      while (done < OPS) {
        const b = Math.min(batch, OPS - done);
        const ids = idViews(3, b, (j) => serial + j);
        serial += b;
        const t = hr();
        for (let j = 0; j < b; j++) made[j] = make(ids[j], tNow);
        total += hr() - t;
        for (let j = 0; j < b; j++) L.SSL_SESSION_free(made[j]);
        done += b;
      }
      return result(total, done);
    }
    case 'add': {
      L.SSL_CTX_sess_set_cache_size(ctx, 0);
      prefill(n, false);
      const batch = Math.max(1, Math.min(Math.floor(n / 10), 10000));
      let total = 0,
        done = 0,
        serial = 0;
      const made = new Array(batch);
      while (done < OPS) {
        const b = Math.min(batch, OPS - done);
        for (let j = 0; j < b; j++) made[j] = make(writeId(3, serial++, scratch), tNow);
        const t = hr();
        for (let j = 0; j < b; j++) sink += L.SSL_CTX_add_session(ctx, made[j]);
        total += hr() - t;
        for (let j = 0; j < b; j++) L.SSL_SESSION_free(made[j]);
        for (let j = 0; j < b; j++) L.SSL_CTX_remove_session(ctx, made[j]);
        done += b;
      }
      return result(total, done, { numberAfter: number() });
    }
    case 'lookup_hit':
    case 'lookup_miss':
    case 'has_match_hit':
    case 'has_match_miss': {
      L.SSL_CTX_sess_set_cache_size(ctx, 0);
      prefill(n, false);
      const ssl = newSsl(ctx);
      const hit = scenario.endsWith('_hit');
      const keys = hit ? idViews(1, OPS, (j) => scatter(j % n, n)) : idViews(2, OPS);
      let found = 0;
      let t;
      const warm = Math.min(OPS, 20000);
      if (scenario.startsWith('lookup')) {
        const lookup = L.lookup_sess_in_cache;
        const free = L.SSL_SESSION_free;
        for (let j = 0; j < warm; j++) {
          const s = lookup(ssl, keys[j]);
          if (s !== null) free(s);
        }
        t = blocks(OPS, (a, e) => {
          for (let j = a; j < e; j++) {
            const s = lookup(ssl, keys[j]);
            if (s !== null) {
              found++;
              free(s);
            }
          }
        });
      } else {
        const has = L.SSL_has_matching_session_id;
        for (let j = 0; j < warm; j++) sink += has(ssl, keys[j]);
        t = blocks(OPS, (a, e) => {
          for (let j = a; j < e; j++) found += has(ssl, keys[j]);
        });
      }
      const r = result(t.total, OPS, { hits: found });
      r.nsPerOp = t.median;
      if (found !== (hit ? OPS : 0)) r.error = `lookup found ${found} of ${OPS}`;
      return r;
    }
    case 'remove': {
      L.SSL_CTX_sess_set_cache_size(ctx, 0);
      const handles = prefill(n, true);
      const k = Math.min(OPS, n);
      const batch = Math.max(1, Math.min(Math.floor(n / 10), 10000));
      let total = 0,
        done = 0,
        removed = 0,
        serial = 0;
      while (done < k) {
        const b = Math.min(batch, k - done);
        const victims = new Array(b);
        for (let j = 0; j < b; j++) victims[j] = handles[scatter(done + j, n)];
        const t = hr();
        for (let j = 0; j < b; j++) removed += L.SSL_CTX_remove_session(ctx, victims[j]);
        total += hr() - t;
        for (let j = 0; j < b; j++) {
          const s = make(writeId(3, serial++, scratch), tNow);
          L.SSL_CTX_add_session(ctx, s);
          L.SSL_SESSION_free(s);
        }
        done += b;
      }
      const r = result(total, k, { numberAfter: number() });
      if (removed !== k) r.error = `removed ${removed} of ${k}`;
      return r;
    }
    case 'evict': {
      const full = DEFAULT_CACHE_SIZE - 1;
      prefill(full, false);
      const batch = 1024;
      let total = 0,
        done = 0,
        serial = 0;
      const made = new Array(batch);
      while (done < OPS) {
        const b = Math.min(batch, OPS - done);
        for (let j = 0; j < b; j++) made[j] = make(writeId(3, serial++, scratch), tNow);
        const t = hr();
        for (let j = 0; j < b; j++) sink += L.SSL_CTX_add_session(ctx, made[j]);
        total += hr() - t;
        for (let j = 0; j < b; j++) L.SSL_SESSION_free(made[j]);
        done += b;
      }
      const r = result(total, done, { numberAfter: number() });
      if (r.numberAfter !== full) r.error = `cache holds ${r.numberAfter}`;
      return r;
    }
    case 'flush0':
    case 'flush10':
    case 'flush100': {
      L.SSL_CTX_sess_set_cache_size(ctx, 0);
      prefill(n, false);
      const base = t0 + TIMEOUT;
      if (scenario === 'flush0') {
        for (let j = 0; j < Math.min(OPS, 20000); j++) L.SSL_CTX_flush_sessions(ctx, base);
        const flush = L.SSL_CTX_flush_sessions;
        const t = blocks(OPS, (a, e) => {
          for (let j = a; j < e; j++) flush(ctx, base);
        });
        return { ...result(t.total, OPS, { removed: n - number() }), nsPerOp: t.median };
      }
      const at = scenario === 'flush10' ? base + SPAN / 10 : base + SPAN + 1;
      const t = hr();
      L.SSL_CTX_flush_sessions(ctx, at);
      const total = hr() - t;
      const removed = n - number();
      return result(total, Math.max(1, removed), { removed, numberAfter: number() });
    }
    case 'add_early': {
      L.SSL_CTX_sess_set_cache_size(ctx, 0);
      prefill(n, false);
      let total = 0,
        done = 0,
        serial = 0;
      while (done < OPS && (done < 3 || total < BUDGET_MS * 1e6)) {
        const s = make(writeId(3, serial++, scratch), t0);
        const t = hr();
        sink += L.SSL_CTX_add_session(ctx, s);
        total += hr() - t;
        L.SSL_SESSION_free(s);
        done++;
      }
      return result(total, done, { numberAfter: number() });
    }
    case 'handshake': {
      // As a Node server does it: a new SSL per connection, the cache steps,
      // a clean shutdown (the session stays resumable), SSL_free.
      L.SSL_CTX_set_session_cache_mode(ctx, SERVER | NO_AUTO_CLEAR);
      L.SSL_CTX_sess_set_cache_size(ctx, n + 1);
      prefill(n, false);
      const k = Math.min(OPS, n);
      const half = Math.floor(n / 2);
      const keys = idViews(1, k, (j) => n - half + scatter(j, half));
      const hello = keys.map((id, j) => (j & 1 ? { version: V12 } : { sessionId: id, version: V12 }));
      let resumed = 0;
      const t = hr();
      for (let j = 0; j < k; j++) {
        const ssl = L.SSL_new(ctx);
        if (L.simulateServerHandshake(ssl, hello[j]).resumed) resumed++;
        L.SSL_set_shutdown(ssl, 1);
        L.SSL_free(ssl);
      }
      const total = hr() - t;
      const r = result(total, k, { hits: resumed, numberAfter: number() });
      if (resumed !== Math.ceil(k / 2)) r.error = `resumed ${resumed} of ${Math.ceil(k / 2)}`;
      return r;
    }
    case 'memory': {
      L.SSL_CTX_sess_set_cache_size(ctx, 0);
      gc();
      const before = process.memoryUsage.rss();
      prefill(n, false);
      gc();
      const after = process.memoryUsage.rss();
      return result(0, n, { bytesPerSession: (after - before) / n, numberAfter: number() });
    }
    default:
      throw new Error(`scenario ${scenario} not implemented for ${impl}`);
  }
}

// ---- What Node users write today: a Map keyed by hex id, and lru-cache -----

function runStore(kind) {
  // A fake clock (ms) for lru-cache's TTL, so flush can expire exactly 10%.
  const clock = { ms: Date.now() };
  const perf = { now: () => clock.ms };
  const tNowMs = clock.ms;
  const t0Ms = tNowMs - SPAN * 1000;
  const prefillMs = (i, count) => t0Ms + Math.floor((SPAN * i) / count) * 1000;
  let LRUCache;
  if (kind === 'lru') ({ LRUCache } = require('lru-cache'));
  const newStore = (max) =>
    kind === 'map' ? new Map() : new LRUCache({ max, ttl: TIMEOUT * 1000, ttlResolution: 0, ttlAutopurge: false, perf });
  const scratch = Buffer.alloc(32);
  const prefill = (store, count) => {
    for (let i = 0; i < count; i++) {
      clock.ms = prefillMs(i, count);
      store.set(writeId(1, i, scratch).toString('hex'), Buffer.alloc(SESSION_BYTES));
    }
    clock.ms = tNowMs;
    // Every entry read once in random order, as the other implementations
    // (peek: no change to lru-cache's recency order).
    const read = kind === 'map' ? (k) => store.get(k) : (k) => store.peek(k);
    for (let i = 0; i < count; i++) sink += read(writeId(1, scatter(i, count), scratch).toString('hex')) ? 1 : 0;
  };
  const big = 2 * n + 20000;

  switch (scenario) {
    case 'add': {
      const store = newStore(big);
      prefill(store, n);
      const batch = Math.max(1, Math.min(Math.floor(n / 10), 10000));
      let total = 0,
        done = 0,
        serial = 0;
      while (done < OPS) {
        const b = Math.min(batch, OPS - done);
        const ids = idViews(3, b, (j) => serial + j);
        serial += b;
        const values = Array.from({ length: b }, () => Buffer.alloc(SESSION_BYTES));
        // Node's documented newSession handler: store[id.toString('hex')] = data.
        const t = hr();
        for (let j = 0; j < b; j++) store.set(ids[j].toString('hex'), values[j]);
        total += hr() - t;
        for (let j = 0; j < b; j++) store.delete(ids[j].toString('hex'));
        done += b;
      }
      return result(total, done, { numberAfter: store.size });
    }
    case 'lookup_hit':
    case 'lookup_miss': {
      const store = newStore(big);
      prefill(store, n);
      const hit = scenario === 'lookup_hit';
      const keys = hit ? idViews(1, OPS, (j) => scatter(j % n, n)) : idViews(2, OPS);
      let found = 0;
      for (let j = 0; j < Math.min(OPS, 20000); j++) sink += store.get(keys[j].toString('hex')) === undefined ? 0 : 1;
      // Node's documented resumeSession handler: store[id.toString('hex')].
      const t = blocks(OPS, (a, e) => {
        for (let j = a; j < e; j++) if (store.get(keys[j].toString('hex')) !== undefined) found++;
      });
      const r = result(t.total, OPS, { hits: found });
      r.nsPerOp = t.median;
      if (found !== (hit ? OPS : 0)) r.error = `lookup found ${found} of ${OPS}`;
      return r;
    }
    case 'remove': {
      const store = newStore(big);
      prefill(store, n);
      const k = Math.min(OPS, n);
      const keys = idViews(1, k, (j) => scatter(j, n));
      let removed = 0;
      const t = hr();
      for (let j = 0; j < k; j++) if (store.delete(keys[j].toString('hex'))) removed++;
      const total = hr() - t;
      const r = result(total, k, { numberAfter: store.size });
      if (removed !== k) r.error = `removed ${removed} of ${k}`;
      return r;
    }
    case 'evict': {
      if (kind === 'map') throw new Error('n/a');
      const store = newStore(DEFAULT_CACHE_SIZE - 1);
      prefill(store, DEFAULT_CACHE_SIZE - 1);
      let total = 0,
        done = 0,
        serial = 0;
      while (done < OPS) {
        const b = Math.min(1024, OPS - done);
        const ids = idViews(3, b, (j) => serial + j);
        serial += b;
        const values = Array.from({ length: b }, () => Buffer.alloc(SESSION_BYTES));
        const t = hr();
        for (let j = 0; j < b; j++) store.set(ids[j].toString('hex'), values[j]);
        total += hr() - t;
        done += b;
      }
      return result(total, done, { numberAfter: store.size });
    }
    case 'flush0':
    case 'flush10':
    case 'flush100': {
      if (kind === 'map') throw new Error('n/a');
      const store = newStore(n);
      prefill(store, n);
      const baseMs = t0Ms + TIMEOUT * 1000;
      if (scenario === 'flush0') {
        clock.ms = baseMs;
        // purgeStale visits every entry: bounded by the time budget.
        let done = 0;
        const t = hr();
        while (done < OPS && (done < 3 || hr() - t < BUDGET_MS * 1e6)) {
          store.purgeStale();
          done++;
        }
        const total = hr() - t;
        return result(total, done, { removed: n - store.size });
      }
      clock.ms = scenario === 'flush10' ? baseMs + (SPAN / 10) * 1000 : baseMs + (SPAN + 1) * 1000;
      const t = hr();
      store.purgeStale();
      const total = hr() - t;
      const removed = n - store.size;
      return result(total, Math.max(1, removed), { removed, numberAfter: store.size });
    }
    case 'handshake': {
      // Resume: get(hex id); new client: a random id and set(hex id, data).
      // The Map never evicts (it grows); lru-cache holds n.
      const store = newStore(n);
      prefill(store, n);
      const k = Math.min(OPS, n);
      const half = Math.floor(n / 2);
      const keys = idViews(1, k, (j) => n - half + scatter(j, half));
      let resumed = 0;
      const t = hr();
      for (let j = 0; j < k; j++) {
        if (!(j & 1)) {
          if (store.get(keys[j].toString('hex')) !== undefined) resumed++;
        } else {
          store.set(crypto.randomBytes(32).toString('hex'), Buffer.alloc(SESSION_BYTES));
        }
      }
      const total = hr() - t;
      const r = result(total, k, { hits: resumed, numberAfter: store.size });
      if (resumed !== Math.ceil(k / 2)) r.error = `resumed ${resumed} of ${Math.ceil(k / 2)}`;
      return r;
    }
    case 'memory': {
      gc();
      const before = process.memoryUsage.rss();
      const store = newStore(n);
      prefill(store, n);
      gc();
      const after = process.memoryUsage.rss();
      return result(0, n, { bytesPerSession: (after - before) / n, numberAfter: store.size });
    }
    default:
      throw new Error('n/a');
  }
}

// ---- The Node-API floor ------------------------------------------------------

function runFloor() {
  const m = require(path.join(nativeDir, 'napi_floor.node'));
  const buf = Buffer.alloc(32);
  const fn = scenario === 'floor_buf' ? () => m.noopBuf(buf) : null;
  let t;
  if (scenario === 'floor_empty') {
    const noop = m.noop;
    for (let j = 0; j < 100000; j++) noop();
    t = blocks(OPS, (a, e) => {
      for (let j = a; j < e; j++) noop();
    });
  } else if (scenario === 'floor_handle') {
    const noopHandle = m.noopHandle;
    const h = m.makeHandle();
    for (let j = 0; j < 100000; j++) noopHandle(h);
    t = blocks(OPS, (a, e) => {
      for (let j = a; j < e; j++) noopHandle(h);
    });
  } else if (fn) {
    const noopBuf = m.noopBuf;
    for (let j = 0; j < 100000; j++) sink += noopBuf(buf);
    t = blocks(OPS, (a, e) => {
      for (let j = a; j < e; j++) sink += noopBuf(buf);
    });
  } else {
    throw new Error('n/a');
  }
  return { ...result(t.total, OPS), nsPerOp: t.median };
}

function main() {
  switch (impl) {
    case 'core':
      return runCpp('core_bench.node');
    case 'openssl':
      return runCpp('openssl_bench.node');
    case 'js-api':
      return runNapi(ourLib());
    case 'js-openssl':
      return runNapi(opensslLib());
    case 'js-map':
      return runStore('map');
    case 'js-lru':
      return runStore('lru');
    case 'floor':
      return runFloor();
    default:
      throw new Error(`unknown implementation ${impl}`);
  }
}

const out = main();
out.sink = sink;
process.stdout.write(`${JSON.stringify(out)}\n`);
// Exit without tearing down a million objects: not what is measured.
process.exit(0);
