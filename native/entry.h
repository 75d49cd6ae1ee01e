// How an entry point starts: its arguments and the instance, in one line.
#pragma once

#include "args.h"
#include "instance.h"

namespace osc {

template <size_t N>
struct Args {
  Args(napi_env e, napi_callback_info info) : env(e) {
    size_t argc = N;
    void* data = nullptr;
    napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
    inst = static_cast<Instance*>(data);
  }
  napi_value operator[](size_t i) const { return argv[i]; }
  napi_env env;
  Instance* inst;
  napi_value argv[N == 0 ? 1 : N];
};

// C's `unsigned int` length from a byte argument's length (capped: every
// setter refuses far shorter inputs anyway).
inline unsigned CLength(size_t n) { return n > 0xFFFF ? 0xFFFF : static_cast<unsigned>(n); }

// The body of SSL_SESSION_set1_id_context, SSL_CTX_set_session_id_context
// and SSL_set_session_id_context(obj, bytes, len?): all three store through
// set_sid_ctx (0 and SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG past 32 bytes).
template <typename T>
napi_value SetIdContext(napi_env env, napi_callback_info info, const char* fn) {
  Args<3> a(env, info);
  T* o = Unwrap<T>(a.inst, a[0], fn);
  Bytes b;
  if (!o || !GetBytes(env, a[1], a[2], fn, &b)) return nullptr;
  return Int(env, set_sid_ctx(o->sid_ctx, &o->sid_ctx_len, b.data, CLength(b.length)));
}

// The body of SSL_free, SSL_CTX_free and SSL_SESSION_free: null does
// nothing; dropping a reference the caller does not hold (the object is
// freed, or what is left belongs to the core: a cache, a connection) throws
// ERR_REFCOUNT, where C would free memory still in use.
template <typename T>
napi_value FreeObject(napi_env env, napi_callback_info info, const char* fn, void (*free_fn)(T*),
                      const char* refusal) {
  Args<1> a(env, info);
  bool is_null;
  T* o = UnwrapNullable<T>(a.inst, a[0], fn, &is_null);
  if (is_null) return Undefined(env);
  if (!o) return nullptr;
  if (!o->alive() || o->references <= o->internal_refs) {
    napi_throw_error(env, "ERR_REFCOUNT", refusal);
    return nullptr;
  }
  CallScope scope(a.inst);
  free_fn(o);
  scope.Rethrow();
  return Undefined(env);
}

struct Export {
  const char* name;
  napi_callback fn;
};

// Each area file lists its entry points; addon.cc registers them all.
#define OSC_EXPORTS(area) extern const Export area##_exports[]; extern const size_t area##_export_count

OSC_EXPORTS(ctx);
OSC_EXPORTS(session);
OSC_EXPORTS(ex_data);
OSC_EXPORTS(misc);
OSC_EXPORTS(ssl);
OSC_EXPORTS(handshake);
OSC_EXPORTS(der);
OSC_EXPORTS(cipher);
OSC_EXPORTS(shm);

// The bodies of the settings OpenSSL's macros reach through SSL_CTX_ctrl
// (Ctrl = ctx_ctrl) or SSL_ctrl (Ctrl = ssl_ctrl): `fn` names the macro.
template <typename T, long (*Ctrl)(T*, int, long), int Cmd>
napi_value CtrlSetBody(napi_env env, napi_callback_info info, const char* fn) {
  Args<2> a(env, info);
  T* o = Unwrap<T>(a.inst, a[0], fn);
  int64_t v{};
  if (!o || !GetInt64(env, a[1], fn, &v)) return nullptr;
  return Int(env, Ctrl(o, Cmd, static_cast<long>(v)));
}

template <typename T, long (*Ctrl)(T*, int, long), int Cmd>
napi_value CtrlGetBody(napi_env env, napi_callback_info info, const char* fn) {
  Args<1> a(env, info);
  T* o = Unwrap<T>(a.inst, a[0], fn);
  return o ? Int(env, Ctrl(o, Cmd, 0)) : nullptr;
}

}  // namespace osc
