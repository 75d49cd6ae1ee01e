#include "instance.h"

#include <random>

#include "../src/error_queue.h"
#include "args.h"

namespace osc {

// Handles carry 64 bits in the external's pointer value (never dereferenced).
static_assert(sizeof(void*) == 8, "handles encode a slot and a generation in 64 bits");

namespace {

void ReleaseHeld(void* held, void* arg) {
  if (held != nullptr) napi_delete_reference(static_cast<Instance*>(arg)->env, static_cast<napi_ref>(held));
}

// Environment cleanup (process exit, worker termination): free every native
// object while napi references can still be deleted; call no JS.
void Cleanup(void* arg) {
  Instance* inst = static_cast<Instance*>(arg);
  if (inst->torn_down) return;
  inst->runtime->silent = true;
  delete inst->runtime;  // releases held values and handle references through ReleaseHeld
  ReleaseIndexRecords(inst);
  for (napi_ref r : inst->cipher_refs) {
    if (r) napi_delete_reference(inst->env, r);
  }
  inst->cipher_refs.clear();
  if (inst->subarray_fn) napi_delete_reference(inst->env, inst->subarray_fn);
  inst->subarray_fn = nullptr;
  inst->runtime = nullptr;
  inst->torn_down = true;
}

void FinalizeInstance(napi_env, void* data, void*) {
  Instance* inst = static_cast<Instance*>(data);
  if (!inst->torn_down) {
    napi_remove_env_cleanup_hook(inst->env, Cleanup, inst);
    Cleanup(inst);
  }
  delete inst;
}

uint64_t Random64(std::random_device& rd) { return (static_cast<uint64_t>(rd()) << 32) | rd(); }

}  // namespace

Instance::Instance(napi_env e) : env(e), runtime(new Runtime()) {
  std::random_device rd;
  handle_key = Random64(rd);
  for (auto* t : {&method_tag, &cipher_tag, &shm_tag}) {
    t->lower = Random64(rd);
    t->upper = Random64(rd);
  }
  // Uint8Array.prototype.subarray, once (see instance.h).
  napi_value global = nullptr, u8 = nullptr, proto = nullptr, sub = nullptr;
  if (napi_get_global(env, &global) == napi_ok &&
      napi_get_named_property(env, global, "Uint8Array", &u8) == napi_ok &&
      napi_get_named_property(env, u8, "prototype", &proto) == napi_ok &&
      napi_get_named_property(env, proto, "subarray", &sub) == napi_ok && TypeOf(env, sub) == napi_function) {
    napi_create_reference(env, sub, 1, &subarray_fn);
  }
  runtime->release_value = ReleaseHeld;
  runtime->release_arg = this;
  runtime->embedder = this;
  napi_add_env_cleanup_hook(env, Cleanup, this);
  napi_set_instance_data(env, this, FinalizeInstance, nullptr);
}

Instance* Instance::Get(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<Instance*>(data);
}

CallScope::CallScope(Instance* inst) : inst_(inst), outer_(inst->scope), gate_(inst->runtime) {
  inst->scope = this;
}

CallScope::~CallScope() {
  inst_->scope = outer_;
  if (exception_) napi_delete_reference(inst_->env, static_cast<napi_ref>(exception_));
}

void CallScope::CatchPending(const char* who) {
  napi_value e = nullptr;
  if (napi_get_and_clear_last_exception(inst_->env, &e) != napi_ok) return;
  // Callbacks run in their own handle scopes: keep the value past them.
  if (exception_ == nullptr) {
    exception_ = HoldValue(inst_, e);
    exception_source_ = who;
  }
}

napi_value CallScope::Finish(napi_value result) {
  inst_->last_exception_source = exception_source_;
  if (exception_ == nullptr) return result;
  napi_value first = HeldValue(inst_, exception_);
  napi_value later = nullptr;
  napi_get_and_clear_last_exception(inst_->env, &later);  // one the entry point threw after it
  napi_throw(inst_->env, first);
  return nullptr;
}

bool CallUser(Instance* inst, const char* who, napi_value fn, size_t argc, const napi_value* argv,
              napi_value* result) {
  if (inst->scope == nullptr || fn == nullptr) return false;  // the core's gate keeps this from happening
  napi_value recv = nullptr;
  napi_get_undefined(inst->env, &recv);
  if (napi_call_function(inst->env, recv, fn, argc, argv, result) == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(inst->env, &pending);
  if (pending) inst->scope->CatchPending(who);
  return false;
}

const char* KindName(Kind k) {
  switch (k) {
    case Kind::Session:
      return "SSL_SESSION";
    case Kind::Context:
      return "SSL_CTX";
    case Kind::Connection:
      return "SSL";
  }
  return "?";
}

napi_value Surface(Instance* inst, Object* o) {
  napi_env env = inst->env;
  napi_value v = nullptr;
  if (o->handle_ref != nullptr &&
      napi_get_reference_value(env, static_cast<napi_ref>(o->handle_ref), &v) == napi_ok && v != nullptr) {
    return v;
  }
  HandleTable& table = inst->runtime->handles;
  const uint32_t slot = table.slot_for(o);
  if (slot == 0) {
    err_push(kErrLibSsl, kReasonMallocFailure);
    napi_throw_error(env, "ERR_OUT_OF_MEMORY", "out of memory for a handle");
    return nullptr;
  }
  HandleTable::Slot& s = table.at(slot);
  const uint64_t value = ((static_cast<uint64_t>(s.generation) << 32) | slot) ^ inst->handle_key;
  napi_ref ref = nullptr;
  // Each step can fail once the environment stops running JS (a Worker being
  // terminated mid-call): then no reference is recorded and JS gets undefined.
  if (napi_create_external(env, reinterpret_cast<void*>(static_cast<uintptr_t>(value)), nullptr, nullptr,
                           &v) != napi_ok ||
      napi_create_reference(env, v, 1, &ref) != napi_ok) {
    return nullptr;
  }
  inst->runtime->release(o->handle_ref);  // an earlier handle's reference, if one failed half-way
  o->handle_ref = ref;
  return v;
}

napi_value SurfaceOrNull(Instance* inst, Object* o) {
  if (o != nullptr) return Surface(inst, o);
  napi_value v = nullptr;
  napi_get_null(inst->env, &v);
  return v;
}

Object* ResolveHandle(Instance* inst, napi_value v, bool* stale) {
  *stale = false;
  void* data = nullptr;
  // napi_get_value_external only reads the value: it dereferences nothing.
  if (inst->runtime == nullptr || napi_get_value_external(inst->env, v, &data) != napi_ok) return nullptr;
  const uint64_t value = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data)) ^ inst->handle_key;
  return inst->runtime->handles.resolve(value & 0xFFFFFFFFu, value >> 32, stale);
}

