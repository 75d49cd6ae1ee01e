// Per-environment state of the addon (main thread or one worker) and the
// rules every entry point shares: how native objects become JS handles and
// back, and how exceptions thrown by user callbacks travel.
#pragma once

#include <napi.h>

#include <vector>

#include "../src/connection.h"

namespace osc {

class CallScope;

struct Instance {
  explicit Instance(napi_env env);

  napi_env env;
  Runtime* runtime;             // deleted at environment cleanup
  napi_type_tag tags[kKindCount];  // random per load: another copy's handles never pass
  napi_type_tag method_tag;
  napi_type_tag shm_tag;          // shared-memory store handles (shm_api.cc)
  CallScope* scope = nullptr;   // innermost running entry point
  bool torn_down = false;
  size_t live_handles = 0;      // JS handles not yet finalized
  bool env_finalized = false;   // napi has dropped the instance data
  int64_t test_time = 0;        // setTestTime's clock value
  std::vector<void*> index_records;  // ex_data indexes registered from JS

  static Instance* Get(napi_env env);
};

// Wraps an entry point that may call user callbacks. A callback that throws
// does not stop the operation: the first exception is kept and rethrown to
// the caller when the operation is over (SPEC.md section 13).
class CallScope {
 public:
  explicit CallScope(Instance* inst);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  // Records the exception pending after a failed call into JS (first wins).
  void CatchPending();
  // Throws the kept exception, if any; returns true if it did.
  bool Rethrow();

 private:
  Instance* inst_;
  CallScope* outer_;
  void* exception_ = nullptr;  // the first exception, held (HoldValue)
};

// A Node-API handle scope for the duration of a C++ scope: each callback
// call gets one, so a flush of a million sessions does not pile up handles.
class HandleScope {
 public:
  explicit HandleScope(napi_env env) : env_(env) { napi_open_handle_scope(env, &scope_); }
  ~HandleScope() { napi_close_handle_scope(env_, scope_); }
  HandleScope(const HandleScope&) = delete;
  HandleScope& operator=(const HandleScope&) = delete;

 private:
  napi_env env_;
  napi_handle_scope scope_ = nullptr;
};

// Calls a user callback. Returns false if it threw (the exception is kept by
// the innermost CallScope) or if calling into JS is no longer possible.
bool CallUser(Instance* inst, napi_value fn, size_t argc, const napi_value* argv, napi_value* result);

// The JS handle for a native object: the same handle while one is alive.
napi_value Surface(Instance* inst, Object* o);
inline napi_value SurfaceOrNull(Instance* inst, Object* o) {
  if (o != nullptr) return Surface(inst, o);
  napi_value v = nullptr;
  napi_get_null(inst->env, &v);
  return v;
}

// The native object behind a handle argument, or null after throwing a
// TypeError (not a handle of this kind) or an Error (used after free).
// `nullable` accepts JS null as C's NULL (returns null without throwing; check
// with IsNullArg).
Object* UnwrapObject(Instance* inst, napi_value v, Kind kind, const char* fn, bool nullable,
                     bool* was_null);

template <typename T>
struct KindOf;
template <> struct KindOf<Session> { static constexpr Kind value = Kind::Session; };
template <> struct KindOf<Context> { static constexpr Kind value = Kind::Context; };
template <> struct KindOf<Connection> { static constexpr Kind value = Kind::Connection; };

template <typename T>
T* Unwrap(Instance* inst, napi_value v, const char* fn) {
  return static_cast<T*>(UnwrapObject(inst, v, KindOf<T>::value, fn, false, nullptr));
}

// Like Unwrap, and also refuses an object whose last reference is going (its
// ex_data free callbacks are running): ERR_USE_AFTER_FREE, "<fn>: <KIND> is
// being freed". For entry points that would revive or change it.
Object* UnwrapLiveObject(Instance* inst, napi_value v, Kind kind, const char* fn);

template <typename T>
T* UnwrapLive(Instance* inst, napi_value v, const char* fn) {
  return static_cast<T*>(UnwrapLiveObject(inst, v, KindOf<T>::value, fn));
}

// Accepts null too: *is_null tells which; returns null after throwing otherwise.
template <typename T>
T* UnwrapNullable(Instance* inst, napi_value v, const char* fn, bool* is_null) {
  return static_cast<T*>(UnwrapObject(inst, v, KindOf<T>::value, fn, true, is_null));
}

// A strong reference to a JS value, stored in the core as an opaque pointer
// (ex_data values, callbacks); released through Runtime::release_value.
void* HoldValue(Instance* inst, napi_value v);
napi_value HeldValue(Instance* inst, void* held);

const char* KindName(Kind k);

// Stores a JS value in an ex_data slot (null/undefined clear it); 1 or 0.
int SetSlot(Instance* inst, Object* o, int idx, napi_value value);
// Drops the references held by ex_data index registrations (at cleanup).
void ReleaseIndexRecords(Instance* inst);

}  // namespace osc
