// The Redis session store (openssl-session-cache/redis) against a real redis-server that this
// file starts on a loopback port of its own and kills at the end: sessions shared between
// contexts, TTLs that follow session lifetimes, removal, the id context in the key, every
// cache mode, and Redis stalled, killed and restarted. No redis-server: the file fails.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { createRedisSessionStore, type RedisSessionStore, remainingMs } from 'openssl-session-cache/redis';
import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import type { SSL_CTX } from '../..';
import * as osc from '../..';
import { RedisServer, serve, storeClient, waitFor } from './redis/harness';

type Client = ReturnType<typeof storeClient>;

let redis: RedisServer;
let client: Client; // the stores' client
let admin: Client; // the test's own view of Redis
let prefixSerial = 0;

t.before(async () => {
  redis = await RedisServer.start();
  client = storeClient(redis.url);
  admin = storeClient(redis.url);
  await client.connect();
  await admin.connect();
});

t.teardown(async () => {
  testing.setTestTime(null);
  for (const c of [client, admin]) {
    if (c?.isOpen) c.destroy();
  }
  await redis?.kill();
});

/** A server context with a store on its own key prefix. */
function ctxWithStore(opts: { mode?: number; idContext?: string; prefix?: string; timeoutMs?: number; maxPending?: number } = {}) {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  if (opts.mode !== undefined) osc.SSL_CTX_set_session_cache_mode(ctx, opts.mode);
  const store = createRedisSessionStore(ctx, {
    client,
    idContext: opts.idContext ?? 'app-1',
    prefix: opts.prefix ?? `t${prefixSerial}:`,
    timeoutMs: opts.timeoutMs ?? 200,
    maxPending: opts.maxPending,
  });
  return { ctx, store };
}

function done(ctx: SSL_CTX, store: RedisSessionStore): void {
  store.detach();
  osc.SSL_CTX_free(ctx);
}

t.beforeEach(() => {
  prefixSerial++;
});

t.test('a session stored by one SSL_CTX resumes on another (internal cache in front)', async (t) => {
  const a = ctxWithStore();
  const b = ctxWithStore();
  const first = await serve(a.ctx);
  t.notOk(first.resumed);
  await a.store.drain();
  t.equal(a.store.stats().stores, 1, 'the new callback wrote it');

  const key = a.store.key(first.id);
  t.equal(
    key,
    `t${prefixSerial}:${Buffer.from('app-1').toString('hex')}:${Buffer.from(first.id).toString('hex')}`,
    'key = prefix + hex(id context) + ":" + hex(id)',
  );
  const stored: unknown = await admin.sendCommand(['GET', key], { typeMapping: { 36: Buffer } });
  t.same(Buffer.from(stored as Uint8Array), Buffer.from(osc.sessionToDer(first.session)!), "the value is the session's DER");

  const again = await serve(b.ctx, first.id);
  t.ok(again.resumed, 'the other context resumed it');
  t.same(again.id, first.id);
  const sb = b.store.stats();
  t.equal(sb.lookups, 1);
  t.equal(sb.hits, 1);
  t.equal(sb.openssl.cb_hits, 1, 'OpenSSL counts the external hit');
  t.equal(sb.openssl.hits, 1);
  t.equal(sb.openssl.misses, 1, 'after the internal miss');
  t.equal(sb.openssl.number, 1, "the fetched session now sits in b's internal cache");

  // Found internally now: no second trip to Redis.
  const third = await serve(b.ctx, first.id);
  t.ok(third.resumed);
  t.equal(b.store.stats().lookups, 1, 'the internal cache answered');

  // An unknown id: a store miss and a full handshake.
  const fresh = await serve(b.ctx, Buffer.alloc(32, 7));
  t.notOk(fresh.resumed);
  t.equal(b.store.stats().misses, 1);
  for (const s of [first, again, third, fresh]) osc.SSL_SESSION_free(s.session);
  done(a.ctx, a.store);
  done(b.ctx, b.store);
});

