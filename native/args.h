// Argument conversions shared by the entry points. Each returns false after
// throwing a TypeError/RangeError naming the function; the caller returns.
#pragma once

#include <napi.h>

#include <cstdint>

namespace osc {

// Throw "<fn>: <what>" as a TypeError (ERR_INVALID_ARG_TYPE) or a
// RangeError (ERR_OUT_OF_RANGE); both return false.
bool ThrowType(napi_env env, const char* fn, const char* what);
bool ThrowRange(napi_env env, const char* fn, const char* what);

struct Bytes {
  const uint8_t* data = nullptr;
  size_t length = 0;
};

// A Uint8Array (Buffer included), and C's optional explicit length argument:
// undefined means the whole array; larger than the array is a RangeError.
bool GetBytes(napi_env env, napi_value array, napi_value length, const char* fn, Bytes* out);
// A writable Uint8Array (out buffers such as SSL_SESSION_get_master_key's).
bool GetWritableBytes(napi_env env, napi_value array, const char* fn, uint8_t** data, size_t* length);
// C's long: an integer number, or a bigint within the signed 64-bit range.
bool GetInt64(napi_env env, napi_value v, const char* fn, int64_t* out);
// C's int (a number; fractions truncate as a C conversion would).
bool GetInt32(napi_env env, napi_value v, const char* fn, int32_t* out);
// A length or count: a non-negative integer number.
bool GetSize(napi_env env, napi_value v, const char* fn, size_t* out);
// A function, or null (unset). *fn_out is null for null.
bool GetCallback(napi_env env, napi_value v, const char* fn, napi_value* fn_out);

napi_value Int(napi_env env, int64_t v);      // a number; a bigint beyond 2^53
napi_value Num(napi_env env, double v);
napi_value Null(napi_env env);
napi_value Undefined(napi_env env);
// A new Uint8Array of n bytes for the caller to fill through *data; nullptr
// (nothing written) once the environment stops running JS.
napi_value NewBytes(napi_env env, size_t n, uint8_t** data);
napi_value Copy(napi_env env, const uint8_t* data, size_t n);  // a new Uint8Array
// An out-parameter object's `value` field ({ value: number }).
bool SetOut(napi_env env, napi_value obj, const char* fn, int64_t value);
bool GetOut(napi_env env, napi_value obj, int64_t* value);
napi_value NewOut(napi_env env, int64_t value);

}  // namespace osc
