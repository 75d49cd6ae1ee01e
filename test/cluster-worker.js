'use strict';
// A node:cluster worker for the cluster tests: a TLS 1.2 server (no tickets, so clients resume by
// session id) with this package as its session cache, and behind it the Redis store when
// OSC_REDIS_URL is set, or the shared-memory store when OSC_SHARED is set (the primary made the
// segment: OSC_SESSION_SEGMENT). Each connection is answered with this worker's id. Reports
// { listening: port } and, when asked with 'stats', its counters.
const cluster = require('node:cluster');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');

const root = path.join(__dirname, '..');
const osc = require(root);
const fixtures = path.join(__dirname, 'fixtures');
const ID_CONTEXT = 'osc-cluster-test';

(async () => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  let store = null;
  let client = null;
  if (process.env.OSC_REDIS_URL) {
    const { createClient } = require('redis');
    const { createRedisSessionStore } = require('openssl-session-cache/redis');
    client = createClient({
      url: process.env.OSC_REDIS_URL,
      disableOfflineQueue: true,
      commandsQueueMaxLength: 1000,
      socket: { connectTimeout: 500, reconnectStrategy: (n) => Math.min(20 * 2 ** n, 500) },
    });
    await client.connect();
    store = createRedisSessionStore(ctx, { client, idContext: ID_CONTEXT, timeoutMs: 500 });
  }
  const server = tls.createServer(
    {
      key: fs.readFileSync(path.join(fixtures, 'der-server-key.pem')),
      cert: fs.readFileSync(path.join(fixtures, 'der-server-cert.pem')),
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      secureOptions: crypto.constants.SSL_OP_NO_TICKET,
    },
    (socket) => socket.end(String(cluster.worker.id)),
  );
  const adapter = osc.attachSessionCache(server, ctx, { sessionIdContext: ID_CONTEXT, sharedMemory: Boolean(process.env.OSC_SHARED) });
  adapter.on('error', (e) => process.send({ error: e.message }));
  server.listen(0, '127.0.0.1', () => process.send({ listening: server.address().port }));
  process.on('message', (m) => {
    if (m === 'stats') {
      const shared = adapter.sharedStore ? adapter.sharedStore.stats() : null;
      process.send({ stats: { adapter: adapter.stats(), store: store ? store.stats() : shared } });
    }
  });
})().catch((e) => {
  process.send({ error: String(e?.stack || e) });
  process.exit(1);
});
