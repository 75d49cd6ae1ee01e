// Not OpenSSL API: an SSL_CTX in client mode as the session store of Node's TLS clients
// (tls.connect, https.Agent).
//
// OpenSSL's client rules: a client context caches the sessions of its handshakes when its mode
// has SSL_SESS_CACHE_CLIENT (the internal store unless NO_INTERNAL_STORE, then the new callback),
// keyed like every session by (version, id); which session a new connection offers is the
// application's choice (SSL_set_session). Here that choice is made by peer: the key of each
// session the cache stores is also filed under the peer it came from ("host:port", plus
// "/servername" when the SNI name differs from host), and the next connection to that peer offers
// the most recent one the cache still holds that is resumable and not expired. The peer lists hold
// keys, not sessions: what the context evicts, times out or removes is gone for every peer, so the
// client cache is bounded by the context's size. TLS 1.3 sessions (tickets) are single-use in
// OpenSSL's cache: offered once, and removed from the cache when the server resumed them. A
// server that issues no new ticket on a resumption (Node's does not) would then get full
// handshakes; like Node's https.Agent, the helper keeps the last TLS 1.3 ticket of each peer
// (its DER, for at most `maxTls13Peers` peers) and offers it again when the cache has no fresh one.
//
// How each statistic follows a client connection (one SSL object per connection):
//   connect       connect() (tls_setup_handshake)
//   misses        'secureConnect' when an offered session was not resumed (tls_process_server_hello)
//   hits, connect_good, and for TLS <= 1.2 the store, new callback and auto-clear
//                 'secureConnect' (tls_finish_handshake)
//   TLS 1.3 tickets 'session' (ssl_update_cache, as OpenSSL does for a NewSessionTicket), taken
//                 after the connection's own handshake steps
// A connection closed with an error (Node's 'close' with hadError) loses its session from the
// cache (SSL_CTX_remove_session, remove callback included), as OpenSSL's SSL_free does for a
// connection that finished its handshake and sent no close_notify.
import { EventEmitter } from 'node:events';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { binding } from './binding';
import {
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
  SSL_SESS_CACHE_CLIENT,
  TLS1_1_VERSION,
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  TLS1_VERSION,
} from './constants';
import {
  SSL_CTX_free,
  SSL_CTX_get_session_cache_mode,
  SSL_CTX_remove_session,
  SSL_CTX_set_session_cache_mode,
  SSL_CTX_up_ref,
} from './ctx';
import { sessionFromDer, sessionToDer } from './der';
import { ssl_get_new_session, ssl_update_cache, tls_finish_handshake, tls_process_server_hello, tls_setup_handshake } from './handshake';
import { SSL_SESSION_free, SSL_SESSION_get_id, SSL_SESSION_get_protocol_version } from './session';
import { SSL_free, SSL_get_shutdown, SSL_get0_session, SSL_new, SSL_set_connect_state, SSL_set_session, SSL_set_shutdown } from './ssl';
import { drainErrorQueue, Reporter, SessionCacheError } from './tls-common';
import type { SSL, SSL_CTX, SSL_SESSION } from './types';

const clientCachedSession: (ctx: SSL_CTX, version: number, id: Uint8Array) => SSL_SESSION | null = binding.clientCachedSession;

/** The options of createClientSessionCache(): how connections are filed per peer and which sessions are kept. */
export interface ClientSessionCacheOptions {
  /** The peer a connection belongs to (default: "host:port", plus "/servername" when it differs from host). */
  peerKey?: (options: { host: string; port: number; servername?: string }) => string;
  /** At most this many session keys filed per peer, newest kept (default 8). */
  maxPerPeer?: number;
  /** For at most this many peers the last TLS 1.3 ticket is kept for reuse, least recent dropped (default 100, as https.Agent's maxCachedSessions; 0: tickets are single-use). */
  maxTls13Peers?: number;
  /** Called with each error caught (callbacks that threw, undecodable DER, ...). */
  onError?: (err: SessionCacheError) => void;
}

