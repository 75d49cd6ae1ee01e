// The error queue, and the test hooks: the clock, the allocation-failure
// hook and the counters of live objects.
#include "../src/error_queue.h"
#include "entry.h"

namespace osc {
namespace {

napi_value ERR_get_error(Call& a) { return Int(a.env, static_cast<int64_t>(err_get())); }
napi_value ERR_peek_error(Call& a) { return Int(a.env, static_cast<int64_t>(err_peek())); }
napi_value ERR_clear_error(Call& a) {
  err_clear();
  return Undefined(a.env);
}

napi_value ERR_error_string(Call& a) {
  napi_env env = a.env;
  int64_t e{};
  if (!GetCInt(env, a[0], "ERR_error_string", 0, INT64_MAX, &e)) return nullptr;
  std::string s = err_string(static_cast<unsigned long>(e));
  napi_value r = nullptr;
  napi_create_string_utf8(env, s.data(), s.size(), &r);
  return r;
}

int64_t FixedClock(void* arg) { return *static_cast<int64_t*>(arg); }

// setTestTime(t): the cache's clock reads t (whole seconds) until the next
// call; setTestTime(null) goes back to the wall clock.
napi_value setTestTime(Call& a) {
  napi_env env = a.env;
  Runtime* rt = a.inst->runtime;
  if (IsNullish(env, a[0])) {
    rt->clock = wall_clock;
    return Undefined(env);
  }
  if (!GetCLong(env, a[0], "setTestTime", &a.inst->test_time)) return nullptr;
  rt->clock = FixedClock;
  rt->clock_arg = &a.inst->test_time;
  return Undefined(env);
}

napi_value getCacheTime(Call& a) {
  napi_env env = a.env;
  return Int(env, a.inst->runtime->now());
}

// Core objects whose memory is still allocated, in the whole process.
napi_value debugLiveObjects(Call& a) {
  return Int(a.env, g_allocated_objects.load(std::memory_order_relaxed));
}

// What this environment's core holds: live objects, session pool chunks
// mapped, and callouts refused because no entry point was running (a bug
// if ever non-zero).
napi_value debugRuntimeStats(Call& a) {
  Runtime* rt = a.inst->runtime;
  napi_value o = nullptr;
  napi_create_object(a.env, &o);
  napi_set_named_property(a.env, o, "objects", Int(a.env, static_cast<int64_t>(rt->live_count)));
  napi_set_named_property(a.env, o, "poolChunks",
                          Int(a.env, static_cast<int64_t>(rt->sessions.chunks_mapped())));
  napi_set_named_property(a.env, o, "strayCallouts", Int(a.env, rt->stray_callouts));
  return o;
}

// setTestAllocationFailure(n): the n-th allocation the core attempts from
// now on (on this thread) fails; 0 turns it off. Returns the attempts
// counted since the previous call.
napi_value setTestAllocationFailure(Call& a) {
  int64_t n{};
  if (!GetCInt(a.env, a[0], "setTestAllocationFailure", 0, INT32_MAX, &n)) return nullptr;
  return Int(a.env, fail_allocation_after(static_cast<long>(n)));
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
    {"debugRuntimeStats", debugRuntimeStats},
    {"setTestAllocationFailure", setTestAllocationFailure},
};
const size_t misc_export_count = sizeof misc_exports / sizeof misc_exports[0];

}  // namespace osc
