// The handshake path: the cache steps SSL_accept / SSL_connect take, under
// OpenSSL 3.0's internal names (ssl/ssl_sess.c, ssl/ssl_lib.c,
// ssl/statem/statem_lib.c), for TLS <= 1.2 session-id resumption. A driver
// (handshake_sim.h, a test, the Node adapter) calls them in the order
// OpenSSL does.
//
// Every step may call user callbacks (get, new, remove, generate-session-id,
// ex_data) that re-enter the API; the steps keep what they use referenced and
// re-read the connection after each call out.
#pragma once

#include "connection.h"

namespace osc {

// Fills out with the default generator's bytes: the runtime's test script if
// set, else the system's random source. false when that source failed.
bool random_bytes(Runtime* rt, uint8_t* out, size_t n);

// ssl_version_supported for a TLS_ANY_VERSION method: TLS 1.0 to 1.3 (SSL 3.0
// is not built into Node's OpenSSL) within the connection's version bounds.
// Security levels are not modelled.
bool ssl_version_supported(const Connection* ssl, int version);

// SSLfatal: queues the reason, records it on the connection and sends the
// fatal alert, which removes the connection's session from the cache.
void ssl_fatal(Connection* ssl, int reason);

// ssl_generate_session_id: gives ss a new id (empty when a ticket will be
// issued) from the connection's generator, else the session context's, else
// 32 random bytes retried up to 10 times while they clash. 0 on failure, with
// SSL_R_SSL_SESSION_ID_CALLBACK_FAILED, _HAS_BAD_LENGTH or _CONFLICT queued.
int ssl_generate_session_id(Connection* ssl, Session* ss);

// ssl_get_new_session: replaces the connection's session with a new one (the
// session context's timeout, or the method's default when 0; the
// connection's version and id context). `session` non-zero generates an id
// (server); zero leaves it empty (client). 1, or 0 with the reason queued.
int ssl_get_new_session(Connection* ssl, int session);

// lookup_sess_in_cache: the internal table (unless NO_INTERNAL_LOOKUP; a miss
// counts `misses`), then the get callback (copy starts at 1; non-resumable
// results ignored; `cb_hits`; stored unless NO_INTERNAL_STORE). Returns the
// session with one reference for the caller, or null. The caller holds ssl.
Ref<Session> lookup_sess_in_cache(Connection* ssl, const uint8_t* id, size_t len);

// lookup_sess_in_cache's two halves, for a driver that asks the get
// callback itself (asynchronously: the Node adapter): the internal table
// (unless NO_INTERNAL_LOOKUP; a miss counts `misses`), and what the get
// callback returned with its copy flag (null and non-resumable sessions are
// nothing; `cb_hits`; stored unless NO_INTERNAL_STORE). Both return the
// session with one reference for the caller, or null. The caller holds ssl.
Ref<Session> lookup_internal(Connection* ssl, const uint8_t* id, size_t len);
Ref<Session> accept_get_result(Connection* ssl, Session* r, int copy);

// ssl_get_prev_session's checks on a candidate the lookup (from_cache) or a
// ticket found: version, id context, verify mode, expiry (a timed-out
// session from the cache is removed). 1: the connection resumes it (`hits`);
// 0: a miss; -1: fatal (SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED).
int resume_candidate(Connection* ssl, Ref<Session> candidate, bool from_cache);

// ssl_get_prev_session for the session-id path, or for a session recovered
// from a ticket (`ticket` non-null: its reference is taken over;
// try_session_cache is then 0). Returns 1 (the connection resumes it:
// `hits`), 0 (no resumption) or -1 (fatal:
// SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED, or an id longer than 32 bytes).
// The caller holds ssl.
int ssl_get_prev_session(Connection* ssl, const uint8_t* id, size_t len, Ref<Session> ticket);

// ssl_update_cache: stores the connection's new session (unless
// NO_INTERNAL_STORE), hands it to the new callback, and auto-clears the
// session context every 256th good handshake of that side.
void ssl_update_cache(Connection* ssl, int mode);

// tls_setup_handshake: counts `accept` (server) or `connect` (client) on the
// session context, clears `hit` and puts the connection in init. 0 with
// SSL_R_CONNECTION_TYPE_NOT_SET when no role was set.
int tls_setup_handshake(Connection* ssl);

// tls_construct_server_hello's cache rule: a new (not resumed) session that
// is non-resumable, or made while the connection's current context's mode
// lacks SSL_SESS_CACHE_SERVER, is sent (and kept) with an empty id:
// single-use, never cached, never removed.
void tls_construct_server_hello(Connection* ssl);

// final_server_name's bookkeeping: once the server's context is settled, a
// connection whose ctx differs from its session_ctx moves its `accept` count
// there (so accept_good never exceeds accept on the new context).
void final_server_name(Connection* ssl);

// The cache part of a client's ServerHello (TLS <= 1.2, tls_process_server_hello):
// `resumed` when the server echoed the proposed id (the id contexts must
// match); otherwise a proposed id counts one `misses` and the connection
// starts a fresh session, keyed by the server's id when one is given.
// Returns 1, or 0 with the fatal reason on the connection.
int tls_process_server_hello(Connection* ssl, bool resumed, int version, const uint8_t* server_id,
                             size_t server_id_len);

// tls_finish_handshake: server: ssl_update_cache(SERVER), then
// ctx->accept_good += 1 (the current ctx, not session_ctx, as OpenSSL);
// client: ssl_update_cache(CLIENT), then `hits` if resumed and
// `connect_good` on the session context. The connection leaves init.
void tls_finish_handshake(Connection* ssl);

}  // namespace osc
