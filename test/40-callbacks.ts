import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import type { SSL_CTX, SSL_SESSION } from '..';
import * as osc from '..';
import { ctxWithLog, drain, events, label, mk, order } from './helpers';

t.beforeEach(() => {
  drain();
});

function fill(ctx: SSL_CTX, labels: string[]): SSL_SESSION[] {
  return labels.map((l, i) => {
    const s = mk(l, { time: 1000 + i });
    osc.SSL_CTX_add_session(ctx, s);
    osc.SSL_SESSION_free(s);
    return s;
  });
}

t.test('setters store, getters return the same function, null unsets', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  const n = () => 1;
  const r = () => undefined;
  const g = () => null;
  osc.SSL_CTX_sess_set_new_cb(ctx, n);
  osc.SSL_CTX_sess_set_remove_cb(ctx, r);
  osc.SSL_CTX_sess_set_get_cb(ctx, g);
  t.equal(osc.SSL_CTX_sess_get_new_cb(ctx), n);
  t.equal(osc.SSL_CTX_sess_get_remove_cb(ctx), r);
  t.equal(osc.SSL_CTX_sess_get_get_cb(ctx), g);
  osc.SSL_CTX_sess_set_remove_cb(ctx, null);
  t.equal(osc.SSL_CTX_sess_get_remove_cb(ctx), null);
  t.throws(() => osc.SSL_CTX_sess_set_new_cb(ctx, 42 as never), TypeError);
  t.throws(() => osc.SSL_CTX_sess_set_get_cb(ctx, undefined as never), TypeError);
  t.equal(osc.SSL_CTX_sess_get_new_cb(ctx), n, 'a refused setter changes nothing');
  osc.SSL_CTX_free(ctx);
});

t.test('the remove callback sees the same handles (identity)', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  const a = mk('a');
  let seen: [SSL_CTX, SSL_SESSION] | null = null;
  osc.SSL_CTX_sess_set_remove_cb(ctx, (c, s) => {
    seen = [c, s];
  });
  osc.SSL_CTX_add_session(ctx, a);
  osc.SSL_CTX_remove_session(ctx, a);
  t.ok(seen);
  t.equal(seen![0], ctx);
  t.equal(seen![1], a);
  osc.SSL_SESSION_free(a);
  osc.SSL_CTX_free(ctx);
});

t.test('a throwing remove callback: the flush completes, the first exception is rethrown', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  fill(ctx, ['a', 'b', 'c']);
  let calls = 0;
  osc.SSL_CTX_sess_set_remove_cb(ctx, (_c, s) => {
    calls++;
    throw new Error(`boom ${label(s)}`);
  });
  t.throws(() => osc.SSL_CTX_flush_sessions(ctx, 0), { message: 'boom a' });
  t.equal(calls, 3, 'every callback ran');
  t.equal(osc.SSL_CTX_sess_number(ctx), 0);
  t.ok(testing.debugCacheConsistent(ctx));
  t.same(drain(), ['destroy a', 'destroy b', 'destroy c']);
  osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
    throw null;
  });
  const s = mk('x');
  osc.SSL_CTX_add_session(ctx, s);
  let caught: unknown = 'nothing';
  try {
    osc.SSL_CTX_remove_session(ctx, s);
  } catch (e) {
    caught = e;
  }
  t.equal(caught, null, 'throw null comes back as null');
  t.equal(osc.SSL_CTX_sess_number(ctx), 0);
  osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
    throw undefined;
  });
  osc.SSL_CTX_add_session(ctx, s);
  caught = 'nothing';
  try {
    osc.SSL_CTX_free(ctx);
  } catch (e) {
    caught = e;
  }
  t.equal(caught, undefined, 'throw undefined during SSL_CTX_free comes back too');
  t.throws(() => osc.SSL_CTX_sess_number(ctx), { code: 'ERR_USE_AFTER_FREE' }, 'and the context was freed');
  osc.SSL_SESSION_free(s);
});

t.test('a throwing eviction callback: the add still succeeds', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  osc.SSL_CTX_sess_set_cache_size(ctx, 2);
  fill(ctx, ['a']);
  osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
    throw new TypeError('evict');
  });
  const b = mk('b', { time: 5000 });
  t.throws(() => osc.SSL_CTX_add_session(ctx, b), { message: 'evict' });
  t.same(order(ctx), ['b']);
  t.equal(osc.SSL_CTX_sess_cache_full(ctx), 1);
  osc.SSL_SESSION_free(b);
  osc.SSL_CTX_sess_set_remove_cb(ctx, null);
  osc.SSL_CTX_free(ctx);
});

