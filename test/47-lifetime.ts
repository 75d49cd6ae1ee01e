// Lifetime safety: each finding of the attacker's review, as a test named after what it proves.
// References inside callbacks are borrowed; memory follows OpenSSL's lifetime; numbers are C
// integers; inputs are read once; allocation failures fail the OpenSSL way.

import { Worker } from 'node:worker_threads';
import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import type { SSL_CTX, SSL_SESSION } from '..';
import * as osc from '..';
import { drain, LABEL, label, mk } from './helpers';

t.beforeEach(() => {
  drain();
});

const MALLOC_FAILURE = (3 << 18) | 256; // ERR_R_MALLOC_FAILURE with its common/fatal flags
const cipher = osc.SSL_CIPHER_find(null, Buffer.from([0xc0, 0x2f]));

function cached(ctx: SSL_CTX, labels: string[]): SSL_SESSION[] {
  return labels.map((l, i) => {
    const s = mk(l, { time: 1000 + i });
    osc.SSL_CTX_add_session(ctx, s);
    osc.SSL_SESSION_free(s); // only the cache holds it
    return s;
  });
}

t.test("a remove callback cannot free the cache's reference, on any path", async (t) => {
  for (const path of ['remove', 'flush', 'eviction', 'SSL_CTX_free']) {
    drain();
    const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    const mine = mk('mine'); // the application holds this one throughout
    const [victim] = cached(ctx, ['victim']);
    const refused: string[] = [];
    osc.SSL_CTX_sess_set_remove_cb(ctx, (_c, s) => {
      try {
        osc.SSL_SESSION_free(s);
      } catch (e) {
        refused.push((e as { code: string }).code);
      }
    });
    if (path === 'remove') osc.SSL_CTX_remove_session(ctx, victim);
    if (path === 'flush') osc.SSL_CTX_flush_sessions(ctx, 0);
    if (path === 'eviction') {
      osc.SSL_CTX_sess_set_cache_size(ctx, 1);
      const [next] = cached(ctx, ['next']);
      t.equal(osc.SSL_CTX_sess_number(ctx), 1, `${path}: the victim was evicted`);
      t.ok(next);
    }
    if (path === 'SSL_CTX_free') osc.SSL_CTX_free(ctx);
    t.same(refused, ['ERR_REFCOUNT'], `${path}: the free was refused`);
    t.same(
      drain().filter((e) => e === 'destroy victim'),
      ['destroy victim'],
      `${path}: destroyed exactly once, after its callback`,
    );
    t.throws(() => osc.SSL_SESSION_get_time(victim), { code: 'ERR_USE_AFTER_FREE' });
    t.equal(label(mine), 'mine', `${path}: what the application holds is untouched`);
    osc.SSL_SESSION_free(mine);
    t.same(drain(), ['destroy mine']);
    if (path !== 'SSL_CTX_free') osc.SSL_CTX_free(ctx);
  }
});

t.test('a remove callback freeing a reference the application does hold is fine', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const s = mk('held');
  osc.SSL_CTX_add_session(ctx, s); // the cache's reference and the application's
  osc.SSL_CTX_sess_set_remove_cb(ctx, (_c, x) => {
    osc.SSL_SESSION_free(x);
  });
  osc.SSL_CTX_remove_session(ctx, s);
  t.same(drain(), ['destroy held'], "the application's free and the cache's drop: one destruction");
  osc.SSL_CTX_free(ctx);
});

t.test('an SSL_free in a remove callback cannot destroy a session the application still holds', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const ssl = osc.SSL_new(ctx);
  const kept = mk('kept');
  osc.SSL_set_session(ssl, kept); // the connection's reference and the application's
  const [victim] = cached(ctx, ['victim']);
  osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
    try {
      osc.SSL_SESSION_free(victim);
    } catch {
      /* refused: the cache's */
    }
    osc.SSL_free(ssl);
  });
  osc.SSL_CTX_remove_session(ctx, victim);
  t.same(drain(), ['destroy victim']);
  t.equal(label(kept), 'kept', 'still alive: the application holds it');
  osc.SSL_SESSION_free(kept);
  t.same(drain(), ['destroy kept']);
  osc.SSL_CTX_free(ctx);
});

