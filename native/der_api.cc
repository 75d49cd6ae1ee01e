// SSL_SESSION's DER form (i2d/d2i and the array forms sessionToDer /
// sessionFromDer) and SSL_SESSION_dup. How C's pointer arguments map: see
// session_io.h.
#include <string>

#include "../src/der.h"
#include "../src/session.h"
#include "session_io.h"

namespace osc {
namespace {

napi_value OutOfMemory(napi_env env) {
  napi_throw_error(env, "ERR_OUT_OF_MEMORY", "openssl-session-cache: out of memory for a copy of the input");
  return nullptr;
}

napi_value i2d_SSL_SESSION(Call& a) {
  napi_env env = a.env;
  const char* fn = "i2d_SSL_SESSION";
  bool has_out{};
  if (!OptionalOut(env, a[1], fn, &has_out)) return nullptr;
  // pp.value first: a getter there runs before the length is measured, so
  // nothing can change the session between the length and the bytes.
  napi_value cur = has_out ? GetValue(env, a[1]) : nullptr;
  const bool allocate = has_out && IsNullish(env, cur);
  uint8_t* out{};
  size_t cap{};
  if (has_out && !allocate && !GetWritableBytes(env, cur, fn, &out, &cap)) return nullptr;
  Session* s = Unwrap<Session>(a.inst, a[0], fn);
  if (!s) return nullptr;
  if (has_out && !allocate) {
    // Straight into the caller's buffer when it has room (one measuring
    // pass); the length alone only when it has not, for the error.
    const size_t written = session_to_der(s, out, cap);
    if (written != 0) {
      napi_value rest = Subarray(env, cur, written);
      if (!rest) return nullptr;
      SetValue(env, a[1], rest);
      return Int(env, static_cast<int64_t>(written));
    }
  }
  const size_t n = session_der_length(s);
  if (!has_out || n == 0) return Int(env, static_cast<int64_t>(n));
  if (allocate) {
    uint8_t* dst = nullptr;
    napi_value arr = NewBytes(env, n, &dst);
    if (arr == nullptr) return nullptr;
    der_encode_sized(session_view(s), dst, n);
    SetValue(env, a[1], arr);
    return Int(env, static_cast<int64_t>(n));
  }
  if (cap < n) {
    std::string msg =
        "pp.value has room for " + std::to_string(cap) + " bytes; the encoding needs " + std::to_string(n);
    ThrowRange(env, fn, msg.c_str());
    return nullptr;
  }
  session_to_der(s, out, n);
  napi_value rest = Subarray(env, cur, n);
  if (!rest) return nullptr;
  SetValue(env, a[1], rest);
  return Int(env, static_cast<int64_t>(n));
}

napi_value d2i_SSL_SESSION(Call& a) {
  napi_env env = a.env;
  const char* fn = "d2i_SSL_SESSION";
  SessionOut out;
  if (!ReadSessionOut(env, a[0], fn, &out)) return nullptr;
  if (TypeOf(env, a[1]) != napi_object) {
    ThrowType(env, fn, "expected an in/out-parameter { value: Uint8Array }");
    return nullptr;
  }
  napi_value in = GetValue(env, a[1]);
  Bytes b;
  if (!GetBytes(env, in, a[2], fn, &b)) return nullptr;
  ReadOnce der;  // the bytes are read once, whoever else can write them
  if (!der.copy(b)) return OutOfMemory(env);
  Session* into{};
  if (!SessionOutTarget(a.inst, out, fn, &into)) return nullptr;
  size_t consumed = 0;
  napi_value h = DecodeSession(a.inst, out, into, der.data(), der.size(), &consumed);
  if (h == nullptr || IsNullish(env, h)) return h;
  napi_value rest = Subarray(env, in, consumed);
  if (rest) SetValue(env, a[1], rest);
  return h;
}

// sessionToDer(s): the DER bytes, or null when i2d_SSL_SESSION gives 0.
napi_value sessionToDer(Call& a) {
  Session* s = Unwrap<Session>(a.inst, a[0], "sessionToDer");
  if (!s) return nullptr;
  const size_t n = session_der_length(s);
  if (n == 0) return Null(a.env);
  uint8_t* dst = nullptr;
  napi_value arr = NewBytes(a.env, n, &dst);
  if (arr != nullptr) der_encode_sized(session_view(s), dst, n);
  return arr;
}

// sessionFromDer(bytes, length?): d2i_SSL_SESSION(NULL, &p, length).
napi_value sessionFromDer(Call& a) {
  Bytes b;
  if (!GetBytes(a.env, a[0], a[1], "sessionFromDer", &b)) return nullptr;
  ReadOnce der;
  if (!der.copy(b)) return OutOfMemory(a.env);
  size_t consumed{};
  return DecodeSession(a.inst, SessionOut{}, nullptr, der.data(), der.size(), &consumed);
}

void* Retain(void* held, void* arg) {
  Instance* inst = static_cast<Instance*>(arg);
  return HoldValue(inst, HeldValue(inst, held));
}

// SSL_SESSION_dup(src): a copy with one reference, not cached; null (and an
// error) if a dup callback failed.
napi_value SSL_SESSION_dup(Call& a) {
  Session* s = UnwrapLive<Session>(a.inst, a[0], "SSL_SESSION_dup");
  if (!s) return nullptr;
  Ref<Session> d = session_dup(s, Retain, a.inst);  // new, dup (and on failure free) callbacks
  return HandOver(a.inst, d);
}

}  // namespace

const Export der_exports[] = {
    {"i2d_SSL_SESSION", i2d_SSL_SESSION}, {"d2i_SSL_SESSION", d2i_SSL_SESSION},
    {"sessionToDer", sessionToDer},       {"sessionFromDer", sessionFromDer},
    {"SSL_SESSION_dup", SSL_SESSION_dup},
};
const size_t der_export_count = sizeof der_exports / sizeof der_exports[0];

}  // namespace osc
