// The adapter behind real Node servers keeps its promises: each finding of the review, as a test
// named after what it proves (loopback handshakes with Node's own TLS).
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import type { SSL_SESSION } from '..';
import * as osc from '..';
import { cert, connect, delay, key, serve, stats } from './tls-harness';

t.teardown(() => {
  testing.setTestTime(null);
});

t.test('SSL_CTX_set_timeout rules the lifetime of the sessions the server makes, and Node is told', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_timeout(ctx, 3);
  const srv = await serve(ctx);
  t.equal(
    (srv.server as tls.Server & { sessionTimeout?: number }).sessionTimeout,
    3,
    "Node's sessionTimeout follows the context (its tickets)",
  );
  // The cache clock stays on the wall clock's second (Node's OpenSSL checks its copy too).
  const now = Math.floor(Date.now() / 1000);
  testing.setTestTime(now);
  const first = await connect(srv.port);
  const cached = testing.debugCacheOrder(ctx)[0] as SSL_SESSION;
  t.same(
    [osc.SSL_SESSION_get_timeout(cached), osc.SSL_SESSION_get_time(cached)],
    [3, now],
    "the cached session: the context's timeout, from now",
  );
  testing.setTestTime(now + 3);
  t.equal((await connect(srv.port, first.session)).reused, true, 'resumes within 3 s');
  testing.setTestTime(now + 4);
  t.equal((await connect(srv.port, first.session)).reused, false, 'not after 3 s');
  t.equal(stats(ctx).timeouts, 1);
  testing.setTestTime(null);
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test('attach errors: a second cache, conflicting id contexts, a server that is not TLS', async (t) => {
  const a = osc.SSL_CTX_new(osc.TLS_server_method());
  const b = osc.SSL_CTX_new(osc.TLS_server_method());
  const s1 = tls.createServer({ key, cert });
  const s2 = tls.createServer({ key, cert });
  const one = osc.attachSessionCache(s1, a, { sessionIdContext: 'one' });
  t.throws(() => osc.attachSessionCache(s1, b), /already has a session cache attached/, 'a second cache on one server');
  t.throws(() => osc.attachSessionCache(s2, a, { sessionIdContext: 'two' }), /session id context is "one"/, 'one context, two id contexts');
  const shared = osc.attachSessionCache(s2, a);
  t.equal(shared.sessionIdContext, 'one', "a second server takes the context's id context");
  t.equal((s2 as unknown as { sessionIdContext: string }).sessionIdContext, 'one', "and Node's server is told");
  for (const bad of [http.createServer(), {}, null]) {
    t.throws(() => osc.attachSessionCache(bad as never, b), { name: 'TypeError', message: /expected a TLS server/ });
  }
  const own = tls.createServer({ key, cert });
  own.on('newSession', (_id, _d, done) => done());
  t.throws(() => osc.attachSessionCache(own, b), /already has 'newSession' listeners/);
  shared.detach();
  one.detach();
  const again = osc.attachSessionCache(s1, a, { sessionIdContext: 'three' });
  t.equal(again.sessionIdContext, 'three', 'detached: the context is free again');
  again.detach();
  osc.SSL_CTX_free(a);
  osc.SSL_CTX_free(b);
});

t.test('an id context set on the context (by a store) is the one Node gets', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_session_id_context(ctx, Buffer.from('store-ctx'));
  const srv = await serve(ctx, { sessionIdContext: undefined });
  t.equal(srv.adapter.sessionIdContext, 'store-ctx');
  const first = await connect(srv.port);
  t.equal((await connect(srv.port, first.session)).reused, true, 'sessions resume: both sides agree');
  t.same(srv.errors, []);
  await srv.close();
  t.throws(() => osc.attachSessionCache(tls.createServer({ key, cert }), ctx, { sessionIdContext: 'other' }), /not "other"/);
  osc.SSL_CTX_free(ctx);
});

