#include "connection.h"

namespace osc {

Connection::Connection(Runtime* r, Context* c)
    : Object(r, Kind::Connection),
      ctx(c),
      session_ctx(c),
      server(c->method->side == 1),
      version(c->method->version),
      verify_mode(c->verify_mode),
      sid_ctx_len(c->sid_ctx_len) {
  memcpy(sid_ctx, c->sid_ctx, sizeof sid_ctx);
}

Connection::~Connection() = default;

Connection* ssl_new(Context* ctx) {
  Connection* ssl = new Connection(ctx->rt, ctx);
  // One reference for ctx and one for session_ctx, as OpenSSL takes.
  ctx_up_ref(ctx);
  ctx_up_ref(ctx);
  ctx->internal_refs += 2;
  ex_data_new(ssl);
  return ssl;
}

void ssl_up_ref(Connection* ssl) { ssl->references++; }

void release_callbacks(Connection* ssl) {
  release_callback_arg(ssl->rt, ssl->generate_session_id.arg);
  ssl->generate_session_id.fn = nullptr;
}

void ssl_set_session(Connection* ssl, Session* s) {
  if (s) {
    session_up_ref(s);
    s->internal_refs++;
  }
  Session* old = ssl->session;
  ssl->session = s;
  if (old) {
    old->internal_refs--;
    session_free(old);
  }
}

void ssl_free(Connection* ssl) {
  if (ssl == nullptr || --ssl->references > 0) return;
  ssl->dying = true;
  ex_data_free(ssl);
  // A connection that finished its handshake and did not send close_notify
  // may have been cut: its session must not be resumed (ssl_clear_bad_session).
  if (ssl->session && ssl->handshake_done && !(ssl->shutdown & 1)) {
    ctx_remove_session(ssl->session_ctx, ssl->session);
  }
  ssl_set_session(ssl, nullptr);
  release_callbacks(ssl);
  Context* ctx = ssl->ctx;
  Context* session_ctx = ssl->session_ctx;
  ctx->internal_refs--;
  session_ctx->internal_refs--;
  ssl->destroyed = true;
  ctx_free(ctx);
  ctx_free(session_ctx);
  release_if_unreferenced(ssl);
}

}  // namespace osc
