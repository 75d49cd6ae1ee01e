// SSL (connections): lifetime, the session a connection holds, its contexts,
// id context, verify mode, session-id generator, role and shutdown state.
// Each export is the native function itself.
import { binding } from './binding';
import type { Out, SSL, SSL_CTX, SSL_SESSION } from './types';

/**
 * `int (*GEN_SESSION_CB)(SSL *ssl, unsigned char *id, unsigned int *id_len)`: write up to
 * `idLen.value` bytes (32 are offered) into `id`, lower `idLen.value` for a shorter id, return 1;
 * 0 fails the handshake (SSL_R_SSL_SESSION_ID_CALLBACK_FAILED). A length of 0 or above what was
 * offered fails it with SSL_R_SSL_SESSION_ID_HAS_BAD_LENGTH, an id already cached with
 * SSL_R_SSL_SESSION_ID_CONFLICT (no retry: only the default generator retries).
 */
export type GenerateSessionIdCallback = (ssl: SSL, id: Uint8Array, idLen: Out<number>) => number;
/**
 * `int (*verify_callback)(int preverify_ok, X509_STORE_CTX *ctx)`. Stored and returned by the
 * getters only: this package verifies no certificates.
 */
export type VerifyCallback = (preverifyOk: number, x509StoreCtx: unknown) => number;

/**
 * SSL_new returns a connection with one reference. It takes references on `ctx` for its context
 * and its session context, and copies the context's verify mode and callback, session id context
 * and generate-session-id callback (later changes to `ctx` do not reach it). SSL_is_server is 1
 * unless `ctx` was made with TLS_client_method(), as in OpenSSL; SSL_version is the method's
 * (TLS1_3_VERSION) until a handshake negotiates one.
 */
export const SSL_new: (ctx: SSL_CTX) => SSL = binding.SSL_new;
/** SSL_up_ref adds a reference and returns 1. */
export const SSL_up_ref: (ssl: SSL) => number = binding.SSL_up_ref;
/**
 * SSL_free drops a reference. At the last one: ex_data free callbacks, then, if the handshake
 * finished and no shutdown was sent (SSL_SENT_SHUTDOWN), the session is removed from the session
 * context's cache (SSL_CTX_remove_session: remove callback, session marked non-resumable), then
 * the references on the session and both contexts are dropped. `null` does nothing.
 */
export const SSL_free: (ssl: SSL | null) => void = binding.SSL_free;
/**
 * SSL_clear readies the connection for another handshake and returns 1. A finished connection
 * that sent no shutdown first has its session removed from the cache and forgotten; otherwise the
 * session stays (a client reconnects with it). Resets SSL_session_reused, the shutdown flags,
 * the handshake state and the version; keeps the role (accept/connect).
 */
export const SSL_clear: (ssl: SSL) => number = binding.SSL_clear;
/**
 * SSL_set_session makes `session` (or none) the connection's session, taking a reference and
 * dropping the one on the previous session, and returns 1. Like OpenSSL it first removes the
 * previous session from the cache if the connection finished a handshake without a shutdown.
 */
export const SSL_set_session: (ssl: SSL, session: SSL_SESSION | null) => number = binding.SSL_set_session;
/** SSL_get_session returns the connection's session (no reference taken), or null. */
export const SSL_get_session: (ssl: SSL) => SSL_SESSION | null = binding.SSL_get_session;
/** SSL_get0_session is SSL_get_session. */
export const SSL_get0_session: (ssl: SSL) => SSL_SESSION | null = binding.SSL_get0_session;
/** SSL_get1_session returns the connection's session with a reference for the caller (SSL_SESSION_free it), or null. */
export const SSL_get1_session: (ssl: SSL) => SSL_SESSION | null = binding.SSL_get1_session;
/** SSL_session_reused returns 1 if the last handshake resumed a session, else 0. */
export const SSL_session_reused: (ssl: SSL) => number = binding.SSL_session_reused;

/**
 * SSL_set_session_id_context sets the connection's session id context (what new sessions carry
 * and what a resumed session must match); 0 and SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG past 32 bytes.
 */
export const SSL_set_session_id_context: (ssl: SSL, sidCtx: Uint8Array, len?: number) => number = binding.SSL_set_session_id_context;
/**
 * SSL_CTX_set_session_id_context sets the id context new connections copy; 0 and
 * SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG past 32 bytes.
 */
export const SSL_CTX_set_session_id_context: (ctx: SSL_CTX, sidCtx: Uint8Array, len?: number) => number =
  binding.SSL_CTX_set_session_id_context;

/** SSL_CTX_set_verify sets the verify mode new connections copy, and the callback (absent or null unsets it). */
export const SSL_CTX_set_verify: (ctx: SSL_CTX, mode: number, callback?: VerifyCallback | null) => void = binding.SSL_CTX_set_verify;
/** SSL_set_verify sets the connection's verify mode; an absent or null callback keeps the current one, as in OpenSSL. */
export const SSL_set_verify: (ssl: SSL, mode: number, callback?: VerifyCallback | null) => void = binding.SSL_set_verify;
/** SSL_CTX_get_verify_mode returns the verify mode new connections copy (SSL_VERIFY_*). */
export const SSL_CTX_get_verify_mode: (ctx: SSL_CTX) => number = binding.SSL_CTX_get_verify_mode;
/** SSL_get_verify_mode returns the connection's verify mode. */
export const SSL_get_verify_mode: (ssl: SSL) => number = binding.SSL_get_verify_mode;
/** SSL_CTX_get_verify_callback returns the context's verify callback, or null. */
export const SSL_CTX_get_verify_callback: (ctx: SSL_CTX) => VerifyCallback | null = binding.SSL_CTX_get_verify_callback;
/** SSL_get_verify_callback returns the connection's verify callback, or null. */
export const SSL_get_verify_callback: (ssl: SSL) => VerifyCallback | null = binding.SSL_get_verify_callback;

