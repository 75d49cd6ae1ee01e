// SSL_SESSION's PEM form and text (PEM_write/PEM_read/SSL_SESSION_print),
// with OpenSSL's BIO and FILE arguments as JS stand-ins (session_io.h).
#include "../src/der.h"
#include "../src/error_queue.h"
#include "../src/pem.h"
#include "../src/session.h"
#include "session_io.h"

namespace osc {
namespace {

// Appends text to a BIO/FILE stand-in ({ value: string }; a missing value counts as "").
bool AppendText(napi_env env, napi_value out, const char* fn, const std::string& text) {
  if (TypeOf(env, out) != napi_object)
    return ThrowType(env, fn, "expected an output object { value: string }");
  napi_value cur = GetValue(env, out);
  std::string all;
  if (!IsNullish(env, cur) && !Utf8(env, cur, fn, &all)) return false;
  all += text;
  SetValue(env, out, Str(env, all.data(), all.size()));
  return true;
}

// PEM_write_SSL_SESSION(out, s) / PEM_write_bio_SSL_SESSION(out, s): appends
// the PEM block to out.value; 1, or 0 with an error when s has no cipher.
napi_value PEM_write_SSL_SESSION(Call& a) {
  napi_env env = a.env;
  const char* fn = "PEM_write_SSL_SESSION";
  Session* s = Unwrap<Session>(a.inst, a[1], fn);
  if (!s) return nullptr;
  if (TypeOf(env, a[0]) != napi_object) {
    ThrowType(env, fn, "expected an output object { value: string }");
    return nullptr;
  }
  const size_t n = session_der_length(s);
  if (n == 0) {
    err_push(kErrLibPem, kReasonAsn1Lib);
    return Int(env, 0);
  }
  std::string der(n, '\0');
  session_to_der(s, reinterpret_cast<uint8_t*>(&der[0]), n);
  std::string pem = pem_encode(reinterpret_cast<const uint8_t*>(der.data()), n);
  secure_zero(&der[0], n);  // the master key was in there
  return AppendText(env, a[0], fn, pem) ? Int(env, 1) : nullptr;
}

// PEM_read_SSL_SESSION(in, x?, cb?, u?): the first session block of `in`.
napi_value PEM_read_SSL_SESSION(Call& a) {
  napi_env env = a.env;
  const char* fn = "PEM_read_SSL_SESSION";
  napi_value src = a[0];
  napi_value holder = nullptr;  // the out-parameter to advance, if given
  bool typed = false;
  napi_is_typedarray(env, src, &typed);
  if (!typed && TypeOf(env, src) == napi_object) {
    holder = src;
    src = GetValue(env, holder);
    napi_is_typedarray(env, src, &typed);
  }
  std::string text;  // the input, read once
  if (typed) {
    Bytes b;
    if (!GetBytes(env, src, nullptr, fn, &b)) return nullptr;
    text.assign(reinterpret_cast<const char*>(b.data), b.length);
  } else if (TypeOf(env, src) == napi_string) {
    if (!Utf8(env, src, fn, &text)) return nullptr;
  } else {
    ThrowType(env, fn, "expected a string, a Uint8Array, or { value } holding one");
    return nullptr;
  }
  SessionOut out;
  if (!ReadSessionOut(env, a[1], fn, &out)) return nullptr;
  std::string der;
  size_t end = 0;
  const int bad = pem_decode(text.data(), text.size(), &der, &end);
  if (holder) {
    napi_value rest = typed ? Subarray(env, src, end) : Str(env, text.data() + end, text.size() - end);
    if (!rest) return nullptr;
    SetValue(env, holder, rest);
  }
  if (bad) {
    err_push(kErrLibPem, bad);
    return Null(env);
  }
  Session* into{};
  if (!SessionOutTarget(a.inst, out, fn, &into)) return nullptr;
  size_t consumed{};
  napi_value h =
      DecodeSession(a.inst, out, into, reinterpret_cast<const uint8_t*>(der.data()), der.size(), &consumed);
  secure_zero(&der[0], der.size());
  if (h != nullptr && IsNullish(env, h))
    err_push(kErrLibPem, kReasonAsn1Lib);  // PEM_ASN1_read_bio's own report
  return h;
}

// SSL_SESSION_print(bp, s): appends OpenSSL's text to bp.value; 1, or 0 where
// OpenSSL's printer fails (see der_print), with the text written so far.
napi_value SSL_SESSION_print(Call& a) {
  const char* fn = "SSL_SESSION_print";
  Session* s = Unwrap<Session>(a.inst, a[1], fn);
  if (!s) return nullptr;
  bool complete{};
  std::string text = der_print(session_view(s), &complete);
  if (!AppendText(a.env, a[0], fn, text)) return nullptr;
  return Int(a.env, complete ? 1 : 0);
}

}  // namespace

const Export pem_exports[] = {
    {"PEM_write_SSL_SESSION", PEM_write_SSL_SESSION}, {"PEM_write_bio_SSL_SESSION", PEM_write_SSL_SESSION},
    {"PEM_read_SSL_SESSION", PEM_read_SSL_SESSION},   {"PEM_read_bio_SSL_SESSION", PEM_read_SSL_SESSION},
    {"SSL_SESSION_print", SSL_SESSION_print},
};
const size_t pem_export_count = sizeof pem_exports / sizeof pem_exports[0];

}  // namespace osc
