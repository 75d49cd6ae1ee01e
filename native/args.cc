#include "args.h"

#include <cmath>
#include <string>

namespace osc {

bool ThrowType(napi_env env, const char* fn, const char* what) {
  std::string msg = std::string(fn) + ": " + what;
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg.c_str());
  return false;
}

bool ThrowRange(napi_env env, const char* fn, const char* what) {
  std::string msg = std::string(fn) + ": " + what;
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg.c_str());
  return false;
}

namespace {

constexpr double kMaxSafe = 9007199254740991.0;

}  // namespace

bool GetBytes(napi_env env, napi_value array, napi_value length, const char* fn, Bytes* out) {
  bool is_typed = false;
  napi_is_typedarray(env, array, &is_typed);
  if (!is_typed) return ThrowType(env, fn, "expected a Uint8Array");
  napi_typedarray_type type{};
  size_t n = 0;
  void* data = nullptr;
  napi_get_typedarray_info(env, array, &type, &n, &data, nullptr, nullptr);
  if (type != napi_uint8_array) return ThrowType(env, fn, "expected a Uint8Array");
  out->data = static_cast<const uint8_t*>(data);
  out->length = n;
  if (length == nullptr) return true;
  napi_valuetype t{};
  napi_typeof(env, length, &t);
  if (t == napi_undefined) return true;
  size_t len{};
  if (!GetSize(env, length, fn, &len)) return false;
  if (len > n) return ThrowRange(env, fn, "length is larger than the array");
  out->length = len;
  return true;
}

bool GetWritableBytes(napi_env env, napi_value array, const char* fn, uint8_t** data, size_t* length) {
  Bytes b;
  if (!GetBytes(env, array, nullptr, fn, &b)) return false;
  *data = const_cast<uint8_t*>(b.data);
  *length = b.length;
  return true;
}

bool GetInt64(napi_env env, napi_value v, const char* fn, int64_t* out) {
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  if (t == napi_number) {
    double d{};
    napi_get_value_double(env, v, &d);
    if (!std::isfinite(d)) return ThrowRange(env, fn, "expected a finite number");
    if (std::fabs(d) > 9.2e18) return ThrowRange(env, fn, "number out of the signed 64-bit range");
    *out = static_cast<int64_t>(d);
    return true;
  }
  if (t == napi_bigint) {
    bool lossless{};
    napi_get_value_bigint_int64(env, v, out, &lossless);
    if (!lossless) return ThrowRange(env, fn, "bigint out of the signed 64-bit range");
    return true;
  }
  return ThrowType(env, fn, "expected a number or a bigint");
}

bool GetInt32(napi_env env, napi_value v, const char* fn, int32_t* out) {
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  if (t != napi_number) return ThrowType(env, fn, "expected a number");
  napi_get_value_int32(env, v, out);
  return true;
}

bool GetSize(napi_env env, napi_value v, const char* fn, size_t* out) {
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  if (t != napi_number) return ThrowType(env, fn, "expected a length (a number)");
  double d{};
  napi_get_value_double(env, v, &d);
  if (!(d >= 0) || d > kMaxSafe || std::floor(d) != d) {
    return ThrowRange(env, fn, "expected a non-negative integer length");
  }
  *out = static_cast<size_t>(d);
  return true;
}

bool GetCallback(napi_env env, napi_value v, const char* fn, napi_value* fn_out) {
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  if (t == napi_null) {
    *fn_out = nullptr;
    return true;
  }
  if (t != napi_function) return ThrowType(env, fn, "expected a function or null");
  *fn_out = v;
  return true;
}

napi_value Int(napi_env env, int64_t v) {
  napi_value r = nullptr;
  if (v > static_cast<int64_t>(kMaxSafe) || v < -static_cast<int64_t>(kMaxSafe)) {
    napi_create_bigint_int64(env, v, &r);
  } else {
    napi_create_int64(env, v, &r);
  }
  return r;
}

napi_value Num(napi_env env, double v) {
  napi_value r = nullptr;
  napi_create_double(env, v, &r);
  return r;
}

napi_value Null(napi_env env) {
  napi_value r = nullptr;
  napi_get_null(env, &r);
  return r;
}

napi_value Undefined(napi_env env) {
  napi_value r = nullptr;
  napi_get_undefined(env, &r);
  return r;
}

napi_value NewBytes(napi_env env, size_t n, uint8_t** data) {
  void* dst = nullptr;
  napi_value ab = nullptr, r = nullptr;
  // Allocation fails once the environment stops running JS (a Worker being
  // terminated): nothing is written then.
  if (napi_create_arraybuffer(env, n, &dst, &ab) != napi_ok ||
      napi_create_typedarray(env, napi_uint8_array, n, ab, 0, &r) != napi_ok) {
    return nullptr;
  }
  *data = static_cast<uint8_t*>(dst);
  return r;
}

napi_value Copy(napi_env env, const uint8_t* data, size_t n) {
  uint8_t* dst = nullptr;
  napi_value r = NewBytes(env, n, &dst);
  if (r != nullptr && n) memcpy(dst, data, n);
  return r;
}

bool SetOut(napi_env env, napi_value obj, const char* fn, int64_t value) {
  napi_valuetype t{};
  napi_typeof(env, obj, &t);
  if (t != napi_object) return ThrowType(env, fn, "expected an out-parameter object { value }");
  return napi_set_named_property(env, obj, "value", Int(env, value)) == napi_ok;
}

bool GetOut(napi_env env, napi_value obj, int64_t* value) {
  napi_value v = nullptr;
  if (napi_get_named_property(env, obj, "value", &v) != napi_ok) return false;
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  if (t == napi_number) {
    double d{};
    napi_get_value_double(env, v, &d);
    *value = std::isfinite(d) ? static_cast<int64_t>(d) : 0;
    return true;
  }
  if (t == napi_bigint) {
    bool lossless{};
    napi_get_value_bigint_int64(env, v, value, &lossless);
    return true;
  }
  if (t == napi_boolean) {
    bool b{};
    napi_get_value_bool(env, v, &b);
    *value = b;
    return true;
  }
  return false;
}

napi_value NewOut(napi_env env, int64_t value) {
  napi_value o = nullptr;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "value", Int(env, value));
  return o;
}

}  // namespace osc