t.test('Redis only (SSL_SESS_CACHE_NO_INTERNAL): every lookup goes to Redis', async (t) => {
  const mode = osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL;
  const a = ctxWithStore({ mode });
  const first = await serve(a.ctx);
  await a.store.drain();
  t.equal(osc.SSL_CTX_sess_number(a.ctx), 0, 'nothing cached in process');
  for (let i = 0; i < 3; i++) {
    const r = await serve(a.ctx, first.id);
    t.ok(r.resumed, `resumption ${i + 1} from Redis`);
    osc.SSL_SESSION_free(r.session);
  }
  const st = a.store.stats();
  t.equal(st.lookups, 3);
  t.equal(st.hits, 3);
  t.equal(st.openssl.cb_hits, 3);
  t.equal(st.openssl.misses, 0, 'NO_INTERNAL_LOOKUP: no internal miss counted');
  t.equal(st.openssl.number, 0, 'NO_INTERNAL_STORE: the fetched session is not cached either');
  osc.SSL_SESSION_free(first.session);
  done(a.ctx, a.store);
});

t.test("TTL is the session's remaining lifetime; expired sessions are never stored", async (t) => {
  const T0 = 2_000_000_000;
  testing.setTestTime(T0);
  t.teardown(() => testing.setTestTime(null));
  const a = ctxWithStore();
  osc.SSL_CTX_set_timeout(a.ctx, 300);
  const r = await serve(a.ctx);
  await a.store.drain();
  const pttl = Number(await admin.pTTL(a.store.key(r.id)));
  t.ok(pttl > 299_000 && pttl <= 300_000, `PTTL ${pttl} follows SSL_CTX_set_timeout(300)`);

  // The new callback measures what is left: a session made 100 s ago with 300 s to live.
  const newCb = osc.SSL_CTX_sess_get_new_cb(a.ctx)!;
  const ssl = osc.SSL_new(a.ctx);
  const old = osc.SSL_SESSION_dup(r.session)!;
  osc.SSL_SESSION_set1_id(old, Buffer.alloc(32, 0x11));
  osc.SSL_SESSION_set_time(old, T0 - 100);
  t.equal(remainingMs(old), 200_000);
  t.equal(newCb(ssl, old), 0, 'the store keeps no reference');
  // Expired (time + timeout < now) and in its last second (== now): not written.
  const dead = osc.SSL_SESSION_dup(r.session)!;
  osc.SSL_SESSION_set1_id(dead, Buffer.alloc(32, 0x22));
  osc.SSL_SESSION_set_time(dead, T0 - 301);
  newCb(ssl, dead);
  osc.SSL_SESSION_set_time(dead, T0 - 300);
  newCb(ssl, dead);
  await a.store.drain();
  const pOld = Number(await admin.pTTL(a.store.key(Buffer.alloc(32, 0x11))));
  t.ok(pOld > 199_000 && pOld <= 200_000, `PTTL ${pOld} is the 200 s left`);
  t.equal(Number(await admin.exists(a.store.key(Buffer.alloc(32, 0x22)))), 0, 'the expired session was not stored');
  t.equal(a.store.stats().skipped, 2);
  t.equal(a.store.stats().stores, 2);

  // A session without a cipher has no DER form: skipped, not an error.
  const bare = osc.SSL_SESSION_new();
  osc.SSL_SESSION_set1_id(bare, Buffer.alloc(32, 0x33));
  osc.SSL_SESSION_set1_id_context(bare, Buffer.from('app-1'));
  newCb(ssl, bare);
  t.equal(a.store.stats().skipped, 3);
  t.equal(a.store.stats().errors, 0);

  // A huge timeout (never expires in OpenSSL's terms) still gets a valid PX.
  osc.SSL_SESSION_set_timeout(old, 2n ** 62n);
  osc.SSL_SESSION_set1_id(old, Buffer.alloc(32, 0x44));
  newCb(ssl, old);
  await a.store.drain();
  t.ok(Number(await admin.pTTL(a.store.key(Buffer.alloc(32, 0x44)))) > 1e12, 'capped, stored');
  t.equal(a.store.stats().errors, 0);

  for (const s of [old, dead, bare, r.session]) osc.SSL_SESSION_free(s);
  osc.SSL_free(ssl);
  done(a.ctx, a.store);
});

