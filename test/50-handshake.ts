// The handshake path (what SSL_accept / SSL_connect do to the cache): every branch of the server lookup,
// new-session caching, auto-clear, SSL_free/SSL_clear removal, id generation
// and the client-side counters. Expected values were checked against OpenSSL
// 3.0.19 driving real TLS 1.2 handshakes over memory BIOs where noted.

import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import type { SSL, SSL_CTX, SSL_SESSION } from '..';
import * as osc from '..';
import { drain, events, LABEL, label, mk } from './helpers';

const T0 = 1_000_000;
t.beforeEach(() => {
  drain();
  testing.setTestTime(T0);
  osc.ERR_clear_error();
  testing.setTestRandom(null);
});
t.teardown(() => {
  testing.setTestTime(null);
  testing.setTestRandom(null);
});

const reason = (e: number | undefined): number => osc.ERR_GET_REASON(e ?? 0);

function stats(ctx: SSL_CTX) {
  return {
    number: osc.SSL_CTX_sess_number(ctx),
    accept: osc.SSL_CTX_sess_accept(ctx),
    acceptGood: osc.SSL_CTX_sess_accept_good(ctx),
    connect: osc.SSL_CTX_sess_connect(ctx),
    connectGood: osc.SSL_CTX_sess_connect_good(ctx),
    hits: osc.SSL_CTX_sess_hits(ctx),
    cbHits: osc.SSL_CTX_sess_cb_hits(ctx),
    misses: osc.SSL_CTX_sess_misses(ctx),
    timeouts: osc.SSL_CTX_sess_timeouts(ctx),
    cacheFull: osc.SSL_CTX_sess_cache_full(ctx),
  };
}

/** A server context whose remove and new callbacks log (new returns `keep`). */
function serverCtx(keep = 0): SSL_CTX {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_sess_set_remove_cb(ctx, (_c, s) => {
    events.push(`remove ${label(s)}`);
  });
  osc.SSL_CTX_sess_set_new_cb(ctx, (_ssl, s) => {
    events.push(`new ${name(s)}`);
    return keep;
  });
  return ctx;
}

let serial = 0;
/** The session's label, giving it the next `s<n>` if it has none. */
function name(s: SSL_SESSION): string {
  if (osc.SSL_SESSION_get_ex_data(s, LABEL) === null) osc.SSL_SESSION_set_ex_data(s, LABEL, `s${++serial}`);
  return label(s);
}
/** Runs a server handshake; labels a new session `s<n>`; shuts down and frees the SSL. */
function serve(ctx: SSL_CTX, opts: osc.ServerHandshakeOptions = {}, shutdown = true) {
  const ssl = osc.SSL_new(ctx);
  const r = serveOn(ssl, opts);
  if (shutdown && r.error === undefined) osc.SSL_shutdown(ssl);
  osc.SSL_free(ssl);
  return r;
}

function serveOn(ssl: SSL, opts: osc.ServerHandshakeOptions = {}) {
  const r = osc.simulateServerHandshake(ssl, opts);
  const id = r.session ? Buffer.from(osc.SSL_SESSION_get_id(r.session)) : null;
  return { ...r, id, name: r.session ? name(r.session) : '' };
}

/** A session cached in ctx under (TLS 1.2, id), owned by the cache only. */
function cached(ctx: SSL_CTX, name: string, spec: Parameters<typeof mk>[1] = {}): SSL_SESSION {
  const s = mk(name, { time: T0, timeout: 100, ...spec });
  osc.SSL_CTX_add_session(ctx, s);
  osc.SSL_SESSION_free(s);
  return s;
}

/** How many SSL_SESSION_free calls it takes to destroy s (0 if already gone). */
function refsLeft(s: SSL_SESSION): number {
  const name = label(s);
  for (let n = 1; n < 20; n++) {
    osc.SSL_SESSION_free(s);
    if (events.includes(`destroy ${name}`)) return n;
  }
  return -1;
}

t.test('SSL objects: role, version, references, contexts (checked against OpenSSL 3.0)', async (t) => {
  const gen = osc.SSL_CTX_new(osc.TLS_method());
  const cli = osc.SSL_CTX_new(osc.TLS_client_method());
  const srv = osc.SSL_CTX_new(osc.TLS_server_method());
  const a = osc.SSL_new(gen),
    b = osc.SSL_new(cli),
    c = osc.SSL_new(srv);
  t.same([osc.SSL_is_server(a), osc.SSL_is_server(b), osc.SSL_is_server(c)], [1, 0, 1], 'the generic method can accept');
  t.equal(osc.SSL_version(a), osc.TLS1_3_VERSION);
  osc.SSL_set_connect_state(c);
  t.equal(osc.SSL_is_server(c), 0);
  osc.SSL_set_accept_state(b);
  t.equal(osc.SSL_is_server(b), 1);
  t.equal(osc.SSL_get_SSL_CTX(a), gen, 'same handle');
  t.equal(osc.SSL_get_session(a), null);
  t.equal(osc.SSL_session_reused(a), 0);
  t.equal(osc.SSL_up_ref(a), 1);
  osc.SSL_free(a);
  osc.SSL_free(a);
  t.throws(() => osc.SSL_free(a), /used after free/);
  t.throws(() => osc.SSL_version(a), /used after free/);
  t.throws(() => osc.SSL_get_session(gen as never), TypeError);
  t.throws(() => osc.SSL_new(b as never), TypeError);
  osc.SSL_CTX_free(cli);
  t.throws(() => osc.SSL_CTX_free(cli), /no reference left/, 'the SSL owns the rest');
  t.equal(osc.SSL_get_SSL_CTX(b), cli, 'still alive for the SSL');
  osc.SSL_free(b);
  t.throws(() => osc.SSL_CTX_sess_number(cli), /used after free/, 'gone with its last SSL');
  osc.SSL_free(c);
  osc.SSL_free(null);
  osc.SSL_CTX_free(gen);
  osc.SSL_CTX_free(srv);
});

