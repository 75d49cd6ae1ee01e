// Module entry: one Instance per environment, then every area's functions.
#include "entry.h"

namespace osc {
namespace {

void Register(napi_env env, napi_value exports, Instance* inst, const Export* list, size_t n) {
  for (size_t i = 0; i < n; i++) {
    napi_value fn = nullptr;
    napi_create_function(env, list[i].name, NAPI_AUTO_LENGTH, list[i].fn, inst, &fn);
    napi_set_named_property(env, exports, list[i].name, fn);
  }
}

napi_value Init(napi_env env, napi_value exports) {
  Instance* inst = new Instance(env);
  Register(env, exports, inst, ctx_exports, ctx_export_count);
  Register(env, exports, inst, session_exports, session_export_count);
  Register(env, exports, inst, ex_data_exports, ex_data_export_count);
  Register(env, exports, inst, misc_exports, misc_export_count);
  Register(env, exports, inst, ssl_exports, ssl_export_count);
  Register(env, exports, inst, handshake_exports, handshake_export_count);
  Register(env, exports, inst, der_exports, der_export_count);
  Register(env, exports, inst, cipher_exports, cipher_export_count);
  Register(env, exports, inst, shm_exports, shm_export_count);
  return exports;
}

}  // namespace
}  // namespace osc

NAPI_MODULE_INIT() { return osc::Init(env, exports); }
