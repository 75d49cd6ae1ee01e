// SSL (connection) entry points: lifetime, the session it holds, its
// contexts, id context, verify mode, session-id generator, role and shutdown
// state.
#include <string>

#include "callbacks.h"
#include "entry.h"

namespace osc {
namespace {

// A second strong reference to a value the core holds for another object.
void* CopyHeld(Instance* inst, void* held) { return held ? HoldValue(inst, HeldValue(inst, held)) : nullptr; }

napi_value SSL_new(Call& a) {
  Context* ctx = UnwrapLive<Context>(a.inst, a[0], "SSL_new");
  if (!ctx) return nullptr;
  Ref<Connection> ssl;
  {
    Ref<Context> hold = Ref<Context>::hold(ctx);  // the ex_data new callbacks may free the caller's
    ssl = ssl_new(ctx);
    if (!ssl) return HandOver(a.inst, ssl);
    // OpenSSL copies these at SSL_new; later changes to ctx do not reach ssl.
    if (ctx->generate_session_id) {
      ssl->generate_session_id.fn = ctx->generate_session_id.fn;
      ssl->generate_session_id.arg = CopyHeld(a.inst, ctx->generate_session_id.arg);
    }
    ssl->verify_callback = CopyHeld(a.inst, ctx->verify_callback);
  }
  return HandOver(a.inst, ssl);
}

napi_value SSL_up_ref(Call& a) { return UpRef<Connection>(a, "SSL_up_ref"); }

napi_value SSL_free(Call& a) {
  return FreeObject<Connection>(a, "SSL_free",
                                "SSL_free: no reference left to free (the rest belong to a running step)");
}

napi_value SSL_clear(Call& a) {
  napi_env env = a.env;
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_clear");
  return ssl ? Int(env, ssl_clear(ssl)) : nullptr;
}

napi_value SSL_set_session(Call& a) {
  napi_env env = a.env;
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_set_session");
  if (!ssl) return nullptr;
  bool is_null{};
  Session* s = UnwrapNullable<Session>(a.inst, a[1], "SSL_set_session", &is_null);
  if (!s && !is_null) return nullptr;
  if (s && !RequireAlive(env, s, "SSL_set_session")) return nullptr;
  Ref<Connection> hold = Ref<Connection>::hold(ssl);  // the old session's callbacks may free the caller's
  return Int(env, ssl_set_session_api(ssl, s));
}

napi_value SSL_get_session(Call& a) {
  Connection* ssl = Unwrap<Connection>(a.inst, a[0], "SSL_get_session");
  if (!ssl) return nullptr;
  return SurfaceOrNull(a.inst, ssl->session.get());
}

napi_value SSL_get1_session(Call& a) {
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_get1_session");
  if (!ssl) return nullptr;
  Session* s = ssl->session.get();
  napi_value h = SurfaceOrNull(a.inst, s);
  if (h != nullptr && s != nullptr) app_up_ref(s);  // the caller's
  return h;
}

napi_value SSL_session_reused(Call& a) {
  napi_env env = a.env;
  Connection* ssl = Unwrap<Connection>(a.inst, a[0], "SSL_session_reused");
  if (!ssl) return nullptr;
  return Int(env, ssl->hit ? 1 : 0);
}

napi_value SSL_set_session_id_context(Call& a) {
  return SetIdContext<Connection>(a, "SSL_set_session_id_context");
}

napi_value SSL_CTX_set_session_id_context(Call& a) {
  return SetIdContext<Context>(a, "SSL_CTX_set_session_id_context");
}

// SSL_CTX_set_verify(ctx, mode, callback?): sets both; an absent callback unsets it.
napi_value SSL_CTX_set_verify(Call& a) {
  napi_env env = a.env;
  Context* ctx = UnwrapLive<Context>(a.inst, a[0], "SSL_CTX_set_verify");
  int32_t mode{};
  napi_value fn = nullptr;
  if (!ctx || !GetCInt32(env, a[1], "SSL_CTX_set_verify", &mode)) return nullptr;
  if (!IsNullish(env, a[2]) && !GetCallback(env, a[2], "SSL_CTX_set_verify", &fn)) return nullptr;
  ctx->verify_mode = mode;
  release_callback_arg(ctx->rt, ctx->verify_callback);
  ctx->verify_callback = fn ? HoldValue(a.inst, fn) : nullptr;
  return Undefined(env);
}

// SSL_set_verify(ssl, mode, callback?): an absent callback keeps the current one.
napi_value SSL_set_verify(Call& a) {
  napi_env env = a.env;
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_set_verify");
  int32_t mode{};
  napi_value fn = nullptr;
  if (!ssl || !GetCInt32(env, a[1], "SSL_set_verify", &mode)) return nullptr;
  if (!IsNullish(env, a[2]) && !GetCallback(env, a[2], "SSL_set_verify", &fn)) return nullptr;
  ssl->verify_mode = mode;
  if (fn) {
    release_callback_arg(ssl->rt, ssl->verify_callback);
    ssl->verify_callback = HoldValue(a.inst, fn);
  }
  return Undefined(env);
}

napi_value SSL_CTX_get_verify_mode(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_get_verify_mode");
  return ctx ? Int(env, ctx->verify_mode) : nullptr;
}

napi_value SSL_get_verify_mode(Call& a) {
  napi_env env = a.env;
  Connection* ssl = Unwrap<Connection>(a.inst, a[0], "SSL_get_verify_mode");
  return ssl ? Int(env, ssl->verify_mode) : nullptr;
}

// SSL_set_min_proto_version and friends, through SSL_ctrl as OpenSSL's macros do.
template <int Cmd>
napi_value SslCtrlSet(Call& a) {
  return CtrlSetBody<Connection, ssl_ctrl, Cmd>(
      a, Cmd == kCtrlSetMinProtoVersion ? "SSL_set_min_proto_version" : "SSL_set_max_proto_version");
}

template <int Cmd>
napi_value SslCtrlGet(Call& a) {
  return CtrlGetBody<Connection, ssl_ctrl, Cmd>(a, "SSL_get_*_proto_version");
}

napi_value SSL_CTX_get_verify_callback(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_get_verify_callback");
  if (!ctx) return nullptr;
  return ctx->verify_callback ? HeldValue(a.inst, ctx->verify_callback) : Null(env);
}

napi_value SSL_get_verify_callback(Call& a) {
  napi_env env = a.env;
  Connection* ssl = Unwrap<Connection>(a.inst, a[0], "SSL_get_verify_callback");
  if (!ssl) return nullptr;
  return ssl->verify_callback ? HeldValue(a.inst, ssl->verify_callback) : Null(env);
}

napi_value SSL_get_SSL_CTX(Call& a) {
  Connection* ssl = Unwrap<Connection>(a.inst, a[0], "SSL_get_SSL_CTX");
  if (!ssl) return nullptr;
  return Surface(a.inst, ssl->ctx.get());
}

napi_value SSL_set_SSL_CTX(Call& a) {
  napi_env env = a.env;
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_set_SSL_CTX");
  if (!ssl) return nullptr;
  bool is_null{};
  Context* ctx = UnwrapNullable<Context>(a.inst, a[1], "SSL_set_SSL_CTX", &is_null);
  if (!ctx && !is_null) return nullptr;
  if (ctx && !RequireAlive(env, ctx, "SSL_set_SSL_CTX")) return nullptr;
  Ref<Connection> hold = Ref<Connection>::hold(ssl);  // the old context's last free flushes its cache
  ssl_set_ssl_ctx(ssl, ctx);
  return Surface(a.inst, ssl->ctx.get());
}

napi_value SSL_CTX_set_generate_session_id(Call& a) {
  napi_env env = a.env;
  Context* ctx = UnwrapLive<Context>(a.inst, a[0], "SSL_CTX_set_generate_session_id");
  napi_value fn = nullptr;
  if (!ctx || !GetCallback(env, a[1], "SSL_CTX_set_generate_session_id", &fn)) return nullptr;
  SetCallback(a.inst, ctx->generate_session_id, static_cast<GenerateSessionIdFn>(GenerateSessionIdTrampoline),
              fn);
  return Int(env, 1);
}

napi_value SSL_set_generate_session_id(Call& a) {
  napi_env env = a.env;
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_set_generate_session_id");
  napi_value fn = nullptr;
  if (!ssl || !GetCallback(env, a[1], "SSL_set_generate_session_id", &fn)) return nullptr;
  SetCallback(a.inst, ssl->generate_session_id, static_cast<GenerateSessionIdFn>(GenerateSessionIdTrampoline),
              fn);
  return Int(env, 1);
}

napi_value SSL_has_matching_session_id(Call& a) {
  napi_env env = a.env;
  Connection* ssl = Unwrap<Connection>(a.inst, a[0], "SSL_has_matching_session_id");
  Bytes id;
  if (!ssl || !GetBytes(env, a[1], a[2], "SSL_has_matching_session_id", &id)) return nullptr;
  unsigned len = CLength(id.length);
  return Int(env, ssl_has_matching_session_id(ssl, id.data, len));
}

napi_value SSL_set_accept_state(Call& a) {
  napi_env env = a.env;
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_set_accept_state");
  if (!ssl) return nullptr;
  ssl_set_accept_state(ssl);
  return Undefined(env);
}

napi_value SSL_set_connect_state(Call& a) {
  napi_env env = a.env;
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_set_connect_state");
  if (!ssl) return nullptr;
  ssl_set_connect_state(ssl);
  return Undefined(env);
}

napi_value SSL_is_server(Call& a) {
  napi_env env = a.env;
  Connection* ssl = Unwrap<Connection>(a.inst, a[0], "SSL_is_server");
  return ssl ? Int(env, ssl->server ? 1 : 0) : nullptr;
}

napi_value SSL_shutdown(Call& a) {
  napi_env env = a.env;
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_shutdown");
  return ssl ? Int(env, ssl_shutdown(ssl)) : nullptr;
}

napi_value SSL_get_shutdown(Call& a) {
  napi_env env = a.env;
  Connection* ssl = Unwrap<Connection>(a.inst, a[0], "SSL_get_shutdown");
  return ssl ? Int(env, ssl->shutdown) : nullptr;
}

napi_value SSL_set_shutdown(Call& a) {
  napi_env env = a.env;
  Connection* ssl = UnwrapLive<Connection>(a.inst, a[0], "SSL_set_shutdown");
  int32_t mode{};
  if (!ssl || !GetCInt32(env, a[1], "SSL_set_shutdown", &mode)) return nullptr;
  ssl->shutdown = mode;
  return Undefined(env);
}

napi_value SSL_version(Call& a) {
  napi_env env = a.env;
  Connection* ssl = Unwrap<Connection>(a.inst, a[0], "SSL_version");
  return ssl ? Int(env, ssl->version) : nullptr;
}

}  // namespace

const Export ssl_exports[] = {
    {"SSL_new", SSL_new},
    {"SSL_up_ref", SSL_up_ref},
    {"SSL_free", SSL_free},
    {"SSL_clear", SSL_clear},
    {"SSL_set_session", SSL_set_session},
    {"SSL_get_session", SSL_get_session},
    {"SSL_get0_session", SSL_get_session},
    {"SSL_get1_session", SSL_get1_session},
    {"SSL_session_reused", SSL_session_reused},
    {"SSL_set_session_id_context", SSL_set_session_id_context},
    {"SSL_CTX_set_session_id_context", SSL_CTX_set_session_id_context},
    {"SSL_CTX_set_verify", SSL_CTX_set_verify},
    {"SSL_set_verify", SSL_set_verify},
    {"SSL_CTX_get_verify_mode", SSL_CTX_get_verify_mode},
    {"SSL_get_verify_mode", SSL_get_verify_mode},
    {"SSL_set_min_proto_version", SslCtrlSet<kCtrlSetMinProtoVersion>},
    {"SSL_set_max_proto_version", SslCtrlSet<kCtrlSetMaxProtoVersion>},
    {"SSL_get_min_proto_version", SslCtrlGet<kCtrlGetMinProtoVersion>},
    {"SSL_get_max_proto_version", SslCtrlGet<kCtrlGetMaxProtoVersion>},
    {"SSL_CTX_get_verify_callback", SSL_CTX_get_verify_callback},
    {"SSL_get_verify_callback", SSL_get_verify_callback},
    {"SSL_get_SSL_CTX", SSL_get_SSL_CTX},
    {"SSL_set_SSL_CTX", SSL_set_SSL_CTX},
    {"SSL_CTX_set_generate_session_id", SSL_CTX_set_generate_session_id},
    {"SSL_set_generate_session_id", SSL_set_generate_session_id},
    {"SSL_has_matching_session_id", SSL_has_matching_session_id},
    {"SSL_set_accept_state", SSL_set_accept_state},
    {"SSL_set_connect_state", SSL_set_connect_state},
    {"SSL_is_server", SSL_is_server},
    {"SSL_shutdown", SSL_shutdown},
    {"SSL_get_shutdown", SSL_get_shutdown},
    {"SSL_set_shutdown", SSL_set_shutdown},
    {"SSL_version", SSL_version},
};
const size_t ssl_export_count = sizeof ssl_exports / sizeof ssl_exports[0];

}  // namespace osc