t.test('SSL_set_session / get0 / get1 reference counting', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  const ssl = osc.SSL_new(ctx);
  const s = mk('x');
  t.equal(osc.SSL_set_session(ssl, s), 1);
  t.equal(osc.SSL_get_session(ssl), s);
  t.equal(osc.SSL_get0_session(ssl), s);
  t.equal(osc.SSL_get1_session(ssl), s);
  osc.SSL_SESSION_free(s); // the get1 reference
  osc.SSL_SESSION_free(s); // ours: the SSL keeps it alive
  t.notOk(events.includes('destroy x'));
  t.throws(() => osc.SSL_SESSION_free(s), /no reference left/);
  osc.SSL_set_session(ssl, null);
  t.same(drain(), ['destroy x'], 'the SSL held exactly one reference');
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
});

t.test('id context, verify mode and callback are copied at SSL_new', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const vcb = () => 1;
  osc.SSL_CTX_set_verify(ctx, osc.SSL_VERIFY_PEER, vcb);
  t.equal(osc.SSL_CTX_set_session_id_context(ctx, Buffer.from('app')), 1);
  const ssl = osc.SSL_new(ctx);
  osc.SSL_CTX_set_verify(ctx, osc.SSL_VERIFY_NONE);
  t.equal(osc.SSL_get_verify_mode(ssl), osc.SSL_VERIFY_PEER, 'later context changes do not reach the SSL');
  t.equal(osc.SSL_get_verify_callback(ssl), vcb);
  t.equal(osc.SSL_CTX_get_verify_mode(ctx), 0);
  t.equal(osc.SSL_CTX_get_verify_callback(ctx), null);
  osc.SSL_set_verify(ssl, 0);
  t.equal(osc.SSL_get_verify_callback(ssl), vcb, 'SSL_set_verify without a callback keeps it');
  t.equal(osc.SSL_set_session_id_context(ssl, Buffer.alloc(33)), 0);
  t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), osc.SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG);
  t.equal(osc.SSL_CTX_set_session_id_context(ctx, Buffer.alloc(33)), 0);
  t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), osc.SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG);
  const r = osc.simulateServerHandshake(ssl);
  t.same(Buffer.from(osc.SSL_SESSION_get0_id_context(r.session!)), Buffer.from('app'));
  osc.SSL_shutdown(ssl);
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
});

t.test('SSL_shutdown states (OpenSSL 3.0: -1/276, -1/407, then 0, -1, 1)', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  const ssl = osc.SSL_new(ctx);
  t.equal(osc.SSL_shutdown(ssl), -1);
  t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), 276, 'SSL_R_UNINITIALIZED');
  osc.SSL_set_accept_state(ssl);
  t.equal(osc.SSL_shutdown(ssl), -1);
  t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), 407, 'SSL_R_SHUTDOWN_WHILE_IN_INIT');
  t.equal(osc.SSL_get_shutdown(ssl), 0);
  osc.simulateServerHandshake(ssl);
  t.equal(osc.SSL_shutdown(ssl), 0);
  t.equal(osc.SSL_get_shutdown(ssl), osc.SSL_SENT_SHUTDOWN);
  t.equal(osc.SSL_shutdown(ssl), -1, 'waiting for the peer');
  t.equal(osc.ERR_peek_error(), 0);
  osc.SSL_set_shutdown(ssl, osc.SSL_SENT_SHUTDOWN | osc.SSL_RECEIVED_SHUTDOWN);
  t.equal(osc.SSL_shutdown(ssl), 1);
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
});

t.test('internal hit and miss', async (t) => {
  const ctx = serverCtx();
  const first = serve(ctx);
  t.equal(first.resumed, false);
  t.equal(first.id!.length, 32, '32 random bytes');
  t.same(stats(ctx), { ...stats(ctx), number: 1, accept: 1, acceptGood: 1, misses: 0, hits: 0 }, 'no id proposed: no lookup, no miss');
  t.same(drain(), ['new s1']);
  const again = serve(ctx, { sessionId: first.id! });
  t.equal(again.resumed, true);
  t.equal(label(again.session!), 's1', 'the cached object itself');
  t.same(stats(ctx), { ...stats(ctx), number: 1, accept: 2, acceptGood: 2, hits: 1, misses: 0 });
  t.same(drain(), [], 'no new callback for a resumed session');
  const unknown = serve(ctx, { sessionId: Buffer.alloc(32, 9) });
  t.equal(unknown.resumed, false);
  t.same(stats(ctx), { ...stats(ctx), number: 2, hits: 1, misses: 1 });
  const other = serve(ctx, { sessionId: first.id!, version: osc.TLS1_1_VERSION });
  t.equal(other.resumed, false, 'the key includes the version');
  t.equal(stats(ctx).misses, 2);
  osc.SSL_CTX_free(ctx);
});

t.test('NO_INTERNAL_LOOKUP skips the table and counts no miss', async (t) => {
  const ctx = serverCtx();
  const first = serve(ctx);
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL_LOOKUP);
  const r = serve(ctx, { sessionId: first.id! });
  t.equal(r.resumed, false);
  t.same(stats(ctx), { ...stats(ctx), hits: 0, misses: 0, number: 2 });
  osc.SSL_CTX_free(ctx);
});

t.test("get callback: copy 1 takes a reference, copy 0 takes over the callback's", async (t) => {
  for (const copy of [1, 0]) {
    const ctx = serverCtx();
    osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL_STORE);
    const ext = mk(`ext${copy}`, { time: T0, timeout: 100 });
    const seen: unknown[] = [];
    osc.SSL_CTX_sess_set_get_cb(ctx, (ssl, id, len, c) => {
      seen.push(osc.SSL_is_server(ssl), Buffer.from(id).toString(), len, c.value);
      if (copy === 0) osc.SSL_SESSION_up_ref(ext); // the reference handed over
      c.value = copy;
      return ext;
    });
    const ssl = osc.SSL_new(ctx);
    const r = osc.simulateServerHandshake(ssl, { sessionId: Buffer.from(`ext${copy}`) });
    t.equal(r.resumed, true);
    t.equal(r.session, ext);
    t.same(seen, [1, `ext${copy}`, 4, 1], 'copy starts at 1');
    t.same(stats(ctx), { ...stats(ctx), cbHits: 1, hits: 1, misses: 1, number: 0 });
    osc.SSL_shutdown(ssl);
    osc.SSL_free(ssl);
    t.equal(refsLeft(ext), 1, `copy ${copy}: the SSL's reference was its own`);
    osc.SSL_CTX_free(ctx);
  }
});