t.test('certificate rotation through adapter.setSecureContext keeps resumption', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const srv = await serve(ctx);
  const first = await connect(srv.port);
  srv.adapter.setSecureContext({
    key,
    cert,
    maxVersion: 'TLSv1.2',
    secureOptions: (await import('node:crypto')).constants.SSL_OP_NO_TICKET,
  });
  t.equal((await connect(srv.port, first.session)).reused, true, 'a session from before the rotation resumes');
  const fresh = await connect(srv.port);
  t.equal((await connect(srv.port, fresh.session)).reused, true, 'and new ones');
  t.same(srv.errors, []);
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test('counters: a ticket resumption is a hit, a TLS 1.3 legacy id is never a miss (as s_server counts)', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const srv = await serve(ctx, {}, { maxVersion: 'TLSv1.3', secureOptions: 0 });
  // TLS 1.2 with tickets: the session has no id (not cached); the ticket resumes it.
  const t12 = await connect(srv.port, null, { maxVersion: 'TLSv1.2' });
  t.equal((await connect(srv.port, t12.session, { maxVersion: 'TLSv1.2' })).reused, true);
  t.same(
    stats(ctx),
    { accept: 2, accept_good: 2, hits: 1, misses: 0, cb_hits: 0, timeouts: 0, number: 0 },
    'TLS 1.2 ticket: one hit, no miss',
  );
  // TLS 1.3: every ClientHello carries a random legacy session id; the resumption is by ticket.
  const t13 = await new Promise<Buffer>((resolve, reject) => {
    const c = tls.connect({ host: '127.0.0.1', port: srv.port, ca: cert, servername: 'localhost' });
    c.on('session', (d: Buffer) => {
      c.end();
      resolve(d);
    });
    c.on('data', () => undefined);
    c.on('error', reject);
  });
  await delay(20);
  t.equal((await connect(srv.port, t13, { maxVersion: 'TLSv1.3' })).reused, true);
  await delay(20);
  t.same(
    stats(ctx),
    { accept: 4, accept_good: 4, hits: 2, misses: 0, cb_hits: 0, timeouts: 0, number: 0 },
    'TLS 1.3: a hit for the ticket, no miss for the legacy ids',
  );
  t.equal(srv.adapter.stats().ticketResumptions, 2);
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test('nothing pinned: lookups of failing handshakes and bad get answers leave no object behind', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.setAsyncGetSessionCallback(ctx, async () => 'not a session' as never);
  const srv = await serve(ctx);
  const first = await connect(srv.port);
  const base = testing.debugRuntimeStats().objects - osc.SSL_CTX_sess_number(ctx);
  // The session's cipher is missing from the client's list: the server finds the session,
  // OpenSSL fails the handshake (SSL_R_REQUIRED_CIPHER_MISSING).
  for (let i = 0; i < 50; i++) {
    await connect(srv.port, first.session, { ciphers: 'AES128-SHA' }).catch(() => undefined);
  }
  // Unknown ids, answered by a get callback with garbage.
  for (let i = 0; i < 50; i++) {
    const s = osc.sessionFromDer(first.session as Buffer) as SSL_SESSION;
    osc.SSL_SESSION_set1_id(s, Buffer.alloc(32, i + 1));
    const der = Buffer.from(osc.sessionToDer(s) as Uint8Array);
    osc.SSL_SESSION_free(s);
    await connect(srv.port, der).catch(() => undefined);
  }
  await delay(20);
  t.equal(
    testing.debugRuntimeStats().objects - osc.SSL_CTX_sess_number(ctx),
    base,
    'no SSL or session kept per lookup (beside the cached ones)',
  );
  t.ok(
    srv.errors.some((e) => e.source === 'get'),
    'the bad answers were reported',
  );
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test("a store's session with another id than the one looked up is refused", async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL);
  let stored: Buffer | null = null;
  osc.SSL_CTX_sess_set_new_cb(ctx, (_ssl, s) => {
    stored = Buffer.from(osc.sessionToDer(s) as Uint8Array);
    return 0;
  });
  const srv = await serve(ctx);
  const first = await connect(srv.port);
  const other = await connect(srv.port);
  // The store answers every id with the last session it saw: another id than asked.
  osc.setAsyncGetSessionCallback(ctx, () => stored);
  t.equal((await connect(srv.port, first.session)).reused, false, 'a full handshake, not a failed one');
  t.match(
    srv.errors.map((e) => e.source),
    ['store'],
  );
  t.equal(stats(ctx).cb_hits, 0, "not counted as the store's hit");
  t.ok(other);
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test('options are checked: getTimeout is whole milliseconds setTimeout can wait', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  for (const bad of [Infinity, 2 ** 31, -5, NaN, 0, 1.5]) {
    t.throws(() => osc.attachSessionCache(tls.createServer({ key, cert }), ctx, { getTimeout: bad }), RangeError, `getTimeout ${bad}`);
  }
  t.throws(() => osc.attachSessionCache(tls.createServer({ key, cert }), ctx, { getTimeout: '5' as never }), TypeError);
  osc.SSL_CTX_free(ctx);
});

t.test('the client cache is bounded by its SSL_CTX', async (t) => {
  const sctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const servers = await Promise.all([0, 1, 2, 3, 4].map(() => serve(sctx)));
  const cctx = osc.SSL_CTX_new(osc.TLS_client_method());
  osc.SSL_CTX_sess_set_cache_size(cctx, 3); // keeps at most 2
  const client = osc.createClientSessionCache(cctx);
  const base = testing.debugRuntimeStats().objects;
  const once = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const s = client.connect({ host: '127.0.0.1', port, ca: cert, servername: 'localhost', maxVersion: 'TLSv1.2' });
      s.on('secureConnect', () => setImmediate(() => s.end()));
      s.on('data', () => undefined);
      s.on('error', reject);
      s.on('close', () => resolve());
    });
  for (const srv of servers) await once(srv.port);
  await delay(20);
  t.ok(osc.SSL_CTX_sess_number(cctx) <= 2, 'the context evicts');
  const filed = servers.map((srv) => client.sessionsFor(`127.0.0.1:${srv.port}`)).reduce((x, y) => x + y, 0);
  t.ok(filed <= 2, `the peers can offer only what the context holds (${filed})`);
  const beside = testing.debugRuntimeStats().objects - base - osc.SSL_CTX_sess_number(sctx);
  t.ok(beside <= 2, `no client session kept alive beside the context's (${beside})`);
  client.close();
  for (const srv of servers) await srv.close();
  osc.SSL_CTX_free(cctx);
  osc.SSL_CTX_free(sctx);
});

