#include "connection.h"

#include "error_queue.h"

namespace osc {

Connection::Connection(Runtime* r, Context* c)
    : Object(r, Kind::Connection),
      method(c->method),
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

Ref<Connection> ssl_new(Context* ctx) {
  Connection* ssl = new Connection(ctx->rt, ctx);  // null when memory ran out
  if (ssl == nullptr) {
    err_push(kErrLibSsl, kReasonMallocFailure);
    return Ref<Connection>();
  }
  ssl->internal_refs = 1;  // the one reference is the Ref's while the callbacks run
  Ref<Connection> r = Ref<Connection>::adopt(ssl);
  ssl->ctx = Ref<Context>::up(ctx);
  ssl->session_ctx = Ref<Context>::up(ctx);
  ex_data_new(ssl);
  return r;
}

void release_callbacks(Connection* ssl) {
  release_callback_arg(ssl->rt, ssl->generate_session_id.arg);
  ssl->generate_session_id.fn = nullptr;
  release_callback_arg(ssl->rt, ssl->verify_callback);
}

void ssl_set_session(Connection* ssl, Session* s) { ssl->session = Ref<Session>::up(s); }

int ssl_clear_bad_session(Connection* ssl) {
  Session* s = ssl->session.get();
  if (s == nullptr || (ssl->shutdown & kSentShutdown) || !ssl->handshake_done) return 0;
  // The remove callback may change ssl->session; s stays alive through this
  // step's own reference.
  Ref<Session> keep = Ref<Session>::up(s);
  Ref<Context> sctx = Ref<Context>::hold(ssl->session_ctx.get());
  ctx_remove_session(ssl->session_ctx.get(), s);
  return 1;
}

int ssl_set_session_api(Connection* ssl, Session* s) {
  Ref<Session> keep = Ref<Session>::hold(s);  // the remove callback below may free the caller's
  ssl_clear_bad_session(ssl);
  ssl_set_session(ssl, s);
  return 1;
}

int ssl_clear(Connection* ssl) {
  Ref<Connection> hold = Ref<Connection>::hold(ssl);
  if (ssl_clear_bad_session(ssl)) ssl->session.reset();
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
  if (ctx == nullptr) ctx = ssl->session_ctx.get();
  Context* old = ssl->ctx.get();
  if (old == ctx) return ctx;
  // An id context inherited from the old context follows the new one; one
  // set on the connection itself stays.
  if (ssl->sid_ctx_len == old->sid_ctx_len && memcmp(ssl->sid_ctx, old->sid_ctx, ssl->sid_ctx_len) == 0) {
    ssl->sid_ctx_len = ctx->sid_ctx_len;
    memcpy(ssl->sid_ctx, ctx->sid_ctx, sizeof ssl->sid_ctx);
  }
  // The old context goes last: its final free may call remove callbacks,
  // which then see the connection already switched.
  ssl->ctx = Ref<Context>::up(ctx);
  return ctx;
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
  return ctx_find_session(ssl->session_ctx.get(), ssl->version, id, len) != nullptr ? 1 : 0;
}

void ssl_free(Connection* ssl) {
  if (ssl == nullptr || --ssl->references > 0) return;
  ssl->dying = true;
  ex_data_free(ssl);
  // A connection that finished its handshake and did not send close_notify
  // may have been cut: its session must not be resumed (ssl_clear_bad_session).
  ssl_clear_bad_session(ssl);
  ssl->session.reset();
  release_callbacks(ssl);
  ssl->ctx.reset();
  ssl->session_ctx.reset();
  ssl->destroyed = true;
  destroy_object(ssl);
}

}  // namespace osc
