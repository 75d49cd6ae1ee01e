// Not OpenSSL API: an SSL_CTX in client mode as the session store of Node's TLS clients
// (tls.connect, https.Agent).
//
// OpenSSL's client rules: a client context caches the sessions of its handshakes when its mode
// has SSL_SESS_CACHE_CLIENT (the internal store unless NO_INTERNAL_STORE, then the new callback),
// keyed like every session by (version, id); which session a new connection offers is the
// application's choice (SSL_set_session). Here that choice is made by peer: each session the
// cache stores is also filed under the peer it came from, "host:port" (plus "/servername" when
// the SNI name differs from host), and the next connection to that peer offers the most recent
// one that is still resumable and not expired (cache clock). TLS 1.3 sessions (tickets) are
// single-use: offered once, and removed from the cache when the server resumed them.
//
// How each statistic follows a client connection:
//   connect       connect() (tls_setup_handshake)
//   misses        'secureConnect' when an offered session was not resumed (tls_process_server_hello)
//   hits, connect_good, and for TLS <= 1.2 the store, new callback and auto-clear
//                 'secureConnect' (tls_finish_handshake on the connection; a TLS 1.2 full
//                 handshake's 'session' event is taken first, so the new session is stored)
//   TLS 1.3 tickets 'session' after the handshake (ssl_update_cache, as OpenSSL does for a
//                 NewSessionTicket)
// A connection closed with an error (Node's 'close' with hadError) loses its session from the
// cache (SSL_CTX_remove_session, remove callback included), as OpenSSL's SSL_free does for a
// connection that finished its handshake and sent no close_notify.
import { EventEmitter } from 'node:events';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { SSL_CTX_free, SSL_CTX_get_session_cache_mode, SSL_CTX_remove_session, SSL_CTX_set_session_cache_mode, SSL_CTX_up_ref } from './ctx';
import { SSL_RECEIVED_SHUTDOWN, SSL_SENT_SHUTDOWN, SSL_SESS_CACHE_CLIENT, TLS1_2_VERSION, TLS1_3_VERSION } from './constants';
import { sessionFromDer, sessionToDer } from './der';
import { ssl_get_new_session, ssl_update_cache, tls_finish_handshake, tls_process_server_hello, tls_setup_handshake } from './handshake';
import {
  SSL_SESSION_free, SSL_SESSION_get_id, SSL_SESSION_get_protocol_version, SSL_SESSION_get_time, SSL_SESSION_get_timeout,
  SSL_SESSION_is_resumable, SSL_SESSION_up_ref, getCacheTime,
} from './session';
import {
  SSL_free, SSL_get0_session, SSL_get_shutdown, SSL_has_matching_session_id, SSL_new, SSL_set_connect_state, SSL_set_session,
  SSL_set_shutdown,
} from './ssl';
import { CallbackGuard, SessionCacheError, asBuffer, drainErrorQueue, toError } from './tls-guard';
import type { SSL, SSL_CTX, SSL_SESSION } from './types';

/** ClientSessionCacheOptions are the options of {@link createClientSessionCache}. */
export interface ClientSessionCacheOptions {
  /** The peer a connection belongs to (default: "host:port", plus "/servername" when it differs from host). */
  peerKey?: (options: { host: string; port: number; servername?: string }) => string;
  /** At most this many sessions filed per peer, newest kept (default 8). */
  maxPerPeer?: number;
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
  TLSv1: 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': TLS1_2_VERSION, 'TLSv1.3': TLS1_3_VERSION,
};

function defaultPeerKey(o: { host: string; port: number; servername?: string }): string {
  const base = `${o.host}:${o.port}`;
  return o.servername && o.servername !== o.host ? `${base}/${o.servername}` : base;
}

/**
 * A client session cache over an SSL_CTX (made with TLS_client_method(); the constructor adds
 * SSL_SESS_CACHE_CLIENT to its mode if missing, and takes a reference on it until close()).
 * Events: 'error' (SessionCacheError, only when listened to), 'handshake' (ClientHandshakeInfo).
 */
