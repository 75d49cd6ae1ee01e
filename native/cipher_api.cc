// SSL_CIPHER entry points, and the cipher of a session.
//
// An SSL_CIPHER handle is an external pointing at a static entry of the core's
// cipher table (src/cipher_table.cc), tagged with the instance's random
// cipher tag. Each environment keeps one handle per cipher for its whole
// life (Instance::cipher_refs), so a cipher always surfaces as the same
// handle (`===` is pointer equality, as in C).
#include <string>

#include "../src/cipher_table.h"
#include "entry.h"

namespace osc {

// The handle of cipher c (null for null).
napi_value CipherHandle(Instance* inst, const CipherInfo* c) {
  napi_env env = inst->env;
  if (c == nullptr) return Null(env);
  if (inst->cipher_refs.empty()) {
    size_t n{};
    cipher_table(&n);
    inst->cipher_refs.assign(n, nullptr);
  }
  napi_ref& ref = inst->cipher_refs[static_cast<size_t>(c - cipher_table(nullptr))];
  napi_value v = nullptr;
  if (ref) napi_get_reference_value(env, ref, &v);
  if (v == nullptr) {
    // Fails only once the environment stops running JS: nothing is kept then.
    if (napi_create_external(env, const_cast<CipherInfo*>(c), nullptr, nullptr, &v) != napi_ok ||
        napi_type_tag_object(env, v, &inst->cipher_tag) != napi_ok || napi_object_freeze(env, v) != napi_ok) {
      return nullptr;
    }
    if (ref) napi_delete_reference(env, ref);
    ref = nullptr;
    napi_create_reference(env, v, 1, &ref);
  }
  return v;
}

// The cipher behind a handle, or null after throwing a TypeError. `nullable`
// accepts JS null (returns null, *is_null set, nothing thrown).
const CipherInfo* UnwrapCipher(Instance* inst, napi_value v, const char* fn, bool nullable, bool* is_null) {
  napi_env env = inst->env;
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  if (is_null) *is_null = false;
  if (t == napi_null && nullable) {
    *is_null = true;
    return nullptr;
  }
  bool tagged = false;
  if (t == napi_external) napi_check_object_type_tag(env, v, &inst->cipher_tag, &tagged);
  if (!tagged) {
    std::string msg = std::string(fn) + ": expected an SSL_CIPHER handle";
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg.c_str());
    return nullptr;
  }
  void* data = nullptr;
  napi_get_value_external(env, v, &data);
  return static_cast<const CipherInfo*>(data);
}

namespace {

napi_value Str(napi_env env, const char* s) {
  if (s == nullptr) return Null(env);
  napi_value v = nullptr;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

// SSL_CIPHER_find(ssl, ptr): the cipher whose two-byte id is ptr[0..2), or
// null. `ssl` (an SSL or null) is not consulted: OpenSSL asks the SSL's method,
// and every TLS method knows the same ciphers.
napi_value SSL_CIPHER_find(Call& a) {
  napi_env env = a.env;
  bool is_null{};
  Object* ssl = UnwrapNullable<Connection>(a.inst, a[0], "SSL_CIPHER_find", &is_null);
  if (!ssl && !is_null) return nullptr;
  Bytes b;
  if (!GetBytes(env, a[1], nullptr, "SSL_CIPHER_find", &b)) return nullptr;
  if (b.length < 2) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "SSL_CIPHER_find: expected 2 bytes");
    return nullptr;
  }
  return CipherHandle(a.inst, cipher_by_id(static_cast<uint16_t>((b.data[0] << 8) | b.data[1])));
}

// cipherFromId(id): the cipher with two-byte id `id` (0x1301) or OpenSSL id
// (0x03001301), or null. Not OpenSSL API.
napi_value cipherFromId(Call& a) {
  napi_env env = a.env;
  int64_t id{};
  if (!GetCLong(env, a[0], "cipherFromId", &id)) return nullptr;
  const CipherInfo* c = nullptr;
  if (id >= 0 && id <= 0xffff)
    c = cipher_by_id(static_cast<uint16_t>(id));
  else if (id >= 0 && id <= 0xffffffffLL)
    c = cipher_by_openssl_id(static_cast<uint32_t>(id));
  return CipherHandle(a.inst, c);
}

// cipherFromName(name): the cipher with OpenSSL name `name`, or null.
napi_value cipherFromName(Call& a) {
  napi_env env = a.env;
  char buf[128];
  size_t n{};
  if (napi_get_value_string_utf8(env, a[0], buf, sizeof buf, &n) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "cipherFromName: expected a string");
    return nullptr;
  }
  return CipherHandle(a.inst, n + 1 < sizeof buf ? cipher_by_name(buf) : nullptr);
}

napi_value SSL_CIPHER_get_id(Call& a) {
  napi_env env = a.env;
  const CipherInfo* c = UnwrapCipher(a.inst, a[0], "SSL_CIPHER_get_id", false, nullptr);
  return c ? Int(env, c->openssl_id()) : nullptr;
}

napi_value SSL_CIPHER_get_protocol_id(Call& a) {
  napi_env env = a.env;
  const CipherInfo* c = UnwrapCipher(a.inst, a[0], "SSL_CIPHER_get_protocol_id", false, nullptr);
  return c ? Int(env, c->id) : nullptr;
}

// The three name getters return "(NONE)" for a null cipher, as OpenSSL.
template <int What>
napi_value CipherText(Call& a) {
  static constexpr const char* kNames[] = {"SSL_CIPHER_get_name", "SSL_CIPHER_standard_name",
                                           "SSL_CIPHER_get_version"};
  napi_env env = a.env;
  bool is_null{};
  const CipherInfo* c = UnwrapCipher(a.inst, a[0], kNames[What], true, &is_null);
  if (is_null) return Str(env, "(NONE)");
  if (!c) return nullptr;
  switch (What) {
    case 0:
      return Str(env, c->name);
    case 1:
      return Str(env, c->standard_name);
    default:
      return Str(env, c->version_string());
  }
}

napi_value SSL_SESSION_get0_cipher(Call& a) {
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_get0_cipher");
  return s ? CipherHandle(a.inst, cipher_by_openssl_id(s->fields.cipher_id)) : nullptr;
}

napi_value SSL_SESSION_set_cipher(Call& a) {
  napi_env env = a.env;
  Session* s = Unwrap<Session>(a.inst, a[0], "SSL_SESSION_set_cipher");
  if (!s) return nullptr;
  const CipherInfo* c = UnwrapCipher(a.inst, a[1], "SSL_SESSION_set_cipher", false, nullptr);
  if (!c) return nullptr;
  s->fields.cipher_id = c->openssl_id();
  return Int(env, 1);
}

}  // namespace

const Export cipher_exports[] = {
    {"SSL_CIPHER_find", SSL_CIPHER_find},
    {"SSL_CIPHER_get_id", SSL_CIPHER_get_id},
    {"SSL_CIPHER_get_protocol_id", SSL_CIPHER_get_protocol_id},
    {"SSL_CIPHER_get_name", CipherText<0>},
    {"SSL_CIPHER_standard_name", CipherText<1>},
    {"SSL_CIPHER_get_version", CipherText<2>},
    {"SSL_SESSION_get0_cipher", SSL_SESSION_get0_cipher},
    {"SSL_SESSION_set_cipher", SSL_SESSION_set_cipher},
    {"cipherFromId", cipherFromId},
    {"cipherFromName", cipherFromName},
};
const size_t cipher_export_count = sizeof cipher_exports / sizeof cipher_exports[0];

}  // namespace osc
