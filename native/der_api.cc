// SSL_SESSION's DER and PEM forms (i2d/d2i/PEM_write/PEM_read/print), the
// session fields they carry, and SSL_SESSION_dup.
//
// How C's pointer arguments map (an out-parameter is an object with a `value`):
// - i2d_SSL_SESSION(s, pp): `pp` is an out-parameter holding the output
//   pointer. Absent or null: returns the length only. `{ value: null }`:
//   allocates a Uint8Array of that length, stores it in pp.value (not
//   advanced, as OpenSSL's *pp == NULL case). `{ value: buf }`: writes at
//   buf[0..] and leaves pp.value = buf.subarray(length), C's pointer advance.
// - d2i_SSL_SESSION(a, pp, length): `pp.value` is the input; on success it is
//   advanced by the bytes consumed. `a` is null or an out-parameter: with
//   a.value set to a session, that session is overwritten in place; the result
//   is stored in a.value.
// - BIO and FILE outputs (PEM_write_*, SSL_SESSION_print) are `{ value:
//   string }` objects the text is appended to; FILE and BIO inputs of
//   PEM_read_* are a string, a Uint8Array, or an out-parameter holding one,
//   which is advanced past the block read.
#include <string>

#include "../src/cipher_table.h"
#include "../src/der.h"
#include "../src/error_queue.h"
#include "entry.h"

namespace osc {
namespace {

constexpr int kPemBadBase64Decode = 100;   // PEM_R_BAD_BASE64_DECODE
constexpr int kPemBadEndLine = 102;        // PEM_R_BAD_END_LINE
constexpr int kPemNoStartLine = 108;       // PEM_R_NO_START_LINE

const char kPemBegin[] = "-----BEGIN SSL SESSION PARAMETERS-----";
const char kPemEnd[] = "-----END SSL SESSION PARAMETERS-----";

napi_valuetype TypeOf(napi_env env, napi_value v) {
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  return t;
}

bool IsNullish(napi_env env, napi_value v) {
  napi_valuetype t = TypeOf(env, v);
  return t == napi_null || t == napi_undefined;
}

napi_value GetValue(napi_env env, napi_value out) {
  napi_value v = nullptr;
  napi_get_named_property(env, out, "value", &v);
  return v;
}

void SetValue(napi_env env, napi_value out, napi_value v) {
  napi_set_named_property(env, out, "value", v);
}

// An optional out-parameter argument: undefined/null (skip) or an object.
bool OptionalOut(napi_env env, napi_value v, const char* fn, bool* present) {
  *present = false;
  if (IsNullish(env, v)) return true;
  if (TypeOf(env, v) != napi_object) return ThrowType(env, fn, "expected an out-parameter object { value }");
  *present = true;
  return true;
}

// array.subarray(from): keeps the class (a Buffer stays a Buffer).
napi_value Subarray(napi_env env, napi_value array, size_t from) {
  napi_value fn = nullptr, result = nullptr, arg = Int(env, static_cast<int64_t>(from));
  napi_get_named_property(env, array, "subarray", &fn);
  if (napi_call_function(env, array, fn, 1, &arg, &result) != napi_ok) return nullptr;
  return result;
}

napi_value Str(napi_env env, const char* s, size_t n) {
  napi_value v = nullptr;
  napi_create_string_utf8(env, s, n, &v);
  return v;
}

// A JS string's UTF-8 bytes.
bool Utf8(napi_env env, napi_value v, const char* fn, std::string* out) {
  size_t n{};
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &n) != napi_ok) return ThrowType(env, fn, "expected a string");
  out->resize(n + 1);
  napi_get_value_string_utf8(env, v, &(*out)[0], n + 1, &n);
  out->resize(n);
  return true;
}

// Appends text to a BIO/FILE stand-in ({ value: string }; a missing value counts as "").
bool AppendText(napi_env env, napi_value out, const char* fn, const std::string& text) {
  if (TypeOf(env, out) != napi_object) return ThrowType(env, fn, "expected an output object { value: string }");
  napi_value cur = GetValue(env, out);
  std::string all;
  if (!IsNullish(env, cur) && !Utf8(env, cur, fn, &all)) return false;
  all += text;
  SetValue(env, out, Str(env, all.data(), all.size()));
  return true;
}

