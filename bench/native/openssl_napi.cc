// Bench-only addon (4): a thin Node-API wrapper over real OpenSSL 3.0 with
// the argument shapes of our API (handles are type-tagged externals, byte
// inputs Uint8Arrays with an optional length), so a JS call crosses the same
// way on both sides. No validation beyond what ours does on the hot path; no
// finalizers (C lifetimes: the caller frees).
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/lhash.h>
#include <openssl/ssl.h>

#include <cstring>

extern "C" {
int ssl_get_prev_session(SSL* s, void* hello);
int ssl_get_new_session(SSL* s, int session);
void ssl_update_cache(SSL* s, int mode);
}

namespace {

const napi_type_tag kTags[3] = {
    {0x6f73736c63747831ULL, 0x0000000000000001ULL},  // SSL_CTX
    {0x6f73736c73736c31ULL, 0x0000000000000002ULL},  // SSL
    {0x6f73736c73657331ULL, 0x0000000000000003ULL},  // SSL_SESSION
};
enum { kCtx = 0, kSsl = 1, kSess = 2 };

struct ClientHelloPrefix {
  unsigned int isv2;
  unsigned int legacy_version;
  unsigned char random[32];
  size_t session_id_len;
  unsigned char session_id[32];
};
alignas(16) unsigned char g_hello[4096];
SSL_SESSION* g_key;

napi_value Handle(napi_env env, void* p, int kind) {
  if (!p) {
    napi_value n;
    napi_get_null(env, &n);
    return n;
  }
  napi_value v;
  napi_create_external(env, p, nullptr, nullptr, &v);
  napi_type_tag_object(env, v, &kTags[kind]);
  return v;
}

void* Unwrap(napi_env env, napi_value v, int kind) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  bool ok = false;
  if (t == napi_external) napi_check_object_type_tag(env, v, &kTags[kind], &ok);
  if (!ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "wrong handle type");
    return nullptr;
  }
  void* p;
  napi_get_value_external(env, v, &p);
  return p;
}

bool Bytes(napi_env env, napi_value array, napi_value length, const uint8_t** data, size_t* len) {
  bool is_typed = false;
  napi_is_typedarray(env, array, &is_typed);
  napi_typedarray_type type;
  void* d = nullptr;
  size_t n = 0;
  if (is_typed) napi_get_typedarray_info(env, array, &type, &n, &d, nullptr, nullptr);
  if (!is_typed || type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a Uint8Array");
    return false;
  }
  *data = static_cast<const uint8_t*>(d);
  *len = n;
  if (length) {
    napi_valuetype t;
    napi_typeof(env, length, &t);
    if (t != napi_undefined) {
      int64_t l;
      napi_get_value_int64(env, length, &l);
      if (l < 0 || static_cast<size_t>(l) > n) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "length is larger than the array");
        return false;
      }
      *len = static_cast<size_t>(l);
    }
  }
  return true;
}

napi_value Int(napi_env env, int64_t v) {
  napi_value x;
  napi_create_int64(env, v, &x);
  return x;
}
napi_value Undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}
int64_t I64(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}

template <size_t N>
struct Args {
  napi_value v[N];
  size_t argc = N;
  Args(napi_env env, napi_callback_info info) {
    napi_get_cb_info(env, info, &argc, v, nullptr, nullptr);
    for (size_t i = argc; i < N; i++) napi_get_undefined(env, &v[i]);
  }
  napi_value operator[](size_t i) const { return v[i]; }
};

#define CTX(i)                                                \
  auto* ctx = static_cast<SSL_CTX*>(Unwrap(env, a[i], kCtx)); \
  if (!ctx) return nullptr
#define SSLH(i)                                           \
  auto* ssl = static_cast<SSL*>(Unwrap(env, a[i], kSsl)); \
  if (!ssl) return nullptr
#define SESS(i)                                                  \
  auto* s = static_cast<SSL_SESSION*>(Unwrap(env, a[i], kSess)); \
  if (!s) return nullptr

