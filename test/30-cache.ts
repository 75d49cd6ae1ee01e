import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import type { SSL_SESSION } from '..';
import * as osc from '..';
import { ctxWithLog, drain, label, mk, order } from './helpers';

t.beforeEach(() => {
  drain();
});

t.test('add: one reference for the cache, 0 when already cached', async (t) => {
  const ctx = ctxWithLog();
  const a = mk('a');
  t.equal(osc.SSL_CTX_add_session(ctx, a), 1);
  t.equal(osc.SSL_CTX_add_session(ctx, a), 0, 'already cached');
  t.equal(osc.SSL_CTX_sess_number(ctx), 1);
  osc.SSL_SESSION_free(a); // the application's reference
  t.same(drain(), [], 'the cache keeps it alive');
  t.ok(testing.debugCacheConsistent(ctx));
  osc.SSL_CTX_free(ctx);
  t.same(drain(), ['remove a', 'destroy a'], 'freeing the context flushes with callbacks');
});

t.test('the same id with another version is another key', async (t) => {
  const ctx = ctxWithLog();
  const a = mk('a', { id: 'x', version: osc.TLS1_2_VERSION });
  const b = mk('b', { id: 'x', version: osc.TLS1_1_VERSION });
  t.equal(osc.SSL_CTX_add_session(ctx, a), 1);
  t.equal(osc.SSL_CTX_add_session(ctx, b), 1);
  t.equal(osc.SSL_CTX_sess_number(ctx), 2);
  osc.SSL_SESSION_free(a);
  osc.SSL_SESSION_free(b);
  osc.SSL_CTX_free(ctx);
});

t.test('replace-with-same-key quirk: the old entry leaves silently', async (t) => {
  const ctx = ctxWithLog();
  const a = mk('a', { id: 'same' });
  const b = mk('b', { id: 'same' });
  osc.SSL_CTX_add_session(ctx, a);
  osc.SSL_SESSION_free(a); // only the cache holds a now
  t.equal(osc.SSL_CTX_add_session(ctx, b), 1, 'counts as a new entry');
  t.same(drain(), ['destroy a'], 'no remove callback, its cache reference dropped');
  t.equal(osc.SSL_CTX_sess_number(ctx), 1);
  t.same(order(ctx), ['b']);
  const c = mk('c', { id: 'same' });
  osc.SSL_SESSION_up_ref(b);
  osc.SSL_CTX_add_session(ctx, c);
  t.equal(osc.SSL_SESSION_is_resumable(b), 1, 'the replaced session is not marked non-resumable');
  osc.SSL_SESSION_free(b);
  osc.SSL_SESSION_free(b);
  osc.SSL_SESSION_free(c);
  drain();
  osc.SSL_CTX_free(ctx);
});

t.test('eviction: cache_full counted, a cache of size N keeps N - 1, tail first', async (t) => {
  const ctx = ctxWithLog();
  osc.SSL_CTX_sess_set_cache_size(ctx, 3);
  const s = ['a', 'b', 'c', 'd'].map((l, i) => mk(l, { time: 1000 + i }));
  for (const x of s) {
    osc.SSL_CTX_add_session(ctx, x);
    osc.SSL_SESSION_free(x);
  }
  t.equal(osc.SSL_CTX_sess_number(ctx), 2);
  t.equal(osc.SSL_CTX_sess_cache_full(ctx), 2);
  t.same(drain(), ['remove a', 'destroy a', 'remove b', 'destroy b'], 'callback before destruction, soonest expiry first');
  t.same(order(ctx), ['d', 'c']);
  // An evicted session is marked non-resumable.
  const e = mk('e', { time: 2000 });
  const f = mk('f', { time: 1 });
  osc.SSL_CTX_add_session(ctx, e);
  osc.SSL_CTX_add_session(ctx, f);
  t.same(order(ctx), ['e', 'f'], 'evicted before linking: the new session survives even if it expires first');
  t.equal(osc.SSL_CTX_sess_cache_full(ctx), 4);
  t.equal(osc.SSL_SESSION_is_resumable(e), 1);
  osc.SSL_CTX_sess_set_cache_size(ctx, 1);
  t.equal(osc.SSL_CTX_sess_number(ctx), 2, 'changing the size evicts nothing by itself');
  const g = mk('g', { time: 3000 });
  osc.SSL_CTX_add_session(ctx, g);
  t.same(order(ctx), ['g']);
  t.equal(osc.SSL_SESSION_is_resumable(e), 0, 'evicted: non-resumable');
  osc.SSL_SESSION_free(e);
  osc.SSL_SESSION_free(f);
  osc.SSL_SESSION_free(g);
  osc.SSL_CTX_free(ctx);
});