/** What a 'handshake' event reports: one client connection's handshake. */
export interface ClientHandshakeInfo {
  peer: string;
  /** A cached session was offered. */
  offered: boolean;
  /** The server resumed it (socket.isSessionReused()). */
  reused: boolean;
  protocol: string | null;
}

const PROTOCOL_VERSIONS: Record<string, number> = {
  TLSv1: TLS1_VERSION,
  'TLSv1.1': TLS1_1_VERSION,
  'TLSv1.2': TLS1_2_VERSION,
  'TLSv1.3': TLS1_3_VERSION,
};

function defaultPeerKey(o: { host: string; port: number; servername?: string }): string {
  const base = `${o.host}:${o.port}`;
  return o.servername && o.servername !== o.host ? `${base}/${o.servername}` : base;
}

interface SessionKey {
  version: number;
  id: Buffer;
}

/** One connection's handshake state: its SSL object and the sessions Node handed over early. */
interface Connection {
  ssl: SSL;
  peer: string;
  finished: boolean;
  early: Buffer[]; // 'session' events before 'secureConnect': taken after the handshake's own steps
}

/**
 * ClientSessionCache is a client session cache over an SSL_CTX (made with TLS_client_method(); the
 * constructor adds SSL_SESS_CACHE_CLIENT to its mode if missing, and takes a reference on it until
 * close()). Events: 'error' (SessionCacheError, only when listened to), 'handshake'
 * (ClientHandshakeInfo).
 */
export class ClientSessionCache extends EventEmitter {
  readonly ctx: SSL_CTX;
  private readonly byPeer = new Map<string, SessionKey[]>();
  private readonly lastTls13 = new Map<string, Buffer>(); // insertion order: least recent first
  private readonly maxTls13Peers: number;
  private readonly peerKey: NonNullable<ClientSessionCacheOptions['peerKey']>;
  private readonly maxPerPeer: number;
  private readonly reporter: Reporter;
  private closed = false;

  constructor(ctx: SSL_CTX, options: ClientSessionCacheOptions = {}) {
    super();
    const max = options.maxPerPeer ?? 8;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('createClientSessionCache: maxPerPeer must be a positive integer');
    if (options.peerKey !== undefined && typeof options.peerKey !== 'function')
      throw new TypeError('createClientSessionCache: peerKey must be a function');
    const maxTls13 = options.maxTls13Peers ?? 100;
    if (!Number.isInteger(maxTls13) || maxTls13 < 0)
      throw new RangeError('createClientSessionCache: maxTls13Peers must be a non-negative integer');
    this.maxTls13Peers = maxTls13;
    this.ctx = ctx;
    this.peerKey = options.peerKey ?? defaultPeerKey;
    this.maxPerPeer = max;
    this.reporter = new Reporter(this, options.onError);
    SSL_CTX_up_ref(ctx);
    const mode = SSL_CTX_get_session_cache_mode(ctx);
    if (!(mode & SSL_SESS_CACHE_CLIENT)) SSL_CTX_set_session_cache_mode(ctx, mode | SSL_SESS_CACHE_CLIENT);
  }

  private report(e: SessionCacheError): void {
    this.reporter.report(e);
  }

  /** sessionsFor returns the number of sessions filed for `peer` (a peerKey result) that could still be offered. */
  sessionsFor(peer: string): number {
    let n = 0;
    for (const k of this.byPeer.get(peer) ?? []) {
      const s = clientCachedSession(this.ctx, k.version, k.id);
      if (s !== null) {
        n++;
        SSL_SESSION_free(s);
      }
    }
    return n;
  }

  // The session to offer to `peer`, with a reference for the caller, or null. Keys whose session
  // the context no longer holds are dropped on the way; a TLS 1.3 one is taken (single use).
  private pick(peer: string): SSL_SESSION | null {
    const keys = this.byPeer.get(peer);
    if (!keys) return null;
    while (keys.length > 0) {
      const k = keys.shift() as SessionKey;
      const s = clientCachedSession(this.ctx, k.version, k.id);
      if (s === null) continue;
      if (k.version !== TLS1_3_VERSION) keys.unshift(k);
      if (keys.length === 0) this.byPeer.delete(peer);
      return s;
    }
    this.byPeer.delete(peer);
    return null;
  }

