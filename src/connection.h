// SSL: a connection, as far as the session cache sees it.
#pragma once

#include "context.h"

namespace osc {

struct Connection : Object {
  Connection(Runtime* rt, Context* ctx);
  ~Connection();

  Context* ctx;          // SSL_get_SSL_CTX; changes with SSL_set_SSL_CTX
  Context* session_ctx;  // whose cache the handshake uses; kept across SSL_set_SSL_CTX
  Session* session = nullptr;  // one reference, or null
  bool server = false;
  bool handshake_done = false;
  bool hit = false;  // SSL_session_reused
  int version;
  int shutdown = 0;
  int verify_mode;
  uint8_t sid_ctx_len = 0;
  uint8_t sid_ctx[kMaxSidCtxLength];
  Callback<GenerateSessionIdFn> generate_session_id;
};

// SSL_new: takes a reference on ctx (for both ctx and session_ctx) and copies
// its verify mode, id context and generate-session-id callback.
Connection* ssl_new(Context* ctx);
void ssl_up_ref(Connection* ssl);
// SSL_free: at the last reference, removes the session from the cache if the
// handshake finished and no shutdown was sent, then drops the references on
// the session and the contexts.
void ssl_free(Connection* ssl);
// SSL_set_session: takes a reference on s (may be null), drops the old one.
void ssl_set_session(Connection* ssl, Session* s);
// Unsets the connection's own callbacks, releasing their arguments.
void release_callbacks(Connection* ssl);

}  // namespace osc