t.test('get callback: a non-resumable session is ignored; with copy 0 one reference is dropped', async (t) => {
  for (const copy of [1, 0]) {
    const ctx = serverCtx();
    const ext = mk(`nr${copy}`, { time: T0, timeout: 100 });
    osc.SSL_CTX_remove_session(ctx, ext); // marks it non-resumable
    drain();
    t.equal(osc.SSL_SESSION_is_resumable(ext), 0);
    osc.SSL_CTX_sess_set_get_cb(ctx, (_ssl, _id, _len, c) => {
      if (copy === 0) osc.SSL_SESSION_up_ref(ext);
      c.value = copy;
      return ext;
    });
    const r = serve(ctx, { sessionId: Buffer.from(`nr${copy}`) });
    t.equal(r.resumed, false);
    t.not(r.session, ext);
    t.same(stats(ctx), { ...stats(ctx), cbHits: 0, hits: 0, misses: 1, number: 1 });
    t.equal(refsLeft(ext), 1, "back to the application's one reference");
    osc.SSL_CTX_free(ctx);
  }
});

t.test('get callback: its session is stored unless NO_INTERNAL_STORE', async (t) => {
  for (const noStore of [false, true]) {
    drain();
    const ctx = serverCtx();
    if (noStore) osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL_STORE);
    const ext = mk('ext', { time: T0, timeout: 100 });
    osc.SSL_CTX_sess_set_get_cb(ctx, () => ext);
    const r = serve(ctx, { sessionId: Buffer.from('ext') });
    t.equal(r.resumed, true);
    t.equal(osc.SSL_CTX_sess_number(ctx), noStore ? 0 : 1);
    t.same(testing.debugCacheOrder(ctx), noStore ? [] : [ext]);
    t.same(drain(), [], 'a resumed handshake calls no new callback');
    osc.SSL_CTX_free(ctx);
    osc.SSL_SESSION_free(ext);
  }
});

t.test('the get callback is consulted with the cache OFF, and a throwing one counts as NULL', async (t) => {
  const ctx = serverCtx();
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_OFF);
  let calls = 0;
  osc.SSL_CTX_sess_set_get_cb(ctx, () => {
    calls++;
    throw new Error('boom');
  });
  const ssl = osc.SSL_new(ctx);
  t.throws(() => osc.simulateServerHandshake(ssl, { sessionId: Buffer.from('zz') }), /boom/);
  t.equal(calls, 1);
  t.equal(osc.SSL_session_reused(ssl), 0);
  t.not(osc.SSL_get_session(ssl), null, 'the handshake completed with a new session');
  t.same(stats(ctx), { ...stats(ctx), accept: 1, acceptGood: 1, misses: 1, number: 0 });
  osc.SSL_CTX_sess_set_get_cb(ctx, () => {
    throw null;
  });
  const ssl2 = osc.SSL_new(ctx);
  let caught: unknown = 'nothing';
  try {
    osc.simulateServerHandshake(ssl2, { sessionId: Buffer.from('zz') });
  } catch (e) {
    caught = e;
  }
  t.equal(caught, null, 'throw null travels as null');
  t.equal(osc.SSL_CTX_sess_accept_good(ctx), 2);
  osc.SSL_free(ssl);
  osc.SSL_free(ssl2);
  osc.SSL_CTX_free(ctx);
});

t.test('version and id-context mismatches are misses without a miss count', async (t) => {
  const ctx = serverCtx();
  const v11 = mk('v11', { version: osc.TLS1_1_VERSION, time: T0 });
  osc.SSL_CTX_sess_set_get_cb(ctx, () => v11);
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL);
  const r = serve(ctx, { sessionId: Buffer.from('v11') });
  t.equal(r.resumed, false, 'a TLS 1.1 session on a TLS 1.2 connection');
  t.same(stats(ctx), { ...stats(ctx), cbHits: 1, hits: 0, misses: 0 });
  osc.SSL_CTX_sess_set_get_cb(ctx, null);
  osc.SSL_SESSION_free(v11);

  const ctx2 = serverCtx();
  osc.SSL_CTX_set_session_id_context(ctx2, Buffer.from('A'));
  const first = serve(ctx2);
  const ssl = osc.SSL_new(ctx2);
  osc.SSL_set_session_id_context(ssl, Buffer.from('B'));
  const r2 = serveOn(ssl, { sessionId: first.id! });
  t.equal(r2.resumed, false, 'another id context');
  t.same(stats(ctx2), { ...stats(ctx2), hits: 0, misses: 0, number: 2 });
  t.same(Buffer.from(osc.SSL_SESSION_get0_id_context(r2.session!)), Buffer.from('B'));
  osc.SSL_shutdown(ssl);
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
  osc.SSL_CTX_free(ctx2);
});

t.test('SSL_VERIFY_PEER with an empty id context fails the handshake (and such sessions are not cached)', async (t) => {
  const ctx = serverCtx();
  osc.SSL_CTX_set_verify(ctx, osc.SSL_VERIFY_PEER);
  const first = serve(ctx);
  t.equal(first.resumed, false);
  t.equal(osc.SSL_CTX_sess_number(ctx), 0, 'not cached: it could never be resumed');
  t.same(drain(), [`destroy ${first.name}`], 'no new callback either; gone with its SSL');
  cached(ctx, 'p');
  const ssl = osc.SSL_new(ctx);
  const r = osc.simulateServerHandshake(ssl, { sessionId: Buffer.from('p') });
  t.equal(reason(r.error), osc.SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED);
  t.equal(r.resumed, false);
  t.equal(r.session, null);
  t.equal(osc.ERR_get_error(), r.error, 'queued');
  t.same(stats(ctx), { ...stats(ctx), accept: 2, acceptGood: 1, hits: 0, misses: 0, number: 1 });
  osc.SSL_free(ssl);
  t.same(drain(), [], 'an unfinished handshake removes nothing');
  osc.SSL_CTX_free(ctx);
});