napi_value CtxNew(napi_env env, napi_callback_info info) {
  SSL_CTX* ctx = SSL_CTX_new(TLSv1_2_server_method());
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  return Handle(env, ctx, kCtx);
}
napi_value SslNew(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  CTX(0);
  return Handle(env, SSL_new(ctx), kSsl);
}
napi_value SslFree(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  SSLH(0);
  SSL_free(ssl);
  return Undef(env);
}
napi_value SslSetShutdown(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  SSLH(0);
  SSL_set_shutdown(ssl, static_cast<int>(I64(env, a[1])));
  return Undef(env);
}
napi_value SessNew(napi_env env, napi_callback_info info) { return Handle(env, SSL_SESSION_new(), kSess); }
napi_value SessFree(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  SESS(0);
  SSL_SESSION_free(s);
  return Undef(env);
}
napi_value SessSet1Id(napi_env env, napi_callback_info info) {
  Args<3> a(env, info);
  SESS(0);
  const uint8_t* d;
  size_t n;
  if (!Bytes(env, a[1], a[2], &d, &n)) return nullptr;
  return Int(env, SSL_SESSION_set1_id(s, d, static_cast<unsigned>(n)));
}
napi_value SessSetVersion(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  SESS(0);
  return Int(env, SSL_SESSION_set_protocol_version(s, static_cast<int>(I64(env, a[1]))));
}
napi_value SessSetTime(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  SESS(0);
  return Int(env, SSL_SESSION_set_time(s, static_cast<long>(I64(env, a[1]))));
}
napi_value SessSetTimeout(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  SESS(0);
  return Int(env, SSL_SESSION_set_timeout(s, static_cast<long>(I64(env, a[1]))));
}
// The DER calls with our API's pointer shapes (ts/der.ts): d2i_SSL_SESSION(a,
// pp, length?) reads pp.value, advances it by the bytes read (subarray) and
// stores the result in a.value when `a` is given; i2d_SSL_SESSION(s, pp?):
// the length alone, `{ value: null }` allocates, `{ value: buf }` writes and
// advances. The same Node-API steps as ours, around OpenSSL's codec.
napi_value GetValue(napi_env env, napi_value o) {
  napi_value v = nullptr;
  napi_get_named_property(env, o, "value", &v);
  return v;
}
napi_ref g_subarray;  // Uint8Array.prototype.subarray, looked up once as ours does
napi_value Subarray(napi_env env, napi_value array, size_t from) {
  napi_value fn = nullptr, result = nullptr, arg = Int(env, static_cast<int64_t>(from));
  napi_get_reference_value(env, g_subarray, &fn);
  if (napi_call_function(env, array, fn, 1, &arg, &result) != napi_ok) return nullptr;
  return result;
}
bool IsObject(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_object;
}
napi_value D2i(napi_env env, napi_callback_info info) {
  Args<3> a(env, info);
  const bool has_a = IsObject(env, a[0]);
  if (!IsObject(env, a[1])) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected { value: Uint8Array }");
    return nullptr;
  }
  napi_value in = GetValue(env, a[1]);
  const uint8_t* data;
  size_t len;
  if (!Bytes(env, in, a[2], &data, &len)) return nullptr;
  const unsigned char* p = data;
  SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(len));
  napi_value h = Handle(env, s, kSess);
  if (!s) return h;
  if (has_a) napi_set_named_property(env, a[0], "value", h);
  napi_value rest = Subarray(env, in, static_cast<size_t>(p - data));
  if (rest) napi_set_named_property(env, a[1], "value", rest);
  return h;
}
napi_value I2d(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  const bool has_out = IsObject(env, a[1]);
  napi_value cur = has_out ? GetValue(env, a[1]) : nullptr;
  napi_valuetype t = napi_undefined;
  if (cur) napi_typeof(env, cur, &t);
  const bool allocate = has_out && (t == napi_null || t == napi_undefined);
  uint8_t* out = nullptr;
  size_t cap = 0;
  if (has_out && !allocate) {
    const uint8_t* d;
    if (!Bytes(env, cur, nullptr, &d, &cap)) return nullptr;
    out = const_cast<uint8_t*>(d);
  }
  SESS(0);
  const int n = i2d_SSL_SESSION(s, nullptr);
  if (!has_out || n <= 0) return Int(env, n);
  if (allocate) {
    void* dst = nullptr;
    napi_value ab, arr;
    napi_create_arraybuffer(env, static_cast<size_t>(n), &dst, &ab);
    napi_create_typedarray(env, napi_uint8_array, static_cast<size_t>(n), ab, 0, &arr);
    unsigned char* q = static_cast<unsigned char*>(dst);
    i2d_SSL_SESSION(s, &q);
    napi_set_named_property(env, a[1], "value", arr);
    return Int(env, n);
  }
  if (cap < static_cast<size_t>(n)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "pp.value is too short");
    return nullptr;
  }
  unsigned char* q = out;
  i2d_SSL_SESSION(s, &q);
  napi_value rest = Subarray(env, cur, static_cast<size_t>(n));
  if (rest) napi_set_named_property(env, a[1], "value", rest);
  return Int(env, n);
}

