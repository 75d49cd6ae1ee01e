// The error queue, the test clock and the leak counter.
#include "../src/error_queue.h"
#include "entry.h"

namespace osc {
namespace {

napi_value ERR_get_error(napi_env env, napi_callback_info) { return Int(env, static_cast<int64_t>(err_get())); }
napi_value ERR_peek_error(napi_env env, napi_callback_info) { return Int(env, static_cast<int64_t>(err_peek())); }
napi_value ERR_clear_error(napi_env env, napi_callback_info) {
  err_clear();
  return Undefined(env);
}

napi_value ERR_error_string(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  int64_t e{};
  if (!GetInt64(env, a[0], "ERR_error_string", &e)) return nullptr;
  std::string s = err_string(static_cast<unsigned long>(e));
  napi_value r = nullptr;
  napi_create_string_utf8(env, s.data(), s.size(), &r);
  return r;
}

int64_t FixedClock(void* arg) { return *static_cast<int64_t*>(arg); }

// setTestTime(t): the cache's clock reads t (whole seconds) until the next
// call; setTestTime(null) goes back to the wall clock.
napi_value setTestTime(napi_env env, napi_callback_info info) {
  Args<1> a(env, info);
  Runtime* rt = a.inst->runtime;
  napi_valuetype t{};
  napi_typeof(env, a[0], &t);
  if (t == napi_null || t == napi_undefined) {
    rt->clock = wall_clock;
    return Undefined(env);
  }
  if (!GetInt64(env, a[0], "setTestTime", &a.inst->test_time)) return nullptr;
  rt->clock = FixedClock;
  rt->clock_arg = &a.inst->test_time;
  return Undefined(env);
}

napi_value getCacheTime(napi_env env, napi_callback_info info) {
  Args<0> a(env, info);
  return Int(env, a.inst->runtime->now());
}

// Core objects whose memory is still allocated, in the whole process.
napi_value debugLiveObjects(napi_env env, napi_callback_info) {
  return Int(env, g_allocated_objects.load(std::memory_order_relaxed));
}

}  // namespace

const Export misc_exports[] = {
    {"ERR_get_error", ERR_get_error},
    {"ERR_peek_error", ERR_peek_error},
    {"ERR_clear_error", ERR_clear_error},
    {"ERR_error_string", ERR_error_string},
    {"setTestTime", setTestTime},
    {"getCacheTime", getCacheTime},
    {"debugLiveObjects", debugLiveObjects},
};
const size_t misc_export_count = sizeof misc_exports / sizeof misc_exports[0];

}  // namespace osc
