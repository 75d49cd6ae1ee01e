// npm run demo: an HTTPS server on 127.0.0.1 whose session cache is an SSL_CTX of this package,
// and Node's https client with a client-side SSL_CTX, making full and resumed connections.
// Prints one line per request (did the client offer a session, did the server resume it, the
// server cache's statistics after it) and the statistics of both contexts at the end.
//
// The server issues no tickets (SSL_OP_NO_TICKET) and speaks TLS 1.2 at most, so every
// resumption is a session-id resumption answered by the cache (TLS 1.3 resumes only by ticket,
// inside Node's OpenSSL). The key and certificate are the throwaway pair in examples/certs.
import { constants } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import {
  attachSessionCache,
  createClientSessionCache,
  SSL_CTX_flush_sessions,
  SSL_CTX_free,
  SSL_CTX_new,
  SSL_CTX_sess_set_new_cb,
  SSL_CTX_sess_set_remove_cb,
  sessionCacheStats,
  TLS_client_method,
  TLS_server_method,
} from 'openssl-session-cache';

const certs = path.join(path.dirname(require.resolve('openssl-session-cache/package.json')), 'examples', 'certs');
const key = fs.readFileSync(path.join(certs, 'localhost-key.pem'));
const cert = fs.readFileSync(path.join(certs, 'localhost-cert.pem'));

async function main(): Promise<void> {
  // The server and its cache.
  const server = https.createServer(
    {
      key,
      cert,
      maxVersion: 'TLSv1.2',
      secureOptions: constants.SSL_OP_NO_TICKET,
    },
    (_req, res) => {
      res.end('ok');
    },
  );
  const sctx = SSL_CTX_new(TLS_server_method());
  const events: string[] = [];
  SSL_CTX_sess_set_new_cb(sctx, () => {
    events.push('new');
    return 0;
  });
  SSL_CTX_sess_set_remove_cb(sctx, () => {
    events.push('remove');
  });
  // One id context for Node and the cache (Node's default is a hash of process.argv).
  const adapter = attachSessionCache(server, sctx, { sessionIdContext: 'openssl-session-cache demo' });
  adapter.on('error', (e: Error) => console.error('cache error:', e.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  // The client and its cache: sessions filed by host:port, offered on the next connection.
  const cctx = SSL_CTX_new(TLS_client_method());
  const client = createClientSessionCache(cctx);
  const agent = client.agent({ ca: cert });
  let offered = false;
  client.on('handshake', (h: { offered: boolean }) => {
    offered = h.offered;
  });

  const get = (): Promise<boolean> =>
    new Promise((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          const reused = (res.socket as import('node:tls').TLSSocket).isSessionReused();
          res.resume();
          res.on('end', () => resolve(reused));
        })
        .on('error', reject);
    });

  const steps: [string, () => void][] = [
    ['first request', () => undefined],
    ['again', () => undefined],
    ['again', () => undefined],
    ['after SSL_CTX_flush_sessions(ctx, 0)', () => SSL_CTX_flush_sessions(sctx, 0)],
    ['again', () => undefined],
  ];
  const rows: string[][] = [['#', 'request', 'offered', 'reused', 'hits', 'misses', 'cached', 'callbacks']];
  let i = 0;
  for (const [what, before] of steps) {
    events.length = 0;
    before();
    const reused = await get();
    await new Promise((r) => setImmediate(r));
    const st = sessionCacheStats(sctx);
    rows.push([
      String(++i),
      what,
      offered ? 'yes' : 'no',
      reused ? 'yes' : 'no',
      String(st.hits),
      String(st.misses),
      String(st.number),
      events.join(',') || '-',
    ]);
  }
  printTable(rows, 1);

  const s = adapter.stats();
  const c = sessionCacheStats(cctx);
  console.log('');
  printTable(
    [
      ['', 'accept', 'accept_good', 'hits', 'misses', 'cb_hits', 'timeouts', 'number', 'connect', 'connect_good'],
      [
        'server SSL_CTX',
        String(s.accept),
        String(s.accept_good),
        String(s.hits),
        String(s.misses),
        String(s.cb_hits),
        String(s.timeouts),
        String(s.number),
        '-',
        '-',
      ],
      [
        'client SSL_CTX',
        '-',
        '-',
        String(c.hits),
        String(c.misses),
        String(c.cb_hits),
        String(c.timeouts),
        String(c.number),
        String(c.connect),
        String(c.connect_good),
      ],
    ],
    0,
  );
  console.log("\nThe first request has nothing to offer; Node's client still sends a random 32-byte id (TLS 1.3");
  console.log('middlebox compatibility), which the server looks up: one miss. The flush empties the server');
  console.log("cache (the remove callback runs), so the client's offered session misses and a new one is made.");

  agent.destroy();
  adapter.detach();
  client.close();
  await new Promise((r) => server.close(r));
  SSL_CTX_free(sctx);
  SSL_CTX_free(cctx);
}

function printTable(rows: string[][], left: number): void {
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const [n, r] of rows.entries()) {
    console.log(r.map((cell, c) => (c === left ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