t.test('expired sessions: timeouts, removed when they came from the cache lookup, kept from a ticket', async (t) => {
  const ctx = serverCtx();
  osc.SSL_CTX_set_timeout(ctx, 100);
  const first = serve(ctx);
  t.equal(osc.SSL_SESSION_get_timeout(first.session!), 100, 'the context timeout');
  testing.setTestTime(T0 + 100);
  t.equal(serve(ctx, { sessionId: first.id! }).resumed, true, 'not expired at time + timeout');
  testing.setTestTime(T0 + 101);
  drain();
  const r = serve(ctx, { sessionId: first.id! });
  t.equal(r.resumed, false);
  t.same(stats(ctx), { ...stats(ctx), timeouts: 1, hits: 1, misses: 0, number: 1 });
  t.same(drain().slice(0, 1), [`remove ${first.name}`], 'removed from the cache (remove callback)');

  const ticket = mk('tk', { time: T0, timeout: 10 });
  const r2 = serve(ctx, { ticket, sessionId: Buffer.from('tk') });
  t.equal(r2.resumed, false);
  t.equal(r2.id!.length, 0, 'a ticket will be issued: the new session has no id');
  t.equal(osc.SSL_CTX_sess_timeouts(ctx), 2);
  t.notOk(drain().includes('remove tk'), 'not removed: it did not come from the cache');
  t.equal(osc.SSL_SESSION_is_resumable(ticket), 1);
  osc.SSL_SESSION_free(ticket);

  osc.SSL_CTX_set_timeout(ctx, 0);
  const fresh = serve(ctx);
  t.equal(osc.SSL_SESSION_get_timeout(fresh.session!), 7200, 'timeout 0: the method default');
  osc.SSL_CTX_free(ctx);
});

t.test('new sessions: stored unless NO_INTERNAL_STORE; the new callback keeps its reference by returning 1', async (t) => {
  for (const keep of [0, 1]) {
    for (const noStore of [false, true]) {
      drain();
      const ctx = serverCtx(keep);
      if (noStore) osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL_STORE);
      const r = serve(ctx);
      const s = r.session!;
      const n = r.name;
      t.equal(osc.SSL_CTX_sess_number(ctx), noStore ? 0 : 1);
      const ev = drain();
      t.same(ev, noStore && !keep ? [`new ${n}`, `destroy ${n}`] : [`new ${n}`]);
      osc.SSL_CTX_flush_sessions(ctx, 0);
      if (keep) {
        t.notOk(events.includes(`destroy ${n}`), 'the callback still owns a reference');
        t.equal(refsLeft(s), 1);
      } else {
        t.ok([...ev, ...events].includes(`destroy ${n}`), 'returning 0 let the reference go');
      }
      osc.SSL_CTX_free(ctx);
    }
  }
});

t.test('a throwing new callback counts as returning 0', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_sess_set_new_cb(ctx, () => {
    throw new Error('nope');
  });
  const ssl = osc.SSL_new(ctx);
  t.throws(() => osc.simulateServerHandshake(ssl), /nope/);
  const s = osc.SSL_get_session(ssl)!;
  osc.SSL_SESSION_set_ex_data(s, LABEL, 'thrown');
  osc.SSL_shutdown(ssl);
  osc.SSL_free(ssl);
  osc.SSL_CTX_flush_sessions(ctx, 0);
  t.same(drain(), ['destroy thrown'], 'only the cache and the SSL held it');
  osc.SSL_CTX_free(ctx);
});

t.test('no store for resumed handshakes, empty ids, non-resumable sessions', async (t) => {
  const ctx = serverCtx();
  const first = serve(ctx);
  drain();
  serve(ctx, { sessionId: first.id! });
  t.same(drain(), [], 'resumed');
  const empty = serve(ctx, { ticketExpected: true });
  t.equal(empty.id!.length, 0);
  t.equal(osc.SSL_CTX_sess_number(ctx), 1, 'empty id: not stored');
  t.same(
    drain().filter((e) => e.startsWith('new')),
    [],
  );
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_CLIENT);
  const off = serve(ctx, {}, false);
  t.equal(off.id!.length, 0, 'mode without SERVER: the new session goes out with an empty id (OpenSSL 3.0)');
  t.same(drain(), [`destroy ${off.name}`], 'so SSL_free without shutdown calls no remove callback');
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER);
  // Step by step: a session marked non-resumable before the handshake ends.
  const ssl = osc.SSL_new(ctx);
  osc.SSL_set_accept_state(ssl);
  t.equal(osc.tls_setup_handshake(ssl), 1);
  osc.setNegotiatedVersion(ssl, osc.TLS1_2_VERSION);
  t.equal(osc.ssl_get_new_session(ssl, 1), 1);
  const s = osc.SSL_get_session(ssl)!;
  osc.SSL_SESSION_set_ex_data(s, LABEL, 'nr');
  osc.SSL_CTX_remove_session(ctx, s);
  t.equal(osc.tls_finish_handshake(ssl), 1);
  t.equal(osc.SSL_CTX_sess_number(ctx), 1, 'non-resumable: not stored');
  t.same(drain(), ['remove nr'], 'and no new callback (OpenSSL 3.0 behaves the same)');
  osc.SSL_shutdown(ssl);
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
});

t.test('auto-clear at the 256th good handshake (checked against OpenSSL 3.0), not with NO_AUTO_CLEAR or without SERVER', async (t) => {
  const cases: [string, number, boolean][] = [
    ['SERVER', osc.SSL_SESS_CACHE_SERVER, true],
    ['BOTH', osc.SSL_SESS_CACHE_BOTH, true],
    ['SERVER|NO_AUTO_CLEAR', osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_AUTO_CLEAR, false],
    ['CLIENT', osc.SSL_SESS_CACHE_CLIENT, false],
  ];
  for (const [name, mode, clears] of cases) {
    const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    osc.SSL_CTX_set_session_cache_mode(ctx, mode);
    let removed = 0;
    osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
      removed++;
    });
    for (let i = 0; i < 5; i++) cached(ctx, `old${i}`, { time: T0 - 1000, timeout: 1 });
    const stored = mode & osc.SSL_SESS_CACHE_SERVER ? 1 : 0;
    for (let i = 1; i <= 255; i++) serve(ctx);
    t.equal(removed, 0, `${name}: nothing flushed in the first 255`);
    t.equal(osc.SSL_CTX_sess_number(ctx), 5 + 255 * stored);
    serve(ctx);
    t.equal(removed, clears ? 5 : 0, `${name}: the 256th ${clears ? 'flushes' : 'does not flush'}`);
    t.equal(osc.SSL_CTX_sess_number(ctx), (clears ? 0 : 5) + 256 * stored);
    if (clears) {
      for (let i = 0; i < 5; i++) cached(ctx, `old${i}`, { time: T0 - 1000, timeout: 1 });
      for (let i = 257; i < 512; i++) serve(ctx);
      t.equal(removed, 5, `${name}: next flush not before the 512th`);
      serve(ctx);
      t.equal(removed, 10, `${name}: the 512th`);
    }
    t.ok(testing.debugCacheConsistent(ctx));
    osc.SSL_CTX_free(ctx);
  }
});

