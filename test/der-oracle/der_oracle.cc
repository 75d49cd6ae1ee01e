// Test-only: real OpenSSL (the node binary's) for the DER tests and bench.
//   decode(bytes)     -> null | { der, consumed, fields..., print, printOk }
//                        (err: the first queued error code on failure)
//   encode(spec)      -> i2d of SSL_SESSION_new() + the public setters
//   dup(bytes)        -> i2d(SSL_SESSION_dup(d2i(bytes)))
//   bench(bytes, n)   -> { d2i, i2d } nanoseconds per call
#include <node_api.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace {

napi_value Bytes(napi_env env, const unsigned char* p, size_t n) {
  void* d;
  napi_value ab, r;
  napi_create_arraybuffer(env, n, &d, &ab);
  if (n) std::memcpy(d, p, n);
  napi_create_typedarray(env, napi_uint8_array, n, ab, 0, &r);
  return r;
}
napi_value Null(napi_env env) {
  napi_value v;
  napi_get_null(env, &v);
  return v;
}
napi_value Num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}
napi_value Str(napi_env env, const char* s, size_t n = NAPI_AUTO_LENGTH) {
  if (!s) return Null(env);
  napi_value v;
  napi_create_string_utf8(env, s, n, &v);
  return v;
}
void Set(napi_env env, napi_value o, const char* k, napi_value v) { napi_set_named_property(env, o, k, v); }

std::vector<unsigned char> Arg(napi_env env, napi_value v) {
  void* data = nullptr;
  size_t n = 0;
  napi_typedarray_type t;
  napi_get_typedarray_info(env, v, &t, &n, &data, nullptr, nullptr);
  const unsigned char* p = static_cast<const unsigned char*>(data);
  return std::vector<unsigned char>(p, p + n);
}

std::vector<unsigned char> I2d(SSL_SESSION* s) {
  int n = i2d_SSL_SESSION(s, nullptr);
  if (n <= 0) return {};
  std::vector<unsigned char> b(n);
  unsigned char* p = b.data();
  i2d_SSL_SESSION(s, &p);
  return b;
}

SSL* TheSsl() {
  static SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  static SSL* ssl = SSL_new(ctx);
  return ssl;
}

napi_value Decode(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  std::vector<unsigned char> in = Arg(env, argv[0]);
  ERR_clear_error();
  const unsigned char* p = in.data();
  SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(in.size()));
  napi_value o;
  napi_create_object(env, &o);
  if (!s) {
    Set(env, o, "err", Num(env, static_cast<double>(ERR_peek_error())));
    ERR_clear_error();
    return o;
  }
  Set(env, o, "consumed", Num(env, static_cast<double>(p - in.data())));
  std::vector<unsigned char> der = I2d(s);
  Set(env, o, "der", Bytes(env, der.data(), der.size()));
  Set(env, o, "version", Num(env, SSL_SESSION_get_protocol_version(s)));
  const SSL_CIPHER* c = SSL_SESSION_get0_cipher(s);
  Set(env, o, "cipherId", c ? Num(env, SSL_CIPHER_get_id(c)) : Null(env));
  Set(env, o, "cipherName", c ? Str(env, SSL_CIPHER_get_name(c)) : Null(env));
  unsigned int n;
  const unsigned char* id = SSL_SESSION_get_id(s, &n);
  Set(env, o, "id", Bytes(env, id, n));
  id = SSL_SESSION_get0_id_context(s, &n);
  Set(env, o, "sidCtx", Bytes(env, id, n));
  unsigned char mk[1024];
  size_t mkl = SSL_SESSION_get_master_key(s, mk, sizeof mk);
  Set(env, o, "masterKey", Bytes(env, mk, mkl));
  Set(env, o, "time", Num(env, static_cast<double>(SSL_SESSION_get_time(s))));
  Set(env, o, "timeout", Num(env, static_cast<double>(SSL_SESSION_get_timeout(s))));
  Set(env, o, "hostname", Str(env, SSL_SESSION_get0_hostname(s)));
  const unsigned char* alpn = nullptr;
  size_t alpnl = 0;
  SSL_SESSION_get0_alpn_selected(s, &alpn, &alpnl);
  Set(env, o, "alpn", alpn ? Bytes(env, alpn, alpnl) : Null(env));
  Set(env, o, "hasTicket", Num(env, SSL_SESSION_has_ticket(s)));
  const unsigned char* tick = nullptr;
  size_t tickl = 0;
  SSL_SESSION_get0_ticket(s, &tick, &tickl);
  Set(env, o, "ticket", tick ? Bytes(env, tick, tickl) : Null(env));
  Set(env, o, "lifetimeHint", Num(env, static_cast<double>(SSL_SESSION_get_ticket_lifetime_hint(s))));
  Set(env, o, "maxEarlyData", Num(env, SSL_SESSION_get_max_early_data(s)));
  void* ad = nullptr;
  size_t adl = 0;
  SSL_SESSION_get0_ticket_appdata(s, &ad, &adl);
  Set(env, o, "appdata", ad ? Bytes(env, static_cast<unsigned char*>(ad), adl) : Null(env));
  Set(env, o, "maxFragmentLength", Num(env, SSL_SESSION_get_max_fragment_length(s)));
  Set(env, o, "compressId", Num(env, SSL_SESSION_get_compress_id(s)));
  Set(env, o, "resumable", Num(env, SSL_SESSION_is_resumable(s)));
  X509* peer = SSL_SESSION_get0_peer(s);
  if (peer) {
    unsigned char* pd = nullptr;
    int pl = i2d_X509(peer, &pd);
    Set(env, o, "peer", Bytes(env, pd, pl));
    OPENSSL_free(pd);
  } else {
    Set(env, o, "peer", Null(env));
  }
  BIO* b = BIO_new(BIO_s_mem());
  int ok = SSL_SESSION_print(b, s);
  char* text;
  long tl = BIO_get_mem_data(b, &text);
  Set(env, o, "print", Str(env, text, static_cast<size_t>(tl)));
  Set(env, o, "printOk", Num(env, ok));
  BIO_free(b);
  SSL_SESSION_free(s);
  return o;
}

