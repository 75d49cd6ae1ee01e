// ex_data and app_data for SSL, SSL_CTX and SSL_SESSION: JS values in
// per-object slots, with OpenSSL's new/dup/free index callbacks.
#include <memory>

#include "callbacks.h"
#include "entry.h"

namespace osc {
namespace {

// What one index registered from JS holds; lives as long as the instance.
struct IndexRecord {
  Instance* inst{};
  void* argp{};
  void* new_fn{};
  void* dup_fn{};
  void* free_fn{};
};

// new_func / free_func: (parent, ptr, ad, idx, argl, argp). `ad` has no JS
// form and is passed as null.
void CallIndexFn(void* fn, Object* parent, void* ptr, int idx, long argl, IndexRecord* rec) {
  Instance* inst = rec->inst;
  napi_env env = inst->env;
  HandleScope hs(env);
  napi_value argv[6] = {Surface(inst, parent),
                        ptr ? HeldValue(inst, ptr) : Null(env),
                        Null(env),
                        Int(env, idx),
                        Int(env, argl),
                        HeldValue(inst, rec->argp)};
  napi_value result = nullptr;
  CallUser(inst, "ex_data", HeldValue(inst, fn), 6, argv, &result);
}

void ExNew(Object* parent, void* ptr, ExData*, int idx, long argl, void* argp) {
  auto* rec = static_cast<IndexRecord*>(argp);
  CallIndexFn(rec->new_fn, parent, ptr, idx, argl, rec);
}

void ExFree(Object* parent, void* ptr, ExData*, int idx, long argl, void* argp) {
  auto* rec = static_cast<IndexRecord*>(argp);
  CallIndexFn(rec->free_fn, parent, ptr, idx, argl, rec);
}

// dup_func: (to, from, fromD, idx, argl, argp) with `fromD` an out-parameter
// holding the source's value; a non-zero result keeps fromD.value for the copy
// (a new hold the copy owns). 0, or a throw, fails the dup (SSL_SESSION_dup
// then returns null).
int ExDup(ExData*, const ExData*, void** from_d, int idx, long argl, void* argp) {
  auto* rec = static_cast<IndexRecord*>(argp);
  Instance* inst = rec->inst;
  napi_env env = inst->env;
  HandleScope hs(env);
  napi_value out = NewOut(env, 0);
  napi_set_named_property(env, out, "value", *from_d ? HeldValue(inst, *from_d) : Null(env));
  napi_value argv[6] = {Null(env), Null(env), out, Int(env, idx), Int(env, argl), HeldValue(inst, rec->argp)};
  napi_value result = nullptr;
  if (!CallUser(inst, "ex_data", HeldValue(inst, rec->dup_fn), 6, argv, &result)) return 0;
  int64_t r = 0;
  napi_valuetype t{};
  napi_typeof(env, result, &t);
  if (t == napi_number) {
    double d{};
    napi_get_value_double(env, result, &d);
    r = d != 0 && d == d;  // C's `if (dup(...))`; NaN is no int at all: a failure
  } else if (t == napi_boolean) {
    bool b{};
    napi_get_value_bool(env, result, &b);
    r = b;
  }
  if (r == 0) return 0;
  napi_value v = nullptr;
  napi_get_named_property(env, out, "value", &v);
  napi_typeof(env, v, &t);
  *from_d = (t == napi_null || t == napi_undefined) ? nullptr : HoldValue(inst, v);
  return 1;
}

template <Kind K>
struct Names;
template <>
struct Names<Kind::Session> {
  static constexpr const char* index = "SSL_SESSION_get_ex_new_index";
  static constexpr const char* set = "SSL_SESSION_set_ex_data";
  static constexpr const char* get = "SSL_SESSION_get_ex_data";
};
template <>
struct Names<Kind::Context> {
  static constexpr const char* index = "SSL_CTX_get_ex_new_index";
  static constexpr const char* set = "SSL_CTX_set_ex_data";
  static constexpr const char* get = "SSL_CTX_get_ex_data";
};
template <>
struct Names<Kind::Connection> {
  static constexpr const char* index = "SSL_get_ex_new_index";
  static constexpr const char* set = "SSL_set_ex_data";
  static constexpr const char* get = "SSL_get_ex_data";
};

template <Kind K>
napi_value GetExNewIndex(Call& a) {
  napi_env env = a.env;
  int64_t argl = 0;
  if (TypeOf(env, a[0]) != napi_undefined && !GetCLong(env, a[0], Names<K>::index, &argl)) return nullptr;
  napi_value fns[3]{};
  for (int i = 0; i < 3; i++) {
    if (TypeOf(env, a[2 + i]) == napi_undefined)
      fns[i] = nullptr;
    else if (!GetCallback(env, a[2 + i], Names<K>::index, &fns[i]))
      return nullptr;
  }
  auto* rec = new IndexRecord{a.inst, HoldValue(a.inst, a[1]), fns[0] ? HoldValue(a.inst, fns[0]) : nullptr,
                              fns[1] ? HoldValue(a.inst, fns[1]) : nullptr,
                              fns[2] ? HoldValue(a.inst, fns[2]) : nullptr};
  a.inst->index_records.push_back(rec);
  // -1 when memory ran out, as CRYPTO_get_ex_new_index (the record stays
  // with the instance and goes at its cleanup).
  int idx = a.inst->runtime->new_ex_index(K, static_cast<long>(argl), rec, rec->new_fn ? ExNew : nullptr,
                                          rec->dup_fn ? ExDup : nullptr, rec->free_fn ? ExFree : nullptr);
  return Int(env, idx);
}

// An ex_data index argument: a C int naming app_data (0) or an index
// registered for the class. A non-negative index nobody registered is a
// RangeError: C would grow the object's slot array up to it (gigabytes for
// a large one). A negative one is C's: set returns 0, get NULL.
bool GetExIndex(Call& a, Kind kind, napi_value v, const char* fn, int* idx) {
  int32_t i{};
  if (!GetCInt32(a.env, v, fn, &i)) return false;
  if (i >= 0 && !a.inst->runtime->ex_index_registered(kind, i)) {
    return ThrowRange(a.env, fn, "not an index registered with get_ex_new_index (nor 0, app_data)");
  }
  *idx = i;
  return true;
}

// set_ex_data(obj, idx, value): null or undefined clears the slot.
template <Kind K, typename T>
napi_value SetExData(Call& a) {
  T* o = Unwrap<T>(a.inst, a[0], Names<K>::set);
  int idx{};
  if (!o || !GetExIndex(a, K, a[1], Names<K>::set, &idx)) return nullptr;
  return Int(a.env, SetSlot(a.inst, o, idx, a[2]));
}

template <Kind K, typename T>
napi_value GetExData(Call& a) {
  T* o = Unwrap<T>(a.inst, a[0], Names<K>::get);
  int idx{};
  if (!o || !GetExIndex(a, K, a[1], Names<K>::get, &idx)) return nullptr;
  void* v = o->ex.get(idx);
  return v ? HeldValue(a.inst, v) : Null(a.env);
}

template <Kind K, typename T>
napi_value SetAppData(Call& a) {
  napi_env env = a.env;
  T* o = Unwrap<T>(a.inst, a[0], Names<K>::set);
  if (!o) return nullptr;
  return Int(env, SetSlot(a.inst, o, 0, a[1]));
}

template <Kind K, typename T>
napi_value GetAppData(Call& a) {
  napi_env env = a.env;
  T* o = Unwrap<T>(a.inst, a[0], Names<K>::get);
  if (!o) return nullptr;
  void* v = o->ex.get(0);
  return v ? HeldValue(a.inst, v) : Null(env);
}

}  // namespace

int SetSlot(Instance* inst, Object* o, int idx, napi_value value) {
  if (idx < 0) return 0;
  napi_valuetype t{};
  napi_typeof(inst->env, value, &t);
  void* held = (t == napi_null || t == napi_undefined) ? nullptr : HoldValue(inst, value);
  void* old = o->ex.get(idx);
  if (!o->ex.set(idx, held)) {
    if (held) inst->runtime->release_value(held, inst);
    return 0;
  }
  if (old) inst->runtime->release_value(old, inst);
  return 1;
}

void ReleaseIndexRecords(Instance* inst) {
  for (void* p : inst->index_records) {
    auto* rec = static_cast<IndexRecord*>(p);
    for (void* held : {rec->argp, rec->new_fn, rec->dup_fn, rec->free_fn}) {
      if (held) napi_delete_reference(inst->env, static_cast<napi_ref>(held));
    }
    delete rec;
  }
  inst->index_records.clear();
}

const Export ex_data_exports[] = {
    {"SSL_SESSION_get_ex_new_index", GetExNewIndex<Kind::Session>},
    {"SSL_SESSION_set_ex_data", SetExData<Kind::Session, Session>},
    {"SSL_SESSION_get_ex_data", GetExData<Kind::Session, Session>},
    {"SSL_SESSION_set_app_data", SetAppData<Kind::Session, Session>},
    {"SSL_SESSION_get_app_data", GetAppData<Kind::Session, Session>},
    {"SSL_CTX_get_ex_new_index", GetExNewIndex<Kind::Context>},
    {"SSL_CTX_set_ex_data", SetExData<Kind::Context, Context>},
    {"SSL_CTX_get_ex_data", GetExData<Kind::Context, Context>},
    {"SSL_CTX_set_app_data", SetAppData<Kind::Context, Context>},
    {"SSL_CTX_get_app_data", GetAppData<Kind::Context, Context>},
    {"SSL_get_ex_new_index", GetExNewIndex<Kind::Connection>},
    {"SSL_set_ex_data", SetExData<Kind::Connection, Connection>},
    {"SSL_get_ex_data", GetExData<Kind::Connection, Connection>},
    {"SSL_set_app_data", SetAppData<Kind::Connection, Connection>},
    {"SSL_get_app_data", GetAppData<Kind::Connection, Connection>},
};
const size_t ex_data_export_count = sizeof ex_data_exports / sizeof ex_data_exports[0];

}  // namespace osc