export class ClientSessionCache extends EventEmitter {
  readonly ctx: SSL_CTX;
  private readonly byPeer = new Map<string, SSL_SESSION[]>();
  private readonly peerKey: NonNullable<ClientSessionCacheOptions['peerKey']>;
  private readonly maxPerPeer: number;
  private readonly onError: ((err: SessionCacheError) => void) | undefined;
  private readonly guard: CallbackGuard;
  private closed = false;

  constructor(ctx: SSL_CTX, options: ClientSessionCacheOptions = {}) {
    super();
    this.ctx = ctx;
    this.peerKey = options.peerKey ?? defaultPeerKey;
    this.maxPerPeer = options.maxPerPeer ?? 8;
    this.onError = options.onError;
    this.guard = new CallbackGuard(ctx, (e) => this.report(e));
    SSL_CTX_up_ref(ctx);
    const mode = SSL_CTX_get_session_cache_mode(ctx);
    if (!(mode & SSL_SESS_CACHE_CLIENT)) SSL_CTX_set_session_cache_mode(ctx, mode | SSL_SESS_CACHE_CLIENT);
  }

  private report(e: SessionCacheError): void {
    if (this.onError) {
      try { this.onError(e); } catch { /* not reported again */ }
    }
    if (this.listenerCount('error') > 0) this.emit('error', e);
    else if (!this.onError) process.emitWarning(e.message, { type: 'SessionCacheWarning', code: `OSC_${e.source.toUpperCase()}` });
  }

  /** The number of sessions filed for `peer` (a peerKey result) that could still be offered. */
  sessionsFor(peer: string): number {
    return (this.byPeer.get(peer) ?? []).filter((s) => this.usable(s)).length;
  }

  private usable(s: SSL_SESSION): boolean {
    if (SSL_SESSION_is_resumable(s) !== 1) return false;
    const now = Number(getCacheTime());
    return !(now > Number(SSL_SESSION_get_time(s)) + Number(SSL_SESSION_get_timeout(s)));
  }

  // The session to offer to `peer`, with a reference for the caller, or null.
  private pick(peer: string): SSL_SESSION | null {
    const list = this.byPeer.get(peer);
    if (!list) return null;
    while (list.length > 0) {
      const s = list[0] as SSL_SESSION;
      if (!this.usable(s)) {
        list.shift();
        SSL_SESSION_free(s);
        continue;
      }
      if (SSL_SESSION_get_protocol_version(s) === TLS1_3_VERSION) list.shift(); // single use: our reference goes to the caller
      else SSL_SESSION_up_ref(s);
      return s;
    }
    this.byPeer.delete(peer);
    return null;
  }

  private file(peer: string, s: SSL_SESSION): void {
    SSL_SESSION_up_ref(s);
    const list = this.byPeer.get(peer) ?? [];
    list.unshift(s);
    while (list.length > this.maxPerPeer) SSL_SESSION_free(list.pop() as SSL_SESSION);
    this.byPeer.set(peer, list);
  }