t.test('an ex_data new callback cannot free the session a server handshake is creating', async (t) => {
  const errors: string[] = [];
  const idx = osc.SSL_SESSION_get_ex_new_index(
    0,
    null,
    (parent) => {
      try {
        osc.SSL_SESSION_free(parent as SSL_SESSION);
      } catch (e) {
        errors.push((e as { code: string }).code);
      }
    },
    null,
    null,
  );
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const ssl = osc.SSL_new(ctx);
  const r = osc.simulateServerHandshake(ssl, {});
  t.equal(r.error, undefined, 'the handshake succeeded');
  t.same(errors, ['ERR_REFCOUNT'], 'the free was refused');
  t.equal(osc.SSL_CTX_sess_number(ctx), 1, 'the new session is cached');
  t.ok(testing.debugCacheConsistent(ctx));
  osc.SSL_free(ssl);
  osc.SSL_CTX_flush_sessions(ctx, 0);
  t.equal(osc.SSL_CTX_sess_number(ctx), 0, 'a later flush is fine');
  osc.SSL_CTX_free(ctx);
  t.ok(idx > 0);
  // Unregister the effect for the rest of the file: later sessions would keep calling it.
  errors.length = 0;
});

t.test("a new-session callback's reference is borrowed while it runs", async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const seen: string[] = [];
  osc.SSL_CTX_sess_set_new_cb(ctx, (_ssl, s) => {
    try {
      osc.SSL_SESSION_free(s);
      seen.push('freed');
    } catch (e) {
      seen.push((e as { code: string }).code);
    }
    return 0;
  });
  const ssl = osc.SSL_new(ctx);
  osc.simulateServerHandshake(ssl, {});
  t.same(seen, ['ERR_REFCOUNT'], 'freeing the lent reference (a double free in C) is refused');
  t.equal(osc.SSL_CTX_sess_number(ctx), 1);
  t.ok(testing.debugCacheConsistent(ctx));
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
});

t.test('an exception from a callback during tls_construct_server_hello reaches its caller', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const ssl = osc.SSL_new(ctx);
  osc.SSL_set_accept_state(ssl);
  osc.tls_setup_handshake(ssl);
  osc.setNegotiatedVersion(ssl, osc.TLS1_2_VERSION);
  t.equal(osc.ssl_get_new_session(ssl, 1), 1);
  const s = osc.SSL_get_session(ssl)!;
  osc.SSL_CTX_add_session(ctx, s);
  // An empty-id session cached under the key the new one is about to take: re-keying
  // displaces it, and its ex_data free callback throws.
  const idx = osc.SSL_SESSION_get_ex_new_index(0, null, null, null, (_p, ptr) => {
    if (ptr === 'thrower') throw new Error('from the free callback');
  });
  const empty = osc.SSL_SESSION_new();
  osc.SSL_SESSION_set_protocol_version(empty, osc.TLS1_2_VERSION);
  osc.SSL_SESSION_set_ex_data(empty, idx, 'thrower');
  osc.SSL_CTX_add_session(ctx, empty);
  osc.SSL_SESSION_free(empty);
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_OFF); // the hello sends an empty id
  t.throws(() => osc.tls_construct_server_hello(ssl), { message: 'from the free callback' });
  t.equal(osc.SSL_SESSION_get_id(s).length, 0, 'the step completed');
  t.ok(testing.debugCacheConsistent(ctx));
  osc.SSL_set_shutdown(ssl, osc.SSL_SENT_SHUTDOWN);
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
});

t.test('ex_data indexes: only registered ones; no gigabyte slot arrays, no overflow', async (t) => {
  const s = osc.SSL_SESSION_new();
  for (const bad of [1e8, 2 ** 31 - 1]) {
    t.throws(() => osc.SSL_SESSION_set_ex_data(s, bad, 'x'), { name: 'RangeError', message: /not an index registered/ }, `${bad}`);
    t.throws(() => osc.SSL_SESSION_get_ex_data(s, bad), RangeError);
  }
  for (const bad of [NaN, Infinity, -Infinity, 1.5, 2 ** 31, -(2 ** 31) - 1]) {
    t.throws(() => osc.SSL_SESSION_set_ex_data(s, bad, 'x'), RangeError, `${bad} is no C int`);
  }
  t.throws(() => osc.SSL_SESSION_set_ex_data(s, '1' as never, 'x'), TypeError);
  t.equal(osc.SSL_SESSION_set_ex_data(s, LABEL, 'ok'), 1);
  osc.SSL_SESSION_free(s);
});

