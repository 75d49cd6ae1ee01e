// A real redis-server for the store tests: started on a loopback port the test picks, with
// no persistence, and killed at the end. Missing redis-server is a failure, not a skip.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createClient } from 'redis';
import type { SSL, SSL_CTX, SSL_SESSION } from '../../..';
import * as osc from '../../..';
import { canConnect, freePort } from '../../../scripts/lib/loopback';

export const REDIS_MISSING =
  'redis-server is not on PATH: these tests need a real Redis (Debian/Ubuntu: apt-get install redis-server; .ci/run installs it)';

/** redisServerPath returns the redis-server to run, or throws REDIS_MISSING. */
export function redisServerPath(): string {
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(REDIS_MISSING);
  return bin;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** One redis-server process on 127.0.0.1:port; start() again after kill() restarts it on the same port. */
export class RedisServer {
  proc: ChildProcess | null = null;
  private constructor(
    readonly bin: string,
    readonly port: number,
  ) {}

  static async start(): Promise<RedisServer> {
    const r = new RedisServer(redisServerPath(), await freePort());
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const p = spawn(
      this.bin,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.proc = p;
    live.add(p);
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.once('exit', () => {
      live.delete(p);
    });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (p.exitCode !== null) throw new Error(`redis-server exited (${p.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${this.port} in 10 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** kill stops the server with SIGKILL (as a crash) and waits for it to exit. */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  /** pause freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void {
    this.proc?.kill('SIGSTOP');
  }
  resume(): void {
    this.proc?.kill('SIGCONT');
  }
}

/**
 * The client settings docs/stores.md recommends: no offline queue (fail fast while down), a bounded
 * command queue, a short connect timeout and a capped reconnect backoff (retries forever).
 */
export function storeClient(url: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandsQueueMaxLength: 1000,
    socket: { connectTimeout: 500, reconnectStrategy: (retries: number) => Math.min(20 * 2 ** retries, 500) },
  });
  client.on('error', () => {
    /* counted by the store; the test client must not crash on it */
  });
  return client;
}

/** waitFor polls `cond` every 10 ms up to `ms`; true when it held. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const CIPHER = osc.cipherFromName('ECDHE-RSA-AES128-GCM-SHA256');

export interface ServeResult {
  resumed: boolean;
  /** The session's id (new or resumed). */
  id: Uint8Array;
  /** The connection's session, with a reference for the caller (SSL_SESSION_free it). */
  session: SSL_SESSION;
}

/**
 * serve runs one TLS 1.2 server handshake on `ctx` the way a driver with an asynchronous get
 * callback does (the TLS adapter's contract): when the internal cache cannot answer, it awaits
 * the get callback first, then runs OpenSSL's steps synchronously with a get callback that hands
 * the fetched session over. A new session gets a real cipher (so it has a DER form). The
 * connection ends with a clean shutdown unless `unclean` (then SSL_free removes the session).
 */
export async function serve(ctx: SSL_CTX, sessionId?: Uint8Array, unclean = false): Promise<ServeResult> {
  const ssl: SSL = osc.SSL_new(ctx);
  osc.SSL_set_accept_state(ssl);
  osc.setNegotiatedVersion(ssl, osc.TLS1_2_VERSION);
  const getCb = osc.SSL_CTX_sess_get_get_cb(ctx) as unknown as
    | ((s: SSL, id: Uint8Array, len: number, copy: { value: number }) => SSL_SESSION | null | Promise<SSL_SESSION | null>)
    | null;
  let fetched: SSL_SESSION | null = null;
  let fetchedCopy = 1;
  let consumed = false;
  const internalLookup = (osc.SSL_CTX_get_session_cache_mode(ctx) & osc.SSL_SESS_CACHE_NO_INTERNAL_LOOKUP) === 0;
  if (sessionId && sessionId.length > 0 && getCb && !(internalLookup && osc.SSL_has_matching_session_id(ssl, sessionId))) {
    const copy = { value: 1 };
    fetched = await getCb(ssl, sessionId, sessionId.length, copy);
    fetchedCopy = copy.value;
  }
  if (getCb) {
    osc.SSL_CTX_sess_set_get_cb(ctx, (_s, _id, _len, copy) => {
      consumed = true;
      copy.value = fetchedCopy;
      return fetched;
    });
  }
  try {
    osc.tls_setup_handshake(ssl);
    const r = sessionId ? osc.ssl_get_prev_session(ssl, sessionId) : 0;
    if (r < 0) throw new Error(`handshake failed: ${osc.ERR_error_string(osc.ERR_get_error())}`);
    if (r === 0) {
      if (osc.ssl_get_new_session(ssl, 1) !== 1) throw new Error('ssl_get_new_session failed');
      osc.SSL_SESSION_set_cipher(osc.SSL_get_session(ssl)!, CIPHER!);
    }
    osc.final_server_name(ssl);
    osc.tls_finish_handshake(ssl);
  } finally {
    if (getCb) osc.SSL_CTX_sess_set_get_cb(ctx, getCb as never);
    // A fetched session the handshake never asked for: drop the reference it carried.
    if (fetched !== null && !consumed && fetchedCopy === 0) osc.SSL_SESSION_free(fetched);
  }
  const resumed = osc.SSL_session_reused(ssl) === 1;
  const session = osc.SSL_get1_session(ssl)!;
  if (!unclean) osc.SSL_shutdown(ssl);
  osc.SSL_free(ssl);
  return { resumed, id: osc.SSL_SESSION_get_id(session), session };
}