  // SSL_set_session without OpenSSL's "remove the previous session of a finished connection that
  // sent no shutdown" (what a client does when a new ticket replaces its session).
  private replaceSession(ssl: SSL, s: SSL_SESSION | null): void {
    const flags = SSL_get_shutdown(ssl);
    SSL_set_shutdown(ssl, flags | SSL_SENT_SHUTDOWN);
    this.guard.run(() => SSL_set_session(ssl, s), null, () => 1);
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
    const peer = this.peerKey({ host, port, servername });
    const ssl = SSL_new(this.ctx);
    SSL_set_connect_state(ssl);
    tls_setup_handshake(ssl);
    let offered: SSL_SESSION | null = null;
    let der: Uint8Array | null = null;
    if (options.session === undefined) {
      offered = this.pick(peer);
      if (offered) {
        der = sessionToDer(offered);
        this.replaceSession(ssl, offered); // the connection's reference
        SSL_SESSION_free(offered); // ours
        if (!der) { drainErrorQueue(); offered = null; }
      }
    }
    // A ClientHello without a session to resume carries an empty one.
    if (!offered) this.guard.run(() => ssl_get_new_session(ssl, 0), null, () => 0);
    const socket = tls.connect(der ? { ...options, session: asBuffer(der) } : options, secureConnectListener);
    let finished = false;
    socket.on('session', (d: Buffer) => this.onSession(ssl, peer, d, finished));
    socket.once('secureConnect', () => {
      const reused = socket.isSessionReused();
      const protocol = socket.getProtocol();
      const version = PROTOCOL_VERSIONS[protocol ?? ''] ?? TLS1_2_VERSION;
      this.guard.run(() => tls_process_server_hello(ssl, reused ? 1 : 0, version, null), null, () => 0);
      const finish = (): void => {
        finished = true;
        try {
          this.guard.run(() => tls_finish_handshake(ssl), null, () => 1);
          this.fileIfCached(ssl, peer);
        } catch (e) {
          this.report(toError('internal', 'tls_finish_handshake', e));
        }
      };
      // A TLS 1.2 full handshake's 'session' follows in this same tick: take it first.
      if (!reused && protocol !== 'TLSv1.3') process.nextTick(finish);
      else finish();
      this.emit('handshake', { peer, offered: offered !== null, reused, protocol } satisfies ClientHandshakeInfo);
    });
    socket.once('close', (hadError: boolean) => {
      try {
        const s = SSL_get0_session(ssl);
        if (hadError && finished && s) this.guard.run(() => SSL_CTX_remove_session(this.ctx, s), null, () => 0);
        SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        this.guard.run(() => SSL_free(ssl), null, () => undefined);
      } catch (e) {
        this.report(toError('internal', 'close', e));
      }
    });
    return socket;
  }

  // Node's 'session': during a TLS <= 1.2 handshake the connection's new session (stored by
  // tls_finish_handshake); after a handshake a TLS 1.3 ticket, stored at once.
  private onSession(ssl: SSL, peer: string, d: Buffer, finished: boolean): void {
    if (this.closed) return;
    try {
      const s = sessionFromDer(d);
      if (s === null) {
        this.report(new SessionCacheError('der', `client 'session': Node's session does not decode (${drainErrorQueue()})`));
        return;
      }
      this.replaceSession(ssl, s);
      SSL_SESSION_free(s); // the connection holds it
      if (!finished) return;
      this.guard.run(() => ssl_update_cache(ssl, SSL_SESS_CACHE_CLIENT), null, () => undefined);
      this.fileIfCached(ssl, peer);
    } catch (e) {
      this.report(toError('internal', "client 'session'", e));
    }
  }

  // Files the connection's session for the peer if the cache holds it (not with
  // NO_INTERNAL_STORE, nor when the mode lost SSL_SESS_CACHE_CLIENT): the cache decides.
  private fileIfCached(ssl: SSL, peer: string): void {
    const s = SSL_get0_session(ssl);
    if (s === null) return;
    const len = { value: 0 };
    const id = SSL_SESSION_get_id(s, len);
    if (len.value > 0 && SSL_has_matching_session_id(ssl, id, len.value) === 1 && !this.isFiled(peer, s)) this.file(peer, s);
  }

  private isFiled(peer: string, s: SSL_SESSION): boolean {
    return (this.byPeer.get(peer) ?? []).includes(s);
  }

  /**
   * agent returns an https.Agent whose connections go through connect() (its own session cache is
   * off: maxCachedSessions 0).
   */
  agent(options: https.AgentOptions = {}): https.Agent {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
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

  /** close drops the filed sessions' references and the cache's reference on the context. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const list of this.byPeer.values()) for (const s of list) SSL_SESSION_free(s);
    this.byPeer.clear();
    SSL_CTX_free(this.ctx);
  }
}

/** createClientSessionCache returns a {@link ClientSessionCache} over `ctx`. */
export function createClientSessionCache(ctx: SSL_CTX, options?: ClientSessionCacheOptions): ClientSessionCache {
  return new ClientSessionCache(ctx, options);
}
