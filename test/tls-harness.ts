// What the TLS tests share: a Node TLS server with a cache attached, and a client connection
// that reports whether it resumed.
import { constants } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { SessionCacheAdapter, SessionCacheError, SessionCacheOptions, SSL_CTX } from '..';
import * as osc from '..';

const certs = path.join(__dirname, '..', 'examples', 'certs');
export const key = fs.readFileSync(path.join(certs, 'localhost-key.pem'));
export const cert = fs.readFileSync(path.join(certs, 'localhost-cert.pem'));

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Served {
  server: tls.Server;
  adapter: SessionCacheAdapter;
  port: number;
  errors: SessionCacheError[];
  close: () => Promise<void>;
}

/** A TLS server (TLS 1.2 at most, no tickets unless asked) with `ctx` attached. */
export async function serve(
  ctx: SSL_CTX,
  options: SessionCacheOptions = {},
  serverOptions: tls.TlsOptions = {},
  make?: (o: tls.TlsOptions) => tls.Server,
): Promise<Served> {
  const o: tls.TlsOptions = { key, cert, maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET, ...serverOptions };
  const server = make
    ? make(o)
    : tls.createServer(o, (s) => {
        s.end('x');
      });
  const errors: SessionCacheError[] = [];
  const adapter = osc.attachSessionCache(server, ctx, { sessionIdContext: 'test 65', ...options });
  adapter.on('error', (e: SessionCacheError) => errors.push(e));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    server,
    adapter,
    port,
    errors,
    close: () =>
      new Promise<void>((r) => {
        adapter.detach();
        server.close(() => r());
      }),
  };
}

export interface Conn {
  reused: boolean;
  session: Buffer | null;
  protocol: string | null;
}

/** One client connection (TLS 1.2 at most unless told), offering `session`; resolves at close. */
export function connect(port: number, session?: Buffer | null, extra: tls.ConnectionOptions = {}): Promise<Conn> {
  return new Promise((resolve, reject) => {
    let got: Buffer | null = null;
    const c = tls.connect({
      host: '127.0.0.1',
      port,
      ca: cert,
      servername: 'localhost',
      maxVersion: 'TLSv1.2',
      ...(session ? { session } : {}),
      ...extra,
    });
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error('connection hung'));
    }, 5000);
    let result: Conn | null = null;
    c.on('session', (s: Buffer) => {
      got = s;
    });
    c.on('secureConnect', () => {
      result = { reused: c.isSessionReused(), session: null, protocol: c.getProtocol() };
      c.end(); // a TLS 1.2 'session' event still follows in this tick
    });
    c.on('data', () => undefined);
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.on('close', () => {
      clearTimeout(timer);
      if (!result) {
        reject(new Error('no handshake'));
        return;
      }
      result.session = got ?? session ?? null;
      resolve(result);
    });
  });
}

export function stats(ctx: SSL_CTX) {
  const s = osc.sessionCacheStats(ctx);
  return {
    accept: s.accept,
    accept_good: s.accept_good,
    hits: s.hits,
    misses: s.misses,
    cb_hits: s.cb_hits,
    timeouts: s.timeouts,
    number: s.number,
  };
}