t.test("the client helper resumes TLS 1.3 as often as Node's https.Agent", async (t) => {
  const sctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const srv = await serve(sctx, {}, { maxVersion: 'TLSv1.3', secureOptions: 0 }, (o) =>
    https.createServer(o, (_q, r) => {
      r.end('ok');
    }),
  );
  const get = (agent: https.Agent) =>
    new Promise<boolean>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: srv.port, agent, servername: 'localhost' }, (res) => {
          const reused = (res.socket as tls.TLSSocket).isSessionReused();
          res.resume();
          res.on('end', () => setTimeout(() => resolve(reused), 20));
        })
        .on('error', reject);
    });
  const node = new https.Agent({ ca: cert, keepAlive: false });
  const cctx = osc.SSL_CTX_new(osc.TLS_client_method());
  const client = osc.createClientSessionCache(cctx);
  const ours = client.agent({ ca: cert, keepAlive: false });
  const withNode: boolean[] = [];
  const withOurs: boolean[] = [];
  for (let i = 0; i < 4; i++) withNode.push(await get(node));
  for (let i = 0; i < 4; i++) withOurs.push(await get(ours));
  t.same(withOurs, withNode, `ours ${withOurs.join(',')}, https.Agent ${withNode.join(',')}`);
  t.same(withOurs, [false, true, true, true]);
  node.destroy();
  ours.destroy();
  client.close();
  await srv.close();
  osc.SSL_CTX_free(cctx);
  osc.SSL_CTX_free(sctx);
});

