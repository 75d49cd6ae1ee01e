// Node-API glue shared by the two C++ bench addons: run(scenario, n, ops,
// budgetMs) builds a fresh adapter, runs one scenario in C++ and returns the
// numbers. The timed loops never cross into JS.
#pragma once

#include <node_api.h>

#include "scenarios.h"

namespace bench {

inline void set_num(napi_env env, napi_value obj, const char* name, double v) {
  napi_value x;
  napi_create_double(env, v, &x);
  napi_set_named_property(env, obj, name, x);
}

template <typename Ops>
napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Params p;
  char buf[64];
  size_t len = 0;
  napi_get_value_string_utf8(env, argv[0], buf, sizeof buf, &len);
  p.scenario.assign(buf, len);
  int64_t v;
  napi_get_value_int64(env, argv[1], &v);
  p.n = static_cast<long>(v);
  napi_get_value_int64(env, argv[2], &v);
  p.ops = static_cast<long>(v);
  double budget = 0;
  if (argc > 3) napi_get_value_double(env, argv[3], &budget);
  p.budget_ms = budget;
  Result r;
  {
    Ops ops;
    Runner<Ops> runner(ops);
    r = runner.run(p);
  }
  napi_value out;
  napi_create_object(env, &out);
  set_num(env, out, "nsPerOp", r.ns_per_op);
  set_num(env, out, "ops", static_cast<double>(r.ops));
  set_num(env, out, "totalNs", r.total_ns);
  set_num(env, out, "removed", static_cast<double>(r.removed));
  set_num(env, out, "numberAfter", static_cast<double>(r.number_after));
  set_num(env, out, "hits", static_cast<double>(r.hits));
  set_num(env, out, "bytesPerSession", r.bytes_per_session);
  if (!r.error.empty()) {
    napi_value e;
    napi_create_string_utf8(env, r.error.c_str(), r.error.size(), &e);
    napi_set_named_property(env, out, "error", e);
  }
  return out;
}

template <typename Ops>
napi_value Init(napi_env env, napi_value exports, const char* version) {
  napi_value fn, s;
  napi_create_function(env, "run", NAPI_AUTO_LENGTH, Run<Ops>, nullptr, &fn);
  napi_set_named_property(env, exports, "run", fn);
  napi_create_string_utf8(env, version, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, exports, "version", s);
  return exports;
}

}  // namespace bench