t.test('every integer parameter is a C integer: NaN, infinities, fractions and overflow are RangeErrors', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const s = osc.SSL_SESSION_new();
  const ssl = osc.SSL_new(ctx);
  const setters: [string, (v: number) => unknown][] = [
    ['SSL_SESSION_set_time', (v) => osc.SSL_SESSION_set_time(s, v)],
    ['SSL_SESSION_set_timeout', (v) => osc.SSL_SESSION_set_timeout(s, v)],
    ['SSL_SESSION_set_protocol_version', (v) => osc.SSL_SESSION_set_protocol_version(s, v)],
    ['SSL_SESSION_set_max_early_data', (v) => osc.SSL_SESSION_set_max_early_data(s, v)],
    ['SSL_CTX_set_timeout', (v) => osc.SSL_CTX_set_timeout(ctx, v)],
    ['SSL_CTX_sess_set_cache_size', (v) => osc.SSL_CTX_sess_set_cache_size(ctx, v)],
    ['SSL_CTX_set_session_cache_mode', (v) => osc.SSL_CTX_set_session_cache_mode(ctx, v)],
    ['SSL_CTX_flush_sessions', (v) => osc.SSL_CTX_flush_sessions(ctx, v)],
    ['SSL_CTX_ctrl', (v) => osc.SSL_CTX_ctrl(ctx, v, 0)],
    ['SSL_CTX_set_verify', (v) => osc.SSL_CTX_set_verify(ctx, v)],
    ['SSL_set_shutdown', (v) => osc.SSL_set_shutdown(ssl, v)],
    ['SSL_set_min_proto_version', (v) => osc.SSL_set_min_proto_version(ssl, v)],
    ['ERR_error_string', (v) => osc.ERR_error_string(v)],
  ];
  for (const [name, set] of setters) {
    for (const bad of [NaN, Infinity, -Infinity, 0.5]) {
      t.throws(() => set(bad), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, `${name}(${bad})`);
    }
  }
  t.throws(() => osc.SSL_SESSION_set_protocol_version(s, 2 ** 31), RangeError, 'int overflow');
  t.throws(() => osc.SSL_SESSION_set_max_early_data(s, -1), RangeError, 'uint32_t underflow');
  t.throws(() => osc.SSL_SESSION_set_time(s, 2 ** 63), RangeError, 'beyond long');
  t.equal(osc.SSL_SESSION_set_time(s, 2n ** 63n - 1n), 2n ** 63n - 1n, 'bigint for the full long range');
  t.equal(osc.SSL_SESSION_get_timeout(s), 304, 'refused calls changed nothing');
  osc.SSL_free(ssl);
  osc.SSL_SESSION_free(s);
  osc.SSL_CTX_free(ctx);
});

t.test('callback out-parameters are C integers too: a bad copy counts as NULL, with the error', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL);
  const s = mk('ext');
  osc.SSL_CTX_sess_set_get_cb(ctx, (_ssl, _id, _len, copy) => {
    copy.value = NaN;
    return s;
  });
  const ssl = osc.SSL_new(ctx);
  t.throws(() => osc.simulateServerHandshake(ssl, { sessionId: Buffer.from('ext') }), RangeError);
  t.equal(osc.SSL_CTX_sess_cb_hits(ctx), 0, 'not taken');
  t.equal(label(s), 'ext');
  osc.SSL_free(ssl);
  osc.SSL_SESSION_free(s);
  osc.SSL_CTX_free(ctx);
});