t.test("a session that expired in Redis's absence is refused by OpenSSL's own check", async (t) => {
  const T0 = 2_000_000_000;
  testing.setTestTime(T0);
  t.teardown(() => testing.setTestTime(null));
  const a = ctxWithStore({ mode: osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL });
  osc.SSL_CTX_set_timeout(a.ctx, 60);
  const r = await serve(a.ctx);
  await a.store.drain();
  testing.setTestTime(T0 + 61); // Redis's own clock has not moved: the key is still there
  const late = await serve(a.ctx, r.id);
  t.notOk(late.resumed, 'a full handshake');
  t.equal(a.store.stats().hits, 1, 'Redis answered');
  t.equal(osc.SSL_CTX_sess_timeouts(a.ctx), 1, 'OpenSSL counted the timeout');
  for (const s of [r, late]) osc.SSL_SESSION_free(s.session);
  done(a.ctx, a.store);
});

t.test('removal reaches Redis', async (t) => {
  const a = ctxWithStore();
  const exists = async (id: Uint8Array) => Number(await admin.exists(a.store.key(id)));

  const r1 = await serve(a.ctx);
  await a.store.drain();
  t.equal(await exists(r1.id), 1);
  t.equal(osc.SSL_CTX_remove_session(a.ctx, r1.session), 1);
  await a.store.drain();
  t.equal(await exists(r1.id), 0, 'SSL_CTX_remove_session deleted the key');

  // A connection closed without a shutdown: OpenSSL removes its session as faulty.
  const r2 = await serve(a.ctx, undefined, true);
  await a.store.drain();
  t.equal(await exists(r2.id), 0, 'SSL_free without SSL_shutdown deleted the key');
  t.equal(a.store.stats().removes, 2);

  // Redis-only mode: the remove callback still fires (nothing was cached) and deletes.
  const b = ctxWithStore({ mode: osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL });
  const r3 = await serve(b.ctx);
  await b.store.drain();
  t.equal(Number(await admin.exists(b.store.key(r3.id))), 1);
  t.equal(osc.SSL_CTX_remove_session(b.ctx, r3.session), 0, 'not cached in process');
  await b.store.drain();
  t.equal(Number(await admin.exists(b.store.key(r3.id))), 0, 'deleted from Redis all the same');

  // detach() before SSL_CTX_free: the final flush leaves Redis alone.
  const r4 = await serve(a.ctx);
  await a.store.drain();
  a.store.detach();
  t.equal(osc.SSL_CTX_sess_get_new_cb(a.ctx), null);
  t.equal(osc.SSL_CTX_sess_get_get_cb(a.ctx), null);
  osc.SSL_CTX_free(a.ctx);
  t.equal(await exists(r4.id), 1, 'the key outlives the stopping context');

  // Without detach(), SSL_CTX_free's flush deletes what it held (OpenSSL's remove semantics).
  const c = ctxWithStore();
  const r5 = await serve(c.ctx);
  await c.store.drain();
  osc.SSL_CTX_free(c.ctx);
  await c.store.drain();
  t.equal(Number(await admin.exists(c.store.key(r5.id))), 0);
  c.store.detach();

  // deleteOnRemove: false keeps keys until their TTL.
  const d = osc.SSL_CTX_new(osc.TLS_server_method());
  const ds = createRedisSessionStore(d, { client, idContext: 'app-1', prefix: `t${prefixSerial}d:`, deleteOnRemove: false });
  const r6 = await serve(d);
  await ds.drain();
  osc.SSL_CTX_remove_session(d, r6.session);
  await ds.drain();
  t.equal(Number(await admin.exists(ds.key(r6.id))), 1);
  for (const s of [r1, r2, r3, r4, r5, r6]) osc.SSL_SESSION_free(s.session);
  done(b.ctx, b.store);
  done(d, ds);
});

t.test('the id context is part of the key: another context never sees the session', async (t) => {
  const a = ctxWithStore({ idContext: 'app-1', prefix: `t${prefixSerial}:` });
  const other = ctxWithStore({ idContext: 'app-2', prefix: `t${prefixSerial}:` });
  const r = await serve(a.ctx);
  await a.store.drain();
  t.not(other.store.key(r.id), a.store.key(r.id));
  const x = await serve(other.ctx, r.id);
  t.notOk(x.resumed);
  t.equal(other.store.stats().misses, 1, 'looked up under its own context: no such key');
  t.same(osc.SSL_SESSION_get0_id_context(x.session), Buffer.from('app-2'), 'the store set the context on the SSL_CTX');
  // A context changed behind the store's back: its sessions are refused, loudly.
  osc.SSL_CTX_set_session_id_context(other.ctx, Buffer.from('changed'));
  const y = await serve(other.ctx);
  t.equal(other.store.stats().wrongContext, 1, 'not stored under a key no lookup of this store would use');
  t.match(other.store.stats().lastError, /id context/);
  osc.SSL_SESSION_free(y.session);
  t.throws(() => createRedisSessionStore(a.ctx, { client, idContext: 'x'.repeat(33) }), RangeError);
  t.throws(() => createRedisSessionStore(a.ctx, { client } as never), TypeError);
  for (const s of [r, x]) osc.SSL_SESSION_free(s.session);
  done(a.ctx, a.store);
  done(other.ctx, other.store);
});

