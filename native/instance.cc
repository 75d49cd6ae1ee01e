#include "instance.h"

#include <random>

namespace osc {
namespace {

void ReleaseHeld(void* held, void* arg) {
  if (held != nullptr) napi_delete_reference(static_cast<Instance*>(arg)->env, static_cast<napi_ref>(held));
}

void MaybeDeleteInstance(Instance* inst) {
  if (inst->env_finalized && inst->live_handles == 0) delete inst;
}

// Environment cleanup (process exit, worker termination): free every native
// object while napi references can still be deleted; call no JS.
void Cleanup(void* arg) {
  Instance* inst = static_cast<Instance*>(arg);
  inst->runtime->silent = true;
  for_each_live(inst->runtime, [inst](Object* o) {
    if (o->handle) napi_delete_reference(inst->env, static_cast<napi_ref>(o->handle));
    o->handle = nullptr;
  });
  delete inst->runtime;  // releases held values through ReleaseHeld
  ReleaseIndexRecords(inst);
  inst->runtime = nullptr;
  inst->torn_down = true;
}

void FinalizeInstance(napi_env, void* data, void*) {
  Instance* inst = static_cast<Instance*>(data);
  if (!inst->torn_down) {
    napi_remove_env_cleanup_hook(inst->env, Cleanup, inst);
    Cleanup(inst);
  }
  inst->env_finalized = true;
  MaybeDeleteInstance(inst);
}

// A handle was garbage-collected. The object may live on (the cache or the
// application still holds OpenSSL references); its memory goes if it was
// already destroyed and no other handle points at it.
void FinalizeHandle(napi_env env, void* data, void* hint) {
  Instance* inst = static_cast<Instance*>(hint);
  inst->live_handles--;
  if (!inst->torn_down) {
    Object* o = static_cast<Object*>(data);
    if (--o->handles == 0) {
      if (o->handle) napi_delete_reference(env, static_cast<napi_ref>(o->handle));
      o->handle = nullptr;
      release_if_unreferenced(o);
    }
  }
  MaybeDeleteInstance(inst);
}

}  // namespace

Instance::Instance(napi_env e) : env(e), runtime(new Runtime()) {
  std::random_device rd;
  for (auto* t : {&tags[0], &tags[1], &tags[2], &method_tag, &shm_tag}) {
    t->lower = (static_cast<uint64_t>(rd()) << 32) | rd();
    t->upper = (static_cast<uint64_t>(rd()) << 32) | rd();
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

CallScope::CallScope(Instance* inst) : inst_(inst), outer_(inst->scope) { inst->scope = this; }


CallScope::~CallScope() {
  inst_->scope = outer_;
  if (exception_) napi_delete_reference(inst_->env, static_cast<napi_ref>(exception_));
}

void CallScope::CatchPending() {
  napi_value e = nullptr;
  if (napi_get_and_clear_last_exception(inst_->env, &e) != napi_ok) return;
  // Callbacks run in their own handle scopes: keep the value past them.
  if (exception_ == nullptr) exception_ = HoldValue(inst_, e);
}

bool CallScope::Rethrow() {
  if (exception_ == nullptr) return false;
  napi_value e = HeldValue(inst_, exception_);
  napi_delete_reference(inst_->env, static_cast<napi_ref>(exception_));
  exception_ = nullptr;
  napi_throw(inst_->env, e);
  return true;
}

bool CallUser(Instance* inst, napi_value fn, size_t argc, const napi_value* argv, napi_value* result) {
  napi_value recv = nullptr;
  napi_get_undefined(inst->env, &recv);
  napi_status st = napi_call_function(inst->env, recv, fn, argc, argv, result);
  if (st == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(inst->env, &pending);
  if (pending) {
    if (inst->scope) inst->scope->CatchPending();
    else {
      napi_value e = nullptr;
      napi_get_and_clear_last_exception(inst->env, &e);
      napi_fatal_exception(inst->env, e);  // nowhere to rethrow it: report it as uncaught
    }
  }
  return false;
}

const char* KindName(Kind k) {
  switch (k) {
    case Kind::Session: return "SSL_SESSION";
    case Kind::Context: return "SSL_CTX";
    case Kind::Connection: return "SSL";
  }
  return "?";
}

napi_value Surface(Instance* inst, Object* o) {
  napi_env env = inst->env;
  napi_value v = nullptr;
  if (o->handle) {
    napi_get_reference_value(env, static_cast<napi_ref>(o->handle), &v);
    if (v != nullptr) return v;
    // The old handle is unreachable but not yet finalized: make a new one.
    napi_delete_reference(env, static_cast<napi_ref>(o->handle));
    o->handle = nullptr;
  }
  // Each step can fail once the environment stops running JS (a Worker being
  // terminated mid-call): then no handle is recorded and JS gets undefined.
  if (napi_create_external(env, o, FinalizeHandle, inst, &v) != napi_ok) return nullptr;
  o->handles++;  // FinalizeHandle runs for every external created
  inst->live_handles++;
  napi_ref ref = nullptr;
  if (napi_type_tag_object(env, v, &inst->tags[static_cast<int>(o->kind)]) != napi_ok ||
      napi_create_reference(env, v, 0, &ref) != napi_ok) {
    return nullptr;
  }
  o->handle = ref;
  return v;
}

Object* UnwrapObject(Instance* inst, napi_value v, Kind kind, const char* fn, bool nullable,
                     bool* was_null) {
  napi_env env = inst->env;
  if (was_null) *was_null = false;
  // The common path in two calls: is it an external (napi_get_value_external
  // only reads the pointer, it dereferences nothing), and does it carry this
  // instance's (random, per load) tag for the kind; only then is the pointer
  // ours to use. typeof runs only on the error path (null, wrong types).
  //
  // Sessions skip the tag check (the costlier call): their memory comes from
  // this instance's pool, so an external's pointer that is the start of one
  // of the pool's slots (decided from the address alone, see
  // SessionPool::owns_slot) and whose slot holds a session is one of ours;
  // any other pointer (another addon's, another copy's, a context's) is
  // never dereferenced. Contexts and connections keep the type tags.
  void* data = nullptr;
  bool tagged = false;
  if (napi_get_value_external(env, v, &data) == napi_ok) {
    if (kind == Kind::Session) {
      tagged = inst->runtime != nullptr && inst->runtime->sessions.owns_slot(data) &&
               static_cast<Object*>(data)->kind == Kind::Session;
    } else {
      napi_check_object_type_tag(env, v, &inst->tags[static_cast<int>(kind)], &tagged);
    }
  }
  if (!tagged || data == nullptr) {
    napi_valuetype t{};
    napi_typeof(env, v, &t);
    if (t == napi_null && nullable) {
      *was_null = true;
      return nullptr;
    }
    std::string msg = std::string(fn) + ": expected an " + KindName(kind) + " handle";
    if (t == napi_null || t == napi_undefined) msg += ", got " + std::string(t == napi_null ? "null" : "undefined");
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg.c_str());
    return nullptr;
  }
  Object* o = static_cast<Object*>(data);
  if (o->destroyed) {
    std::string msg = std::string(fn) + ": " + KindName(kind) + " used after free";
    napi_throw_error(env, "ERR_USE_AFTER_FREE", msg.c_str());
    return nullptr;
  }
  return o;
}

Object* UnwrapLiveObject(Instance* inst, napi_value v, Kind kind, const char* fn) {
  Object* o = UnwrapObject(inst, v, kind, fn, false, nullptr);
  if (o && !o->alive()) {
    std::string msg = std::string(fn) + ": " + KindName(kind) + " is being freed";
    napi_throw_error(inst->env, "ERR_USE_AFTER_FREE", msg.c_str());
    return nullptr;
  }
  return o;
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