t.test("i2d: a getter on pp.value cannot make it return bytes that are not the session's DER", async (t) => {
  const s = mk('abc');
  osc.SSL_SESSION_set_cipher(s, cipher!);
  const buf = new Uint8Array(256);
  const pp = {
    get value(): Uint8Array {
      osc.SSL_SESSION_set1_id(s, Buffer.from('a much longer id than before'));
      return buf;
    },
    set value(_v: Uint8Array) {
      /* the advanced pointer is dropped */
    },
  };
  const n = osc.i2d_SSL_SESSION(s, pp as never);
  const now = osc.sessionToDer(s)!;
  t.equal(n, now.length, 'the length is the encoding written');
  t.same(Buffer.from(buf.subarray(0, n)), Buffer.from(now), "the bytes are the session's DER");
  osc.SSL_SESSION_free(s);
});

t.test('d2i: a getter on a.value runs before the handles are checked', async (t) => {
  const s = mk('src');
  osc.SSL_SESSION_set_cipher(s, cipher!);
  const der = osc.sessionToDer(s)!;
  const target = mk('target');
  const a = {
    get value(): SSL_SESSION {
      osc.SSL_SESSION_free(target);
      return target;
    },
    set value(_v: SSL_SESSION) {
      /* */
    },
  };
  t.throws(() => osc.d2i_SSL_SESSION(a as never, { value: der }), { code: 'ERR_USE_AFTER_FREE' });
  osc.SSL_SESSION_free(s);
});

t.test('d2i from a SharedArrayBuffer another thread keeps changing: no read past the end', async (t) => {
  const s = mk('shared');
  osc.SSL_SESSION_set_cipher(s, cipher!);
  osc.SSL_SESSION_set1_hostname(s, 'example.com');
  const der = osc.sessionToDer(s)!;
  osc.SSL_SESSION_free(s);
  const sab = new SharedArrayBuffer(der.length);
  const bytes = new Uint8Array(sab);
  bytes.set(der);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(
    `
    const { workerData } = require('node:worker_threads');
    const b = new Uint8Array(workerData.sab); const stop = new Int32Array(workerData.stop);
    let i = 0;
    while (Atomics.load(stop, 0) === 0) { b[i % b.length] ^= 0x80; i += 7; }
  `,
    { eval: true, workerData: { sab, stop: stop.buffer } },
  );
  let decoded = 0;
  let inconsistent = 0;
  for (let i = 0; i < 20000; i++) {
    const got = osc.sessionFromDer(bytes);
    if (got) {
      decoded++;
      // What decoded is one snapshot, taken once: it re-encodes to DER that decodes to the same id.
      const again = osc.sessionToDer(got);
      const back = again && osc.sessionFromDer(again);
      if (again && (!back || !Buffer.from(osc.SSL_SESSION_get_id(back)).equals(Buffer.from(osc.SSL_SESSION_get_id(got))))) inconsistent++;
      if (back) osc.SSL_SESSION_free(back);
      osc.SSL_SESSION_free(got);
    }
    osc.ERR_clear_error();
  }
  Atomics.store(stop, 0, 1);
  await w.terminate();
  t.equal(inconsistent, 0, `each of ${decoded} decoded snapshots is self-consistent (the sanitizer run checks the reads)`);
});

t.test('memory follows OpenSSL, not the GC: destroyed at the last reference, the slot reused', async (t) => {
  const before = testing.debugRuntimeStats().objects;
  const handles: SSL_SESSION[] = [];
  for (let i = 0; i < 1000; i++) {
    const s = osc.SSL_SESSION_new();
    handles.push(s);
    osc.SSL_SESSION_free(s);
  }
  t.equal(testing.debugRuntimeStats().objects, before, 'no memory held for 1000 reachable, freed handles');
  t.ok(
    handles.every((h) => {
      try {
        osc.SSL_SESSION_get_time(h);
        return false;
      } catch (e) {
        return (e as { code: string }).code === 'ERR_USE_AFTER_FREE';
      }
    }),
    'each is stale, even though its slot was reused',
  );
  const a = osc.SSL_SESSION_new();
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  osc.SSL_CTX_add_session(ctx, a);
  t.equal(testing.debugCacheOrder(ctx)[0], a, 'identity while it lives');
  osc.SSL_SESSION_free(a);
  osc.SSL_CTX_free(ctx);
});