t.test('a stalled Redis: lookups time out into full handshakes, pending commands stay bounded', async (t) => {
  const a = ctxWithStore({ mode: osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL, timeoutMs: 100, maxPending: 50 });
  const r = await serve(a.ctx);
  await a.store.drain();
  redis.pause();
  try {
    const t0 = Date.now();
    const x = await serve(a.ctx, r.id);
    const took = Date.now() - t0;
    t.notOk(x.resumed, 'full handshake');
    t.ok(took >= 90 && took < 1000, `the lookup gave up after ${took} ms (timeoutMs 100)`);
    t.equal(a.store.stats().timeouts, 1);
    osc.SSL_SESSION_free(x.session);
    for (let i = 0; i < 100; i++) osc.SSL_SESSION_free((await serve(a.ctx)).session);
    const st = a.store.stats();
    t.ok(st.pending <= 50, `at most maxPending in flight (${st.pending})`);
    t.ok(st.dropped >= 50, `the rest were dropped (${st.dropped})`);
  } finally {
    redis.resume();
  }
  await a.store.drain();
  const y = await serve(a.ctx, r.id);
  t.ok(y.resumed, 'resumes again once Redis answers');
  for (const s of [r, y]) osc.SSL_SESSION_free(s.session);
  done(a.ctx, a.store);
});

t.test('a killed Redis: misses and full handshakes at once, sharing resumes after a restart', async (t) => {
  const a = ctxWithStore({ mode: osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL, timeoutMs: 200 });
  const b = ctxWithStore({ mode: osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL, timeoutMs: 200 });
  const before = await serve(a.ctx);
  await a.store.drain();
  await redis.kill();
  t.ok(await waitFor(() => !client.isReady, 2000), 'the client noticed');

  const down: boolean[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await serve(b.ctx, before.id);
    down.push(r.resumed);
    osc.SSL_SESSION_free(r.session);
  }
  t.same(down, new Array(20).fill(false), 'every handshake was a full one');
  const sb = b.store.stats();
  // Each lookup ends as exactly one of hits, misses, errors, timeouts, dropped:
  // none waited out its 200 ms timeout (no wall clock needed to tell).
  t.equal(sb.timeouts, 0, 'failing fast: no lookup waited out the timeout');
  t.equal(sb.errors, 40, "each lookup and each new session's write counted as an error");
  t.equal(sb.lookups, 20);
  t.equal(sb.hits, 0);
  t.ok(sb.clientErrors >= 1, "the client's error events were caught, not thrown");
  t.ok(sb.lastError !== null);
  const w = a.store.stats().errors;
  osc.SSL_SESSION_free((await serve(a.ctx)).session);
  t.equal(a.store.stats().errors, w + 1, 'a write while down is an error, not a queued command');

  await redis.start(); // same port, empty (no persistence)
  t.ok(await waitFor(() => client.isReady, 5000), 'the client reconnected by itself');
  const after = await serve(a.ctx);
  await a.store.drain();
  const r = await serve(b.ctx, after.id);
  t.ok(r.resumed, 'sharing works again');
  t.equal(b.store.stats().hits, 1);
  for (const s of [before, after, r]) osc.SSL_SESSION_free(s.session);
  done(a.ctx, a.store);
  done(b.ctx, b.store);
});