t.test('a TLS 1.2 session whose new callback throws is cached, reported, and not counted as a skipped TLS 1.3 one', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_sess_set_new_cb(ctx, () => {
    throw new Error('the new callback fails');
  });
  const srv = await serve(ctx);
  const stored: boolean[] = [];
  srv.adapter.on('store', (info: { handled: boolean }) => stored.push(info.handled));
  await connect(srv.port);
  await delay(20);
  const st = srv.adapter.stats();
  t.same([st.number, st.tls13Skipped], [1, 0], 'cached, not skipped');
  t.ok(
    srv.errors.some((e) => /the new callback fails/.test(String(e.cause ?? e.message))),
    "the callback's error was reported",
  );
  t.same(stored, [false], "the 'store' event says the step did not complete");
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test("a store's session that Node does not resume (another version) counts no hit", async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL);
  let answer: Buffer | null = null;
  let made: Buffer | null = null;
  osc.SSL_CTX_sess_set_new_cb(ctx, (_ssl, s) => {
    made = Buffer.from(osc.sessionToDer(s) as Uint8Array);
    return 0;
  });
  osc.SSL_CTX_sess_set_get_cb(ctx, (_ssl, _id, _len, copy) => {
    copy.value = 0;
    return answer ? osc.sessionFromDer(answer) : null;
  });
  const srv = await serve(ctx);
  const first = await connect(srv.port);
  // The server's session with its id and secrets, but TLS 1.0: the negotiated TLS 1.2 cannot resume it.
  const s = osc.sessionFromDer(made as unknown as Buffer) as SSL_SESSION;
  const same = Buffer.from(osc.sessionToDer(s) as Uint8Array);
  osc.SSL_SESSION_set_protocol_version(s, osc.TLS1_VERSION);
  const other = Buffer.from(osc.sessionToDer(s) as Uint8Array);
  osc.SSL_SESSION_free(s);
  answer = other;
  const second = await connect(srv.port, first.session);
  t.equal(second.reused, false, 'Node made a full handshake');
  t.equal(stats(ctx).hits, 0, 'no hit counted');
  answer = same;
  const third = await connect(srv.port, first.session);
  t.equal(third.reused, true, 'the same session of the right version resumes');
  t.equal(stats(ctx).hits, 1, 'and counts its hit');
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test('every resumeSession answer is the DER of the session found, across slab refills (lookups and get answers)', async (t) => {
  const server = tls.createServer({});
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const adapter = osc.attachSessionCache(server, ctx, { sessionIdContext: 'slab' });
  const cipher = osc.SSL_CIPHER_find(null, Buffer.from([0xc0, 0x2f]));
  const records = new Map<string, Buffer>();
  for (let i = 0; i < 1000; i++) {
    const s = osc.SSL_SESSION_new();
    const sid = Buffer.alloc(32, 0);
    sid.writeUInt32BE(i + 1, 0);
    osc.SSL_SESSION_set1_id(s, sid);
    osc.SSL_SESSION_set_protocol_version(s, osc.TLS1_2_VERSION);
    osc.SSL_SESSION_set_cipher(s, cipher!);
    osc.SSL_SESSION_set1_master_key(s, Buffer.alloc(48, i & 0xff));
    osc.SSL_SESSION_set1_id_context(s, Buffer.from('slab'));
    osc.SSL_SESSION_set_timeout(s, 7200);
    const der = Buffer.from(osc.sessionToDer(s) as Uint8Array);
    osc.SSL_SESSION_free(s);
    records.set(sid.toString('hex'), der);
    // Half in the cache, half answered by the get callback.
    if (i % 2 === 0) server.emit('newSession', sid, der, () => undefined);
  }
  osc.setAsyncGetSessionCallback(ctx, (_ssl, id, len) => records.get(Buffer.from(id.subarray(0, len)).toString('hex')) ?? null);
  let wrong = 0;
  for (const [hexId, der] of records) {
    const got = await new Promise<Buffer | null>((resolve) =>
      server.emit('resumeSession', Buffer.from(hexId, 'hex'), (_e: Error | null, d?: Buffer | null) => resolve(d ? Buffer.from(d) : null)),
    );
    if (!got?.equals(der)) {
      wrong++;
      if (wrong < 3) t.comment(hexId.slice(0, 8), got ? got.length : null, der.length);
    }
  }
  t.equal(wrong, 0, `all ${records.size} answers (about ${Math.round((records.size * 160) / 65536)} slabs' worth) are the sessions' DER`);
  adapter.detach();
  osc.SSL_CTX_free(ctx);
});

t.test('a get callback thenable that fulfils twice: the unused session is freed', async (t) => {
  const server = tls.createServer({});
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL);
  const adapter = osc.attachSessionCache(server, ctx, { sessionIdContext: 'twice' });
  const make = () => {
    const s = osc.SSL_SESSION_new();
    osc.SSL_SESSION_set1_id(s, Buffer.alloc(32, 7));
    return s;
  };
  osc.setAsyncGetSessionCallback(ctx, (_ssl, _id, _len, copy) => {
    copy.value = 0;
    return {
      // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point of the test
      then(ok: (s: SSL_SESSION) => void) {
        ok(make());
        ok(make());
      },
    } as unknown as Promise<SSL_SESSION>;
  });
  const ask = () => new Promise<void>((resolve) => server.emit('resumeSession', Buffer.alloc(32, 7), () => resolve()));
  await ask();
  const base = testing.debugRuntimeStats().objects;
  for (let i = 0; i < 100; i++) await ask();
  await delay(10);
  t.equal(testing.debugRuntimeStats().objects, base, 'no object left per lookup');
  adapter.detach();
  osc.SSL_CTX_free(ctx);
});