bool Prop(napi_env env, napi_value o, const char* k, napi_value* v) {
  bool has = false;
  napi_has_named_property(env, o, k, &has);
  if (!has) return false;
  napi_get_named_property(env, o, k, v);
  napi_valuetype t;
  napi_typeof(env, *v, &t);
  return t != napi_undefined;
}
double NumProp(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

// spec: { version, cipher (2-byte id), id, sidCtx, masterKey, time, timeout,
//         hostname, alpn, appdata, maxEarlyData } (each optional)
napi_value Encode(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_value spec = argv[0], v;
  SSL_SESSION* s = SSL_SESSION_new();
  if (Prop(env, spec, "version", &v)) SSL_SESSION_set_protocol_version(s, static_cast<int>(NumProp(env, v)));
  if (Prop(env, spec, "cipher", &v)) {
    unsigned int id = static_cast<unsigned int>(NumProp(env, v));
    unsigned char b[2] = {static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id)};
    const SSL_CIPHER* c = SSL_CIPHER_find(TheSsl(), b);
    if (c) SSL_SESSION_set_cipher(s, c);
  }
  if (Prop(env, spec, "id", &v)) {
    auto b = Arg(env, v);
    SSL_SESSION_set1_id(s, b.data(), b.size());
  }
  if (Prop(env, spec, "sidCtx", &v)) {
    auto b = Arg(env, v);
    SSL_SESSION_set1_id_context(s, b.data(), b.size());
  }
  if (Prop(env, spec, "masterKey", &v)) {
    auto b = Arg(env, v);
    SSL_SESSION_set1_master_key(s, b.data(), b.size());
  }
  if (Prop(env, spec, "time", &v)) SSL_SESSION_set_time(s, static_cast<long>(NumProp(env, v)));
  if (Prop(env, spec, "timeout", &v)) SSL_SESSION_set_timeout(s, static_cast<long>(NumProp(env, v)));
  if (Prop(env, spec, "hostname", &v)) {
    napi_valuetype t;
    napi_typeof(env, v, &t);
    if (t == napi_null)
      SSL_SESSION_set1_hostname(s, nullptr);
    else {
      char buf[512];
      size_t n;
      napi_get_value_string_utf8(env, v, buf, sizeof buf, &n);
      SSL_SESSION_set1_hostname(s, buf);
    }
  }
  if (Prop(env, spec, "alpn", &v)) {
    auto b = Arg(env, v);
    SSL_SESSION_set1_alpn_selected(s, b.empty() ? nullptr : b.data(), b.size());
  }
  if (Prop(env, spec, "appdata", &v)) {
    auto b = Arg(env, v);
    SSL_SESSION_set1_ticket_appdata(s, b.empty() ? nullptr : b.data(), b.size());
  }
  if (Prop(env, spec, "maxEarlyData", &v))
    SSL_SESSION_set_max_early_data(s, static_cast<uint32_t>(NumProp(env, v)));
  std::vector<unsigned char> der = I2d(s);
  SSL_SESSION_free(s);
  return Bytes(env, der.data(), der.size());
}