// The `a` argument of d2i/PEM_read (SSL_SESSION **): null/undefined, or an
// out-parameter whose value is null or a session to overwrite.
bool SessionOutArg(Instance* inst, napi_value v, const char* fn, bool* present, Session** into) {
  napi_env env = inst->env;
  *into = nullptr;
  if (!OptionalOut(env, v, fn, present)) return false;
  if (!*present) return true;
  bool is_null{};
  napi_value cur = GetValue(env, v);
  if (TypeOf(env, cur) == napi_undefined) return true;
  *into = UnwrapNullable<Session>(inst, cur, fn, &is_null);
  return *into != nullptr || is_null;
}

napi_value Decode(Instance* inst, napi_value a_out, bool has_out, Session* into, const uint8_t* data,
                  size_t len, size_t* consumed, CallScope* scope) {
  napi_env env = inst->env;
  if (into && !into->alive()) {
    napi_throw_error(env, "ERR_USE_AFTER_FREE", "d2i_SSL_SESSION: SSL_SESSION is being freed");
    return nullptr;
  }
  Session* s = session_from_der(inst->runtime, into, data, len, consumed);
  if (s == nullptr) return scope->Rethrow() ? nullptr : Null(env);
  napi_value h = Surface(inst, s);
  if (has_out) SetValue(env, a_out, h);
  return h;
}

// ------------------------------------------------------------------ DER

napi_value i2d_SSL_SESSION(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  const char* fn = "i2d_SSL_SESSION";
  Session* s = Unwrap<Session>(a.inst, a[0], fn);
  bool has_out{};
  if (!s || !OptionalOut(env, a[1], fn, &has_out)) return nullptr;
  const size_t n = session_der_length(s);
  if (!has_out || n == 0) return Int(env, static_cast<int64_t>(n));
  napi_value cur = GetValue(env, a[1]);
  if (IsNullish(env, cur)) {
    uint8_t* dst = nullptr;
    napi_value arr = NewBytes(env, n, &dst);
    if (arr == nullptr) return nullptr;
    session_to_der(s, dst, n);
    SetValue(env, a[1], arr);
    return Int(env, static_cast<int64_t>(n));
  }
  uint8_t* out{};
  size_t cap{};
  if (!GetWritableBytes(env, cur, fn, &out, &cap)) return nullptr;
  if (cap < n) {
    std::string msg = "pp.value has room for " + std::to_string(cap) + " bytes; the encoding needs " + std::to_string(n);
    ThrowRange(env, fn, msg.c_str());
    return nullptr;
  }
  session_to_der(s, out, n);
  napi_value rest = Subarray(env, cur, n);
  if (!rest) return nullptr;
  SetValue(env, a[1], rest);
  return Int(env, static_cast<int64_t>(n));
}

napi_value d2i_SSL_SESSION(napi_env env, napi_callback_info info) {
  Args<3> a(env, info);
  const char* fn = "d2i_SSL_SESSION";
  bool has_out{};
  Session* into{};
  if (!SessionOutArg(a.inst, a[0], fn, &has_out, &into)) return nullptr;
  if (TypeOf(env, a[1]) != napi_object) {
    ThrowType(env, fn, "expected an in/out-parameter { value: Uint8Array }");
    return nullptr;
  }
  napi_value in = GetValue(env, a[1]);
  Bytes b;
  if (!GetBytes(env, in, a[2], fn, &b)) return nullptr;
  CallScope scope(a.inst);  // a new session runs the ex_data new callbacks
  size_t consumed = 0;
  napi_value h = Decode(a.inst, a[0], has_out, into, b.data, b.length, &consumed, &scope);
  if (h == nullptr || IsNullish(env, h)) return h;
  napi_value rest = Subarray(env, in, consumed);
  if (rest) SetValue(env, a[1], rest);
  return scope.Rethrow() ? nullptr : h;
}

// sessionToDer(s): the DER bytes, or null when i2d_SSL_SESSION gives 0.
napi_value sessionToDer(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  Session* s = Unwrap<Session>(a.inst, a[0], "sessionToDer");
  if (!s) return nullptr;
  const size_t n = session_der_length(s);
  if (n == 0) return Null(env);
  uint8_t* dst = nullptr;
  napi_value arr = NewBytes(env, n, &dst);
  if (arr != nullptr) session_to_der(s, dst, n);
  return arr;
}