t.test('SSL_free / SSL_clear of a finished, not shut down connection remove its session', async (t) => {
  const ctx = serverCtx();
  const cut = serve(ctx, {}, false);
  t.same(drain(), [`new ${cut.name}`, `remove ${cut.name}`, `destroy ${cut.name}`]);
  t.equal(osc.SSL_CTX_sess_number(ctx), 0);
  serve(ctx, {}, true);
  t.equal(osc.SSL_CTX_sess_number(ctx), 1, 'after SSL_shutdown it stays');
  const rcv = osc.SSL_new(ctx);
  serveOn(rcv);
  osc.SSL_set_shutdown(rcv, osc.SSL_RECEIVED_SHUTDOWN);
  osc.SSL_free(rcv);
  t.equal(osc.SSL_CTX_sess_number(ctx), 1, 'only SSL_SENT_SHUTDOWN protects it (OpenSSL 3.0 likewise)');
  drain();

  const ssl = osc.SSL_new(ctx);
  const r = serveOn(ssl);
  const s = r.session!;
  osc.SSL_SESSION_up_ref(s);
  t.equal(osc.SSL_CTX_sess_number(ctx), 2);
  t.equal(osc.SSL_clear(ssl), 1);
  t.equal(osc.SSL_get_session(ssl), null, 'removed and forgotten');
  t.equal(osc.SSL_SESSION_is_resumable(s), 0);
  t.equal(refsLeft(s), 1, 'neither the cache nor the SSL holds it');
  t.equal(osc.SSL_CTX_sess_number(ctx), 1);
  t.equal(osc.SSL_is_server(ssl), 1, 'the role stays');
  t.equal(osc.SSL_version(ssl), osc.TLS1_3_VERSION, "the version goes back to the method's");
  const r2 = serveOn(ssl);
  osc.SSL_shutdown(ssl);
  t.equal(osc.SSL_clear(ssl), 1);
  t.equal(osc.SSL_get_session(ssl), r2.session, 'after a shutdown SSL_clear keeps the session');
  t.equal(osc.SSL_get_shutdown(ssl), 0);
  osc.SSL_free(ssl);
  t.equal(osc.SSL_CTX_sess_number(ctx), 2, 'a cleared connection is back in init: SSL_free removes nothing');

  const ssl2 = osc.SSL_new(ctx);
  serveOn(ssl2);
  osc.SSL_set_session(ssl2, null);
  t.equal(osc.SSL_CTX_sess_number(ctx), 2, 'SSL_set_session on a finished connection removed the old session first');
  osc.SSL_free(ssl2);
  osc.SSL_CTX_free(ctx);
});

t.test('session id generation: retries on clashes, bad lengths, failures, conflicts', async (t) => {
  const ctx = serverCtx();
  const A = Buffer.alloc(32, 0xaa),
    B = Buffer.alloc(32, 0xbb);
  const sa = mk('A', { time: T0 });
  osc.SSL_SESSION_set1_id(sa, A);
  osc.SSL_CTX_add_session(ctx, sa);
  osc.SSL_SESSION_free(sa);
  const fresh = osc.SSL_new(ctx);
  t.equal(osc.SSL_has_matching_session_id(fresh, A), 0, 'a fresh SSL has version TLS 1.3: no match');
  osc.SSL_free(fresh);
  testing.setTestRandom(Buffer.concat([A, A, A, B]));
  const r = serve(ctx);
  t.same(r.id, B, 'the default generator retried past three clashes');
  testing.setTestRandom(A);
  const f = serve(ctx);
  t.equal(reason(f.error), osc.SSL_R_SSL_SESSION_ID_CALLBACK_FAILED, '10 clashes: the default generator fails');
  t.equal(f.session, null);
  testing.setTestRandom(null);

  const probe = osc.SSL_new(ctx);
  osc.simulateServerHandshake(probe);
  t.equal(osc.SSL_has_matching_session_id(probe, A), 1);
  t.equal(osc.SSL_has_matching_session_id(probe, Buffer.alloc(33, 0xaa), 33), 0, 'past 32 bytes: 0');
  osc.SSL_shutdown(probe);
  osc.SSL_free(probe);

  const calls: number[] = [];
  const gen = (result: number, len: number | null, fill?: Buffer) => (_ssl: SSL, id: Uint8Array, idLen: osc.Out<number>) => {
    calls.push(idLen.value);
    if (fill) id.set(fill.subarray(0, id.length));
    if (len !== null) idLen.value = len;
    return result;
  };
  const cases: [string, ReturnType<typeof gen>, number][] = [
    ['failure', gen(0, null), osc.SSL_R_SSL_SESSION_ID_CALLBACK_FAILED],
    ['length 0', gen(1, 0), osc.SSL_R_SSL_SESSION_ID_HAS_BAD_LENGTH],
    ['length 33', gen(1, 33), osc.SSL_R_SSL_SESSION_ID_HAS_BAD_LENGTH],
    ['a cached id', gen(1, 32, A), osc.SSL_R_SSL_SESSION_ID_CONFLICT],
  ];
  for (const [name, cb, want] of cases) {
    calls.length = 0;
    osc.ERR_clear_error();
    osc.SSL_CTX_set_generate_session_id(ctx, cb);
    const before = stats(ctx);
    const x = serve(ctx);
    t.equal(reason(x.error), want, name);
    t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), want, `${name}: queued`);
    t.same(calls, [32], `${name}: called once, offered 32 (no retry)`);
    t.same(stats(ctx), { ...before, accept: before.accept + 1 }, `${name}: accept counted, accept_good not`);
  }
  osc.SSL_CTX_set_generate_session_id(ctx, gen(1, 5, Buffer.alloc(32, 7)));
  t.same(serve(ctx).id, Buffer.alloc(5, 7), 'a shorter id');
  osc.SSL_CTX_set_generate_session_id(ctx, gen(1, 6, Buffer.alloc(32, 6)));
  const ssl = osc.SSL_new(ctx); // copies the context's generator
  osc.SSL_CTX_set_generate_session_id(ctx, gen(0, null));
  t.same(serveOn(ssl).id, Buffer.alloc(6, 6), 'SSL_new copied the generator');
  osc.SSL_shutdown(ssl);
  osc.SSL_free(ssl);
  const ssl2 = osc.SSL_new(ctx);
  osc.SSL_set_generate_session_id(ssl2, gen(1, 3, Buffer.alloc(32, 3)));
  t.same(serveOn(ssl2).id, Buffer.alloc(3, 3), "the connection's generator comes first");
  osc.SSL_shutdown(ssl2);
  osc.SSL_free(ssl2);
  osc.SSL_CTX_set_generate_session_id(ctx, () => {
    throw null;
  });
  const ssl3 = osc.SSL_new(ctx);
  let caught: unknown = 'nothing';
  try {
    osc.simulateServerHandshake(ssl3);
  } catch (e) {
    caught = e;
  }
  t.equal(caught, null);
  t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), osc.SSL_R_SSL_SESSION_ID_CALLBACK_FAILED, 'a throwing generator failed');
  osc.SSL_free(ssl3);
  osc.SSL_CTX_free(ctx);
});

