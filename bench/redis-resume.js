#!/usr/bin/env node
'use strict';
// node bench/redis-resume.js [--sessions=N] [--seconds=S] [--concurrency=C] [--tls-concurrency=C]
//
// Resumed server handshakes per second with the Redis session store
// (openssl-session-cache/redis) beside the in-process cache, on one machine,
// in one run. Starts its own redis-server on a free loopback port (no
// persistence) and kills it at the end.
//
// 1. Cache path: OpenSSL's server handshake steps (tls_setup_handshake,
//    ssl_get_prev_session, final_server_name, tls_finish_handshake) without
//    cryptography, so the number is the cost of finding the session:
//      - in-process: the internal cache answers (SSL_SESS_CACHE_SERVER);
//      - Redis only (SERVER + NO_INTERNAL): every lookup is a GET + d2i,
//        one handshake at a time (latency bound) and C at a time (throughput).
// 2. Real TLS 1.2 over loopback, when the TLS adapter (dist/tls.js,
//    attachSessionCache) is built: a node:tls server resuming session ids
//    from the in-process cache, then from Redis only, with the client in
//    a child process. Includes the cryptography and the sockets, so it is
//    what a server would see.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startRedis } = require('./lib/redis-server');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const SESSIONS = opt('sessions', 10000);
const SECONDS = opt('seconds', 2);
const CONCURRENCY = opt('concurrency', 32);
const TLS_CONCURRENCY = opt('tls-concurrency', 8);
const TLS_CLIENT_PORT = opt('tls-client', 0);
const TLS_FULL = args.includes('--tls-full');

const osc = require(root);
const { createRedisSessionStore } = require(path.join(root, 'dist', 'redis-store.js'));
let createClient;
try {
  ({ createClient } = require('redis'));
} catch {
  console.error('bench/redis-resume.js needs the redis package (npm install: it is a devDependency)');
  process.exit(1);
}

// ---- redis-server ---------------------------------------------------------

function redisClient(port) {
  const c = createClient({
    url: `redis://127.0.0.1:${port}`,
    disableOfflineQueue: true,
    commandsQueueMaxLength: 10000,
    socket: { connectTimeout: 500, reconnectStrategy: (n) => Math.min(20 * 2 ** n, 500) },
  });
  c.on('error', () => {});
  return c;
}

// ---- the cache path ---------------------------------------------------------

const CIPHER = osc.cipherFromName('ECDHE-RSA-AES128-GCM-SHA256');

/** One server handshake: a driver that awaits an asynchronous get callback first. */
async function handshake(ctx, id) {
  const ssl = osc.SSL_new(ctx);
  osc.SSL_set_accept_state(ssl);
  osc.setNegotiatedVersion(ssl, osc.TLS1_2_VERSION);
  const getCb = osc.SSL_CTX_sess_get_get_cb(ctx);
  let fetched = null;
  let consumed = false;
  const internal = (osc.SSL_CTX_get_session_cache_mode(ctx) & osc.SSL_SESS_CACHE_NO_INTERNAL_LOOKUP) === 0;
  if (id && getCb && !(internal && osc.SSL_has_matching_session_id(ssl, id))) {
    fetched = await getCb(ssl, id, id.length, { value: 1 });
  }
  if (getCb)
    osc.SSL_CTX_sess_set_get_cb(ctx, (_s, _i, _l, copy) => {
      consumed = true;
      copy.value = 0;
      return fetched;
    });
  osc.tls_setup_handshake(ssl);
  const r = id ? osc.ssl_get_prev_session(ssl, id) : 0;
  if (r === 0) {
    osc.ssl_get_new_session(ssl, 1);
    osc.SSL_SESSION_set_cipher(osc.SSL_get_session(ssl), CIPHER);
  }
  osc.final_server_name(ssl);
  osc.tls_finish_handshake(ssl);
  if (getCb) osc.SSL_CTX_sess_set_get_cb(ctx, getCb);
  if (fetched && !consumed) osc.SSL_SESSION_free(fetched);
  const resumed = osc.SSL_session_reused(ssl) === 1;
  const newId = resumed ? null : osc.SSL_SESSION_get_id(osc.SSL_get_session(ssl));
  osc.SSL_shutdown(ssl);
  osc.SSL_free(ssl);
  return { resumed, id: newId };
}

/** Runs `one(i)` with `conc` in flight for `seconds`; returns handshakes/s and the resumed share. */
async function measure(seconds, conc, one) {
  let done = 0,
    resumed = 0,
    i = 0;
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (process.hrtime.bigint() < end) {
      if ((await one(i++)).resumed) resumed++;
      done++;
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { perSec: done / secs, resumedShare: done ? resumed / done : 0, n: done };
}

async function cachePath(client) {
  const rows = [];
  // The in-process cache, filled by handshakes.
  const local = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_session_id_context(local, Buffer.from('bench'));
  const localIds = [];
  for (let k = 0; k < SESSIONS; k++) localIds.push((await handshake(local, null)).id);
  const m1 = await measure(SECONDS, 1, (k) => handshake(local, localIds[k % SESSIONS]));
  rows.push(['cache path', 'in-process cache (SSL_SESS_CACHE_SERVER)', 1, m1]);

  // Redis only: one writer context fills Redis, another (a "different worker") resumes from it.
  const mode = osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL;
  const writer = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_session_cache_mode(writer, mode);
  const ws = createRedisSessionStore(writer, { client, idContext: 'bench', prefix: 'bench:', timeoutMs: 1000, maxPending: 8192 });
  const ids = [];
  for (let k = 0; k < SESSIONS; k++) {
    ids.push((await handshake(writer, null)).id);
    if (k % 1000 === 999) await ws.drain();
  }
  await ws.drain();
  const reader = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_session_cache_mode(reader, mode);
  const rs = createRedisSessionStore(reader, { client, idContext: 'bench', prefix: 'bench:', timeoutMs: 1000, maxPending: 8192 });
  const m2 = await measure(SECONDS, 1, (k) => handshake(reader, ids[k % SESSIONS]));
  rows.push(['cache path', 'Redis only (SERVER + NO_INTERNAL)', 1, m2]);
  const m3 = await measure(SECONDS, CONCURRENCY, (k) => handshake(reader, ids[k % SESSIONS]));
  rows.push(['cache path', 'Redis only (SERVER + NO_INTERNAL)', CONCURRENCY, m3]);
  const st = rs.stats();
  rs.detach();
  ws.detach();
  for (const c of [local, writer, reader]) osc.SSL_CTX_free(c);
  return { rows, storeStats: st };
}

// ---- real TLS ---------------------------------------------------------------

// The client side runs in a child process (`--tls-client=PORT`), so the server has a CPU of its own.
function tlsConnect(tls, port, session) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, session, maxVersion: 'TLSv1.2' });
    let sess = null;
    s.on('session', (x) => {
      sess = x;
    });
    s.on('data', () => {});
    s.on('end', () => {
      const resumed = s.isSessionReused();
      s.destroy();
      resolve({ resumed, session: sess || s.getSession() });
    });
    s.on('error', () => resolve({ resumed: false, session: null }));
  });
}

