// SSL_SESSION entry points: lifetime, key, times and secrets.
#include "entry.h"

namespace osc {
namespace {

// SSL_SESSION_new: a session with one reference for the caller, or null
// (ERR_R_MALLOC_FAILURE) when memory ran out.
napi_value SSL_SESSION_new(Call& a) {
  Ref<Session> s = session_new(a.inst->runtime);
  return HandOver(a.inst, s);
}

napi_value SSL_SESSION_up_ref(Call& a) { return UpRef<Session>(a, "SSL_SESSION_up_ref"); }

napi_value SSL_SESSION_free(Call& a) {
  return FreeObject<Session>(
      a, "SSL_SESSION_free",
      "SSL_SESSION_free: no reference left to free (the rest belong to a cache, an SSL or a running step)");
}

napi_value SSL_SESSION_set1_id(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_set1_id");
  Bytes id;
  if (!s || !GetBytes(env, a[1], a[2], "SSL_SESSION_set1_id", &id)) return nullptr;
  int r = session_set1_id(s, id.data, CLength(id.length));  // re-keying may free a displaced session
  return Int(env, r);
}

// SSL_SESSION_get_id(s, len?): the id bytes; `len` is C's out-parameter.
napi_value SSL_SESSION_get_id(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get_id");
  if (!s) return nullptr;
  napi_valuetype t{};
  napi_typeof(env, a[1], &t);
  if (t != napi_undefined && t != napi_null && !SetOut(env, a[1], "SSL_SESSION_get_id", s->id_len))
    return nullptr;
  return Copy(env, s->id, s->id_len);
}

napi_value SSL_SESSION_set1_id_context(Call& a) {
  return SetIdContext<Session>(a, "SSL_SESSION_set1_id_context");
}

napi_value SSL_SESSION_get0_id_context(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get0_id_context");
  if (!s) return nullptr;
  napi_valuetype t{};
  napi_typeof(env, a[1], &t);
  if (t != napi_undefined && t != napi_null &&
      !SetOut(env, a[1], "SSL_SESSION_get0_id_context", s->sid_ctx_len)) {
    return nullptr;
  }
  return Copy(env, s->sid_ctx, s->sid_ctx_len);
}

napi_value SSL_SESSION_set_time(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_set_time");
  int64_t t{};
  if (!s || !GetCLong(env, a[1], "SSL_SESSION_set_time", &t)) return nullptr;
  session_set_time(s, t);
  return a[1];  // returns t, as given
}

napi_value SSL_SESSION_get_time(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get_time");
  return s ? Int(env, s->time) : nullptr;
}

napi_value SSL_SESSION_set_timeout(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_set_timeout");
  int64_t t{};
  if (!s || !GetCLong(env, a[1], "SSL_SESSION_set_timeout", &t)) return nullptr;
  return Int(env, session_set_timeout(s, t));
}

napi_value SSL_SESSION_get_timeout(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get_timeout");
  return s ? Int(env, s->timeout) : nullptr;
}

napi_value SSL_SESSION_set_protocol_version(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_set_protocol_version");
  int32_t v{};
  if (!s || !GetCInt32(env, a[1], "SSL_SESSION_set_protocol_version", &v)) return nullptr;
  return Int(env, session_set_protocol_version(s, v));  // re-keying may free a displaced session
}

napi_value SSL_SESSION_get_protocol_version(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get_protocol_version");
  return s ? Int(env, s->ssl_version) : nullptr;
}

napi_value SSL_SESSION_is_resumable(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_is_resumable");
  return s ? Int(env, s->is_resumable()) : nullptr;
}

napi_value SSL_SESSION_set1_master_key(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_set1_master_key");
  Bytes b;
  if (!s || !GetBytes(env, a[1], a[2], "SSL_SESSION_set1_master_key", &b)) return nullptr;
  return Int(env, session_set1_master_key(s, b.data, b.length));
}

// SSL_SESSION_get_master_key(s, out, outlen): out may be null when outlen is 0.
napi_value SSL_SESSION_get_master_key(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get_master_key");
  if (!s) return nullptr;
  uint8_t* out = nullptr;
  size_t capacity = 0, outlen;
  napi_valuetype t{};
  napi_typeof(env, a[1], &t);
  if (t != napi_null && !GetWritableBytes(env, a[1], "SSL_SESSION_get_master_key", &out, &capacity))
    return nullptr;
  napi_typeof(env, a[2], &t);
  if (t == napi_undefined) {
    outlen = capacity;
  } else if (!GetSize(env, a[2], "SSL_SESSION_get_master_key", &outlen)) {
    return nullptr;
  }
  if (outlen > capacity) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE",
                           "SSL_SESSION_get_master_key: outlen is larger than the array");
    return nullptr;
  }
  return Int(env, static_cast<int64_t>(session_get_master_key(s, out, outlen)));
}

// The raw master key storage of a live session (a test compares it before
// and after SSL_SESSION_set1_master_key; the wipe at destruction is checked
// by the C++ core test, as the memory is reused at once).
napi_value debugMasterKeyStorage(Call& a) {
  Session* s = Unwrap<Session>(a.inst, a[0], "debugMasterKeyStorage");
  return s ? Copy(a.env, s->master_key, sizeof s->master_key) : nullptr;
}

}  // namespace

const Export session_exports[] = {
    {"SSL_SESSION_new", SSL_SESSION_new},
    {"SSL_SESSION_up_ref", SSL_SESSION_up_ref},
    {"SSL_SESSION_free", SSL_SESSION_free},
    {"SSL_SESSION_set1_id", SSL_SESSION_set1_id},
    {"SSL_SESSION_get_id", SSL_SESSION_get_id},
    {"SSL_SESSION_set1_id_context", SSL_SESSION_set1_id_context},
    {"SSL_SESSION_get0_id_context", SSL_SESSION_get0_id_context},
    {"SSL_SESSION_set_time", SSL_SESSION_set_time},
    {"SSL_SESSION_get_time", SSL_SESSION_get_time},
    {"SSL_SESSION_set_timeout", SSL_SESSION_set_timeout},
    {"SSL_SESSION_get_timeout", SSL_SESSION_get_timeout},
    {"SSL_SESSION_set_protocol_version", SSL_SESSION_set_protocol_version},
    {"SSL_SESSION_get_protocol_version", SSL_SESSION_get_protocol_version},
    {"SSL_SESSION_is_resumable", SSL_SESSION_is_resumable},
    {"SSL_SESSION_set1_master_key", SSL_SESSION_set1_master_key},
    {"SSL_SESSION_get_master_key", SSL_SESSION_get_master_key},
    {"debugMasterKeyStorage", debugMasterKeyStorage},
};
const size_t session_export_count = sizeof session_exports / sizeof session_exports[0];

}  // namespace osc