t.test('client side: connect, connect_good, hits, misses, client cache and auto-clear', async (t) => {
  const cctx = osc.SSL_CTX_new(osc.TLS_client_method());
  osc.SSL_CTX_set_session_cache_mode(cctx, osc.SSL_SESS_CACHE_CLIENT);
  const news: SSL_SESSION[] = [];
  osc.SSL_CTX_sess_set_new_cb(cctx, (_ssl, s) => {
    news.push(s);
    return 0;
  });
  const c1 = osc.SSL_new(cctx);
  const r1 = osc.simulateClientHandshake(c1, { serverSessionId: Buffer.alloc(32, 1) });
  t.equal(r1.resumed, false);
  t.same(Buffer.from(osc.SSL_SESSION_get_id(r1.session!)), Buffer.alloc(32, 1), "the server's id");
  t.equal(osc.SSL_version(c1), osc.TLS1_2_VERSION);
  t.same(stats(cctx), { ...stats(cctx), connect: 1, connectGood: 1, hits: 0, misses: 0, number: 1 });
  t.equal(news.length, 1);
  const saved = osc.SSL_get1_session(c1)!;
  osc.SSL_shutdown(c1);
  osc.SSL_free(c1);

  const c2 = osc.SSL_new(cctx);
  osc.SSL_set_session(c2, saved);
  const r2 = osc.simulateClientHandshake(c2, { serverResumed: true });
  t.equal(r2.resumed, true);
  t.equal(osc.SSL_session_reused(c2), 1);
  t.same(stats(cctx), { ...stats(cctx), connect: 2, connectGood: 2, hits: 1, misses: 0, number: 1 });
  t.equal(news.length, 1, 'a resumed session is not new');
  osc.SSL_shutdown(c2);
  osc.SSL_free(c2);

  const c3 = osc.SSL_new(cctx);
  osc.SSL_set_session(c3, saved);
  const r3 = osc.simulateClientHandshake(c3, { serverResumed: false });
  t.equal(r3.resumed, false);
  t.not(r3.session, saved);
  t.same(stats(cctx), { ...stats(cctx), connect: 3, connectGood: 3, hits: 1, misses: 1, number: 2 });
  osc.SSL_shutdown(c3);
  osc.SSL_free(c3);

  const c4 = osc.SSL_new(cctx);
  osc.SSL_set_session(c4, saved);
  const r4 = osc.simulateClientHandshake(c4, { serverResumed: true, version: osc.TLS1_1_VERSION });
  t.equal(reason(r4.error), 210, 'SSL_R_SSL_SESSION_VERSION_MISMATCH');
  t.equal(osc.SSL_CTX_sess_connect_good(cctx), 3);
  osc.SSL_free(c4);
  osc.SSL_SESSION_free(saved);
  osc.ERR_clear_error();

  const c5 = osc.SSL_new(cctx);
  osc.SSL_set_accept_state(c5);
  t.throws(() => osc.simulateClientHandshake(c5), /accept state/);
  osc.SSL_free(c5);

  // Auto-clear with mode CLIENT at the 256th connect_good (OpenSSL 3.0 likewise).
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_CLIENT);
  let removed = 0;
  osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
    removed++;
  });
  for (let i = 0; i < 3; i++) cached(ctx, `old${i}`, { time: T0 - 1000, timeout: 1 });
  for (let i = 1; i <= 256; i++) {
    const c = osc.SSL_new(ctx);
    osc.simulateClientHandshake(c);
    osc.SSL_shutdown(c);
    osc.SSL_free(c);
    if (i === 255) t.equal(removed, 0);
  }
  t.equal(removed, 3, 'flushed at the 256th');
  t.equal(osc.SSL_CTX_sess_number(ctx), 256);
  osc.SSL_CTX_free(ctx);
  osc.SSL_CTX_free(cctx);
});