t.test('allocation failures anywhere: OpenSSL-style failures, no crash, nothing half-made', async (t) => {
  const scenario = (): void => {
    const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    if (ctx === null) return;
    osc.SSL_CTX_sess_set_cache_size(ctx, 3);
    for (let i = 0; i < 5; i++) {
      const s = osc.SSL_SESSION_new();
      if (s === null) continue;
      osc.SSL_SESSION_set1_id(s, Buffer.from(`alloc${i}`));
      osc.SSL_SESSION_set1_master_key(s, Buffer.alloc(100, i));
      osc.SSL_SESSION_set_cipher(s, cipher!);
      osc.SSL_SESSION_set1_hostname(s, 'host');
      osc.SSL_CTX_add_session(ctx, s);
      const d = osc.SSL_SESSION_dup(s);
      if (d) osc.SSL_SESSION_free(d);
      const der = osc.sessionToDer(s);
      const back = der && osc.sessionFromDer(der);
      if (back) osc.SSL_SESSION_free(back);
      osc.SSL_SESSION_free(s);
    }
    const ssl = osc.SSL_new(ctx);
    if (ssl) {
      osc.simulateServerHandshake(ssl, { sessionId: Buffer.from('alloc4') });
      osc.simulateServerHandshake(osc.SSL_clear(ssl) ? ssl : ssl, { sessionId: Buffer.from('none') });
      osc.SSL_free(ssl);
    }
    t.ok(testing.debugCacheConsistent(ctx));
    osc.SSL_CTX_free(ctx);
  };
  testing.setTestAllocationFailure(0);
  scenario();
  const attempts = testing.setTestAllocationFailure(0);
  t.ok(attempts > 10, `the scenario makes ${attempts} allocations`);
  const base = testing.debugRuntimeStats().objects;
  let reported = 0;
  for (let n = 1; n <= attempts; n++) {
    osc.ERR_clear_error();
    testing.setTestAllocationFailure(n);
    try {
      scenario();
    } finally {
      testing.setTestAllocationFailure(0);
    }
    for (let e = osc.ERR_get_error(); e !== 0; e = osc.ERR_get_error()) {
      if (osc.ERR_GET_REASON(e) === MALLOC_FAILURE) {
        reported++;
        break;
      }
    }
    t.equal(testing.debugRuntimeStats().objects, base, `allocation ${n} failed: nothing left behind`);
  }
  t.ok(reported >= attempts / 2, `ERR_R_MALLOC_FAILURE queued in ${reported} of ${attempts} runs`);
});

t.test('no callout ever happened outside an entry point', async (t) => {
  t.equal(testing.debugRuntimeStats().strayCallouts, 0);
});

t.test('an ex_data new callback that caches the session a handshake is making leaves the cache consistent', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  let adding = true;
  osc.SSL_SESSION_get_ex_new_index(
    0,
    null,
    (parent) => {
      if (adding) osc.SSL_CTX_add_session(ctx, parent as SSL_SESSION); // still empty: timeout 304, no id
    },
    null,
    null,
  );
  const ssl = osc.SSL_new(ctx);
  t.equal(osc.simulateServerHandshake(ssl, {}).error, undefined);
  adding = false;
  t.ok(testing.debugCacheConsistent(ctx), "the handshake's timeout stamp re-sorted the cached session");
  const s = osc.SSL_get_session(ssl)!;
  t.equal(osc.SSL_SESSION_get_timeout(s), 7200);
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
});

t.test('SSL_CTX_new with no memory for the context or its session table: NULL and ERR_R_MALLOC_FAILURE', async (t) => {
  const base = testing.debugRuntimeStats().objects;
  for (const n of [1, 2]) {
    osc.ERR_clear_error();
    testing.setTestAllocationFailure(n);
    let ctx: ReturnType<typeof osc.SSL_CTX_new>;
    try {
      ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    } finally {
      testing.setTestAllocationFailure(0);
    }
    t.equal(ctx, null, `allocation ${n} failed: NULL`);
    t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), MALLOC_FAILURE, 'ERR_R_MALLOC_FAILURE queued');
    t.equal(testing.debugRuntimeStats().objects, base, 'nothing left behind');
  }
});