t.test('entry points: the package and its /redis subpath, from require and from import', async (t) => {
  const pkg = path.join(__dirname, '..', '..');
  const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: pkg, encoding: 'utf8', timeout: 30_000 });
  const cjs = run([
    '-e',
    `
    const osc = require('openssl-session-cache');
    const r = require('openssl-session-cache/redis');
    console.log([typeof osc.SSL_CTX_new, typeof osc.attachSessionCache, typeof r.createRedisSessionStore,
      'createRedisSessionStore' in osc, require('openssl-session-cache/package.json').name].join(' '));`,
  ]);
  t.equal(cjs.stdout.trim(), 'function function function false openssl-session-cache', `require: ${cjs.stderr}`);
  const esm = run([
    '--input-type=module',
    '-e',
    `
    import osc, { SSL_CTX_new } from 'openssl-session-cache';
    import { createRedisSessionStore } from 'openssl-session-cache/redis';
    console.log([typeof SSL_CTX_new, typeof osc.SSL_CTX_free, typeof createRedisSessionStore].join(' '));`,
  ]);
  t.equal(esm.stdout.trim(), 'function function function', `import: ${esm.stderr}`);
  // The main entry never loads a Redis client (it is an optional peer dependency).
  const lazy = run([
    '-e',
    `require('openssl-session-cache'); require('openssl-session-cache/redis');
    console.log(Object.keys(require.cache).some((f) => /node_modules[\\\\/](redis|@redis)[\\\\/]/.test(f)))`,
  ]);
  t.equal(lazy.stdout.trim(), 'false', `no Redis client loaded: ${lazy.stderr}`);
});

t.test("a value whose session id is not its key's is refused (a miss, counted invalid)", async (t) => {
  const { ctx, store } = ctxWithStore();
  const first = await serve(ctx);
  await store.drain();
  const forged = Buffer.alloc(32, 7);
  const value: unknown = await admin.sendCommand(['GET', store.key(first.id)], { typeMapping: { 36: Buffer } });
  await admin.sendCommand(['SET', store.key(forged), value as Buffer]);
  const got = await store.getSession(null as never, forged, forged.length, { value: 1 });
  t.equal(got, null, 'refused');
  t.equal(store.stats().invalid, 1);
  done(ctx, store);
});

t.test('a flood of unknown ids cannot starve real lookups; a repeated unknown id costs no request', async (t) => {
  const { ctx, store } = ctxWithStore({ timeoutMs: 2000 });
  const real: Uint8Array[] = [];
  for (let i = 0; i < 20; i++) real.push((await serve(ctx)).id);
  await store.drain();
  const lookups: Promise<unknown>[] = [];
  const results: boolean[] = [];
  for (let i = 0; i < 20_000; i++) {
    const id = Buffer.alloc(32);
    id.writeUInt32BE(i, 0);
    lookups.push(store.getSession(null as never, id, 32, { value: 1 }));
    if (i % 1000 === 500) {
      const r = real[(i / 1000) | 0];
      lookups.push(
        store.getSession(null as never, r, r.length, { value: 1 }).then((s) => {
          results.push(s !== null);
          if (s) osc.SSL_SESSION_free(s);
        }),
      );
    }
  }
  await Promise.all(lookups);
  t.same(results, Array(20).fill(true), 'every real lookup in the flood found its session');
  const st = store.stats();
  t.equal(st.timeouts, 0, 'no lookup timed out');
  const before = st.lookups;
  const id = Buffer.alloc(32); // asked for last in the flood: known missing now
  id.writeUInt32BE(19_999, 0);
  t.equal(await store.getSession(null as never, id, 32, { value: 1 }), null);
  t.equal(store.stats().knownMisses, 1, 'answered without a request');
  t.equal(store.stats().lookups, before + 1);
  done(ctx, store);
});

t.test('options are checked', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  for (const timeoutMs of [Infinity, 2 ** 31, -5, NaN, 0, 1.5]) {
    t.throws(() => createRedisSessionStore(ctx, { client, idContext: 'x', timeoutMs }), RangeError, `timeoutMs ${timeoutMs}`);
  }
  t.throws(() => createRedisSessionStore(ctx, { client, idContext: 'x', maxPending: 0.5 }), RangeError);
  t.throws(() => createRedisSessionStore(ctx, { client, idContext: 'x', negativeTtlMs: -1 }), RangeError);
  t.throws(() => createRedisSessionStore(ctx, { client, idContext: 'x', prefix: 5 as never }), TypeError);
  osc.SSL_CTX_free(ctx);
});
