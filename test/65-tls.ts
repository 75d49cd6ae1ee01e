// The Node adapters (ts/tls.ts, ts/tls-client.ts) on real handshakes over loopback: Node's TLS
// server with attachSessionCache, Node's client offering the session back.
import { constants } from 'node:crypto';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as tls from 'node:tls';
import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import type { SSL_CTX, SSL_SESSION } from '..';
import * as osc from '..';
import { cert, connect, delay, key, serve, stats } from './tls-harness';

t.teardown(() => {
  testing.setTestTime(null);
});

t.test('a Node client resumes through the cache; statistics follow the handshakes', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const removed: string[] = [];
  osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
    removed.push('remove');
  });
  const srv = await serve(ctx);
  const first = await connect(srv.port);
  t.equal(first.reused, false, 'first handshake is full');
  t.ok(first.session, 'the client got a session');
  t.same(
    stats(ctx),
    { accept: 1, accept_good: 1, hits: 0, misses: 0, cb_hits: 0, timeouts: 0, number: 1 },
    'a TLS 1.2 client without a session proposes no id: no lookup',
  );
  for (let i = 0; i < 3; i++) t.equal((await connect(srv.port, first.session)).reused, true, `resumed ${i + 1}`);
  t.same(stats(ctx), { accept: 4, accept_good: 4, hits: 3, misses: 0, cb_hits: 0, timeouts: 0, number: 1 });
  // A TLS 1.3-capable client proposes a random legacy id: Node asks the cache, which misses.
  const tls13client = await connect(srv.port, null, { maxVersion: 'TLSv1.3' });
  t.equal(tls13client.reused, false);
  t.same(stats(ctx), { accept: 5, accept_good: 5, hits: 3, misses: 1, cb_hits: 0, timeouts: 0, number: 2 });
  t.same(srv.errors, []);
  t.same(removed, []);
  await srv.close();
  osc.SSL_CTX_free(ctx);
  t.same(removed, ['remove', 'remove'], 'SSL_CTX_free flushed both sessions');
});

t.test('full handshakes: wrong id context, expired, flushed, NO_INTERNAL_LOOKUP without a get callback', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const removed: number[] = [];
  osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
    removed.push(1);
  });
  const srv = await serve(ctx);
  const base = await connect(srv.port);
  t.equal((await connect(srv.port, base.session)).reused, true, 'baseline resumes');

  // Wrong id context: the cache's context differs from the session's.
  osc.SSL_CTX_set_session_id_context(ctx, Buffer.from('another context'));
  let before = stats(ctx);
  t.equal((await connect(srv.port, base.session)).reused, false, 'wrong id context: full handshake');
  let after = stats(ctx);
  t.equal(after.hits, before.hits, 'no hit');
  t.equal(after.misses, before.misses, 'found but rejected: not counted as a miss (OpenSSL)');
  // A certificate rotated behind the adapter's back (server.setSecureContext resets Node's id
  // context to its default): reported once.
  const serverOptions = { key, cert, maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET } as const;
  osc.SSL_CTX_set_session_id_context(ctx, Buffer.from('test 65'));
  srv.server.setSecureContext(serverOptions);
  await connect(srv.port);
  await connect(srv.port);
  t.match(
    srv.errors.map((e) => e.source),
    ['sessionIdContext'],
    "a session with another id context than the cache's is reported, once",
  );
  srv.errors.length = 0;
  // The documented rotation keeps the cache's id context on Node's side.
  srv.adapter.setSecureContext(serverOptions);
  const fresh = await connect(srv.port);
  t.equal((await connect(srv.port, fresh.session)).reused, true, 'back on one id context: resumes');

  // Expired by the cache clock.
  const s = osc.sessionFromDer(fresh.session as Buffer) as SSL_SESSION;
  const expiry = Number(osc.SSL_SESSION_get_time(s)) + Number(osc.SSL_SESSION_get_timeout(s));
  osc.SSL_SESSION_free(s);
  testing.setTestTime(expiry + 1);
  before = stats(ctx);
  const n = removed.length;
  t.equal((await connect(srv.port, fresh.session)).reused, false, 'expired: full handshake');
  after = stats(ctx);
  t.equal(after.timeouts, before.timeouts + 1, 'timeouts += 1');
  t.equal(removed.length, n + 1, 'the expired session was removed (remove callback)');
  testing.setTestTime(null);

  // Flushed.
  const again = await connect(srv.port);
  osc.SSL_CTX_flush_sessions(ctx, 0);
  t.equal(osc.SSL_CTX_sess_number(ctx), 0);
  before = stats(ctx);
  t.equal((await connect(srv.port, again.session)).reused, false, 'flushed: full handshake');
  t.equal(stats(ctx).misses, before.misses + 1, 'a miss');

  // NO_INTERNAL_LOOKUP and no get callback: stored, never looked up.
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL_LOOKUP);
  const stored = await connect(srv.port);
  before = stats(ctx);
  t.equal((await connect(srv.port, stored.session)).reused, false, 'NO_INTERNAL_LOOKUP: full handshake');
  after = stats(ctx);
  t.equal(after.misses, before.misses, 'no search, no miss');
  t.equal(after.number, before.number + 1, 'still stored');
  t.same(srv.errors, []);
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