t.test('protocol version bounds: stored as ssl_set_version_bound does, copied at SSL_new (checked against OpenSSL 3.0)', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_client_method());
  t.equal(osc.SSL_CTX_get_min_proto_version(ctx), 0);
  t.equal(osc.SSL_CTX_get_max_proto_version(ctx), 0);
  // [version, result, bound afterwards (the bound was TLS1_2_VERSION before)]
  const table: [number, number, number][] = [
    [0, 1, 0],
    [0x0300, 1, 0x0300],
    [osc.TLS1_VERSION, 1, osc.TLS1_VERSION],
    [osc.TLS1_3_VERSION, 1, osc.TLS1_3_VERSION],
    [0x0305, 0, 0x0303],
    [0x0100, 1, 0x0303],
    [0xfeff, 1, 0x0303],
    [0xfefd, 1, 0x0303],
    [0xfefc, 0, 0x0303],
    [0xff00, 1, 0x0303],
    [0xff01, 0, 0x0303],
    [0x02ff, 0, 0x0303],
    [-1, 0, 0x0303],
    [0x10000, 0, 0x0303],
  ];
  for (const [v, r, after] of table) {
    osc.SSL_CTX_set_min_proto_version(ctx, osc.TLS1_2_VERSION);
    t.equal(osc.SSL_CTX_set_min_proto_version(ctx, v), r, `set_min(${v.toString(16)})`);
    t.equal(osc.SSL_CTX_get_min_proto_version(ctx), after, `min after ${v.toString(16)}`);
  }
  t.equal(osc.SSL_CTX_ctrl(ctx, osc.SSL_CTRL_SET_MAX_PROTO_VERSION, 0x1_0000_0302), 1, 'through SSL_CTX_ctrl: (int)larg');
  t.equal(osc.SSL_CTX_ctrl(ctx, osc.SSL_CTRL_GET_MAX_PROTO_VERSION), osc.TLS1_1_VERSION);
  const ssl = osc.SSL_new(ctx);
  t.equal(osc.SSL_get_min_proto_version(ssl), osc.TLS1_2_VERSION, 'copied at SSL_new');
  t.equal(osc.SSL_get_max_proto_version(ssl), osc.TLS1_1_VERSION);
  t.equal(osc.SSL_set_max_proto_version(ssl, osc.TLS1_2_VERSION), 1);
  t.equal(osc.SSL_get_max_proto_version(ssl), osc.TLS1_2_VERSION);
  t.equal(osc.SSL_CTX_get_max_proto_version(ctx), osc.TLS1_1_VERSION, 'the context keeps its own');
  osc.SSL_free(ssl);
  const a = osc.SSL_CTX_new(osc.TLS_server_method()),
    b = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_min_proto_version(b, osc.TLS1_1_VERSION);
  const srv = osc.SSL_new(a);
  osc.SSL_set_SSL_CTX(srv, b);
  t.equal(osc.SSL_get_min_proto_version(srv), 0, 'SSL_set_SSL_CTX does not copy the bounds');
  osc.SSL_free(srv);
  for (const c of [ctx, a, b]) osc.SSL_CTX_free(c);
});

t.test(
  'client side: a session is proposed only within the version bounds; a fatal alert removes the session (checked against OpenSSL 3.0 by test/80-conformance)',
  async (t) => {
    const cctx = osc.SSL_CTX_new(osc.TLS_client_method());
    osc.SSL_CTX_set_session_cache_mode(cctx, osc.SSL_SESS_CACHE_CLIENT);
    osc.SSL_CTX_sess_set_remove_cb(cctx, (_c, s) => {
      events.push(`remove ${label(s)}`);
    });
    const s11 = cached(cctx, 'tls11', { version: osc.TLS1_1_VERSION });
    const c1 = osc.SSL_new(cctx);
    osc.SSL_set_min_proto_version(c1, osc.TLS1_2_VERSION);
    osc.SSL_set_session(c1, s11);
    const r1 = osc.simulateClientHandshake(c1, { serverResumed: true, serverSessionId: Buffer.alloc(32, 7) });
    t.equal(r1.resumed, false, 'a TLS 1.1 session is not proposed by a TLS 1.2+ client');
    t.equal(osc.SSL_CTX_sess_misses(cctx), 0, 'and not counted as a miss');
    t.same(Buffer.from(osc.SSL_SESSION_get_id(r1.session!)), Buffer.alloc(32, 7));
    osc.SSL_shutdown(c1);
    osc.SSL_free(c1);

    const c2 = osc.SSL_new(cctx);
    osc.SSL_set_session(c2, s11);
    const r2 = osc.simulateClientHandshake(c2, { serverResumed: true });
    t.equal(r2.resumed, true, 'without bounds it is proposed and resumed');
    osc.SSL_shutdown(c2);
    osc.SSL_free(c2);

    // The server resumes a session of another id context: the client sends a
    // fatal alert, and ssl3_send_alert removes the session from the cache.
    osc.SSL_CTX_set_session_id_context(cctx, Buffer.from('other'));
    drain();
    const c3 = osc.SSL_new(cctx);
    osc.SSL_set_session(c3, s11);
    const r3 = osc.simulateClientHandshake(c3, { serverResumed: true });
    t.equal(reason(r3.error), 272, 'SSL_R_ATTEMPT_TO_REUSE_SESSION_IN_DIFFERENT_CONTEXT');
    t.same(drain(), ['remove tls11'], 'removed by the alert');
    t.equal(osc.SSL_SESSION_is_resumable(s11), 0);
    osc.SSL_free(c3);
    t.same(drain(), ['destroy tls11'], 'SSL_free of a failed connection removes nothing more; its reference was the last');
    osc.ERR_clear_error();
    osc.SSL_CTX_free(cctx);
  },
);

t.test(
  'SSL_set_SSL_CTX (SNI): accept and accept_good move to the new context, the cache stays (checked against OpenSSL 3.0)',
  async (t) => {
    const a = serverCtx(),
      b = serverCtx();
    osc.SSL_CTX_set_session_id_context(a, Buffer.from('a'));
    osc.SSL_CTX_set_session_id_context(b, Buffer.from('b'));
    const ssl = osc.SSL_new(a);
    t.equal(osc.SSL_set_SSL_CTX(ssl, b), b);
    t.equal(osc.SSL_get_SSL_CTX(ssl), b);
    const r = serveOn(ssl);
    t.same(Buffer.from(osc.SSL_SESSION_get0_id_context(r.session!)), Buffer.from('b'), 'the id context followed');
    t.same(stats(a), { ...stats(a), accept: 0, acceptGood: 0, number: 1 });
    t.same(stats(b), { ...stats(b), accept: 1, acceptGood: 1, number: 0 });
    osc.SSL_shutdown(ssl);
    t.equal(osc.SSL_set_SSL_CTX(ssl, null), a, 'null: back to the session context');
    osc.SSL_CTX_free(b); // the SSL no longer holds it
    osc.SSL_set_session_id_context(ssl, Buffer.from('own'));
    const c = osc.SSL_CTX_new(osc.TLS_server_method());
    osc.SSL_set_SSL_CTX(ssl, c);
    osc.SSL_clear(ssl);
    const r2 = serveOn(ssl);
    t.same(Buffer.from(osc.SSL_SESSION_get0_id_context(r2.session!)), Buffer.from('own'), 'an id context set on the SSL stays');
    osc.SSL_shutdown(ssl);
    osc.SSL_free(ssl);
    osc.SSL_CTX_free(a);
    osc.SSL_CTX_free(c);
  },
);

