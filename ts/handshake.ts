// The handshake path: the cache steps SSL_accept / SSL_connect take, under
// OpenSSL 3.0's internal names, for a driver to call in OpenSSL's order, and one whole simulated
// handshake per side. Not OpenSSL API: simulateServerHandshake, simulateClientHandshake and
// setTestRandom (in testing.ts). Each export is the native function itself.
//
// Counters, as OpenSSL 3.0 keeps them: `accept`, `connect`, `connect_good`, `hits`, `misses`,
// `cb_hits`, `timeouts` and the cache itself belong to the connection's session context (the
// context it was made from); `accept_good` goes to its current context (SSL_set_SSL_CTX), and
// final_server_name moves `accept` there too.
import { binding } from './binding';
import type { SSL, SSL_SESSION } from './types';

/**
 * ssl_get_new_session gives the connection a new session (replacing its current one): timeout
 * from the session context (its method's default when 0), time now, the connection's version and
 * id context. With `session` non-zero (server) it gets an id: from the connection's
 * generate-session-id callback, else the session context's, else 32 random bytes retried up to
 * 10 times while they clash; empty when a ticket is expected. Returns 1, or 0 with
 * SSL_R_SSL_SESSION_ID_CALLBACK_FAILED / _HAS_BAD_LENGTH / _CONFLICT on the error queue.
 */
export const ssl_get_new_session: (ssl: SSL, session: number) => number = binding.ssl_get_new_session;
/**
 * ssl_get_prev_session looks the client's proposed id up (lookup_sess_in_cache) and checks the
 * candidate: another version or id context is a miss; SSL_VERIFY_PEER with an empty id context
 * is fatal (-1, SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED); an expired one counts `timeouts`, is
 * removed with SSL_CTX_remove_session and is a miss. Otherwise `hits` += 1, the connection
 * resumes it (SSL_session_reused 1) and 1 is returned; 0 when nothing is resumed. An id longer
 * than 32 bytes is fatal (SSL_R_LENGTH_MISMATCH, as the ClientHello parser).
 */
export const ssl_get_prev_session: (ssl: SSL, id: Uint8Array, len?: number) => number = binding.ssl_get_prev_session;
/**
 * lookup_sess_in_cache searches the internal cache (unless SSL_SESS_CACHE_NO_INTERNAL_LOOKUP; not
 * found counts `misses`), then asks the get callback (copy starts at 1; a non-resumable result is
 * ignored; else `cb_hits` += 1 and, unless NO_INTERNAL_STORE, it is added to the cache). Returns
 * the session with a reference for the caller (SSL_SESSION_free it), or null. A get callback that
 * clears `copy` without holding a reference of its own gets one taken as if copy were 1.
 */
export const lookup_sess_in_cache: (ssl: SSL, id: Uint8Array, len?: number) => SSL_SESSION | null = binding.lookup_sess_in_cache;
/**
 * ssl_update_cache runs at a handshake's end (`mode` SSL_SESS_CACHE_SERVER or _CLIENT). Nothing
 * for a session with an empty id, a non-resumable one, or (server) an empty id context with
 * SSL_VERIFY_PEER. If the session context's mode has `mode` and the handshake did not resume:
 * SSL_CTX_add_session unless NO_INTERNAL_STORE, then the new callback with a reference it keeps
 * by returning 1. Then, unless NO_AUTO_CLEAR and if the mode has all of `mode`, every 256th good
 * handshake of that side (accept_good or connect_good & 0xff == 0xff, before this handshake's
 * increment) flushes the expired sessions.
 */
export const ssl_update_cache: (ssl: SSL, mode: number) => void = binding.ssl_update_cache;
/**
 * tls_setup_handshake starts a handshake: `accept` (server) or `connect` (client) += 1 on the
 * session context, SSL_session_reused back to 0, the connection in init. Returns 1, or 0 with
 * SSL_R_CONNECTION_TYPE_NOT_SET (144) before SSL_set_accept_state / SSL_set_connect_state.
 */
export const tls_setup_handshake: (ssl: SSL) => number = binding.tls_setup_handshake;
/**
 * final_server_name's bookkeeping, once the server's context is settled (after the SNI
 * callback): if the connection's context is not its session context, its `accept` count moves
 * from the session context to the context.
 */
export const final_server_name: (ssl: SSL) => void = binding.final_server_name;
/**
 * tls_construct_server_hello's cache rule (after final_server_name): a new (not resumed)
 * session that is non-resumable, or made while the connection's current context's mode lacks
 * SSL_SESS_CACHE_SERVER, goes out with an empty id, so it is never cached and SSL_free never
 * removes it (OpenSSL 3.0 likewise).
 */
