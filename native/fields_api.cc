// The session's fields beyond the cache key and the times: hostname, ALPN,
// ticket and its application data, peer certificate, and the numeric
// fields. The rules (what null or an empty string means, the fragment-length
// mapping) are the core's (src/session.h).
#include "../src/session.h"
#include "session_io.h"

namespace osc {
namespace {

using B = SessionFields;

// Fills the optional out-parameters (data, len) of a get0 accessor and
// returns the bytes (null when the field is absent).
napi_value GetBlob(Call& a, const char* fn, B::Blob which) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], fn);
  bool has_data, has_len;
  if (!s || !OptionalOut(env, a[1], fn, &has_data) || !OptionalOut(env, a[2], fn, &has_len)) return nullptr;
  napi_value bytes = Null(env);
  size_t len = 0;
  if (s->fields.has(which)) {
    ByteView v = s->fields.get(which);
    bytes = Copy(env, v.data, v.size);
    len = v.size;
  }
  if (has_data) SetValue(env, a[1], bytes);
  if (has_len) SetValue(env, a[2], Int(env, static_cast<int64_t>(len)));
  return bytes;
}

// set1 of a byte field that null or "" makes absent (session_set1_optional_blob).
napi_value SetBlob(Call& a, const char* fn, B::Blob which) {
  Session* s = Unwrap<Session>(a.inst, a[0], fn);
  if (!s) return nullptr;
  Bytes b;
  if (TypeOf(a.env, a[1]) != napi_null && !GetBytes(a.env, a[1], a[2], fn, &b)) return nullptr;
  return Int(a.env, session_set1_optional_blob(s, which, b.data, b.length));
}

napi_value SSL_SESSION_get0_hostname(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get0_hostname");
  if (!s) return nullptr;
  if (!s->fields.has(B::kHostname)) return Null(env);
  ByteView v = s->fields.get(B::kHostname);
  return Str(env, reinterpret_cast<const char*>(v.data), v.size);
}

// SSL_SESSION_set1_hostname(s, hostname): a copy up to the first NUL
// (strdup); null removes it. 1, or 0 out of memory.
napi_value SSL_SESSION_set1_hostname(Call& a) {
  napi_env env = a.env;
  const char* fn = "SSL_SESSION_set1_hostname";
  Session* s = Unwrap<Session>(a.inst, a[0], fn);
  if (!s) return nullptr;
  if (IsNullish(env, a[1])) return Int(env, session_set1_hostname(s, nullptr, 0));
  std::string h;
  if (!Utf8(env, a[1], fn, &h)) return nullptr;
  return Int(env, session_set1_hostname(s, reinterpret_cast<const uint8_t*>(h.data()), h.size()));
}

napi_value SSL_SESSION_get0_alpn_selected(Call& a) {
  return GetBlob(a, "SSL_SESSION_get0_alpn_selected", B::kAlpnSelected);
}
napi_value SSL_SESSION_set1_alpn_selected(Call& a) {
  return SetBlob(a, "SSL_SESSION_set1_alpn_selected", B::kAlpnSelected);
}
napi_value SSL_SESSION_get0_ticket(Call& a) { return GetBlob(a, "SSL_SESSION_get0_ticket", B::kTicket); }
napi_value SSL_SESSION_set1_ticket_appdata(Call& a) {
  return SetBlob(a, "SSL_SESSION_set1_ticket_appdata", B::kTicketAppdata);
}

// SSL_SESSION_get0_ticket_appdata(s, data, len): 1 (C's result), the outs set.
napi_value SSL_SESSION_get0_ticket_appdata(Call& a) {
  napi_value r = GetBlob(a, "SSL_SESSION_get0_ticket_appdata", B::kTicketAppdata);
  return r ? Int(a.env, 1) : nullptr;
}

napi_value SSL_SESSION_has_ticket(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_has_ticket");
  return s ? Int(env, s->fields.get(B::kTicket).size > 0 ? 1 : 0) : nullptr;
}

// SSL_SESSION_get0_peer(s): the peer certificate's DER bytes (a copy), or
// null. Parse on demand: new crypto.X509Certificate(bytes).
napi_value SSL_SESSION_get0_peer(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get0_peer");
  if (!s) return nullptr;
  if (!s->fields.has(B::kPeer)) return Null(env);
  ByteView v = s->fields.get(B::kPeer);
  return Copy(env, v.data, v.size);
}