/**
 * SSL_CTX_set_min_proto_version / SSL_CTX_set_max_proto_version set the protocol version bounds new
 * connections copy (0: no bound); SSL 3.0 to TLS 1.3 (e.g. TLS1_2_VERSION) are stored, a DTLS version
 * is accepted and ignored, anything else returns 0. A client proposes its session only when the
 * session's version is within its bounds (simulateClientHandshake).
 */
export const SSL_CTX_set_min_proto_version: (ctx: SSL_CTX, version: number) => number = binding.SSL_CTX_set_min_proto_version;
/** SSL_CTX_set_max_proto_version sets the highest version new connections may use; see SSL_CTX_set_min_proto_version. */
export const SSL_CTX_set_max_proto_version: (ctx: SSL_CTX, version: number) => number = binding.SSL_CTX_set_max_proto_version;
/** SSL_CTX_get_min_proto_version / SSL_CTX_get_max_proto_version return the bound, 0 when none is set. */
export const SSL_CTX_get_min_proto_version: (ctx: SSL_CTX) => number = binding.SSL_CTX_get_min_proto_version;
/** SSL_CTX_get_max_proto_version returns the upper bound, 0 when none is set. */
export const SSL_CTX_get_max_proto_version: (ctx: SSL_CTX) => number = binding.SSL_CTX_get_max_proto_version;
/** SSL_set_min_proto_version / SSL_set_max_proto_version: the same bounds on one connection. */
export const SSL_set_min_proto_version: (ssl: SSL, version: number) => number = binding.SSL_set_min_proto_version;
/** SSL_set_max_proto_version sets the connection's upper bound, as SSL_CTX_set_max_proto_version. */
export const SSL_set_max_proto_version: (ssl: SSL, version: number) => number = binding.SSL_set_max_proto_version;
/** SSL_get_min_proto_version returns the connection's lower bound, 0 when none is set. */
export const SSL_get_min_proto_version: (ssl: SSL) => number = binding.SSL_get_min_proto_version;
/** SSL_get_max_proto_version returns the connection's upper bound, 0 when none is set. */
export const SSL_get_max_proto_version: (ssl: SSL) => number = binding.SSL_get_max_proto_version;

/** SSL_get_SSL_CTX returns the connection's current context. */
export const SSL_get_SSL_CTX: (ssl: SSL) => SSL_CTX = binding.SSL_get_SSL_CTX;
/**
 * SSL_set_SSL_CTX switches the connection's context (null: back to its session context), as an
 * SNI callback does, and returns the context it has afterwards. The session context (whose cache
 * the handshake uses) does not change. If the connection's id context was the old context's, it
 * takes the new context's. References move from the old context to the new one.
 */
export const SSL_set_SSL_CTX: (ssl: SSL, ctx: SSL_CTX | null) => SSL_CTX = binding.SSL_set_SSL_CTX;

/** SSL_CTX_set_generate_session_id installs (null: removes) the context's session id generator; returns 1. */
export const SSL_CTX_set_generate_session_id: (ctx: SSL_CTX, cb: GenerateSessionIdCallback | null) => number =
  binding.SSL_CTX_set_generate_session_id;
/** SSL_set_generate_session_id installs (null: removes) the connection's own generator, used before the context's; returns 1. */
export const SSL_set_generate_session_id: (ssl: SSL, cb: GenerateSessionIdCallback | null) => number = binding.SSL_set_generate_session_id;
/**
 * SSL_has_matching_session_id returns 1 if the session context's cache holds a session with the
 * connection's version and this id, else 0 (always 0 past 32 bytes).
 */
export const SSL_has_matching_session_id: (ssl: SSL, id: Uint8Array, len?: number) => number = binding.SSL_has_matching_session_id;

/** SSL_set_accept_state makes the connection a server, clears the shutdown flags and puts it back in init. */
export const SSL_set_accept_state: (ssl: SSL) => void = binding.SSL_set_accept_state;
/** SSL_set_connect_state makes the connection a client, clears the shutdown flags and puts it back in init. */
export const SSL_set_connect_state: (ssl: SSL) => void = binding.SSL_set_connect_state;
/** SSL_is_server returns 1 for a server connection, 0 for a client. */
export const SSL_is_server: (ssl: SSL) => number = binding.SSL_is_server;
/**
 * SSL_shutdown, without I/O: -1 and SSL_R_UNINITIALIZED (276) before a role is set; -1 and
 * SSL_R_SHUTDOWN_WHILE_IN_INIT (407) before the handshake finished. On a finished connection it
 * marks SSL_SENT_SHUTDOWN (close_notify sent; the session then survives SSL_free) and returns 1
 * if the peer's close_notify was recorded (SSL_set_shutdown with SSL_RECEIVED_SHUTDOWN), else 0;
 * a later call still without it returns -1 (OpenSSL's SSL_ERROR_WANT_READ; nothing queued).
 * These are OpenSSL 3.0's results for the same states.
 */
export const SSL_shutdown: (ssl: SSL) => number = binding.SSL_shutdown;
/** SSL_get_shutdown returns the SSL_SENT_SHUTDOWN / SSL_RECEIVED_SHUTDOWN flags. */
export const SSL_get_shutdown: (ssl: SSL) => number = binding.SSL_get_shutdown;
/** SSL_set_shutdown sets the shutdown flags as given. */
export const SSL_set_shutdown: (ssl: SSL, mode: number) => void = binding.SSL_set_shutdown;
/** SSL_version returns the connection's protocol version (the negotiated one after a handshake). */
export const SSL_version: (ssl: SSL) => number = binding.SSL_version;