export const tls_construct_server_hello: (ssl: SSL) => void = binding.tls_construct_server_hello;
/**
 * tls_process_server_hello is the cache part of a client's ServerHello (TLS <= 1.2): `resumed`
 * non-zero when the server echoed the proposed id (the id contexts must match, else 0 with
 * SSL_R_ATTEMPT_TO_REUSE_SESSION_IN_DIFFERENT_CONTEXT); otherwise a proposed id counts one
 * `misses` and the connection starts a fresh session, keyed by `serverId` when given. The hit
 * itself is counted by tls_finish_handshake. Returns 1, or 0 with the reason queued.
 */
export const tls_process_server_hello: (ssl: SSL, resumed: number, version: number, serverId?: Uint8Array | null) => number =
  binding.tls_process_server_hello;
/**
 * tls_finish_handshake ends a handshake: server: ssl_update_cache(ssl, SSL_SESS_CACHE_SERVER),
 * then `accept_good` += 1 on the connection's current context; client:
 * ssl_update_cache(ssl, SSL_SESS_CACHE_CLIENT), then `hits` += 1 if resumed and `connect_good`
 * += 1, on the session context. The connection leaves init (so SSL_free / SSL_clear without a
 * shutdown remove its session). Returns 1.
 */
export const tls_finish_handshake: (ssl: SSL) => number = binding.tls_finish_handshake;

/** ServerHandshakeOptions describes the client and the negotiation for {@link simulateServerHandshake}. */
export interface ServerHandshakeOptions {
  /** The session id the client proposed (none: a client with nothing to resume). */
  sessionId?: Uint8Array;
  /** The negotiated version, SSL3_VERSION .. TLS1_2_VERSION or DTLS (default TLS1_2_VERSION). */
  version?: number;
  /** A session a TLS 1.2 ticket decrypted to: tried instead of the id, never removed from the cache when expired. */
  ticket?: SSL_SESSION | null;
  /** The server will issue a ticket: a new session gets an empty id (and is not cached). */
  ticketExpected?: boolean;
}

/** ClientHandshakeOptions describes the server's answer for {@link simulateClientHandshake}. */
export interface ClientHandshakeOptions {
  /** The server echoed the proposed id (resumed). Ignored when the client had no id to propose. */
  serverResumed?: boolean;
  /** Otherwise, the id of the server's new session (default 32 random bytes; empty: not cacheable). */
  serverSessionId?: Uint8Array;
  /** The negotiated version (default: the session's when resuming, else TLS1_2_VERSION). */
  version?: number;
}

/** HandshakeResult is what a simulated handshake returns. */
export interface HandshakeResult {
  /** SSL_session_reused. */
  resumed: boolean;
  /** The connection's session afterwards (no reference taken), or null. */
  session: SSL_SESSION | null;
  /** When the handshake failed: the packed error code also left on the error queue. */
  error?: number;
}

/**
 * simulateServerHandshake runs a TLS <= 1.2 server handshake against the cache, in OpenSSL 3.0's
 * order: SSL_set_accept_state if no role was set, tls_setup_handshake, the negotiated version,
 * ssl_get_prev_session (-1: the handshake fails), else ssl_get_new_session(ssl, 1),
 * final_server_name, tls_construct_server_hello, tls_finish_handshake. Time is the cache clock (setTestTime). Throws for a
 * client connection, a finished one (SSL_clear it first) or TLS 1.3.
 */
export const simulateServerHandshake: (ssl: SSL, options?: ServerHandshakeOptions) => HandshakeResult = binding.simulateServerHandshake;
/**
 * simulateClientHandshake runs a TLS <= 1.2 client handshake: SSL_set_connect_state if no role
 * was set, tls_setup_handshake; proposes the connection's session if its version is one the
 * connection may use (TLS 1.0 to 1.3 within SSL_set_min/max_proto_version; security levels are
 * not modelled) and it is resumable (else makes an empty one); if the server did not resume a proposed id, `misses` += 1 and a new session takes
 * the server's id; a resumed session of another version or id context fails the handshake
 * (SSL_R_SSL_SESSION_VERSION_MISMATCH, SSL_R_ATTEMPT_TO_REUSE_SESSION_IN_DIFFERENT_CONTEXT);
 * then tls_finish_handshake (cache, new callback, auto-clear with mode CLIENT, `hits`,
 * `connect_good`).
 */
export const simulateClientHandshake: (ssl: SSL, options?: ClientHandshakeOptions) => HandshakeResult = binding.simulateClientHandshake;
/**
 * setNegotiatedVersion sets the connection's protocol version (SSL_version) to what a driver's
 * ServerHello negotiated, before the version-dependent steps (ssl_get_new_session,
 * ssl_get_prev_session, SSL_has_matching_session_id). The simulations set it themselves.
 */
export const setNegotiatedVersion: (ssl: SSL, version: number) => void = binding.setNegotiatedVersion;