t.test('a throwing ex_data free callback: the session is destroyed anyway', async (t) => {
  const idx = osc.SSL_SESSION_get_ex_new_index(0, null, null, null, (_p, v) => {
    if (v === 'bad') throw new Error('free');
  });
  const s = osc.SSL_SESSION_new();
  osc.SSL_SESSION_set_ex_data(s, idx, 'bad');
  t.throws(() => osc.SSL_SESSION_free(s), { message: 'free' });
  t.throws(() => osc.SSL_SESSION_get_time(s), { code: 'ERR_USE_AFTER_FREE' });
});

t.test('remove callbacks that re-enter the API on the same context', async (t) => {
  const ctx = ctxWithLog();
  fill(ctx, ['a', 'b', 'c', 'd']); // expire at 1100, 1101, 1102, 1103
  const extra = mk('extra', { time: 9000 });
  let depth = 0;
  osc.SSL_CTX_sess_set_remove_cb(ctx, (c, s) => {
    events.push(`remove ${label(s)}`);
    if (depth++ > 0) return;
    osc.SSL_CTX_add_session(c, extra); // add during a flush
    osc.SSL_CTX_remove_session(c, s); // remove the one being removed (not cached any more)
    osc.SSL_CTX_flush_sessions(c, 1102); // flush inside the flush: takes b
  });
  osc.SSL_CTX_flush_sessions(ctx, 1101); // takes a
  t.same(drain(), ['remove a', 'remove a', 'remove b', 'destroy b', 'destroy a']);
  t.ok(testing.debugCacheConsistent(ctx));
  t.same(order(ctx), ['extra', 'd', 'c']);
  osc.SSL_CTX_flush_sessions(ctx, 0);
  t.equal(osc.SSL_CTX_sess_number(ctx), 0);
  t.ok(testing.debugCacheConsistent(ctx));
  osc.SSL_SESSION_free(extra);
  osc.SSL_CTX_free(ctx);
});

t.test('eviction callbacks that add, remove and flush', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  osc.SSL_CTX_sess_set_cache_size(ctx, 3);
  const pool = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'].map((l, i) => mk(l, { time: 100 * i }));
  let n = 0;
  osc.SSL_CTX_sess_set_remove_cb(ctx, (c, s) => {
    n++;
    if (n % 3 === 0) osc.SSL_CTX_add_session(c, pool[n % pool.length]);
    if (n % 3 === 1) osc.SSL_CTX_remove_session(c, pool[(n + 2) % pool.length]);
    if (n % 5 === 0) osc.SSL_CTX_flush_sessions(c, 250);
    if (n % 7 === 0) osc.SSL_CTX_flush_sessions(c, 0);
    if (osc.SSL_SESSION_is_resumable(s) !== 0) t.fail('a removed session must be non-resumable');
  });
  for (let i = 0; i < 200; i++) {
    osc.SSL_CTX_add_session(ctx, pool[i % pool.length]);
    if (!testing.debugCacheConsistent(ctx)) {
      t.fail(`inconsistent at ${i}`);
      break;
    }
  }
  t.ok(osc.SSL_CTX_sess_number(ctx) <= 3);
  osc.SSL_CTX_sess_set_remove_cb(ctx, null);
  osc.SSL_CTX_free(ctx);
  for (const s of pool) osc.SSL_SESSION_free(s);
});

t.test('SSL_CTX_free of the last reference from inside a remove callback', async (t) => {
  const ctx = ctxWithLog();
  fill(ctx, ['a', 'b']);
  let freed = 0;
  osc.SSL_CTX_sess_set_remove_cb(ctx, (c, s) => {
    events.push(`remove ${label(s)}`);
    if (freed++ === 0) osc.SSL_CTX_free(c); // the application's only reference
  });
  osc.SSL_CTX_flush_sessions(ctx, 1101); // removes a; the context dies after the flush
  t.same(drain(), ['remove a', 'destroy a', 'remove b', 'destroy b']);
  t.throws(() => osc.SSL_CTX_sess_number(ctx), { code: 'ERR_USE_AFTER_FREE' });
});

t.test('a remove callback adding to a context being freed is refused, nothing leaks', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  fill(ctx, ['a']);
  const late = mk('late');
  let err: unknown = null;
  osc.SSL_CTX_sess_set_remove_cb(ctx, (c) => {
    try {
      osc.SSL_CTX_add_session(c, late);
    } catch (e) {
      err = e;
    }
  });
  osc.SSL_CTX_free(ctx);
  t.match(err, { code: 'ERR_USE_AFTER_FREE' });
  drain();
  osc.SSL_SESSION_free(late);
  t.same(drain(), ['destroy late'], 'the refused session kept no cache reference');
});