napi_value CtxAdd(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  CTX(0);
  SESS(1);
  return Int(env, SSL_CTX_add_session(ctx, s));
}
napi_value CtxRemove(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  CTX(0);
  SESS(1);
  return Int(env, SSL_CTX_remove_session(ctx, s));
}
napi_value CtxFlush(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  CTX(0);
  SSL_CTX_flush_sessions(ctx, static_cast<long>(I64(env, a[1])));
  return Undef(env);
}
napi_value CtxSetSize(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  CTX(0);
  return Int(env, SSL_CTX_sess_set_cache_size(ctx, static_cast<long>(I64(env, a[1]))));
}
napi_value CtxSetMode(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  CTX(0);
  return Int(env, SSL_CTX_set_session_cache_mode(ctx, static_cast<long>(I64(env, a[1]))));
}
napi_value CtxNumber(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  CTX(0);
  return Int(env, SSL_CTX_sess_number(ctx));
}
napi_value HasMatch(napi_env env, napi_callback_info info) {
  Args<3> a(env, info);
  SSLH(0);
  const uint8_t* d;
  size_t n;
  if (!Bytes(env, a[1], a[2], &d, &n)) return nullptr;
  return Int(env, SSL_has_matching_session_id(ssl, d, static_cast<unsigned>(n)));
}
// lookup_sess_in_cache(ssl, id): the table step, returning the session with a
// reference for the caller (SSL_SESSION_free it), or null.
napi_value Lookup(napi_env env, napi_callback_info info) {
  Args<3> a(env, info);
  SSLH(0);
  const uint8_t* d;
  size_t n;
  if (!Bytes(env, a[1], a[2], &d, &n)) return nullptr;
  if (n > 32) return Handle(env, nullptr, kSess);
  SSL_SESSION_set1_id(g_key, d, static_cast<unsigned>(n));
  auto* s = static_cast<SSL_SESSION*>(
      OPENSSL_LH_retrieve(reinterpret_cast<OPENSSL_LHASH*>(SSL_CTX_sessions(SSL_get_SSL_CTX(ssl))), g_key));
  if (s) SSL_SESSION_up_ref(s);
  return Handle(env, s, kSess);
}
// simulateServerHandshake(ssl, { sessionId?, version? }) -> { resumed, reason }
napi_value Handshake(napi_env env, napi_callback_info info) {
  Args<2> a(env, info);
  SSLH(0);
  napi_value opts = a[1], v;
  auto* h = reinterpret_cast<ClientHelloPrefix*>(g_hello);
  h->session_id_len = 0;
  bool has = false;
  napi_has_named_property(env, opts, "sessionId", &has);
  if (has) {
    napi_get_named_property(env, opts, "sessionId", &v);
    const uint8_t* d;
    size_t n;
    if (!Bytes(env, v, nullptr, &d, &n)) return nullptr;
    if (n > 32) n = 32;
    memcpy(h->session_id, d, n);
    h->session_id_len = n;
  }
  napi_has_named_property(env, opts, "version", &has);
  if (has) napi_get_named_property(env, opts, "version", &v);  // read like ours; the method fixes 1.2
  bool resumed = ssl_get_prev_session(ssl, g_hello) == 1;
  if (!resumed) {
    ssl_get_new_session(ssl, 1);
    ssl_update_cache(ssl, SSL_SESS_CACHE_SERVER);
  }
  napi_value out, r;
  napi_create_object(env, &out);
  napi_get_boolean(env, resumed, &r);
  napi_set_named_property(env, out, "resumed", r);
  napi_set_named_property(env, out, "reason", Int(env, 0));
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value global, u8, proto, sub;
  napi_get_global(env, &global);
  napi_get_named_property(env, global, "Uint8Array", &u8);
  napi_get_named_property(env, u8, "prototype", &proto);
  napi_get_named_property(env, proto, "subarray", &sub);
  napi_create_reference(env, sub, 1, &g_subarray);
  g_key = SSL_SESSION_new();
  SSL_SESSION_set_protocol_version(g_key, TLS1_2_VERSION);
  struct {
    const char* name;
    napi_callback fn;
  } fns[] = {
      {"SSL_CTX_new", CtxNew},
      {"SSL_new", SslNew},
      {"SSL_free", SslFree},
      {"SSL_set_shutdown", SslSetShutdown},
      {"SSL_SESSION_new", SessNew},
      {"SSL_SESSION_free", SessFree},
      {"SSL_SESSION_set1_id", SessSet1Id},
      {"SSL_SESSION_set_protocol_version", SessSetVersion},
      {"SSL_SESSION_set_time", SessSetTime},
      {"SSL_SESSION_set_timeout", SessSetTimeout},
      {"d2i_SSL_SESSION", D2i},
      {"i2d_SSL_SESSION", I2d},
      {"SSL_CTX_add_session", CtxAdd},
      {"SSL_CTX_remove_session", CtxRemove},
      {"SSL_CTX_flush_sessions", CtxFlush},
      {"SSL_CTX_sess_set_cache_size", CtxSetSize},
      {"SSL_CTX_set_session_cache_mode", CtxSetMode},
      {"SSL_CTX_sess_number", CtxNumber},
      {"SSL_has_matching_session_id", HasMatch},
      {"lookup_sess_in_cache", Lookup},
      {"simulateServerHandshake", Handshake},
  };
  for (auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  napi_value ver;
  napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &ver);
  napi_set_named_property(env, exports, "version", ver);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