t.test('an empty-id session at the tail stops eviction (OpenSSL removes by id)', async (t) => {
  const ctx = ctxWithLog();
  osc.SSL_CTX_sess_set_cache_size(ctx, 1);
  const empty = mk('empty', { id: '' });
  osc.SSL_CTX_add_session(ctx, empty);
  const b = mk('b', { time: 5000 });
  osc.SSL_CTX_add_session(ctx, b);
  t.equal(osc.SSL_CTX_sess_number(ctx), 2, 'the cache grows past its size');
  t.equal(osc.SSL_CTX_sess_cache_full(ctx), 0);
  t.same(drain(), []);
  osc.SSL_CTX_flush_sessions(ctx, 0);
  t.same(drain(), ['remove empty', 'remove b'], 'a flush still removes it, from the tail');
  osc.SSL_SESSION_free(empty);
  osc.SSL_SESSION_free(b);
  osc.SSL_CTX_free(ctx);
});

t.test('size 0 means unlimited', async (t) => {
  const ctx = ctxWithLog();
  osc.SSL_CTX_sess_set_cache_size(ctx, 0);
  for (let i = 0; i < 30000; i++) {
    const s = osc.SSL_SESSION_new();
    osc.SSL_SESSION_set1_id(s, Buffer.from(`id${i}`));
    osc.SSL_CTX_add_session(ctx, s);
    osc.SSL_SESSION_free(s);
  }
  t.equal(osc.SSL_CTX_sess_number(ctx), 30000);
  t.equal(osc.SSL_CTX_sess_cache_full(ctx), 0);
  t.ok(testing.debugCacheConsistent(ctx));
  osc.SSL_CTX_sess_set_remove_cb(ctx, null);
  osc.SSL_CTX_free(ctx);
});

t.test('the default cache keeps at most 20,479 sessions', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  for (let i = 0; i < 20500; i++) {
    const s = osc.SSL_SESSION_new();
    osc.SSL_SESSION_set1_id(s, Buffer.from(`id${i}`));
    osc.SSL_CTX_add_session(ctx, s);
    osc.SSL_SESSION_free(s);
  }
  t.equal(osc.SSL_CTX_sess_number(ctx), 20479);
  t.equal(osc.SSL_CTX_sess_cache_full(ctx), 21);
  osc.SSL_CTX_free(ctx);
});

t.test('remove: callback even when not cached, non-resumable, null and empty ids ignored', async (t) => {
  const ctx = ctxWithLog();
  const a = mk('a');
  osc.SSL_CTX_add_session(ctx, a);
  t.equal(osc.SSL_CTX_remove_session(ctx, a), 1);
  t.same(drain(), ['remove a']);
  t.equal(osc.SSL_SESSION_is_resumable(a), 0);
  t.equal(osc.SSL_CTX_remove_session(ctx, a), 0, 'not cached any more');
  t.same(drain(), ['remove a'], 'the callback still fires');
  t.equal(osc.SSL_CTX_remove_session(ctx, null), 0);
  const empty = osc.SSL_SESSION_new();
  t.equal(osc.SSL_CTX_remove_session(ctx, empty), 0);
  t.same(drain(), [], 'no callback for null or an empty id');
  // Removing by key: a different object with the same key removes the cached one.
  const b = mk('b', { id: 'k' });
  const b2 = mk('b2', { id: 'k' });
  osc.SSL_CTX_add_session(ctx, b);
  osc.SSL_SESSION_free(b);
  t.equal(osc.SSL_CTX_remove_session(ctx, b2), 1);
  t.same(drain(), ['remove b2', 'destroy b'], 'callback names the argument; the found entry is freed');
  osc.SSL_SESSION_free(a);
  osc.SSL_SESSION_free(b2);
  osc.SSL_SESSION_free(empty);
  osc.SSL_CTX_free(ctx);
});

t.test('SSL_add_session / SSL_remove_session are synonyms', async (t) => {
  const ctx = ctxWithLog();
  const a = mk('a');
  t.equal(osc.SSL_add_session(ctx, a), 1);
  t.equal(osc.SSL_remove_session(ctx, a), 1);
  osc.SSL_SESSION_free(a);
  osc.SSL_CTX_free(ctx);
});

