// How an entry point runs. Every JS-visible function is registered through
// Register (addon.cc) and called through Dispatch, which reads the arguments
// and the instance once, opens the CallScope (so any callout the core makes
// can hand its exception back to this call) and turns an allocation failure
// in the glue into an error instead of a crash. An entry point is a plain
// function of a Call; none opens its own scope.
#pragma once

#include "args.h"
#include "instance.h"

namespace osc {

constexpr size_t kMaxArgs = 7;

struct Call {
  napi_env env;
  Instance* inst;
  napi_value argv[kMaxArgs];  // missing arguments read as undefined
  napi_value operator[](size_t i) const { return argv[i]; }
};

napi_value Dispatch(napi_env env, napi_callback_info info);

// The body of SSL_SESSION_set1_id_context, SSL_CTX_set_session_id_context
// and SSL_set_session_id_context(obj, bytes, len?): all three store through
// set_sid_ctx (0 and SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG past 32 bytes).
template <typename T>
napi_value SetIdContext(Call& a, const char* fn) {
  T* o = Unwrap<T>(a.inst, a[0], fn);
  Bytes b;
  if (!o || !GetBytes(a.env, a[1], a[2], fn, &b)) return nullptr;
  return Int(a.env, set_sid_ctx(o->sid_ctx, &o->sid_ctx_len, b.data, CLength(b.length)));
}

// The body of SSL_free, SSL_CTX_free and SSL_SESSION_free: null does
// nothing; dropping a reference the caller does not hold (the object is
// freed, or what is left belongs to the core: a cache, a connection, a
// running step) throws ERR_REFCOUNT, where C would free memory still in use.
template <typename T>
napi_value FreeObject(Call& a, const char* fn, const char* refusal) {
  bool is_null;
  T* o = UnwrapNullable<T>(a.inst, a[0], fn, &is_null);
  if (is_null) return Undefined(a.env);
  if (!o) return nullptr;
  if (!app_free(o)) {
    napi_throw_error(a.env, "ERR_REFCOUNT", refusal);
    return nullptr;
  }
  return Undefined(a.env);
}

// SSL_SESSION_up_ref and friends: 1, or ERR_USE_AFTER_FREE for an object
// whose last reference is going (it cannot be revived).
template <typename T>
napi_value UpRef(Call& a, const char* fn) {
  T* o = UnwrapLive<T>(a.inst, a[0], fn);
  if (!o) return nullptr;
  app_up_ref(o);
  return Int(a.env, 1);
}

struct Export {
  const char* name;
  EntryFn fn;
};

// Each area file lists its entry points; addon.cc registers them all.
#define OSC_EXPORTS(area)               \
  extern const Export area##_exports[]; \
  extern const size_t area##_export_count

OSC_EXPORTS(ctx);
OSC_EXPORTS(session);
OSC_EXPORTS(ex_data);
OSC_EXPORTS(misc);
OSC_EXPORTS(ssl);
OSC_EXPORTS(handshake);
OSC_EXPORTS(der);
OSC_EXPORTS(pem);
OSC_EXPORTS(fields);
OSC_EXPORTS(cipher);
OSC_EXPORTS(shm);
OSC_EXPORTS(adapter);

// The bodies of the settings OpenSSL's macros reach through SSL_CTX_ctrl
// (Ctrl = ctx_ctrl) or SSL_ctrl (Ctrl = ssl_ctrl): `fn` names the macro.
template <typename T, long (*Ctrl)(T*, int, long), int Cmd>
napi_value CtrlSetBody(Call& a, const char* fn) {
  T* o = Unwrap<T>(a.inst, a[0], fn);
  int64_t v{};
  if (!o || !GetCLong(a.env, a[1], fn, &v)) return nullptr;
  return Int(a.env, Ctrl(o, Cmd, static_cast<long>(v)));
}

template <typename T, long (*Ctrl)(T*, int, long), int Cmd>
napi_value CtrlGetBody(Call& a, const char* fn) {
  T* o = Unwrap<T>(a.inst, a[0], fn);
  return o ? Int(a.env, Ctrl(o, Cmd, 0)) : nullptr;
}

}  // namespace osc
