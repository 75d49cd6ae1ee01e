// Bench-only addon (6): the Node-API floor. noop() is the cheapest call there
// is; noopBuf(buf) also reads a Uint8Array argument the way every byte-taking
// function must (type check + data pointer), and returns a number.
#include <node_api.h>

namespace {

napi_value Noop(napi_env env, napi_callback_info info) { return nullptr; }

napi_value NoopBuf(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  bool is_typed = false;
  napi_is_typedarray(env, arg, &is_typed);
  napi_typedarray_type type;
  size_t n = 0;
  void* data = nullptr;
  if (is_typed) napi_get_typedarray_info(env, arg, &type, &n, &data, nullptr, nullptr);
  napi_value out;
  napi_create_int32(env, data != nullptr && n == 32 ? 1 : 0, &out);
  return out;
}

// Not part of the floor proper: a call taking one type-tagged external handle
// (typeof + tag check + pointer), the check every handle argument of ours and
// of the OpenSSL wrapper pays.
const napi_type_tag kTag = {0x666c6f6f72746167ULL, 0x0000000000000001ULL};
napi_value NoopHandle(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  napi_valuetype t;
  napi_typeof(env, arg, &t);
  bool ok = false;
  if (t == napi_external) napi_check_object_type_tag(env, arg, &kTag, &ok);
  void* p = nullptr;
  if (ok) napi_get_value_external(env, arg, &p);
  return nullptr;
}
napi_value MakeHandle(napi_env env, napi_callback_info info) {
  static int dummy;
  napi_value v;
  napi_create_external(env, &dummy, nullptr, nullptr, &v);
  napi_type_tag_object(env, v, &kTag);
  return v;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "noopHandle", NAPI_AUTO_LENGTH, NoopHandle, nullptr, &fn);
  napi_set_named_property(env, exports, "noopHandle", fn);
  napi_create_function(env, "makeHandle", NAPI_AUTO_LENGTH, MakeHandle, nullptr, &fn);
  napi_set_named_property(env, exports, "makeHandle", fn);
  napi_create_function(env, "noop", NAPI_AUTO_LENGTH, Noop, nullptr, &fn);
  napi_set_named_property(env, exports, "noop", fn);
  napi_create_function(env, "noopBuf", NAPI_AUTO_LENGTH, NoopBuf, nullptr, &fn);
  napi_set_named_property(env, exports, "noopBuf", fn);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