t.test('sorted insertion: expiry order, newest first among equal expiries', async (t) => {
  const ctx = ctxWithLog();
  const spec: [string, number][] = [
    ['a', 100],
    ['b', 50],
    ['c', 100],
    ['d', 75],
    ['e', 50],
    ['f', 75],
    ['g', 200],
    ['h', 10],
  ];
  for (const [l, exp] of spec) {
    const s = mk(l, { time: exp - 10, timeout: 10 });
    osc.SSL_CTX_add_session(ctx, s);
    osc.SSL_SESSION_free(s);
  }
  t.same(order(ctx), ['g', 'c', 'a', 'f', 'd', 'e', 'b', 'h']);
  t.ok(testing.debugCacheConsistent(ctx));
  // Flush from the tail, stopping at the first live session.
  osc.SSL_CTX_flush_sessions(ctx, 75);
  t.same(
    drain(),
    ['remove h', 'remove b', 'remove e', 'destroy h', 'destroy b', 'destroy e'],
    'callbacks first, then the references, in removal order',
  );
  t.same(order(ctx), ['g', 'c', 'a', 'f', 'd'], 'expiry 75 is not expired at 75 (strictly greater)');
  osc.SSL_CTX_flush_sessions(ctx, 76);
  t.same(drain(), ['remove d', 'remove f', 'destroy d', 'destroy f'], 'equal expiries: oldest insertion first');
  osc.SSL_CTX_flush_sessions(ctx, 0);
  t.same(drain(), ['remove a', 'remove c', 'remove g', 'destroy a', 'destroy c', 'destroy g'], '0 removes all, from the tail');
  t.equal(osc.SSL_CTX_sess_number(ctx), 0);
  osc.SSL_CTX_free(ctx);
});

t.test('overflow: time + timeout past 2^63 never times out and sorts last', async (t) => {
  const ctx = ctxWithLog();
  const max = 2n ** 63n - 1n;
  const o1 = mk('o1', { time: max - 10n, timeout: 100 });
  const o2 = mk('o2', { time: max - 50n, timeout: 100 });
  const n = mk('n', { time: 1000, timeout: 100 });
  const neg = mk('neg', { time: -5, timeout: 1 });
  for (const s of [o1, n, o2, neg]) {
    osc.SSL_CTX_add_session(ctx, s);
    osc.SSL_SESSION_free(s);
  }
  // OpenSSL counts every negative time as overflowed too; among overflowed
  // sessions the wrapped sums compare (timeout - (INT64_MAX - time)):
  // o1 -> 90, o2 -> 50, neg -> INT64_MAX - 2.
  t.same(order(ctx), ['neg', 'o1', 'o2', 'n'], 'overflowed after all normal ones');
  osc.SSL_CTX_flush_sessions(ctx, max);
  t.same(order(ctx), ['neg', 'o1', 'o2'], 'flush at the largest time keeps the overflowed');
  osc.SSL_CTX_flush_sessions(ctx, 0);
  t.equal(osc.SSL_CTX_sess_number(ctx), 0, 'only 0 removes them');
  osc.SSL_CTX_free(ctx);
});

t.test('set_time / set_timeout re-sort a cached session', async (t) => {
  const ctx = ctxWithLog();
  const a = mk('a', { time: 100 });
  const b = mk('b', { time: 200 });
  const c = mk('c', { time: 300 });
  for (const s of [a, b, c]) osc.SSL_CTX_add_session(ctx, s);
  t.same(order(ctx), ['c', 'b', 'a']);
  osc.SSL_SESSION_set_time(a, 400);
  t.same(order(ctx), ['a', 'c', 'b']);
  osc.SSL_SESSION_set_timeout(c, 0); // expires at 300, like b: the re-sorted one goes first
  t.same(order(ctx), ['a', 'c', 'b']);
  osc.SSL_SESSION_set_timeout(b, 300); // expires at 500, like a: newest first
  t.same(order(ctx), ['b', 'a', 'c']);
  t.equal(osc.SSL_SESSION_set_timeout(b, -1), 0);
  t.same(order(ctx), ['b', 'a', 'c'], 'a refused timeout does not move it');
  t.ok(testing.debugCacheConsistent(ctx));
  // After removal the session belongs to no cache: its times no longer move anything.
  osc.SSL_CTX_remove_session(ctx, b);
  osc.SSL_SESSION_set_time(b, 9999);
  t.same(order(ctx), ['a', 'c']);
  t.equal(osc.SSL_CTX_sess_number(ctx), 2);
  for (const s of [a, b, c]) osc.SSL_SESSION_free(s);
  osc.SSL_CTX_free(ctx);
});

t.test('UPDATE_TIME: add sets time to now and re-sorts', async (t) => {
  const ctx = ctxWithLog();
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_UPDATE_TIME);
  testing.setTestTime(5000);
  const a = mk('a', { time: 100 });
  const b = mk('b', { time: 6000 });
  osc.SSL_CTX_add_session(ctx, a);
  t.equal(osc.SSL_SESSION_get_time(a), 5000);
  osc.SSL_CTX_add_session(ctx, b);
  t.equal(osc.SSL_SESSION_get_time(b), 5000);
  t.same(order(ctx), ['b', 'a']);
  testing.setTestTime(5001);
  t.equal(osc.SSL_CTX_add_session(ctx, a), 0);
  t.equal(osc.SSL_SESSION_get_time(a), 5001, 're-adding a cached session refreshes it too');
  t.same(order(ctx), ['a', 'b']);
  testing.setTestTime(null);
  osc.SSL_SESSION_free(a);
  osc.SSL_SESSION_free(b);
  osc.SSL_CTX_free(ctx);
});