/** An external store (DER by id) wired as s_server's -ext_cache does, with a get callback `get`. */
function external(ctx: SSL_CTX, get: (der: Buffer | undefined, copy: osc.Out<number>) => unknown) {
  const store = new Map<string, Buffer>();
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL);
  osc.SSL_CTX_sess_set_new_cb(ctx, (_ssl, s) => {
    const len = { value: 0 };
    store.set(Buffer.from(osc.SSL_SESSION_get_id(s, len)).toString('hex'), Buffer.from(osc.sessionToDer(s) as Uint8Array));
    return 0;
  });
  osc.setAsyncGetSessionCallback(
    ctx,
    (_ssl, id, len, copy) => get(store.get(Buffer.from(id.subarray(0, len)).toString('hex')), copy) as never,
  );
  return store;
}

t.test('an async get callback that takes 50 ms still resumes', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  let calls = 0;
  external(ctx, async (der, copy) => {
    calls++;
    await delay(50);
    if (!der) return null;
    copy.value = 0; // our reference goes to the library, as s_server's get_session
    return osc.sessionFromDer(der);
  });
  const srv = await serve(ctx);
  const first = await connect(srv.port);
  const second = await connect(srv.port, first.session);
  t.equal(second.reused, true, "resumed: the handshake waited for the callback's answer");
  t.equal(calls, 1);
  t.same(stats(ctx), { accept: 2, accept_good: 2, hits: 1, misses: 0, cb_hits: 1, timeouts: 0, number: 0 });
  // DER bytes are accepted as the callback's answer too.
  external(ctx, async (der) => {
    await delay(50);
    return der ?? null;
  });
  const third = await connect(srv.port);
  t.equal((await connect(srv.port, third.session)).reused, true, 'resumed from DER bytes');
  t.same(srv.errors, []);
  t.equal(testing.debugLiveObjects() > 0, true);
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test("with internal lookup on: a miss, then the async callback's hit, counted at the handshake's end", async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const seen: number[] = [];
  const store = new Map<string, Buffer>();
  osc.SSL_CTX_sess_set_new_cb(ctx, (_ssl, s) => {
    store.set(Buffer.from(osc.SSL_SESSION_get_id(s)).toString('hex'), Buffer.from(osc.sessionToDer(s) as Uint8Array));
    return 0;
  });
  osc.setAsyncGetSessionCallback(ctx, async (_ssl, id) => {
    seen.push(osc.SSL_CTX_sess_misses(ctx));
    await delay(10);
    return store.get(Buffer.from(id).toString('hex')) ?? null;
  });
  const srv = await serve(ctx);
  const first = await connect(srv.port);
  osc.SSL_CTX_flush_sessions(ctx, 0); // only the external store has it now
  t.equal((await connect(srv.port, first.session)).reused, true);
  t.same(seen, [0], "inside the callback the lookup's miss is not counted yet: its version is not known (TLS 1.3 would not count it)");
  t.same(
    stats(ctx),
    { accept: 2, accept_good: 2, hits: 1, misses: 1, cb_hits: 1, timeouts: 0, number: 1 },
    'and the session went back into the internal cache',
  );
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test('callbacks that throw, reject or hang give a full handshake and a report, never a hang', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const store = external(ctx, () => {
    throw new Error('get boom');
  });
  const srv = await serve(ctx, { getTimeout: 100 });
  const first = await connect(srv.port);
  t.equal(store.size, 1);
  t.equal((await connect(srv.port, first.session)).reused, false, 'throwing get: full handshake');
  t.match(
    srv.errors.map((e) => [e.source, e.message]),
    [['get', /get boom/]],
  );

  srv.errors.length = 0;
  external(ctx, async () => {
    await delay(5);
    throw new Error('get rejected');
  });
  const a = await connect(srv.port);
  t.equal((await connect(srv.port, a.session)).reused, false, 'rejecting get: full handshake');
  t.match(
    srv.errors.map((e) => e.message),
    [/get rejected/],
  );

  srv.errors.length = 0;
  external(ctx, () => new Promise(() => undefined));
  const b = await connect(srv.port);
  t.equal((await connect(srv.port, b.session)).reused, false, 'a get Promise that never settles: full handshake after getTimeout');
  t.match(
    srv.errors.map((e) => e.message),
    [/did not settle within 100 ms/],
  );

  srv.errors.length = 0;
  osc.SSL_CTX_sess_set_new_cb(ctx, () => {
    throw new Error('new boom');
  });
  const c = await connect(srv.port);
  t.equal(c.reused, false, 'a throwing new callback: the handshake completes (done() was called)');
  t.match(
    srv.errors.map((e) => [e.source, e.message]),
    [['new', /new boom/]],
  );

  srv.errors.length = 0;
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER);
  osc.SSL_CTX_sess_set_new_cb(ctx, (async () => {
    await delay(20);
    return 1;
  }) as unknown as osc.NewSessionCallback);
  osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
    throw new Error('remove boom');
  });
  const d = await connect(srv.port);
  t.match(
    srv.errors.map((e) => [e.source, e.message]),
    [['new', /expected an integer/]],
    "a new callback is synchronous (C's int): a Promise is reported, counts as 0",
  );
  testing.setTestTime(Math.floor(Number.MAX_SAFE_INTEGER / 2));
  t.equal((await connect(srv.port, d.session)).reused, false, 'expired');
  testing.setTestTime(null);
  t.ok(
    srv.errors.some((e) => e.source === 'remove' && /remove boom/.test(e.message)),
    'the throwing remove callback was reported',
  );
  t.same(stats(ctx).accept, stats(ctx).accept_good, 'every handshake finished');
  await srv.close();
  osc.SSL_CTX_sess_set_remove_cb(ctx, null);
  osc.SSL_CTX_free(ctx);
});