// sessionFromDer(bytes, length?): d2i_SSL_SESSION(NULL, &p, length).
napi_value sessionFromDer(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  Bytes b;
  if (!GetBytes(env, a[0], a[1], "sessionFromDer", &b)) return nullptr;
  CallScope scope(a.inst);
  size_t consumed{};
  napi_value h = Decode(a.inst, nullptr, false, nullptr, b.data, b.length, &consumed, &scope);
  if (h == nullptr) return nullptr;
  return scope.Rethrow() ? nullptr : h;
}

// ------------------------------------------------------------------ PEM

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// PEM_write_bio: the base64 body in lines of 64 characters.
std::string PemEncode(const uint8_t* p, size_t n) {
  std::string b64;
  b64.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = p[i] << 16;
    if (i + 1 < n) v |= p[i + 1] << 8;
    if (i + 2 < n) v |= p[i + 2];
    b64.push_back(kB64[(v >> 18) & 63]);
    b64.push_back(kB64[(v >> 12) & 63]);
    b64.push_back(i + 1 < n ? kB64[(v >> 6) & 63] : '=');
    b64.push_back(i + 2 < n ? kB64[v & 63] : '=');
  }
  std::string out = std::string(kPemBegin) + "\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out.push_back('\n');
  }
  out += kPemEnd;
  out.push_back('\n');
  return out;
}

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Finds the first SSL SESSION PARAMETERS block in text[0..n) (other PEM
// blocks and text around them are skipped, as PEM_read_bio_SSL_SESSION
// does) and decodes its body. Returns 0 and sets *end (just past the END
// line) or returns the PEM_R_* reason.
int PemDecode(const char* text, size_t n, std::string* der, size_t* end) {
  const std::string t(text, n);
  size_t line = 0;
  size_t body = std::string::npos;
  while (line < n) {
    size_t eol = t.find('\n', line);
    if (eol == std::string::npos) eol = n;
    std::string l = t.substr(line, eol - line);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    line = eol + 1;
    if (l == kPemBegin) {
      body = line;
      break;
    }
  }
  if (body == std::string::npos) {
    *end = n;
    return kPemNoStartLine;
  }
  uint32_t acc = 0;
  int bits = 0, pad = 0;
  der->clear();
  line = body;
  while (line < n) {
    size_t eol = t.find('\n', line);
    if (eol == std::string::npos) eol = n;
    std::string l = t.substr(line, eol - line);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    line = eol + 1;
    if (l == kPemEnd) {
      if (bits >= 6 && pad == 0) return kPemBadBase64Decode;  // a dangling partial quantum
      *end = line > n ? n : line;
      return 0;
    }
    for (char c : l) {
      if (c == ' ' || c == '\t') continue;
      if (c == '=') {
        if (++pad > 2) return kPemBadBase64Decode;
        continue;
      }
      const int v = B64Value(c);
      if (v < 0 || pad) return kPemBadBase64Decode;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        der->push_back(static_cast<char>((acc >> bits) & 0xff));
      }
    }
  }
  *end = n;
  return kPemBadEndLine;
}

// PEM_write_SSL_SESSION(out, s) / PEM_write_bio_SSL_SESSION(out, s): appends
// the PEM block to out.value; 1, or 0 with an error when s has no cipher.
napi_value PEM_write_SSL_SESSION(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
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
  std::string pem = PemEncode(reinterpret_cast<const uint8_t*>(der.data()), n);
  cleanse(&der[0], n);  // the master key was in there
  return AppendText(env, a[0], fn, pem) ? Int(env, 1) : nullptr;
}

// PEM_read_SSL_SESSION(in, x?, cb?, u?): the first session block of `in`.
napi_value PEM_read_SSL_SESSION(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
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
  std::string text;
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
  bool has_out{};
  Session* into{};
  if (!SessionOutArg(a.inst, a[1], fn, &has_out, &into)) return nullptr;
  std::string der;
  size_t end = 0;
  const int bad = PemDecode(text.data(), text.size(), &der, &end);
  if (holder) {
    napi_value rest = typed ? Subarray(env, src, end) : Str(env, text.data() + end, text.size() - end);
    if (!rest) return nullptr;
    SetValue(env, holder, rest);
  }
  if (bad) {
    err_push(kErrLibPem, bad);
    return Null(env);
  }
  CallScope scope(a.inst);
  size_t consumed{};
  napi_value h = Decode(a.inst, a[1], has_out, into, reinterpret_cast<const uint8_t*>(der.data()), der.size(),
                        &consumed, &scope);
  cleanse(&der[0], der.size());
  if (h == nullptr) return nullptr;
  if (IsNullish(env, h)) err_push(kErrLibPem, kReasonAsn1Lib);  // PEM_ASN1_read_bio's own report
  return scope.Rethrow() ? nullptr : h;
}

