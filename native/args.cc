#include "args.h"

#include <cmath>
#include <new>
#include <string>

#include "../src/alloc.h"

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

napi_valuetype TypeOf(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  return t;
}

bool IsNullish(napi_env env, napi_value v) {
  napi_valuetype t = TypeOf(env, v);
  return t == napi_null || t == napi_undefined;
}

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
  out->length = data == nullptr ? 0 : n;  // a detached buffer reads as empty
  if (length == nullptr || TypeOf(env, length) == napi_undefined) return true;
  size_t len{};
  if (!GetSize(env, length, fn, &len)) return false;
  if (len > out->length) return ThrowRange(env, fn, "length is larger than the array");
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

ReadOnce::~ReadOnce() {
  if (data_ != inline_) core_free(data_);
}

bool ReadOnce::copy(const Bytes& b) {
  if (b.length > sizeof inline_) {
    data_ = static_cast<uint8_t*>(core_malloc(b.length));
    if (data_ == nullptr) {
      data_ = inline_;
      return false;
    }
  }
  if (b.length) memcpy(data_, b.data, b.length);
  size_ = b.length;
  return true;
}

bool ToCInt(napi_env env, napi_value v, int64_t min, int64_t max, int64_t* out) {
  napi_valuetype t = TypeOf(env, v);
  if (t == napi_number) {
    double d{};
    napi_get_value_double(env, v, &d);
    // Exact comparisons: min and max are C limits; ±2^63 are not int64_t.
    if (!std::isfinite(d) || std::trunc(d) != d) return false;
    if (d < static_cast<double>(min) || d > static_cast<double>(max) || d >= 9223372036854775808.0)
      return false;
    *out = static_cast<int64_t>(d);
    return *out >= min && *out <= max;
  }
  if (t == napi_bigint) {
    bool lossless{};
    int64_t r{};
    napi_get_value_bigint_int64(env, v, &r, &lossless);
    if (!lossless || r < min || r > max) return false;
    *out = r;
    return true;
  }
  return false;
}

bool GetCInt(napi_env env, napi_value v, const char* fn, int64_t min, int64_t max, int64_t* out) {
  napi_valuetype t = TypeOf(env, v);
  if (t != napi_number && t != napi_bigint)
    return ThrowType(env, fn, "expected an integer (a number or a bigint)");
  if (ToCInt(env, v, min, max, out)) return true;
  std::string what = "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
  return ThrowRange(env, fn, what.c_str());
}

bool GetCInt32(napi_env env, napi_value v, const char* fn, int32_t* out) {
  int64_t r{};
  if (!GetCInt(env, v, fn, INT32_MIN, INT32_MAX, &r)) return false;
  *out = static_cast<int32_t>(r);
  return true;
}

bool GetCLong(napi_env env, napi_value v, const char* fn, int64_t* out) {
  return GetCInt(env, v, fn, INT64_MIN, INT64_MAX, out);
}

bool GetCUint32(napi_env env, napi_value v, const char* fn, uint32_t* out) {
  int64_t r{};
  if (!GetCInt(env, v, fn, 0, UINT32_MAX, &r)) return false;
  *out = static_cast<uint32_t>(r);
  return true;
}

bool GetSize(napi_env env, napi_value v, const char* fn, size_t* out) {
  if (TypeOf(env, v) != napi_number) return ThrowType(env, fn, "expected a length (a number)");
  int64_t r{};
  if (!ToCInt(env, v, 0, static_cast<int64_t>(kMaxSafe), &r)) {
    return ThrowRange(env, fn, "expected a non-negative integer length");
  }
  *out = static_cast<size_t>(r);
  return true;
}

bool GetCallback(napi_env env, napi_value v, const char* fn, napi_value* fn_out) {
  napi_valuetype t = TypeOf(env, v);
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

napi_value GetValue(napi_env env, napi_value out) {
  napi_value v = nullptr;
  napi_get_named_property(env, out, "value", &v);
  return v;
}

void SetValue(napi_env env, napi_value out, napi_value v) { napi_set_named_property(env, out, "value", v); }

bool SetOut(napi_env env, napi_value obj, const char* fn, int64_t value) {
  if (TypeOf(env, obj) != napi_object)
    return ThrowType(env, fn, "expected an out-parameter object { value }");
  return napi_set_named_property(env, obj, "value", Int(env, value)) == napi_ok;
}

napi_value NewOut(napi_env env, int64_t value) {
  napi_value o = nullptr;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "value", Int(env, value));
  return o;
}

}  // namespace osc