t.test('a synchronous C-style get callback (copy = 0, d2i) resumes', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  external(ctx, (der, copy) => {
    copy.value = 0;
    return der ? osc.d2i_SSL_SESSION(null, { value: der }, der.length) : null;
  });
  const srv = await serve(ctx);
  const first = await connect(srv.port);
  t.equal((await connect(srv.port, first.session)).reused, true);
  t.same(stats(ctx), { accept: 2, accept_good: 2, hits: 1, misses: 0, cb_hits: 1, timeouts: 0, number: 0 });
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test("TLS 1.3 sessions: OpenSSL's rule by default (cached only with a remove callback), or skipped", async (t) => {
  for (const [tls13, removeCb] of [
    ['openssl', false],
    ['openssl', true],
    ['skip', true],
  ] as const) {
    const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    let news = 0;
    osc.SSL_CTX_sess_set_new_cb(ctx, () => {
      news++;
      return 0;
    });
    if (removeCb) osc.SSL_CTX_sess_set_remove_cb(ctx, () => undefined);
    const srv = await serve(ctx, { tls13 }, { maxVersion: 'TLSv1.3', secureOptions: 0 });
    // Wait for the tickets: they come after the handshake.
    await new Promise<void>((resolve, reject) => {
      let n = 0;
      const c = tls.connect({ host: '127.0.0.1', port: srv.port, ca: cert, servername: 'localhost' });
      c.on('session', () => {
        if (++n === 2) c.end();
      });
      c.on('data', () => undefined);
      c.on('error', reject);
      c.on('close', () => resolve());
    });
    await delay(20);
    const st = srv.adapter.stats();
    const label = `${tls13}${removeCb ? ' with a remove callback' : ''}`;
    if (tls13 === 'skip') {
      t.same([st.number, st.tls13Skipped, news], [0, 2, 0], `${label}: both tickets skipped`);
    } else {
      t.same([st.number, news], [removeCb ? 2 : 0, 2], `${label}: the new callback saw both tickets`);
    }
    t.same([st.misses, st.hits], [0, 0], `${label}: the random legacy id of a TLS 1.3 handshake is never a miss`);
    await srv.close();
    osc.SSL_CTX_free(ctx);
  }
});

t.test('https and http2 servers; the client helper offers the session of the same host:port', async (t) => {
  const sctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const srv = await serve(sctx, {}, {}, (o) =>
    https.createServer(o, (_req, res) => {
      res.end('ok');
    }),
  );
  const cctx = osc.SSL_CTX_new(osc.TLS_client_method());
  const client = osc.createClientSessionCache(cctx);
  const agent = client.agent({ ca: cert });
  const get = () =>
    new Promise<boolean>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: srv.port, agent }, (res) => {
          const reused = (res.socket as tls.TLSSocket).isSessionReused();
          res.resume();
          res.on('end', () => resolve(reused));
        })
        .on('error', reject);
    });
  t.same([await get(), await get(), await get()], [false, true, true], 'https: full, then resumed');
  t.equal(client.sessionsFor(`127.0.0.1:${srv.port}`), 1, 'one session filed under host:port');
  const c = osc.sessionCacheStats(cctx);
  t.same(
    [c.connect, c.connect_good, c.number, c.hits, c.misses],
    [3, 3, 1, 2, 0],
    'client context: connect, connect_good, number, hits, misses',
  );
  t.same(
    stats(sctx),
    { accept: 3, accept_good: 3, hits: 2, misses: 1, cb_hits: 0, timeouts: 0, number: 1 },
    'server: the first request proposed a random TLS 1.3 legacy id (a miss)',
  );
  osc.SSL_CTX_flush_sessions(sctx, 0);
  t.equal(await get(), false, 'the server forgot the session: a full handshake');
  t.same(
    [osc.SSL_CTX_sess_hits(cctx), osc.SSL_CTX_sess_misses(cctx), osc.SSL_CTX_sess_connect_good(cctx)],
    [2, 1, 4],
    'the client counts the refused offer as a miss (tls_process_server_hello)',
  );
  agent.destroy();
  await srv.close();

  const h2 = await serve(sctx, {}, { allowHTTP1: false } as tls.TlsOptions, (o) => http2.createSecureServer(o));
  const viaH2 = (session?: Buffer | null) => connect(h2.port, session, { ALPNProtocols: ['h2'] });
  const one = await viaH2();
  t.equal((await viaH2(one.session)).reused, true, 'http2 secure server: resumed');
  await h2.close();

  // The client helper against a plain TLS server, TLS 1.3: tickets are single-use.
  const tls13 = await serve(sctx, {}, { maxVersion: 'TLSv1.3', secureOptions: 0 });
  const go = () =>
    new Promise<boolean>((resolve, reject) => {
      const s = client.connect({ host: '127.0.0.1', port: tls13.port, ca: cert, servername: 'localhost' });
      let n = 0;
      let reused = false;
      s.on('secureConnect', () => {
        reused = s.isSessionReused();
      });
      s.on('session', () => {
        if (++n === 2) s.end();
      });
      s.on('data', () => undefined);
      s.on('error', reject);
      s.on('close', () => resolve(reused));
    });
  t.equal(await go(), false, 'TLS 1.3 first: full');
  t.equal(await go(), true, 'TLS 1.3 second: resumed with a ticket');
  t.equal(tls13.adapter.stats().ticketResumptions, 1, 'counted as a ticket resumption by the server adapter');
  t.same([osc.SSL_CTX_sess_hits(cctx), osc.SSL_CTX_sess_misses(cctx)], [3, 1], 'the client counted the ticket resumption as a hit');
  await tls13.close();
  client.close();
  osc.SSL_CTX_free(cctx);
  osc.SSL_CTX_free(sctx);
});

t.test('attach options are checked', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const server = tls.createServer({ key, cert });
  t.throws(() => osc.attachSessionCache(server, ctx, { sessionIdContext: 'x'.repeat(33) }), RangeError);
  t.throws(() => osc.attachSessionCache(server, ctx, { tls13: 'maybe' as never }), TypeError);
  const a = osc.attachSessionCache(server, ctx);
  t.equal(
    a.sessionIdContext,
    (server as unknown as { sessionIdContext: string }).sessionIdContext,
    "without the option: the server's (the argv hash)",
  );
  t.throws(() => osc.attachSessionCache(server, ctx), /already has a session cache attached/, 'one server, one cache');
  a.detach();
  const b = osc.attachSessionCache(server, ctx, { sessionIdContext: Buffer.from([1, 0, 0, 0]) });
  t.equal((server as unknown as { sessionIdContext: string }).sessionIdContext, '\u0001\u0000\u0000\u0000', 'set on the server too');
  b.detach();
  osc.SSL_CTX_free(ctx);
});