async function tlsClient(port) {
  const tls = require('node:tls');
  const seed = [];
  for (let k = 0; k < 16; k++) seed.push((await tlsConnect(tls, port, undefined)).session);
  // Let the server's store writes land before the timed part.
  await new Promise((r) => setTimeout(r, 200));
  const m = await measure(SECONDS, TLS_CONCURRENCY, (k) => tlsConnect(tls, port, TLS_FULL ? undefined : seed[k % seed.length]));
  process.send(m);
}

async function realTls(port) {
  const tlsAdapter = path.join(root, 'dist', 'tls.js');
  if (!fs.existsSync(tlsAdapter)) return { rows: [], note: 'real TLS skipped: dist/tls.js (the TLS adapter) is not built' };
  const { attachSessionCache } = require(tlsAdapter);
  const tls = require('node:tls');
  const crypto = require('node:crypto');
  const { fork } = require('node:child_process');
  const fixtures = path.join(root, 'test', 'fixtures');
  const key = fs.readFileSync(path.join(fixtures, 'der-server-key.pem'));
  const cert = fs.readFileSync(path.join(fixtures, 'der-server-cert.pem'));
  const rows = [];

  async function run(label, useRedis, full = false) {
    const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    let store = null;
    let client = null;
    const server = tls.createServer(
      { key, cert, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', secureOptions: crypto.constants.SSL_OP_NO_TICKET },
      (sock) => sock.end('.'),
    );
    server.on('error', () => {});
    if (useRedis) {
      client = redisClient(port);
      await client.connect();
      osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL);
      store = createRedisSessionStore(ctx, { client, idContext: 'bench', prefix: 'benchtls:', timeoutMs: 1000 });
    }
    const adapter = attachSessionCache(server, ctx, { sessionIdContext: 'bench' });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const child = fork(__filename, [
      `--tls-client=${server.address().port}`,
      `--seconds=${SECONDS}`,
      `--tls-concurrency=${TLS_CONCURRENCY}`,
      ...(full ? ['--tls-full'] : []),
    ]);
    const m = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`TLS client exited (${code})`)));
    });
    child.kill();
    rows.push(['real TLS 1.2', label, TLS_CONCURRENCY, m]);
    await new Promise((r) => server.close(r));
    adapter.detach();
    if (store) store.detach();
    if (client) client.destroy();
    osc.SSL_CTX_free(ctx);
  }
  await run('in-process cache (SSL_SESS_CACHE_SERVER)', false);
  await run('Redis only (SERVER + NO_INTERNAL)', true);
  await run('(for reference) full handshakes: no session offered', false, true);
  return { rows, note: null };
}

// ---- main -------------------------------------------------------------------

(async () => {
  if (TLS_CLIENT_PORT) {
    await tlsClient(TLS_CLIENT_PORT);
    return;
  }
  const redis = await startRedis();
  if (redis.skipped) {
    console.error(`bench/redis-resume.js: ${redis.skipped}`);
    process.exit(1);
  }
  const client = redisClient(redis.port);
  await client.connect();
  const cp = await cachePath(client);
  const tl = await realTls(redis.port);
  client.destroy();
  redis.proc.kill('SIGKILL');

  const lines = [];
  lines.push(`# Resumed handshakes per second: Redis store vs in-process cache`);
  lines.push('');
  lines.push(
    `${os.cpus()[0].model}, ${os.cpus().length} CPUs; Node ${process.version}; Redis ${redis.version} on loopback; ` +
      `${SESSIONS} sessions, ${SECONDS} s per row, one run.`,
  );
  lines.push('');
  lines.push('| path | store | in flight | handshakes/s | resumed share |');
  lines.push('| --- | --- | ---: | ---: | ---: |');
  for (const [what, label, conc, m] of [...cp.rows, ...tl.rows]) {
    lines.push(
      `| ${what} | ${label} | ${conc} | ${Math.round(m.perSec).toLocaleString('en-US')} | ${(m.resumedShare * 100).toFixed(1)}% |`,
    );
  }
  if (tl.note) lines.push('', tl.note);
  const st = cp.storeStats;
  lines.push(
    '',
    `Redis store counters (cache path reader): lookups ${st.lookups}, hits ${st.hits}, misses ${st.misses}, ` +
      `errors ${st.errors}, timeouts ${st.timeouts}, dropped ${st.dropped}.`,
  );
  console.log(lines.join('\n'));
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
