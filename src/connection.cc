#include "connection.h"

#include "error_queue.h"

namespace osc {

Connection::Connection(Runtime* r, Context* c)
    : Object(r, Kind::Connection),
      method(c->method),
      ctx(c),
      session_ctx(c),
      // OpenSSL: server unless the method cannot accept (the client method).
      server(c->method->side != 2),
      version(c->method->version),
      verify_mode(c->verify_mode),
      min_proto_version(c->min_proto_version),
      max_proto_version(c->max_proto_version),
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
  release_callback_arg(ssl->rt, ssl->verify_callback);
}

void ssl_adopt_session(Connection* ssl, Session* s) {
  Session* old = ssl->session;
  ssl->session = s;  // the caller's counted reference is the connection's now
  if (old) {
    old->internal_refs--;
    session_free(old);
  }
}

void ssl_set_session(Connection* ssl, Session* s) {
  if (s) {
    session_up_ref(s);
    s->internal_refs++;
  }
  ssl_adopt_session(ssl, s);
}

int ssl_clear_bad_session(Connection* ssl) {
  Session* s = ssl->session;
  if (s == nullptr || (ssl->shutdown & kSentShutdown) || !ssl->handshake_done) return 0;
  // The remove callback may change ssl->session; s stays alive through the
  // connection's reference or the one taken here.
  session_up_ref(s);
  s->internal_refs++;
  ctx_remove_session(ssl->session_ctx, s);
  s->internal_refs--;
  session_free(s);
  return 1;
}

int ssl_set_session_api(Connection* ssl, Session* s) {
  ssl_clear_bad_session(ssl);
  ssl_set_session(ssl, s);
  return 1;
}

int ssl_clear(Connection* ssl) {
  if (ssl_clear_bad_session(ssl)) ssl_set_session(ssl, nullptr);
  ssl->hit = false;
  ssl->shutdown = 0;
  ssl->handshake_done = false;
  ssl->ticket_expected = false;
  ssl->fatal_reason = 0;
  ssl->version = ssl->method->version;
  return 1;
}

long ssl_ctrl(Connection* ssl, int cmd, long larg) {
  long r = 0;
  version_bound_ctrl(cmd, larg, &ssl->min_proto_version, &ssl->max_proto_version, &r);
  return r;
}

Context* ssl_set_ssl_ctx(Connection* ssl, Context* ctx) {
  if (ctx == nullptr) ctx = ssl->session_ctx;
  Context* old = ssl->ctx;
  if (old == ctx) return ctx;
  // An id context inherited from the old context follows the new one; one
  // set on the connection itself stays.
  if (ssl->sid_ctx_len == old->sid_ctx_len && memcmp(ssl->sid_ctx, old->sid_ctx, ssl->sid_ctx_len) == 0) {
    ssl->sid_ctx_len = ctx->sid_ctx_len;
    memcpy(ssl->sid_ctx, ctx->sid_ctx, sizeof ssl->sid_ctx);
  }
  ctx_up_ref(ctx);
  ctx->internal_refs++;
  ssl->ctx = ctx;
  // Dropping the old context last: its final free may call remove callbacks,
  // which then see the connection already switched.
  old->internal_refs--;
  ctx_free(old);
  return ssl->ctx;
}

void ssl_set_accept_state(Connection* ssl) {
  ssl->server = true;
  ssl->role_set = true;
  ssl->shutdown = 0;
  ssl->handshake_done = false;
}

void ssl_set_connect_state(Connection* ssl) {
  ssl->server = false;
  ssl->role_set = true;
  ssl->shutdown = 0;
  ssl->handshake_done = false;
}

int ssl_shutdown(Connection* ssl) {
  if (!ssl->role_set) {
    err_push(kErrLibSsl, kReasonUninitialized);
    return -1;
  }
  if (!ssl->handshake_done) {
    err_push(kErrLibSsl, kReasonShutdownWhileInInit);
    return -1;
  }
  if (!(ssl->shutdown & kSentShutdown)) {
    ssl->shutdown |= kSentShutdown;  // close_notify "sent"
  } else if (!(ssl->shutdown & kReceivedShutdown)) {
    return -1;  // waiting for the peer's close_notify: SSL_ERROR_WANT_READ
  }
  return ssl->shutdown == (kSentShutdown | kReceivedShutdown) ? 1 : 0;
}

int ssl_has_matching_session_id(const Connection* ssl, const uint8_t* id, unsigned len) {
  if (len > kMaxSessionIdLength) return 0;
  return ctx_find_session(ssl->session_ctx, ssl->version, id, len) != nullptr ? 1 : 0;
}

void ssl_free(Connection* ssl) {
  if (ssl == nullptr || --ssl->references > 0) return;
  ssl->dying = true;
  ex_data_free(ssl);
  // A connection that finished its handshake and did not send close_notify
  // may have been cut: its session must not be resumed (ssl_clear_bad_session).
  ssl_clear_bad_session(ssl);
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
