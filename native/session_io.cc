#include "session_io.h"

#include "../src/session.h"

namespace osc {

bool OptionalOut(napi_env env, napi_value v, const char* fn, bool* present) {
  *present = false;
  if (IsNullish(env, v)) return true;
  if (TypeOf(env, v) != napi_object) return ThrowType(env, fn, "expected an out-parameter object { value }");
  *present = true;
  return true;
}

napi_value Subarray(napi_env env, napi_value array, size_t from) {
  // The intrinsic %TypedArray%.prototype.subarray, looked up once (no
  // property lookup per call, and an own `subarray` of the array is not
  // called); it keeps the class (a Buffer stays a Buffer).
  Instance* inst = Instance::Get(env);
  napi_value fn = nullptr, result = nullptr, arg = Int(env, static_cast<int64_t>(from));
  if (inst == nullptr || inst->subarray_fn == nullptr ||
      napi_get_reference_value(env, inst->subarray_fn, &fn) != napi_ok || fn == nullptr) {
    napi_get_named_property(env, array, "subarray", &fn);
  }
  if (napi_call_function(env, array, fn, 1, &arg, &result) != napi_ok) return nullptr;
  return result;
}

napi_value Str(napi_env env, const char* s, size_t n) {
  napi_value v = nullptr;
  napi_create_string_utf8(env, s, n, &v);
  return v;
}

bool Utf8(napi_env env, napi_value v, const char* fn, std::string* out) {
  size_t n{};
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &n) != napi_ok)
    return ThrowType(env, fn, "expected a string");
  out->resize(n + 1);
  napi_get_value_string_utf8(env, v, &(*out)[0], n + 1, &n);
  out->resize(n);
  return true;
}

bool ReadSessionOut(napi_env env, napi_value v, const char* fn, SessionOut* out) {
  if (!OptionalOut(env, v, fn, &out->present)) return false;
  if (out->present) {
    out->object = v;
    out->value = GetValue(env, v);
  }
  return true;
}

bool SessionOutTarget(Instance* inst, const SessionOut& out, const char* fn, Session** into) {
  *into = nullptr;
  if (!out.present || TypeOf(inst->env, out.value) == napi_undefined) return true;
  bool is_null{};
  *into = UnwrapNullable<Session>(inst, out.value, fn, &is_null);
  if (*into == nullptr) return is_null;
  return RequireAlive(inst->env, *into, fn);
}

napi_value DecodeSession(Instance* inst, const SessionOut& out, Session* into, const uint8_t* der, size_t len,
                         size_t* consumed) {
  napi_env env = inst->env;
  napi_value h = nullptr;
  if (into != nullptr) {
    Ref<Session> keep = Ref<Session>::hold(into);  // a displaced session's callbacks may free the caller's
    if (!session_decode_into(into, der, len, consumed)) return Null(env);
    h = Surface(inst, into);
  } else {
    Ref<Session> s = session_from_der(inst->runtime, der, len, consumed);
    h = HandOver(inst, s);
    if (h == nullptr || IsNullish(env, h)) return h;
  }
  if (h != nullptr && out.present) SetValue(env, out.object, h);
  return h;
}

}  // namespace osc
