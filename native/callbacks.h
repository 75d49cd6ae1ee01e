// Trampolines: the core's C-style callbacks calling the JS functions the
// application installed. The core calls them only through its callout gate,
// so an entry point's CallScope is always there. Each runs in its own handle
// scope; a callback that throws counts as returning NULL / 0 and its
// exception is kept by the running CallScope.
#pragma once

#include "args.h"
#include "instance.h"

namespace osc {

inline Instance* InstanceOf(const Object* o) { return static_cast<Instance*>(o->rt->embedder); }

int NewSessionTrampoline(Connection* ssl, Session* s, void* fn);
void RemoveSessionTrampoline(Context* ctx, Session* s, void* fn);
Session* GetSessionTrampoline(Connection* ssl, const uint8_t* id, int len, int* copy, void* fn);
int GenerateSessionIdTrampoline(Connection* ssl, uint8_t* id, unsigned* len, void* fn);

// Stores fn (or unsets the callback for null), releasing the previous one.
template <typename Fn>
void SetCallback(Instance* inst, Callback<Fn>& cb, Fn trampoline, napi_value fn) {
  void* old = cb.arg;
  cb.fn = fn ? trampoline : nullptr;
  cb.arg = fn ? HoldValue(inst, fn) : nullptr;
  inst->runtime->release(old);
}

template <typename Fn>
napi_value GetCallbackValue(Instance* inst, const Callback<Fn>& cb) {
  if (!cb.arg) {
    napi_value n = nullptr;
    napi_get_null(inst->env, &n);
    return n;
  }
  return HeldValue(inst, cb.arg);
}

// Records an error as the running operation's exception (a callback
// returned something that is not what C's type allows).
// A RangeError when `range` (a number outside the type), else a TypeError.
void DeferError(Instance* inst, const char* msg, bool range);

}  // namespace osc