// SSL_SESSION_print(bp, s): appends OpenSSL's text to bp.value; 1, or 0 where
// OpenSSL's printer fails (see der_print), with the text written so far.
napi_value SSL_SESSION_print(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  const char* fn = "SSL_SESSION_print";
  Session* s = Unwrap<Session>(a.inst, a[1], fn);
  if (!s) return nullptr;
  SessionView v = session_view(s);
  bool complete{};
  std::string text = der_print(v, &complete);
  if (!AppendText(env, a[0], fn, text)) return nullptr;
  return Int(env, complete ? 1 : 0);
}

// ------------------------------------------------------------------ fields

using B = SessionFields;

// Fills the optional out-parameters (data, len) of a get0 accessor and
// returns the bytes (null when the field is absent).
napi_value GetBlob(napi_env env, napi_callback_info info, const char* fn, B::Blob which) {
  Args<3> a(env, info);
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

// set1 of a byte field: null or length 0 makes it absent (as OpenSSL's
// set1_alpn_selected and set1_ticket_appdata do). 1, or 0 out of memory.
napi_value SetBlob(napi_env env, napi_callback_info info, const char* fn, B::Blob which) {
  Args<3> a(env, info);
  Session* s = Unwrap<Session>(a.inst, a[0], fn);
  if (!s) return nullptr;
  if (TypeOf(env, a[1]) == napi_null) return Int(env, s->fields.clear(which) ? 1 : 0);
  Bytes b;
  if (!GetBytes(env, a[1], a[2], fn, &b)) return nullptr;
  if (b.length == 0) return Int(env, s->fields.clear(which) ? 1 : 0);
  return Int(env, s->fields.set(which, b.data, b.length) ? 1 : 0);
}

napi_value SSL_SESSION_get0_hostname(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get0_hostname");
  if (!s) return nullptr;
  if (!s->fields.has(B::kHostname)) return Null(env);
  ByteView v = s->fields.get(B::kHostname);
  return Str(env, reinterpret_cast<const char*>(v.data), v.size);
}

// SSL_SESSION_set1_hostname(s, hostname): a copy up to the first NUL
// (strdup); null removes it. 1, or 0 out of memory.
napi_value SSL_SESSION_set1_hostname(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  const char* fn = "SSL_SESSION_set1_hostname";
  Session* s = Unwrap<Session>(a.inst, a[0], fn);
  if (!s) return nullptr;
  if (IsNullish(env, a[1])) return Int(env, s->fields.clear(B::kHostname) ? 1 : 0);
  std::string h;
  if (!Utf8(env, a[1], fn, &h)) return nullptr;
  h.resize(strnlen(h.data(), h.size()));
  return Int(env, s->fields.set(B::kHostname, reinterpret_cast<const uint8_t*>(h.data()), h.size()) ? 1 : 0);
}

napi_value SSL_SESSION_get0_alpn_selected(napi_env env, napi_callback_info info) {
  return GetBlob(env, info, "SSL_SESSION_get0_alpn_selected", B::kAlpnSelected);
}
napi_value SSL_SESSION_set1_alpn_selected(napi_env env, napi_callback_info info) {
  return SetBlob(env, info, "SSL_SESSION_set1_alpn_selected", B::kAlpnSelected);
}
napi_value SSL_SESSION_get0_ticket(napi_env env, napi_callback_info info) {
  return GetBlob(env, info, "SSL_SESSION_get0_ticket", B::kTicket);
}
napi_value SSL_SESSION_set1_ticket_appdata(napi_env env, napi_callback_info info) {
  return SetBlob(env, info, "SSL_SESSION_set1_ticket_appdata", B::kTicketAppdata);
}

// SSL_SESSION_get0_ticket_appdata(s, data, len): 1 (C's result), the outs set.
napi_value SSL_SESSION_get0_ticket_appdata(napi_env env, napi_callback_info info) {
  napi_value r = GetBlob(env, info, "SSL_SESSION_get0_ticket_appdata", B::kTicketAppdata);
  return r ? Int(env, 1) : nullptr;
}

napi_value SSL_SESSION_has_ticket(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_has_ticket");
  return s ? Int(env, s->fields.get(B::kTicket).size > 0 ? 1 : 0) : nullptr;
}

// SSL_SESSION_get0_peer(s): the peer certificate's DER bytes (a copy), or
// null. Parse on demand: new crypto.X509Certificate(bytes).
napi_value SSL_SESSION_get0_peer(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get0_peer");
  if (!s) return nullptr;
  if (!s->fields.has(B::kPeer)) return Null(env);
  ByteView v = s->fields.get(B::kPeer);
  return Copy(env, v.data, v.size);
}

// Numeric fields: getter and setter pairs over SessionFields members.
enum NumField { kLifetimeHint, kMaxEarlyData, kMaxFragmentLength, kCompressId, kVerifyResult, kFlags };

template <NumField F>
napi_value GetNum(napi_env env, napi_callback_info info) {
  static constexpr const char* kNames[] = {
      "SSL_SESSION_get_ticket_lifetime_hint", "SSL_SESSION_get_max_early_data",
      "SSL_SESSION_get_max_fragment_length", "SSL_SESSION_get_compress_id",
      "sessionGetVerifyResult", "sessionGetFlags"};
  Args<1> a(env, info);
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
    case kMaxEarlyData: return Int(env, f.max_early_data);
    // 255 (TLSEXT_max_fragment_length_UNSPECIFIED) reads as 0 (DISABLED), as in OpenSSL.
    case kMaxFragmentLength: return Int(env, f.max_fragment_len_mode == 255 ? 0 : f.max_fragment_len_mode);
    case kCompressId: return Int(env, f.compress_meth);
    case kVerifyResult: return Int(env, f.verify_result);
    case kFlags: return Int(env, f.flags);
  }
  return nullptr;
}

