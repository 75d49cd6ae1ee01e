// SSL_CTX entry points: lifetime, cache settings, the cache operations, the
// callbacks and the statistics.
#include "callbacks.h"
#include "entry.h"

namespace osc {
namespace {

napi_value MethodHandle(napi_env env, Instance* inst, const Method* m) {
  napi_value v = nullptr;
  if (napi_create_external(env, const_cast<Method*>(m), nullptr, nullptr, &v) != napi_ok ||
      napi_type_tag_object(env, v, &inst->method_tag) != napi_ok) {
    return nullptr;  // the environment no longer runs JS
  }
  return v;
}

napi_value TLS_method(Call& a) { return MethodHandle(a.env, a.inst, &kTlsMethod); }
napi_value TLS_server_method(Call& a) { return MethodHandle(a.env, a.inst, &kTlsServerMethod); }
napi_value TLS_client_method(Call& a) { return MethodHandle(a.env, a.inst, &kTlsClientMethod); }

napi_value SSL_CTX_new(Call& a) {
  napi_env env = a.env;
  napi_valuetype t{};
  napi_typeof(env, a[0], &t);
  bool tagged = false;
  if (t == napi_external) napi_check_object_type_tag(env, a[0], &a.inst->method_tag, &tagged);
  if (!tagged) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "SSL_CTX_new: expected an SSL_METHOD (TLS_method())");
    return nullptr;
  }
  void* m = nullptr;
  napi_get_value_external(env, a[0], &m);
  Ref<Context> ctx = ctx_new(a.inst->runtime, static_cast<const Method*>(m));
  return HandOver(a.inst, ctx);
}

napi_value SSL_CTX_up_ref(Call& a) { return UpRef<Context>(a, "SSL_CTX_up_ref"); }

napi_value SSL_CTX_free(Call& a) {
  return FreeObject<Context>(
      a, "SSL_CTX_free",
      "SSL_CTX_free: no reference left to free (the rest belong to its SSL objects or a running step)");
}

// The cache settings and version bounds, through SSL_CTX_ctrl as OpenSSL's macros do.
template <int Cmd>
napi_value CtrlSet(Call& a) {
  static constexpr const char* kName = Cmd == kCtrlSetSessCacheMode     ? "SSL_CTX_set_session_cache_mode"
                                       : Cmd == kCtrlSetSessCacheSize   ? "SSL_CTX_sess_set_cache_size"
                                       : Cmd == kCtrlSetMinProtoVersion ? "SSL_CTX_set_min_proto_version"
                                                                        : "SSL_CTX_set_max_proto_version";
  return CtrlSetBody<Context, ctx_ctrl, Cmd>(a, kName);
}

template <int Cmd>
napi_value CtrlGet(Call& a) {
  return CtrlGetBody<Context, ctx_ctrl, Cmd>(a, "SSL_CTX_sess_*");
}

napi_value SSL_CTX_ctrl(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_ctrl");
  int32_t cmd{};
  int64_t larg = 0;
  if (!ctx || !GetCInt32(env, a[1], "SSL_CTX_ctrl", &cmd)) return nullptr;
  if (TypeOf(env, a[2]) != napi_undefined && !GetCLong(env, a[2], "SSL_CTX_ctrl", &larg)) return nullptr;
  return Int(env, ctx_ctrl(ctx, cmd, static_cast<long>(larg)));
}

napi_value SSL_CTX_set_timeout(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_set_timeout");
  int64_t t{};
  if (!ctx || !GetCLong(env, a[1], "SSL_CTX_set_timeout", &t)) return nullptr;
  return Int(env, ctx_set_timeout(ctx, static_cast<long>(t)));
}

napi_value SSL_CTX_get_timeout(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_get_timeout");
  if (!ctx) return nullptr;
  return Int(env, ctx->timeout);
}

napi_value SSL_CTX_add_session(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_add_session");
  if (!ctx) return nullptr;
  Session* s = Unwrap<Session>(a.inst, a[1], "SSL_CTX_add_session");
  if (!s) return nullptr;
  if (!RequireAlive(env, ctx, "SSL_CTX_add_session") || !RequireAlive(env, s, "SSL_CTX_add_session"))
    return nullptr;
  return Int(env, ctx_add_session(ctx, s));
}

napi_value SSL_CTX_remove_session(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_remove_session");
  if (!ctx) return nullptr;
  bool is_null{};
  Session* s = UnwrapNullable<Session>(a.inst, a[1], "SSL_CTX_remove_session", &is_null);
  if (!s && !is_null) return nullptr;
  return Int(env, ctx_remove_session(ctx, s));
}

napi_value SSL_CTX_flush_sessions(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_flush_sessions");
  int64_t t{};
  if (!ctx || !GetCLong(env, a[1], "SSL_CTX_flush_sessions", &t)) return nullptr;
  ctx_flush_sessions(ctx, t);
  return Undefined(env);
}

// Callback setters and getters.
template <typename Fn, Callback<Fn> Context::*Field, Fn Trampoline>
napi_value SetCb(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_sess_set_*_cb");
  napi_value fn = nullptr;
  if (!ctx || !GetCallback(env, a[1], "SSL_CTX_sess_set_*_cb", &fn)) return nullptr;
  if (!ctx->alive()) return Undefined(env);  // being freed: nothing will call it
  SetCallback(a.inst, ctx->*Field, Trampoline, fn);
  return Undefined(env);
}

