// What would be undefined behaviour in C throws a clear error, changes
// nothing, and never crashes the process.

import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import * as osc from '..';
import { drain, mk, order } from './helpers';

t.test('handles of the wrong type or no handle at all', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  const s = osc.SSL_SESSION_new();
  const wrong: unknown[] = [undefined, null, 0, 'x', {}, [], () => 1, Buffer.alloc(8), Symbol('s'), 1n, ctx];
  for (const w of wrong) {
    t.throws(() => osc.SSL_SESSION_get_time(w as never), TypeError, `get_time(${String(typeof w)})`);
  }
  t.throws(() => osc.SSL_CTX_add_session(s as never, ctx as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => osc.SSL_CTX_sess_number(s as never), /expected an SSL_CTX handle/);
  t.throws(() => osc.SSL_CTX_new(ctx as never), TypeError);
  t.equal(osc.SSL_CTX_sess_number(ctx), 0);
  osc.SSL_SESSION_free(s);
  osc.SSL_CTX_free(ctx);
});

t.test('freed handles: every entry point refuses them', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  const s = osc.SSL_SESSION_new();
  osc.SSL_SESSION_free(s);
  osc.SSL_CTX_free(ctx);
  const live = osc.SSL_CTX_new(osc.TLS_method());
  const calls: Array<() => unknown> = [
    () => osc.SSL_CTX_add_session(live, s),
    () => osc.SSL_CTX_remove_session(live, s),
    () => osc.SSL_SESSION_up_ref(s),
    () => osc.SSL_SESSION_free(s),
    () => osc.SSL_SESSION_set1_id(s, Buffer.from('x')),
    () => osc.SSL_SESSION_set_time(s, 1),
    () => osc.SSL_SESSION_get_ex_data(s, 0),
    () => osc.SSL_CTX_up_ref(ctx),
    () => osc.SSL_CTX_free(ctx),
    () => osc.SSL_CTX_flush_sessions(ctx, 0),
    () => osc.SSL_CTX_sess_set_remove_cb(ctx, null),
    () => osc.SSL_CTX_set_session_cache_mode(ctx, 0),
  ];
  for (const c of calls) t.throws(c, { code: 'ERR_USE_AFTER_FREE', message: /used after free/ });
  t.equal(osc.SSL_CTX_sess_number(live), 0);
  osc.SSL_CTX_free(live);
});

t.test('lengths: beyond the array is a RangeError, not a read past the end', async (t) => {
  const s = osc.SSL_SESSION_new();
  const id = Buffer.from('abcd');
  t.throws(() => osc.SSL_SESSION_set1_id(s, id, 5), RangeError);
  t.throws(() => osc.SSL_SESSION_set1_id(s, id, -1), RangeError);
  t.throws(() => osc.SSL_SESSION_set1_id(s, id, 1.5), RangeError);
  t.throws(() => osc.SSL_SESSION_set1_id(s, id, '4' as never), TypeError);
  t.throws(() => osc.SSL_SESSION_set1_id(s, [1, 2] as never), TypeError);
  t.throws(() => osc.SSL_SESSION_set1_id(s, new Uint16Array(2) as never), TypeError);
  t.throws(() => osc.SSL_SESSION_set1_master_key(s, id, 99), RangeError);
  t.equal(osc.SSL_SESSION_get_id(s).length, 0, 'nothing changed');
  t.equal(osc.SSL_SESSION_set1_id(s, id.subarray(1, 3)), 1, 'views use their own offset');
  t.same(Buffer.from(osc.SSL_SESSION_get_id(s)), Buffer.from('bc'));
  t.throws(() => osc.SSL_SESSION_get_id(s, 5 as never), TypeError, 'out-parameters must be objects');
  osc.SSL_SESSION_free(s);
});

t.test('freeing references the cache or the application does not hold', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  const s = mk('only-cache');
  osc.SSL_CTX_add_session(ctx, s);
  osc.SSL_SESSION_free(s); // the application's reference
  drain();
  t.throws(() => osc.SSL_SESSION_free(s), { code: 'ERR_REFCOUNT' }, "the cache's reference is not the caller's");
  t.same(drain(), [], 'nothing destroyed');
  t.same(order(ctx), ['only-cache']);
  t.ok(testing.debugCacheConsistent(ctx));
  osc.SSL_CTX_free(ctx);
  t.same(drain(), ['destroy only-cache']);
});

t.test('a get callback returning the wrong type counts as NULL with a TypeError', async (t) => {
  // Reached through the handshake path; here only the setter contract.
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  t.throws(() => osc.SSL_CTX_sess_set_get_cb(ctx, 'fn' as never), TypeError);
  osc.SSL_CTX_free(ctx);
});

t.test('ex_data index registration checks its callbacks', async (t) => {
  t.throws(() => osc.SSL_SESSION_get_ex_new_index(0, null, 5 as never, null, null), TypeError);
  t.throws(() => osc.SSL_CTX_get_ex_new_index('x' as never, null, null, null, null), TypeError);
});
