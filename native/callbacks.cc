#include "callbacks.h"

namespace osc {
namespace {

// A callback's int result: an integer number in C's int range, or a boolean
// (true is 1). Anything else is recorded as the operation's error and reads
// as 0.
int ToInt(Instance* inst, napi_value v, const char* what) {
  napi_env env = inst->env;
  if (TypeOf(env, v) == napi_boolean) {
    bool b{};
    napi_get_value_bool(env, v, &b);
    return b;
  }
  int64_t r{};
  if (ToCInt(env, v, INT32_MIN, INT32_MAX, &r)) return static_cast<int>(r);
  DeferError(inst, what, TypeOf(env, v) == napi_number);
  return 0;
}

// An out-parameter a callback may have set, as a C int in [min, max]: false
// (with the error recorded) when it is not one, or when reading it threw
// (a getter).
bool ReadOut(Instance* inst, napi_value out, int64_t min, int64_t max, const char* what, int64_t* v) {
  napi_value value = nullptr;
  if (napi_get_named_property(inst->env, out, "value", &value) != napi_ok) {
    inst->scope->CatchPending(what[0] == 'g' && what[1] == 'e' && what[2] == 't' ? "get" : "generate");
    return false;
  }
  if (ToCInt(inst->env, value, min, max, v)) return true;
  DeferError(inst, what, TypeOf(inst->env, value) == napi_number);
  return false;
}

}  // namespace

void DeferError(Instance* inst, const char* msg, bool range) {
  if (range)
    napi_throw_range_error(inst->env, "ERR_INVALID_RETURN_VALUE", msg);
  else
    napi_throw_type_error(inst->env, "ERR_INVALID_RETURN_VALUE", msg);
  // The message names the callback; the source is the callback's kind.
  const char* who = strncmp(msg, "new", 3) == 0 ? "new" : strncmp(msg, "get", 3) == 0 ? "get" : "generate";
  inst->scope->CatchPending(who);
}

int NewSessionTrampoline(Connection* ssl, Session* s, void* fn) {
  Instance* inst = InstanceOf(s);
  HandleScope hs(inst->env);
  napi_value argv[2] = {Surface(inst, ssl), Surface(inst, s)};
  napi_value result = nullptr;
  if (!CallUser(inst, "new", HeldValue(inst, fn), 2, argv, &result)) return 0;
  return ToInt(inst, result, "new session callback: expected an integer (0 or 1) or a boolean as the result");
}

void RemoveSessionTrampoline(Context* ctx, Session* s, void* fn) {
  Instance* inst = InstanceOf(ctx);
  HandleScope hs(inst->env);
  napi_value argv[2] = {Surface(inst, ctx), Surface(inst, s)};
  napi_value result = nullptr;
  CallUser(inst, "remove", HeldValue(inst, fn), 2, argv, &result);
}

Session* GetSessionTrampoline(Connection* ssl, const uint8_t* id, int len, int* copy, void* fn) {
  Instance* inst = InstanceOf(ssl);
  napi_env env = inst->env;
  HandleScope hs(env);
  napi_value copy_out = NewOut(env, *copy);
  napi_value argv[4] = {Surface(inst, ssl), Copy(env, id, static_cast<size_t>(len)), Int(env, len), copy_out};
  napi_value result = nullptr;
  if (!CallUser(inst, "get", HeldValue(inst, fn), 4, argv, &result)) return nullptr;
  if (IsNullish(env, result)) return nullptr;
  // copy first: reading it may run a getter; the result is resolved after,
  // so what it names is checked as it is now.
  int64_t c{};
  if (!ReadOut(inst, copy_out, INT32_MIN, INT32_MAX, "get session callback: copy.value must be a C int",
               &c)) {
    return nullptr;
  }
  bool stale = false;
  Object* o = ResolveHandle(inst, result, &stale);
  if (o == nullptr || o->kind != Kind::Session || !o->alive()) {
    DeferError(inst, "get session callback: expected a live SSL_SESSION or null as the result", false);
    return nullptr;
  }
  *copy = static_cast<int>(c);
  return static_cast<Session*>(o);
}

int GenerateSessionIdTrampoline(Connection* ssl, uint8_t* id, unsigned* len, void* fn) {
  Instance* inst = InstanceOf(ssl);
  napi_env env = inst->env;
  HandleScope hs(env);
  // The callback writes into a JS copy of the id buffer; copied back after.
  napi_value buf = Copy(env, id, *len);
  napi_value len_out = NewOut(env, *len);
  napi_value argv[3] = {Surface(inst, ssl), buf, len_out};
  napi_value result = nullptr;
  if (!CallUser(inst, "generate", HeldValue(inst, fn), 3, argv, &result)) return 0;
  int r = ToInt(inst, result, "generate session id callback: expected an integer as the result");
  int64_t l{};
  if (!ReadOut(inst, len_out, 0, UINT32_MAX,
               "generate session id callback: len.value must be a C unsigned int", &l)) {
    return 0;
  }
  void* data = nullptr;
  size_t n = 0;
  napi_get_typedarray_info(env, buf, nullptr, &n, &data, nullptr, nullptr);
  // A length above what was offered is rejected by the caller (bad length).
  size_t copy = data == nullptr ? 0 : n < *len ? n : *len;
  if (copy) memcpy(id, data, copy);
  *len = l > 0xFFFF ? 0xFFFF : static_cast<unsigned>(l);
  return r;
}

}  // namespace osc
