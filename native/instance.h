// Per-environment state of the addon (main thread or one worker) and the
// rules every entry point shares: how native objects become JS handles and
// back, and how exceptions thrown by user callbacks travel. Everything the
// addon keeps lives here (better-sqlite3 keeps its Addon struct the same
// way): no process-wide state, so Workers never share anything.
#pragma once

#include <node_api.h>

#include <string>
#include <vector>

#include "../src/connection.h"

namespace osc {

class CallScope;
struct Call;
using EntryFn = napi_value (*)(Call& call);

// An entry point bound to its instance: the data of its JS function.
struct Bound {
  struct Instance* inst;
  EntryFn fn;
};

struct Instance {
  explicit Instance(napi_env env);

  napi_env env;
  Runtime* runtime;  // deleted at environment cleanup
  // Handles are externals whose value is a handle-table slot and generation
  // XOR this random key (per load): another copy's handles, or any external
  // not made here, decode to a slot that does not exist or a generation that
  // does not match, and are refused without being dereferenced.
  uint64_t handle_key;
  napi_type_tag method_tag;           // SSL_METHOD handles (pointers to static methods)
  napi_type_tag cipher_tag;           // SSL_CIPHER handles (pointers to the static table)
  napi_type_tag shm_tag;              // shared-memory store handles (shm_api.cc)
  std::vector<napi_ref> cipher_refs;  // one handle per cipher, made on first use
  // The intrinsic %TypedArray%.prototype.subarray, looked up once at load
  // (session_io.cc's Subarray); null when the lookup failed.
  napi_ref subarray_fn = nullptr;
  CallScope* scope = nullptr;  // innermost running entry point
  bool torn_down = false;
  int64_t test_time = 0;             // setTestTime's clock value
  std::vector<void*> index_records;  // ex_data indexes registered from JS
  std::vector<Bound> bound;          // the entry points' function data
  // Which callback threw the exception the last entry point rethrew (for the
  // Node adapter's reports); null when none.
  const char* last_exception_source = nullptr;

  static Instance* Get(napi_env env);
};

// Every entry point runs in one (Dispatch opens it): a callback that throws
// does not stop the operation; the first exception is kept and rethrown to
// the caller when the operation is over. It also opens the core's callout
// gate, so the core calls user code only while an entry point can take the
// exception.
class CallScope {
 public:
  explicit CallScope(Instance* inst);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  // Records the exception pending after a failed call into JS (first wins),
  // and which callback threw it (`who`: "new", "remove", "get", ...).
  void CatchPending(const char* who = "callback");
  // Whether a callback threw: the entry point will throw, not return.
  bool failed() const { return exception_ != nullptr; }
  // The entry point's result, or null with the kept exception thrown (the
  // first one, also over one the entry point threw itself afterwards).
  napi_value Finish(napi_value result);

 private:
  Instance* inst_;
  CallScope* outer_;
  CalloutScope gate_;
  void* exception_ = nullptr;  // the first exception, held (HoldValue)
  const char* exception_source_ = nullptr;
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

// Calls a user callback (`who` names it in reports: "new", "remove", "get",
// "generate", "ex_data"). Returns false if it threw (the exception is kept by
// the innermost CallScope) or if calling into JS is no longer possible.
bool CallUser(Instance* inst, const char* who, napi_value fn, size_t argc, const napi_value* argv,
              napi_value* result);

// The JS handle for a native object: the same handle while the object lives
// (a strong reference from its handle-table slot, dropped when OpenSSL
// destroys the object). Null when the environment no longer runs JS or
// memory ran out (nothing recorded then).
napi_value Surface(Instance* inst, Object* o);
napi_value SurfaceOrNull(Instance* inst, Object* o);

// Returns a new reference to the caller: its handle, with the reference
// handed to the application. Call it last, once nothing of the entry point
// can call out any more (a callback that throws after the hand-over would
// leave the reference with no handle to free it by). When a callback threw during the call (the
// call throws instead of returning) or no handle can be made, nothing is
// handed over: the object is freed when `r` goes, and the result is null (JS
// null for an empty r).
template <typename T>
napi_value HandOver(Instance* inst, Ref<T>& r) {
  if (!r) return inst->scope->failed() ? nullptr : SurfaceOrNull(inst, nullptr);
  if (inst->scope->failed()) return nullptr;
  napi_value h = Surface(inst, r.get());
  if (h != nullptr) r.to_app();
  return h;
}

// What a handle value names: the live object (or one being destroyed), or
// null with *stale set when the object is gone, or null when the value is no
// handle of this instance at all. Throws nothing.
Object* ResolveHandle(Instance* inst, napi_value v, bool* stale);

// The native object behind a handle argument, or null after throwing a
// TypeError (not a handle of this kind) or an Error ERR_USE_AFTER_FREE (the
// object was freed). `nullable` accepts JS null as C's NULL (returns null
// without throwing; *was_null tells).
Object* UnwrapObject(Instance* inst, napi_value v, Kind kind, const char* fn, bool nullable, bool* was_null);

template <typename T>
struct KindOf;
template <>
struct KindOf<Session> {
  static constexpr Kind value = Kind::Session;
};
template <>
struct KindOf<Context> {
  static constexpr Kind value = Kind::Context;
};
template <>
struct KindOf<Connection> {
  static constexpr Kind value = Kind::Connection;
};

template <typename T>
T* Unwrap(Instance* inst, napi_value v, const char* fn) {
  return static_cast<T*>(UnwrapObject(inst, v, KindOf<T>::value, fn, false, nullptr));
}

// Like Unwrap, and also refuses an object whose last reference is going (its
// ex_data free callbacks are running): ERR_USE_AFTER_FREE, "<fn>: <KIND> is
// being freed". For entry points that would revive, store or change it.
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

// Throws ERR_USE_AFTER_FREE "<fn>: <KIND> is being freed" when o is not
// alive; false then.
bool RequireAlive(napi_env env, const Object* o, const char* fn);

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