  private keepTls13(peer: string, der: Buffer): void {
    if (this.maxTls13Peers === 0) return;
    this.lastTls13.delete(peer);
    this.lastTls13.set(peer, der);
    if (this.lastTls13.size > this.maxTls13Peers) this.lastTls13.delete(this.lastTls13.keys().next().value as string);
  }

  private file(peer: string, s: SSL_SESSION): void {
    const len = { value: 0 };
    const id = Buffer.from(SSL_SESSION_get_id(s, len));
    if (len.value === 0) return;
    const version = SSL_SESSION_get_protocol_version(s);
    const keys = (this.byPeer.get(peer) ?? []).filter((k) => !(k.version === version && k.id.equals(id)));
    keys.unshift({ version, id });
    keys.length = Math.min(keys.length, this.maxPerPeer);
    this.byPeer.set(peer, keys);
  }

  // SSL_set_session without OpenSSL's "remove the previous session of a finished connection that
  // sent no shutdown" (what a client does when a new ticket replaces its session).
  private replaceSession(ssl: SSL, s: SSL_SESSION | null): void {
    const flags = SSL_get_shutdown(ssl);
    SSL_set_shutdown(ssl, flags | SSL_SENT_SHUTDOWN);
    this.reporter.guard('SSL_set_session', () => SSL_set_session(ssl, s));
    SSL_set_shutdown(ssl, flags);
  }