bool RequireAlive(napi_env env, const Object* o, const char* fn) {
  if (o->alive()) return true;
  std::string msg = std::string(fn) + ": " + KindName(o->kind) + " is being freed";
  napi_throw_error(env, "ERR_USE_AFTER_FREE", msg.c_str());
  return false;
}

Object* UnwrapObject(Instance* inst, napi_value v, Kind kind, const char* fn, bool nullable, bool* was_null) {
  napi_env env = inst->env;
  if (was_null) *was_null = false;
  bool stale = false;
  Object* o = ResolveHandle(inst, v, &stale);
  if (o != nullptr && o->kind == kind) return o;
  if (stale) {
    std::string msg = std::string(fn) + ": " + KindName(kind) + " used after free";
    napi_throw_error(env, "ERR_USE_AFTER_FREE", msg.c_str());
    return nullptr;
  }
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  if (t == napi_null && nullable) {
    *was_null = true;
    return nullptr;
  }
  std::string msg = std::string(fn) + ": expected an " + KindName(kind) + " handle";
  if (t == napi_null || t == napi_undefined)
    msg += ", got " + std::string(t == napi_null ? "null" : "undefined");
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg.c_str());
  return nullptr;
}

Object* UnwrapLiveObject(Instance* inst, napi_value v, Kind kind, const char* fn) {
  Object* o = UnwrapObject(inst, v, kind, fn, false, nullptr);
  return o && RequireAlive(inst->env, o, fn) ? o : nullptr;
}

// Node-API references only hold objects, so any value is kept in a holder
// object { v }.
void* HoldValue(Instance* inst, napi_value v) {
  napi_value holder = nullptr;
  napi_ref ref = nullptr;
  if (napi_create_object(inst->env, &holder) != napi_ok ||
      napi_set_named_property(inst->env, holder, "v", v) != napi_ok ||
      napi_create_reference(inst->env, holder, 1, &ref) != napi_ok) {
    return nullptr;
  }
  return ref;
}

napi_value HeldValue(Instance* inst, void* held) {
  napi_value holder = nullptr, v = nullptr;
  napi_get_reference_value(inst->env, static_cast<napi_ref>(held), &holder);
  if (holder) napi_get_named_property(inst->env, holder, "v", &v);
  return v;
}

}  // namespace osc
