// Module entry: one Instance per environment, then every area's functions,
// each called through Dispatch.
#include <new>

#include "../src/error_queue.h"
#include "entry.h"

namespace osc {

napi_value Dispatch(napi_env env, napi_callback_info info) {
  Call c;
  size_t argc = kMaxArgs;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, c.argv, nullptr, &data) != napi_ok) return nullptr;
  const Bound* b = static_cast<const Bound*>(data);
  c.env = env;
  c.inst = b->inst;
  if (c.inst->runtime == nullptr) {
    napi_throw_error(env, "ERR_INVALID_STATE", "openssl-session-cache: the environment is shutting down");
    return nullptr;
  }
  CallScope scope(c.inst);
  napi_value result = nullptr;
  try {
    result = b->fn(c);
  } catch (const std::bad_alloc&) {
    // The core never throws (it fails the OpenSSL way); this is the glue's
    // own memory (a message, a copy) running out.
    err_push(kErrLibSsl, kReasonMallocFailure);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, "ERR_OUT_OF_MEMORY", "openssl-session-cache: out of memory");
    result = nullptr;
  }
  return scope.Finish(result);
}

namespace {

napi_value Init(napi_env env, napi_value exports) {
  Instance* inst = new Instance(env);
  const struct {
    const Export* list;
    size_t n;
  } areas[] = {
      {ctx_exports, ctx_export_count},         {session_exports, session_export_count},
      {ex_data_exports, ex_data_export_count}, {misc_exports, misc_export_count},
      {ssl_exports, ssl_export_count},         {handshake_exports, handshake_export_count},
      {der_exports, der_export_count},         {pem_exports, pem_export_count},
      {fields_exports, fields_export_count},   {cipher_exports, cipher_export_count},
      {shm_exports, shm_export_count},         {adapter_exports, adapter_export_count},
  };
  size_t total = 0;
  for (const auto& area : areas) total += area.n;
  inst->bound.reserve(total);  // the functions point into it: no reallocation after
  for (const auto& area : areas) {
    for (size_t i = 0; i < area.n; i++) {
      inst->bound.push_back(Bound{inst, area.list[i].fn});
      napi_value fn = nullptr;
      napi_create_function(env, area.list[i].name, NAPI_AUTO_LENGTH, Dispatch, &inst->bound.back(), &fn);
      napi_set_named_property(env, exports, area.list[i].name, fn);
    }
  }
  return exports;
}

}  // namespace
}  // namespace osc

NAPI_MODULE_INIT() { return osc::Init(env, exports); }
