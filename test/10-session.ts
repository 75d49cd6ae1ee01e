import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import * as osc from '..';
import { drain, LABEL, mk } from './helpers';

t.test('SSL_SESSION_new defaults: time = now, timeout 304, empty id, version 0', async (t) => {
  testing.setTestTime(123456);
  const s = osc.SSL_SESSION_new();
  t.equal(osc.SSL_SESSION_get_time(s), 123456);
  t.equal(osc.SSL_SESSION_get_timeout(s), 304);
  const len = { value: -1 };
  t.same(osc.SSL_SESSION_get_id(s, len), new Uint8Array(0));
  t.equal(len.value, 0);
  t.equal(osc.SSL_SESSION_get_protocol_version(s), 0);
  t.equal(osc.SSL_SESSION_is_resumable(s), 0, 'no id: not resumable');
  osc.SSL_SESSION_free(s);
  testing.setTestTime(null);
  const before = Math.floor(Date.now() / 1000);
  const w = osc.SSL_SESSION_new();
  const after = Math.floor(Date.now() / 1000);
  const time = Number(osc.SSL_SESSION_get_time(w));
  // time(NULL), as OpenSSL, reads the coarse clock, which may still show the
  // previous second for a few milliseconds after Date.now() has moved on.
  t.ok(time >= before - 1 && time <= after, 'wall clock by default');
  osc.SSL_SESSION_free(w);
});

t.test('ids: set1_id copies, length argument, 32-byte limit with the error queue', async (t) => {
  const s = osc.SSL_SESSION_new();
  const id = Buffer.from('0123456789abcdef0123456789abcdefXX');
  t.equal(osc.SSL_SESSION_set1_id(s, id, 32), 1);
  id[0] = 0x7a; // a copy was taken
  const len = { value: 0 };
  t.same(Buffer.from(osc.SSL_SESSION_get_id(s, len)), Buffer.from('0123456789abcdef0123456789abcdef'));
  t.equal(len.value, 32);
  t.equal(osc.SSL_SESSION_set1_id(s, id.subarray(0, 3)), 1, 'length defaults to the array length');
  t.equal(osc.SSL_SESSION_get_id(s).length, 3);
  osc.ERR_clear_error();
  t.equal(osc.SSL_SESSION_set1_id(s, Buffer.alloc(33)), 0);
  const e = osc.ERR_get_error();
  t.equal(osc.ERR_GET_LIB(e), osc.ERR_LIB_SSL);
  t.equal(osc.ERR_GET_REASON(e), osc.SSL_R_SSL_SESSION_ID_TOO_LONG);
  t.equal(osc.ERR_error_string(e), 'error:0A000198:SSL routines::ssl session id too long');
  t.equal(osc.ERR_get_error(), 0, 'queue drained');
  t.equal(osc.SSL_SESSION_get_id(s).length, 3, 'a refused id changes nothing');
  t.equal(osc.SSL_SESSION_is_resumable(s), 1);
  osc.SSL_SESSION_free(s);
});

t.test('id context: 32-byte limit, SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG', async (t) => {
  const s = osc.SSL_SESSION_new();
  t.equal(osc.SSL_SESSION_set1_id_context(s, Buffer.from('ctx')), 1);
  const len = { value: 0 };
  t.same(Buffer.from(osc.SSL_SESSION_get0_id_context(s, len)), Buffer.from('ctx'));
  t.equal(len.value, 3);
  osc.ERR_clear_error();
  t.equal(osc.SSL_SESSION_set1_id_context(s, Buffer.alloc(33)), 0);
  t.equal(osc.ERR_GET_REASON(osc.ERR_peek_error()), osc.SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG);
  t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), osc.SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG, 'peek kept it');
  osc.SSL_SESSION_free(s);
});

t.test('the error queue keeps the 16 most recent codes', async (t) => {
  osc.ERR_clear_error();
  const s = osc.SSL_SESSION_new();
  for (let i = 0; i < 20; i++) osc.SSL_SESSION_set1_id(s, Buffer.alloc(40));
  let n = 0;
  while (osc.ERR_get_error() !== 0) n++;
  t.equal(n, 16);
  t.equal(osc.ERR_error_string(0x0a000000 | 999), 'error:0A0003E7:SSL routines::reason(999)');
  osc.SSL_SESSION_free(s);
});