template <typename Fn, Callback<Fn> Context::*Field>
napi_value GetCb(Call& a) {
  Context* ctx = Unwrap<Context>(a.inst, a[0], "SSL_CTX_sess_get_*_cb");
  if (!ctx) return nullptr;
  return GetCallbackValue(a.inst, ctx->*Field);
}

napi_value debugCacheConsistent(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "debugCacheConsistent");
  if (!ctx) return nullptr;
  napi_value r = nullptr;
  napi_get_boolean(env, ctx_cache_consistent(ctx), &r);
  return r;
}

// The cached sessions from the list head (expires last) to the tail.
napi_value debugCacheOrder(Call& a) {
  napi_env env = a.env;
  Context* ctx = Unwrap<Context>(a.inst, a[0], "debugCacheOrder");
  if (!ctx) return nullptr;
  napi_value arr = nullptr;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  for (Session* s = ctx->list.head(); s != nullptr; s = s->next) {
    napi_set_element(env, arr, i++, Surface(a.inst, s));
  }
  return arr;
}

using N = NewSessionFn;
using R = RemoveSessionFn;
using G = GetSessionFn;

}  // namespace

const Export ctx_exports[] = {
    {"TLS_method", TLS_method},
    {"TLS_server_method", TLS_server_method},
    {"TLS_client_method", TLS_client_method},
    {"SSL_CTX_new", SSL_CTX_new},
    {"SSL_CTX_up_ref", SSL_CTX_up_ref},
    {"SSL_CTX_free", SSL_CTX_free},
    {"SSL_CTX_set_session_cache_mode", CtrlSet<kCtrlSetSessCacheMode>},
    {"SSL_CTX_get_session_cache_mode", CtrlGet<kCtrlGetSessCacheMode>},
    {"SSL_CTX_sess_set_cache_size", CtrlSet<kCtrlSetSessCacheSize>},
    {"SSL_CTX_sess_get_cache_size", CtrlGet<kCtrlGetSessCacheSize>},
    {"SSL_CTX_ctrl", SSL_CTX_ctrl},
    {"SSL_CTX_set_min_proto_version", CtrlSet<kCtrlSetMinProtoVersion>},
    {"SSL_CTX_set_max_proto_version", CtrlSet<kCtrlSetMaxProtoVersion>},
    {"SSL_CTX_get_min_proto_version", CtrlGet<kCtrlGetMinProtoVersion>},
    {"SSL_CTX_get_max_proto_version", CtrlGet<kCtrlGetMaxProtoVersion>},
    {"SSL_CTX_set_timeout", SSL_CTX_set_timeout},
    {"SSL_CTX_get_timeout", SSL_CTX_get_timeout},
    {"SSL_CTX_add_session", SSL_CTX_add_session},
    {"SSL_add_session", SSL_CTX_add_session},
    {"SSL_CTX_remove_session", SSL_CTX_remove_session},
    {"SSL_remove_session", SSL_CTX_remove_session},
    {"SSL_CTX_flush_sessions", SSL_CTX_flush_sessions},
    {"SSL_CTX_sess_set_new_cb", SetCb<N, &Context::new_session, NewSessionTrampoline>},
    {"SSL_CTX_sess_set_remove_cb", SetCb<R, &Context::remove_session, RemoveSessionTrampoline>},
    {"SSL_CTX_sess_set_get_cb", SetCb<G, &Context::get_session, GetSessionTrampoline>},
    {"SSL_CTX_sess_get_new_cb", GetCb<N, &Context::new_session>},
    {"SSL_CTX_sess_get_remove_cb", GetCb<R, &Context::remove_session>},
    {"SSL_CTX_sess_get_get_cb", GetCb<G, &Context::get_session>},
    {"SSL_CTX_sess_number", CtrlGet<kCtrlSessNumber>},
    {"SSL_CTX_sess_connect", CtrlGet<kCtrlSessConnect>},
    {"SSL_CTX_sess_connect_good", CtrlGet<kCtrlSessConnectGood>},
    {"SSL_CTX_sess_connect_renegotiate", CtrlGet<kCtrlSessConnectRenegotiate>},
    {"SSL_CTX_sess_accept", CtrlGet<kCtrlSessAccept>},
    {"SSL_CTX_sess_accept_good", CtrlGet<kCtrlSessAcceptGood>},
    {"SSL_CTX_sess_accept_renegotiate", CtrlGet<kCtrlSessAcceptRenegotiate>},
    {"SSL_CTX_sess_hits", CtrlGet<kCtrlSessHit>},
    {"SSL_CTX_sess_cb_hits", CtrlGet<kCtrlSessCbHit>},
    {"SSL_CTX_sess_misses", CtrlGet<kCtrlSessMisses>},
    {"SSL_CTX_sess_timeouts", CtrlGet<kCtrlSessTimeouts>},
    {"SSL_CTX_sess_cache_full", CtrlGet<kCtrlSessCacheFull>},
    {"debugCacheConsistent", debugCacheConsistent},
    {"debugCacheOrder", debugCacheOrder},
};
const size_t ctx_export_count = sizeof ctx_exports / sizeof ctx_exports[0];

}  // namespace osc