t.test('re-keying a cached session moves it in the table (a documented difference)', async (t) => {
  const ctx = ctxWithLog();
  const a = mk('a', { id: 'old' });
  const b = mk('b', { id: 'new' });
  osc.SSL_CTX_add_session(ctx, a);
  osc.SSL_CTX_add_session(ctx, b);
  osc.SSL_SESSION_free(b);
  drain();
  t.equal(osc.SSL_SESSION_set1_id(a, Buffer.from('new')), 1);
  t.same(drain(), ['destroy b'], 'the entry that held the new key leaves silently');
  t.equal(osc.SSL_CTX_sess_number(ctx), 1);
  t.ok(testing.debugCacheConsistent(ctx));
  const probe = mk('probe', { id: 'new' });
  t.equal(osc.SSL_CTX_remove_session(ctx, probe), 1, 'found under its new key');
  osc.SSL_SESSION_free(probe);
  osc.SSL_SESSION_free(a);
  osc.SSL_CTX_free(ctx);
});

t.test('a session added to a second context moves there', async (t) => {
  const c1 = ctxWithLog();
  const c2 = ctxWithLog();
  const a = mk('a');
  osc.SSL_CTX_add_session(c1, a);
  t.equal(osc.SSL_CTX_add_session(c2, a), 1);
  t.equal(osc.SSL_CTX_sess_number(c1), 0);
  t.equal(osc.SSL_CTX_sess_number(c2), 1);
  t.ok(testing.debugCacheConsistent(c1) && testing.debugCacheConsistent(c2));
  osc.SSL_SESSION_free(a);
  osc.SSL_CTX_free(c1);
  t.same(drain(), [], 'the first context no longer holds it');
  osc.SSL_CTX_free(c2);
  t.same(drain(), ['remove a', 'destroy a']);
});

// A model of OpenSSL's list (the linear walk of SSL_SESSION_list_add) run
// side by side with the cache; after every step the orders must agree and
// the table must match the list.
t.test("random operations keep OpenSSL's list order (model check)", async (t) => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  osc.SSL_CTX_sess_set_cache_size(ctx, 0);
  type M = { s: SSL_SESSION; exp: number; id: string };
  let model: M[] = [];
  const pool: M[] = [];
  for (let i = 0; i < 60; i++) {
    const s = mk(`s${i}`, { id: `id${i}`, time: rnd(50), timeout: rnd(20) });
    pool.push({ s, exp: 0, id: `id${i}` });
  }
  const expiry = (m: M) => Number(osc.SSL_SESSION_get_time(m.s)) + Number(osc.SSL_SESSION_get_timeout(m.s));
  const modelAdd = (m: M) => {
    model = model.filter((x) => x !== m);
    m.exp = expiry(m);
    if (model.length === 0 || m.exp >= model[0].exp) {
      model.unshift(m);
      return;
    }
    if (m.exp < model[model.length - 1].exp) {
      model.push(m);
      return;
    }
    for (let i = 1; i < model.length; i++) {
      if (m.exp >= model[i].exp) {
        model.splice(i, 0, m);
        return;
      }
    }
  };
  let mismatches = 0;
  for (let step = 0; step < 4000; step++) {
    const m = pool[rnd(pool.length)];
    const cached = model.includes(m);
    switch (rnd(5)) {
      case 0:
      case 1:
        osc.SSL_CTX_add_session(ctx, m.s);
        modelAdd(m);
        break;
      case 2:
        osc.SSL_CTX_remove_session(ctx, m.s);
        model = model.filter((x) => x !== m);
        break;
      case 3:
        osc.SSL_SESSION_set_time(m.s, rnd(60));
        if (cached) modelAdd(m);
        break;
      case 4:
        osc.SSL_SESSION_set_timeout(m.s, rnd(25));
        if (cached) modelAdd(m);
        break;
    }
    if (step % 400 === 399) {
      const t0 = rnd(70);
      osc.SSL_CTX_flush_sessions(ctx, t0);
      while (model.length && t0 > model[model.length - 1].exp) model.pop();
    }
    const got = order(ctx).join(',');
    const want = model.map((x) => label(x.s)).join(',');
    if (got !== want || !testing.debugCacheConsistent(ctx)) mismatches++;
  }
  t.equal(mismatches, 0, 'the order matched the model after every step');
  for (const m of pool) osc.SSL_SESSION_free(m.s);
  osc.SSL_CTX_free(ctx);
});