napi_value Dup(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  std::vector<unsigned char> in = Arg(env, argv[0]);
  const unsigned char* p = in.data();
  SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(in.size()));
  if (!s) return Null(env);
  SSL_SESSION* d = SSL_SESSION_dup(s);
  std::vector<unsigned char> der = I2d(d);
  SSL_SESSION_free(d);
  SSL_SESSION_free(s);
  return Bytes(env, der.data(), der.size());
}

napi_value Bench(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  std::vector<unsigned char> in = Arg(env, argv[0]);
  double iters_d = 0;
  napi_get_value_double(env, argv[1], &iters_d);
  const long iters = static_cast<long>(iters_d);
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  for (long i = 0; i < iters; i++) {
    const unsigned char* p = in.data();
    SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(in.size()));
    SSL_SESSION_free(s);
  }
  auto t1 = Clock::now();
  const unsigned char* p = in.data();
  SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(in.size()));
  std::vector<unsigned char> out(in.size() + 64);
  auto t2 = Clock::now();
  for (long i = 0; i < iters; i++) {
    unsigned char* q = out.data();
    i2d_SSL_SESSION(s, &q);
  }
  auto t3 = Clock::now();
  SSL_SESSION_free(s);
  napi_value o;
  napi_create_object(env, &o);
  Set(env, o, "d2i", Num(env, std::chrono::duration<double, std::nano>(t1 - t0).count() / iters));
  Set(env, o, "i2d", Num(env, std::chrono::duration<double, std::nano>(t3 - t2).count() / iters));
  return o;
}

// Per-call forms for timing from JS (one N-API call per operation, as ours):
//   parse(bytes) -> an external holding d2i(bytes) (freed by the GC)
//   i2dInto(external, out) -> i2d_SSL_SESSION(s, &p) into `out`
//   d2iFree(bytes) -> d2i then SSL_SESSION_free; 1 or 0
void FreeSession(napi_env, void* data, void*) { SSL_SESSION_free(static_cast<SSL_SESSION*>(data)); }

napi_value Parse(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  std::vector<unsigned char> in = Arg(env, argv[0]);
  const unsigned char* p = in.data();
  SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(in.size()));
  if (!s) return Null(env);
  napi_value v;
  napi_create_external(env, s, FreeSession, nullptr, &v);
  return v;
}

napi_value I2dInto(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* s;
  napi_get_value_external(env, argv[0], &s);
  void* data;
  size_t n;
  napi_typedarray_type t;
  napi_get_typedarray_info(env, argv[1], &t, &n, &data, nullptr, nullptr);
  SSL_SESSION* ss = static_cast<SSL_SESSION*>(s);
  if (static_cast<size_t>(i2d_SSL_SESSION(ss, nullptr)) > n) return Num(env, -1);
  unsigned char* p = static_cast<unsigned char*>(data);
  return Num(env, i2d_SSL_SESSION(ss, &p));
}

napi_value D2iFree(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* data;
  size_t n;
  napi_typedarray_type t;
  napi_get_typedarray_info(env, argv[0], &t, &n, &data, nullptr, nullptr);
  const unsigned char* p = static_cast<const unsigned char*>(data);
  SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(n));
  SSL_SESSION_free(s);
  return Num(env, s ? 1 : 0);
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"decode", nullptr, Decode, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"encode", nullptr, Encode, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dup", nullptr, Dup, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bench", nullptr, Bench, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"parse", nullptr, Parse, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"i2dInto", nullptr, I2dInto, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"d2iFree", nullptr, D2iFree, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