template <NumField F>
napi_value SetNum(napi_env env, napi_callback_info info) {
  static constexpr const char* kNames[] = {"", "SSL_SESSION_set_max_early_data", "", "",
                                           "sessionSetVerifyResult", "sessionSetFlags"};
  Args<2> a(env, info);
  Session* s = Unwrap<Session>(a.inst, a[0], kNames[F]);
  int64_t v{};
  if (!s || !GetInt64(env, a[1], kNames[F], &v)) return nullptr;
  switch (F) {
    case kMaxEarlyData: s->fields.max_early_data = static_cast<uint32_t>(v); return Int(env, 1);
    case kVerifyResult: s->fields.verify_result = static_cast<int32_t>(v); return Undefined(env);
    case kFlags: s->fields.flags = static_cast<uint32_t>(v); return Undefined(env);
    default: return nullptr;
  }
}

// ------------------------------------------------------------------ dup

void* Retain(void* held, void* arg) {
  Instance* inst = static_cast<Instance*>(arg);
  return HoldValue(inst, HeldValue(inst, held));
}

// SSL_SESSION_dup(src): a copy with one reference, not cached; null (and an
// error) if a dup callback failed.
napi_value SSL_SESSION_dup(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  Session* s = UnwrapLive<Session>(a.inst, a[0], "SSL_SESSION_dup");
  if (!s) return nullptr;
  CallScope scope(a.inst);  // new, dup (and on failure free) callbacks
  Session* d = session_dup(s, Retain, a.inst);
  napi_value h = SurfaceOrNull(a.inst, d);
  return scope.Rethrow() ? nullptr : h;
}

}  // namespace

const Export der_exports[] = {
    {"i2d_SSL_SESSION", i2d_SSL_SESSION},
    {"d2i_SSL_SESSION", d2i_SSL_SESSION},
    {"sessionToDer", sessionToDer},
    {"sessionFromDer", sessionFromDer},
    {"PEM_write_SSL_SESSION", PEM_write_SSL_SESSION},
    {"PEM_write_bio_SSL_SESSION", PEM_write_SSL_SESSION},
    {"PEM_read_SSL_SESSION", PEM_read_SSL_SESSION},
    {"PEM_read_bio_SSL_SESSION", PEM_read_SSL_SESSION},
    {"SSL_SESSION_print", SSL_SESSION_print},
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
    {"SSL_SESSION_dup", SSL_SESSION_dup},
    {"sessionGetVerifyResult", GetNum<kVerifyResult>},
    {"sessionSetVerifyResult", SetNum<kVerifyResult>},
    {"sessionGetFlags", GetNum<kFlags>},
    {"sessionSetFlags", SetNum<kFlags>},
};
const size_t der_export_count = sizeof der_exports / sizeof der_exports[0];

}  // namespace osc
