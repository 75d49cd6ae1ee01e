// Argument conversions shared by the entry points. Each returns false after
// throwing a TypeError/RangeError naming the function; the caller returns.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <cstring>

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
// The bytes are not copied: read them once (memory another thread shares
// may change between two reads), or copy them first (ReadOnce).
bool GetBytes(napi_env env, napi_value array, napi_value length, const char* fn, Bytes* out);
// A writable Uint8Array (out buffers such as SSL_SESSION_get_master_key's).
bool GetWritableBytes(napi_env env, napi_value array, const char* fn, uint8_t** data, size_t* length);

// A private copy of input bytes, taken once before any work on them: a
// SharedArrayBuffer another thread writes cannot change what a call reads
// half-way. Inline up to 4 KiB; larger inputs get one heap block.
class ReadOnce {
 public:
  ReadOnce() = default;
  ~ReadOnce();
  ReadOnce(const ReadOnce&) = delete;
  ReadOnce& operator=(const ReadOnce&) = delete;
  // False (and the caller throws an out-of-memory error) when no memory.
  bool copy(const Bytes& b);
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t inline_[4096];
  uint8_t* data_ = inline_;
  size_t size_ = 0;
};

// C integers. Every numeric parameter goes through one of these: a number
// that is an integer within the C type's range, or a bigint within it.
// NaN, an infinity, a fraction or a value outside the range is a RangeError;
// anything else a TypeError.
bool GetCInt(napi_env env, napi_value v, const char* fn, int64_t min, int64_t max, int64_t* out);
// C's int.
bool GetCInt32(napi_env env, napi_value v, const char* fn, int32_t* out);
// C's long (64 bits on every platform we build: bigint for the full range).
bool GetCLong(napi_env env, napi_value v, const char* fn, int64_t* out);
// C's uint32_t.
bool GetCUint32(napi_env env, napi_value v, const char* fn, uint32_t* out);
// A length or count (size_t): a non-negative integer up to 2^53 - 1.
bool GetSize(napi_env env, napi_value v, const char* fn, size_t* out);
// The same rules for a value that is not an argument (an out-parameter a
// callback set, a callback's result): false without throwing.
bool ToCInt(napi_env env, napi_value v, int64_t min, int64_t max, int64_t* out);

// A function, or null (unset). *fn_out is null for null.
bool GetCallback(napi_env env, napi_value v, const char* fn, napi_value* fn_out);

napi_value Int(napi_env env, int64_t v);  // a number; a bigint beyond 2^53
napi_value Null(napi_env env);
napi_value Undefined(napi_env env);
napi_valuetype TypeOf(napi_env env, napi_value v);
bool IsNullish(napi_env env, napi_value v);
// A new Uint8Array of n bytes for the caller to fill through *data; nullptr
// (nothing written) once the environment stops running JS.
napi_value NewBytes(napi_env env, size_t n, uint8_t** data);
napi_value Copy(napi_env env, const uint8_t* data, size_t n);  // a new Uint8Array
// An out-parameter object's `value` field ({ value: number }).
bool SetOut(napi_env env, napi_value obj, const char* fn, int64_t value);
napi_value NewOut(napi_env env, int64_t value);
// out.value (a getter may run: read it before any work that must see one
// state of the world).
napi_value GetValue(napi_env env, napi_value out);
void SetValue(napi_env env, napi_value out, napi_value v);

// C's `unsigned int` length from a byte argument's length (capped: every
// setter refuses far shorter inputs anyway).
inline unsigned CLength(size_t n) { return n > 0xFFFF ? 0xFFFF : static_cast<unsigned>(n); }

}  // namespace osc