t.test('master key: 512-byte limit (as OpenSSL 3.0), length query, partial copies', async (t) => {
  const s = osc.SSL_SESSION_new();
  osc.ERR_clear_error();
  t.equal(osc.SSL_SESSION_set1_master_key(s, Buffer.alloc(513, 1)), 0);
  t.equal(osc.ERR_peek_error(), 0, 'no error queued');
  t.equal(osc.SSL_SESSION_get_master_key(s, null, 0), 0);
  t.equal(osc.SSL_SESSION_set1_master_key(s, Buffer.alloc(512, 7)), 1, 'long keys are kept');
  const long = new Uint8Array(512);
  t.equal(osc.SSL_SESSION_get_master_key(s, long), 512);
  t.ok(long.every((b) => b === 7));
  const key = Buffer.alloc(48, 0).map((_, i) => i + 1);
  t.equal(osc.SSL_SESSION_set1_master_key(s, key), 1);
  t.equal(osc.SSL_SESSION_get_master_key(s, null, 0), 48, 'outlen 0 returns the length');
  const out = new Uint8Array(10);
  t.equal(osc.SSL_SESSION_get_master_key(s, out), 10);
  t.same(Array.from(out), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const big = new Uint8Array(64);
  t.equal(osc.SSL_SESSION_get_master_key(s, big), 48, 'copies at most the key');
  t.throws(() => osc.SSL_SESSION_get_master_key(s, out, 11), RangeError);
  osc.SSL_SESSION_free(s);
});

t.test('time and timeout: setters, negative timeout refused, bigint range', async (t) => {
  const s = osc.SSL_SESSION_new();
  t.equal(osc.SSL_SESSION_set_time(s, 42), 42, 'set_time returns t');
  t.equal(osc.SSL_SESSION_get_time(s), 42);
  t.equal(osc.SSL_SESSION_set_timeout(s, -1), 0);
  t.equal(osc.SSL_SESSION_get_timeout(s), 304, 'refused timeout changes nothing');
  t.equal(osc.SSL_SESSION_set_timeout(s, 0), 1);
  t.equal(osc.SSL_SESSION_get_timeout(s), 0);
  const far = 2n ** 62n;
  t.equal(osc.SSL_SESSION_set_time(s, far), far);
  t.equal(osc.SSL_SESSION_get_time(s), far, 'beyond 2^53 comes back as a bigint');
  t.throws(() => osc.SSL_SESSION_set_time(s, 2n ** 63n), RangeError);
  t.throws(() => osc.SSL_SESSION_set_time(s, Infinity), RangeError);
  osc.SSL_SESSION_free(s);
});

t.test('reference counting: destruction at the last free, the handle stale at once', async (t) => {
  drain();
  const s = mk('a');
  osc.SSL_SESSION_set1_master_key(s, Buffer.alloc(48, 0xab));
  t.equal(osc.SSL_SESSION_get_master_key(s, null, 0), 48);
  t.equal(osc.SSL_SESSION_up_ref(s), 1);
  osc.SSL_SESSION_free(s);
  t.same(drain(), [], 'one reference left');
  t.ok(testing.debugMasterKeyStorage(s).every((b) => b === 0xab));
  osc.SSL_SESSION_free(s);
  t.same(drain(), ['destroy a']);
  // The memory is released at once (the wipe before it is checked by the C++ core test):
  // every use of the handle is refused from here.
  t.throws(() => testing.debugMasterKeyStorage(s), { code: 'ERR_USE_AFTER_FREE' });
  t.throws(() => osc.SSL_SESSION_get_time(s), { code: 'ERR_USE_AFTER_FREE' });
  t.throws(() => osc.SSL_SESSION_free(s), { code: 'ERR_USE_AFTER_FREE' });
  osc.SSL_SESSION_free(null);
});

t.test('ex_data: indexes from 1, new and free callbacks with OpenSSL arguments', async (t) => {
  const calls: unknown[][] = [];
  const argp = { tag: 'argp' };
  const idx = osc.SSL_SESSION_get_ex_new_index(
    7,
    argp,
    (...args) => {
      calls.push(['new', ...args]);
    },
    null,
    (...args) => {
      calls.push(['free', ...args]);
    },
  );
  t.ok(idx > LABEL, 'indexes grow');
  const s = osc.SSL_SESSION_new();
  t.equal(calls.length, 1);
  t.same(calls[0].slice(1), [s, null, null, idx, 7, argp].slice(0, 6));
  t.equal(calls[0][1], s, 'parent is the same handle');
  t.equal(calls[0][6], argp);
  const value = { any: 'value' };
  t.equal(osc.SSL_SESSION_set_ex_data(s, idx, value), 1);
  t.equal(osc.SSL_SESSION_get_ex_data(s, idx), value);
  t.equal(osc.SSL_SESSION_set_ex_data(s, -1, value), 0, 'a negative index fails as in C');
  t.equal(osc.SSL_SESSION_get_ex_data(s, -1), null);
  const unset = osc.SSL_SESSION_get_ex_new_index(0, null, null, null, null);
  t.equal(osc.SSL_SESSION_get_ex_data(s, unset), null, 'unset slots read null');
  t.throws(() => osc.SSL_SESSION_get_ex_data(s, unset + 1), { name: 'RangeError', message: /not an index registered/ });
  t.equal(osc.SSL_SESSION_set_app_data(s, 'app'), 1);
  t.equal(osc.SSL_SESSION_get_app_data(s), 'app');
  t.equal(osc.SSL_SESSION_get_ex_data(s, 0), 'app', 'app_data is index 0');
  osc.SSL_SESSION_set_ex_data(s, idx, 5);
  t.equal(osc.SSL_SESSION_get_ex_data(s, idx), 5, 'primitives too');
  osc.SSL_SESSION_free(s);
  const free = calls.find((c) => c[0] === 'free');
  t.ok(free);
  t.equal(free![1], s);
  t.equal(free![2], 5, 'free sees the value');
  t.equal(free![4], idx);
});

t.test('a free callback may read the dying session but not revive it', async (t) => {
  let seen: number | bigint = 0;
  let revive: unknown = null;
  const idx = osc.SSL_SESSION_get_ex_new_index(0, null, null, null, (parent, ptr) => {
    if (ptr !== 'watch') return;
    seen = osc.SSL_SESSION_get_time(parent);
    try {
      osc.SSL_SESSION_up_ref(parent);
    } catch (e) {
      revive = e;
    }
  });
  const s = osc.SSL_SESSION_new();
  osc.SSL_SESSION_set_time(s, 777);
  osc.SSL_SESSION_set_ex_data(s, idx, 'watch');
  osc.SSL_SESSION_free(s);
  t.equal(seen, 777);
  t.match(revive, { code: 'ERR_USE_AFTER_FREE' });
});