  /**
   * connect is tls.connect, offering the cached session of the peer (unless `options.session` is
   * given) and filing the sessions the connection gets.
   */
  connect(options: tls.ConnectionOptions, secureConnectListener?: () => void): tls.TLSSocket {
    if (this.closed) throw new Error('ClientSessionCache: closed');
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    const servername = options.servername ?? (options.host && !/^[\d.:]+$/.test(options.host) ? options.host : undefined);
    const c: Connection = { ssl: SSL_new(this.ctx), peer: this.peerKey({ host, port, servername }), finished: false, early: [] };
    SSL_set_connect_state(c.ssl);
    this.reporter.guard('tls_setup_handshake', () => tls_setup_handshake(c.ssl));
    let offered: SSL_SESSION | null = null;
    let der: Uint8Array | null = null;
    if (options.session === undefined) {
      offered = this.pick(c.peer);
      const reuse = offered === null ? this.lastTls13.get(c.peer) : undefined;
      if (reuse !== undefined) offered = this.reporter.guard('sessionFromDer', () => sessionFromDer(reuse)) ?? null;
      if (offered) {
        der = sessionToDer(offered);
        if (der && SSL_SESSION_get_protocol_version(offered) === TLS1_3_VERSION) this.keepTls13(c.peer, Buffer.from(der));
        this.replaceSession(c.ssl, offered); // the connection's reference
        SSL_SESSION_free(offered); // ours
        if (!der) {
          drainErrorQueue();
          offered = null;
        }
      }
    }
    // A ClientHello without a session to resume carries an empty one.
    if (!offered) this.reporter.guard('ssl_get_new_session', () => ssl_get_new_session(c.ssl, 0));
    const socket = tls.connect(der ? { ...options, session: Buffer.from(der) } : options, secureConnectListener);
    socket.on('session', (d: Buffer) => {
      if (c.finished) this.onSession(c, d);
      else c.early.push(d);
    });
    socket.once('secureConnect', () => {
      const reused = socket.isSessionReused();
      const protocol = socket.getProtocol();
      const version = PROTOCOL_VERSIONS[protocol ?? ''] ?? TLS1_2_VERSION;
      this.reporter.guard('tls_process_server_hello', () => tls_process_server_hello(c.ssl, reused ? 1 : 0, version, null));
      const finish = (): void => {
        if (c.finished) return;
        // A TLS <= 1.2 full handshake's new session is the connection's: take it first, so
        // tls_finish_handshake stores it (ssl_update_cache).
        if (version !== TLS1_3_VERSION && !reused && c.early.length > 0) this.adopt(c, c.early.shift() as Buffer);
        this.reporter.guard('tls_finish_handshake', () => tls_finish_handshake(c.ssl));
        c.finished = true;
        if (version !== TLS1_3_VERSION) this.fileCurrent(c);
        for (const d of c.early.splice(0)) this.onSession(c, d);
      };
      // A TLS 1.2 full handshake's 'session' follows in this same tick: take it first.
      if (!reused && version !== TLS1_3_VERSION && c.early.length === 0) process.nextTick(finish);
      else finish();
      this.emit('handshake', { peer: c.peer, offered: offered !== null, reused, protocol } satisfies ClientHandshakeInfo);
    });
    socket.once('close', (hadError: boolean) => {
      this.reporter.guard('close', () => {
        const s = SSL_get0_session(c.ssl);
        if (hadError && c.finished && s) SSL_CTX_remove_session(this.ctx, s);
        SSL_set_shutdown(c.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(c.ssl);
      });
    });
    return socket;
  }

  // Makes Node's session (DER) the connection's current one; false if it does not decode.
  private adopt(c: Connection, d: Buffer): boolean {
    const s = this.reporter.guard('sessionFromDer', () => sessionFromDer(d)) ?? null;
    if (s === null) {
      this.report(new SessionCacheError('der', `client 'session': Node's session does not decode (${drainErrorQueue()})`));
      return false;
    }
    this.replaceSession(c.ssl, s);
    SSL_SESSION_free(s); // the connection holds it
    return true;
  }

  // Node's 'session' after the handshake: a TLS 1.3 ticket (or a TLS 1.2 session), stored as
  // OpenSSL stores a NewSessionTicket's session.
  private onSession(c: Connection, d: Buffer): void {
    if (this.closed || !this.adopt(c, d)) return;
    const s = SSL_get0_session(c.ssl);
    if (s !== null && SSL_SESSION_get_protocol_version(s) === TLS1_3_VERSION) this.keepTls13(c.peer, d);
    this.reporter.guard('ssl_update_cache', () => ssl_update_cache(c.ssl, SSL_SESS_CACHE_CLIENT));
    this.fileCurrent(c);
  }

  // Files the connection's session for its peer if the cache holds it (not with
  // NO_INTERNAL_STORE, nor when the mode lost SSL_SESS_CACHE_CLIENT): the cache decides.
  private fileCurrent(c: Connection): void {
    const s = SSL_get0_session(c.ssl);
    if (s === null) return;
    const len = { value: 0 };
    const id = SSL_SESSION_get_id(s, len);
    const cached = len.value > 0 ? clientCachedSession(this.ctx, SSL_SESSION_get_protocol_version(s), id) : null;
    if (cached === null) return;
    SSL_SESSION_free(cached);
    this.file(c.peer, s);
  }

  /**
   * agent returns an https.Agent whose connections go through connect() (its own session cache is
   * off: maxCachedSessions 0).
   */
  agent(options: https.AgentOptions = {}): https.Agent {
    const cache = this;
    class SessionCacheAgent extends https.Agent {
      override createConnection(...args: unknown[]): ReturnType<https.Agent['createConnection']> {
        const [port, host, opts] = args;
        let o: Record<string, unknown>;
        if (port !== null && typeof port === 'object') o = { ...(port as object) };
        else if (host !== null && typeof host === 'object') o = { ...(host as object) };
        else o = opts !== null && typeof opts === 'object' ? { ...(opts as object) } : {};
        if (typeof port === 'number') o.port = port;
        if (typeof host === 'string') o.host = host;
        return cache.connect(o as tls.ConnectionOptions);
      }
    }
    return new SessionCacheAgent({ ...options, maxCachedSessions: 0 });
  }

  /** close forgets the peers and drops the cache's reference on the context. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.byPeer.clear();
    this.lastTls13.clear();
    SSL_CTX_free(this.ctx);
  }
}

/** createClientSessionCache returns a {@link ClientSessionCache} over `ctx`. */
export function createClientSessionCache(ctx: SSL_CTX, options?: ClientSessionCacheOptions): ClientSessionCache {
  return new ClientSessionCache(ctx, options);
}