// Numeric fields: getter and setter pairs over SessionFields members.
enum NumField { kLifetimeHint, kMaxEarlyData, kMaxFragmentLength, kCompressId, kVerifyResult, kFlags };

template <NumField F>
napi_value GetNum(Call& a) {
  static constexpr const char* kNames[] = {"SSL_SESSION_get_ticket_lifetime_hint",
                                           "SSL_SESSION_get_max_early_data",
                                           "SSL_SESSION_get_max_fragment_length",
                                           "SSL_SESSION_get_compress_id",
                                           "sessionGetVerifyResult",
                                           "sessionGetFlags"};
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], kNames[F]);
  if (!s) return nullptr;
  const SessionFields& f = s->fields;
  switch (F) {
    case kLifetimeHint: {
      if (f.tick_lifetime_hint <= static_cast<uint64_t>(INT64_MAX)) {
        return Int(env, static_cast<int64_t>(f.tick_lifetime_hint));
      }
      napi_value v = nullptr;
      napi_create_bigint_uint64(env, f.tick_lifetime_hint, &v);
      return v;
    }
    case kMaxEarlyData:
      return Int(env, f.max_early_data);
    case kMaxFragmentLength:
      return Int(env, session_get_max_fragment_length(s));
    case kCompressId:
      return Int(env, f.compress_meth);
    case kVerifyResult:
      return Int(env, f.verify_result);
    case kFlags:
      return Int(env, f.flags);
  }
  return nullptr;
}

template <NumField F>
napi_value SetNum(Call& a) {
  static constexpr const char* kNames[] = {"", "SSL_SESSION_set_max_early_data", "",
                                           "", "sessionSetVerifyResult",         "sessionSetFlags"};
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], kNames[F]);
  if (!s) return nullptr;
  // Each as its C parameter: uint32_t max_early_data, long verify result
  // (kept in 32 bits, as OpenSSL's session keeps it), uint32_t flags.
  int64_t v{};
  const int64_t min = F == kVerifyResult ? INT32_MIN : 0;
  const int64_t max = F == kVerifyResult ? INT32_MAX : UINT32_MAX;
  if (!GetCInt(env, a[1], kNames[F], min, max, &v)) return nullptr;
  switch (F) {
    case kMaxEarlyData:
      s->fields.max_early_data = static_cast<uint32_t>(v);
      return Int(env, 1);
    case kVerifyResult:
      s->fields.verify_result = static_cast<int32_t>(v);
      return Undefined(env);
    case kFlags:
      s->fields.flags = static_cast<uint32_t>(v);
      return Undefined(env);
    default:
      return nullptr;
  }
}

}  // namespace

const Export fields_exports[] = {
    {"SSL_SESSION_get0_hostname", SSL_SESSION_get0_hostname},
    {"SSL_SESSION_set1_hostname", SSL_SESSION_set1_hostname},
    {"SSL_SESSION_get0_alpn_selected", SSL_SESSION_get0_alpn_selected},
    {"SSL_SESSION_set1_alpn_selected", SSL_SESSION_set1_alpn_selected},
    {"SSL_SESSION_has_ticket", SSL_SESSION_has_ticket},
    {"SSL_SESSION_get0_ticket", SSL_SESSION_get0_ticket},
    {"SSL_SESSION_get_ticket_lifetime_hint", GetNum<kLifetimeHint>},
    {"SSL_SESSION_get_max_early_data", GetNum<kMaxEarlyData>},
    {"SSL_SESSION_set_max_early_data", SetNum<kMaxEarlyData>},
    {"SSL_SESSION_get0_ticket_appdata", SSL_SESSION_get0_ticket_appdata},
    {"SSL_SESSION_set1_ticket_appdata", SSL_SESSION_set1_ticket_appdata},
    {"SSL_SESSION_get_max_fragment_length", GetNum<kMaxFragmentLength>},
    {"SSL_SESSION_get_compress_id", GetNum<kCompressId>},
    {"SSL_SESSION_get0_peer", SSL_SESSION_get0_peer},
    {"sessionGetVerifyResult", GetNum<kVerifyResult>},
    {"sessionSetVerifyResult", SetNum<kVerifyResult>},
    {"sessionGetFlags", GetNum<kFlags>},
    {"sessionSetFlags", SetNum<kFlags>},
};
const size_t fields_export_count = sizeof fields_exports / sizeof fields_exports[0];

}  // namespace osc
