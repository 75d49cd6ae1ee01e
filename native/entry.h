// How an entry point starts: its arguments and the instance, in one line.
#pragma once

#include "args.h"
#include "instance.h"

namespace osc {

template <size_t N>
struct Args {
  Args(napi_env e, napi_callback_info info) : env(e) {
    size_t argc = N;
    void* data;
    napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
    inst = static_cast<Instance*>(data);
  }
  napi_value operator[](size_t i) const { return argv[i]; }
  napi_env env;
  Instance* inst;
  napi_value argv[N == 0 ? 1 : N];
};

struct Export {
  const char* name;
  napi_callback fn;
};

// Each area file lists its entry points; addon.cc registers them all.
#define OSC_EXPORTS(area) extern const Export area##_exports[]; extern const size_t area##_export_count

OSC_EXPORTS(ctx);
OSC_EXPORTS(session);
OSC_EXPORTS(ex_data);
OSC_EXPORTS(misc);
OSC_EXPORTS(ssl);
OSC_EXPORTS(handshake);
OSC_EXPORTS(der);
OSC_EXPORTS(cipher);

}  // namespace osc