t.test("the adapter's step connection: a callback cannot free it, and what it stores there ends with the step", async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const seen: unknown[] = [];
  const refused: string[] = [];
  let news = 0;
  osc.SSL_CTX_sess_set_new_cb(ctx, (ssl) => {
    seen.push(osc.SSL_get_app_data(ssl));
    osc.SSL_set_app_data(ssl, { connection: ++news });
    try {
      osc.SSL_free(ssl);
    } catch (e) {
      refused.push((e as { code: string }).code);
    }
    return 0;
  });
  const srv = await serve(ctx);
  const first = await connect(srv.port);
  await connect(srv.port);
  const again = await connect(srv.port, first.session);
  t.same(refused, ['ERR_REFCOUNT', 'ERR_REFCOUNT'], 'SSL_free of the connection a callback is given: ERR_REFCOUNT');
  t.same(seen, [null, null], "no connection's app data reaches the next one's callback");
  t.equal(again.reused, true, 'the server still resumes');
  await srv.close();
  osc.SSL_CTX_free(ctx);
});

t.test('a callback that re-enters the adapter during a lookup step: each answer is its own session', async (t) => {
  const server = tls.createServer({});
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_sess_set_cache_size(ctx, 3); // keeps two: the third add evicts the oldest
  const adapter = osc.attachSessionCache(server, ctx, { sessionIdContext: 'reenter' });
  const cipher = osc.SSL_CIPHER_find(null, Buffer.from([0xc0, 0x2f]));
  const make = (n: number) => {
    const s = osc.SSL_SESSION_new();
    osc.SSL_SESSION_set1_id(s, Buffer.alloc(32, n));
    osc.SSL_SESSION_set_protocol_version(s, osc.TLS1_2_VERSION);
    osc.SSL_SESSION_set_cipher(s, cipher!);
    osc.SSL_SESSION_set1_master_key(s, Buffer.alloc(48, n));
    osc.SSL_SESSION_set1_id_context(s, Buffer.from('reenter'));
    osc.SSL_SESSION_set_timeout(s, 7200);
    const der = Buffer.from(osc.sessionToDer(s) as Uint8Array);
    osc.SSL_SESSION_free(s);
    return der;
  };
  const [a, b, c] = [make(1), make(2), make(3)];
  // Keeps the view Node is handed (Node copies it at once; a view overwritten later would show).
  const resume = (n: number) =>
    new Promise<Buffer | null>((resolve) =>
      server.emit('resumeSession', Buffer.alloc(32, n), (_e: Error | null, d?: Buffer | null) => resolve(d ?? null)),
    );
  server.emit('newSession', Buffer.alloc(32, 2), b, () => undefined); // evicted when a comes in
  server.emit('newSession', Buffer.alloc(32, 3), c, () => undefined);
  // Session 1 comes from the get callback; storing it evicts 2, whose remove callback looks 3 up.
  osc.setAsyncGetSessionCallback(ctx, (_ssl, id) => (id[0] === 1 ? a : null));
  let nested: Promise<Buffer | null> | null = null;
  osc.SSL_CTX_sess_set_remove_cb(ctx, (_ctx, s) => {
    if (osc.SSL_SESSION_get_id(s)[0] === 2) nested ??= resume(3);
  });
  const outer = await resume(1);
  t.ok(nested, 'the remove callback ran during the step and re-entered the adapter');
  t.same(await nested, c, 'the nested lookup answered its own session');
  t.same(outer, a, 'and the outer one its own, not the bytes after the nested answer');
  adapter.detach();
  osc.SSL_CTX_free(ctx);
});
