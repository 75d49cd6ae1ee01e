// SSL: a connection, as far as the session cache sees it.
#pragma once

#include "context.h"

namespace osc {

// SSL_R_* reasons the connection and handshake steps raise, besides those in
// error_queue.h.

constexpr int kVerifyPeer = 1;        // SSL_VERIFY_PEER
constexpr int kSentShutdown = 1;      // SSL_SENT_SHUTDOWN
constexpr int kReceivedShutdown = 2;  // SSL_RECEIVED_SHUTDOWN

struct Connection : Object {
  Connection(Runtime* rt, Context* ctx);
  ~Connection();

  const Method* method;  // the method of the context it was made from
  // One reference each (two on the same context after SSL_new, as OpenSSL).
  Ref<Context> ctx;          // SSL_get_SSL_CTX; changes with SSL_set_SSL_CTX
  Ref<Context> session_ctx;  // whose cache the handshake uses; kept across SSL_set_SSL_CTX
  Ref<Session> session;      // the current session, or null
  // SSL_is_server: 1 from SSL_new for the generic and server methods (as
  // OpenSSL, whose generic method can accept), changed by set_*_state.
  bool server = false;
  bool role_set = false;         // SSL_set_accept_state/connect_state ran (handshake_func)
  bool step_owned = false;       // the Node adapter's step connection: its reference is the core's
  bool handshake_done = false;   // !SSL_in_init: the last handshake finished
  bool hit = false;              // SSL_session_reused
  bool ticket_expected = false;  // s->ext.ticket_expected: new sessions get an empty id
  bool in_step = false;          // a handshake step runs on it (no re-entrant steps)
  int version;
  int shutdown = 0;
  int verify_mode;
  int min_proto_version;  // SSL_set_min_proto_version (from the context at SSL_new)
  int max_proto_version;
  int fatal_reason = 0;  // the SSL_R_* reason of the last failed handshake step
  uint8_t sid_ctx_len = 0;
  uint8_t sid_ctx[kMaxSidCtxLength];
  Callback<GenerateSessionIdFn> generate_session_id;
  void* verify_callback = nullptr;  // stored for SSL_get_verify_callback; never called
  // Where the session-id lookup counts (hits, misses, cb_hits, timeouts):
  // the session context's statistics, or a driver's tally it commits once
  // the handshake's version is known (the Node adapter, src/adapter.h).
  Stats* tally = nullptr;
  Stats& lookup_stats() { return tally != nullptr ? *tally : session_ctx->stats; }

  // Teardown only: forgets the references to other objects without dropping
  // them (every object goes on its own then).
  void forget_links() {
    ctx.release();
    session_ctx.release();
    session.release();
  }
};

// SSL_new: takes a reference on ctx for ctx and one for session_ctx and
// copies its verify mode, version bounds and id context; owned by the caller
// through the Ref (null and ERR_R_MALLOC_FAILURE when memory ran out). The
// glue copies the callbacks it stores.
Ref<Connection> ssl_new(Context* ctx);
// ssl_free (ref.h) is SSL_free's raw step: at the last reference it removes
// the session from the cache if the handshake finished and no shutdown was
// sent, then drops the references on the session and the contexts.
//
// Sets the connection's session: takes a reference on s (may be null), drops
// the old one after the new one is in place. The raw step under
// SSL_set_session.
void ssl_set_session(Connection* ssl, Session* s);
// SSL_set_session: ssl_clear_bad_session first, then ssl_set_session; 1.
int ssl_set_session_api(Connection* ssl, Session* s);
// ssl_clear_bad_session: a finished connection that sent no shutdown removes
// its session from its session context's cache (remove callback). 1 if it did.
int ssl_clear_bad_session(Connection* ssl);
// SSL_clear: ssl_clear_bad_session (and then forgets the session it removed),
// resets hit, shutdown, the handshake state and the version; keeps the role
// and, after a clean shutdown, the session (for the next connect). 1.
int ssl_clear(Connection* ssl);
// SSL_set_SSL_CTX: switches ctx (null means session_ctx), inheriting the new
// context's id context if the connection's matched the old one's. Keeps
// session_ctx. Returns the connection's ctx afterwards.
Context* ssl_set_ssl_ctx(Connection* ssl, Context* ctx);
// SSL_ctrl for the protocol version bound commands; 0 for any other command.
long ssl_ctrl(Connection* ssl, int cmd, long larg);
// SSL_set_accept_state / SSL_set_connect_state: role, shutdown 0, back in init.
void ssl_set_accept_state(Connection* ssl);
void ssl_set_connect_state(Connection* ssl);
// SSL_shutdown without I/O: -1 and SSL_R_UNINITIALIZED before a role is set,
// -1 and SSL_R_SHUTDOWN_WHILE_IN_INIT during a handshake; on a finished one
// marks SSL_SENT_SHUTDOWN and returns 1 if the peer's close_notify was
// recorded (SSL_RECEIVED_SHUTDOWN), else 0 the first time and -1 (OpenSSL's
// "want read") on later calls.
int ssl_shutdown(Connection* ssl);
// SSL_has_matching_session_id: 0 past 32 bytes; else 1 if the session
// context's cache holds (ssl version, id).
int ssl_has_matching_session_id(const Connection* ssl, const uint8_t* id, unsigned len);
// Unsets the connection's own callbacks, releasing their arguments.
void release_callbacks(Connection* ssl);

}  // namespace osc