t.test('callbacks re-entering the API during a handshake', async (t) => {
  const ctx = serverCtx();
  const first = serve(ctx);
  let reentry: unknown = null;
  osc.SSL_CTX_sess_set_get_cb(ctx, (ssl) => {
    try {
      osc.simulateServerHandshake(ssl);
    } catch (e) {
      reentry = e;
    }
    osc.SSL_CTX_flush_sessions(ctx, 0);
    osc.SSL_free(ssl); // the application's reference: the handshake keeps its own
    return null;
  });
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL_LOOKUP);
  const ssl = osc.SSL_new(ctx);
  const r = osc.simulateServerHandshake(ssl, { sessionId: first.id! });
  t.match(String(reentry), /already running/);
  t.equal(r.resumed, false);
  t.ok(testing.debugCacheConsistent(ctx));
  t.throws(() => osc.SSL_version(ssl), /used after free/, 'freed when the handshake ended');
  t.equal(osc.SSL_CTX_sess_number(ctx), 0, 'SSL_free of the finished, unshut connection removed its new session');

  osc.SSL_CTX_sess_set_get_cb(ctx, null);
  osc.SSL_CTX_sess_set_new_cb(ctx, (s, sess) => {
    osc.SSL_CTX_remove_session(ctx, sess);
    osc.SSL_set_session(s, null);
    osc.SSL_clear(s);
    return 1;
  });
  const ssl2 = osc.SSL_new(ctx);
  const r2 = osc.simulateServerHandshake(ssl2);
  t.equal(r2.session, null);
  t.ok(testing.debugCacheConsistent(ctx));
  osc.SSL_free(ssl2);
  osc.SSL_CTX_free(ctx);
  t.throws(() => osc.simulateServerHandshake(ssl2), /used after free/);
  t.throws(() => osc.simulateServerHandshake({} as never), TypeError);
  const c13 = osc.SSL_CTX_new(osc.TLS_method());
  const s13 = osc.SSL_new(c13);
  t.throws(() => osc.simulateServerHandshake(s13, { version: osc.TLS1_3_VERSION }), RangeError);
  t.throws(() => osc.simulateServerHandshake(s13, 5 as never), TypeError);
  osc.SSL_free(s13);
  osc.SSL_CTX_free(c13);

  // The remove callback a fatal alert runs, re-entering: the connection,
  // its session and its context may go; the step still fails cleanly.
  for (const act of ['SSL_free', 'SSL_set_session', 'flush', 'SSL_CTX_free'] as const) {
    const cctx = osc.SSL_CTX_new(osc.TLS_client_method());
    osc.SSL_CTX_set_session_cache_mode(cctx, osc.SSL_SESS_CACHE_CLIENT);
    const s = cached(cctx, `re-${act}`);
    osc.SSL_CTX_set_session_id_context(cctx, Buffer.from('other')); // the resumption then fails
    const c = osc.SSL_new(cctx);
    osc.SSL_set_session(c, s);
    osc.SSL_CTX_sess_set_remove_cb(cctx, () => {
      if (act === 'SSL_free') osc.SSL_free(c);
      if (act === 'SSL_set_session') osc.SSL_set_session(c, null);
      if (act === 'flush') osc.SSL_CTX_flush_sessions(cctx, 2n ** 40n);
      if (act === 'SSL_CTX_free') osc.SSL_CTX_free(cctx);
    });
    const rr = osc.simulateClientHandshake(c, { serverResumed: true });
    t.equal(reason(rr.error), 272, `${act} in the alert's remove callback: the handshake fails with its reason`);
    t.equal(osc.SSL_CTX_sess_number(cctx), 0);
    t.ok(testing.debugCacheConsistent(cctx));
    if (act !== 'SSL_free') osc.SSL_free(c);
    if (act !== 'SSL_CTX_free') osc.SSL_CTX_free(cctx);
    osc.ERR_clear_error();
  }
});

t.test("the step functions under OpenSSL's names", async (t) => {
  const ctx = serverCtx();
  const ssl = osc.SSL_new(ctx);
  t.equal(osc.tls_setup_handshake(ssl), 0, 'no role yet');
  t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), 144);
  const s = cached(ctx, 'k');
  osc.SSL_set_accept_state(ssl);
  t.equal(osc.tls_setup_handshake(ssl), 1);
  t.equal(osc.SSL_CTX_sess_accept(ctx), 1);
  const fresh = osc.SSL_new(ctx);
  t.equal(osc.lookup_sess_in_cache(fresh, Buffer.from('k')), null, 'a fresh SSL is TLS 1.3: another key');
  t.equal(osc.SSL_CTX_sess_misses(ctx), 1);
  osc.SSL_free(fresh);
  // Drive a resumption by hand at TLS 1.2.
  const ssl12 = osc.SSL_new(ctx);
  osc.SSL_set_accept_state(ssl12);
  osc.simulateServerHandshake(ssl12, {});
  osc.SSL_shutdown(ssl12);
  osc.SSL_clear(ssl12);
  osc.tls_setup_handshake(ssl12);
  t.equal(osc.ssl_get_prev_session(ssl12, Buffer.from('k')), 0, 'version reset by SSL_clear: another key');
  osc.SSL_free(ssl12);
  const got = osc.lookup_sess_in_cache(ssl, Buffer.from('k'));
  t.equal(got, null);
  const probe = osc.SSL_new(ctx);
  osc.simulateServerHandshake(probe, { sessionId: Buffer.from('k') });
  t.equal(osc.SSL_session_reused(probe), 1);
  const mine = osc.lookup_sess_in_cache(probe, Buffer.from('k'));
  t.equal(mine, s, "found at the connection's version");
  osc.SSL_SESSION_free(mine); // the reference lookup_sess_in_cache gave
  t.throws(() => osc.SSL_SESSION_free(mine), /no reference left/, 'exactly one was given');
  t.equal(osc.ssl_get_prev_session(probe, Buffer.alloc(33), 33), -1, 'an id past 32 bytes is fatal');
  t.equal(osc.ERR_GET_REASON(osc.ERR_get_error()), 159);
  osc.SSL_shutdown(probe);
  osc.SSL_free(probe);
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
});
