// What the DER, PEM and field entry points share: C's pointer arguments in
// their JS form (SPEC of the C-API conventions in docs/api.md).
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
// Every JS value a call reads (out-parameter fields may be getters) is read
// before the call looks at a handle or measures anything.
#pragma once

#include <string>

#include "entry.h"

namespace osc {

// An optional out-parameter argument: undefined/null (skip) or an object.
bool OptionalOut(napi_env env, napi_value v, const char* fn, bool* present);
// array.subarray(from) through the intrinsic Uint8Array.prototype.subarray
// (an own or overridden subarray is not called): keeps the class (a Buffer
// stays a Buffer, a subclass its species).
napi_value Subarray(napi_env env, napi_value array, size_t from);
napi_value Str(napi_env env, const char* s, size_t n);
// A JS string's UTF-8 bytes.
bool Utf8(napi_env env, napi_value v, const char* fn, std::string* out);

// The `a` argument of d2i/PEM_read (SSL_SESSION **), read in two steps: its
// JS values first (ReadSessionOut), the handle after every getter ran
// (SessionOutTarget).
struct SessionOut {
  bool present = false;
  napi_value object = nullptr;  // a
  napi_value value = nullptr;   // a.value: null/undefined or a session handle
};
bool ReadSessionOut(napi_env env, napi_value v, const char* fn, SessionOut* out);
// The session to overwrite (null: make a new one); false after throwing.
bool SessionOutTarget(Instance* inst, const SessionOut& out, const char* fn, Session** into);

// d2i: decodes der[0..len) into `into` (or a new session) and returns its
// handle (stored in a.value when present), null (JS) when the bytes do not
// decode, or nullptr after throwing.
napi_value DecodeSession(Instance* inst, const SessionOut& out, Session* into, const uint8_t* der, size_t len,
                         size_t* consumed);

}  // namespace osc
