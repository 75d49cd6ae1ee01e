#include "callbacks.h"

#include "args.h"

namespace osc {
namespace {

int ToInt(Instance* inst, napi_value v, const char* what) {
  napi_valuetype t{};
  napi_typeof(inst->env, v, &t);
  if (t == napi_number) {
    int32_t r{};
    napi_get_value_int32(inst->env, v, &r);
    return r;
  }
  if (t == napi_boolean) {
    bool b{};
    napi_get_value_bool(inst->env, v, &b);
    return b;
  }
  DeferTypeError(inst, what);
  return 0;
}

}  // namespace

void DeferTypeError(Instance* inst, const char* msg) {
  napi_throw_type_error(inst->env, "ERR_INVALID_RETURN_VALUE", msg);
  if (inst->scope) inst->scope->CatchPending();
}

int NewSessionTrampoline(Connection* ssl, Session* s, void* fn) {
  Instance* inst = InstanceOf(s);
  HandleScope hs(inst->env);
  napi_value argv[2] = {Surface(inst, ssl), Surface(inst, s)};
  napi_value result = nullptr;
  if (!CallUser(inst, HeldValue(inst, fn), 2, argv, &result)) return 0;
  return ToInt(inst, result, "new session callback: expected a number (0 or 1) as the result");
}

void RemoveSessionTrampoline(Context* ctx, Session* s, void* fn) {
  Instance* inst = InstanceOf(ctx);
  HandleScope hs(inst->env);
  napi_value argv[2] = {Surface(inst, ctx), Surface(inst, s)};
  napi_value result = nullptr;
  CallUser(inst, HeldValue(inst, fn), 2, argv, &result);
}

Session* GetSessionTrampoline(Connection* ssl, const uint8_t* id, int len, int* copy, void* fn) {
  Instance* inst = InstanceOf(ssl);
  napi_env env = inst->env;
  HandleScope hs(env);
  napi_value copy_out = NewOut(env, *copy);
  napi_value argv[4] = {Surface(inst, ssl), Copy(env, id, static_cast<size_t>(len)), Int(env, len), copy_out};
  napi_value result = nullptr;
  if (!CallUser(inst, HeldValue(inst, fn), 4, argv, &result)) return nullptr;
  int64_t c{};
  if (GetOut(env, copy_out, &c)) *copy = static_cast<int>(c);
  napi_valuetype t{};
  napi_typeof(env, result, &t);
  if (t == napi_null || t == napi_undefined) return nullptr;
  bool tagged = false;
  if (t == napi_external) napi_check_object_type_tag(env, result, &inst->tags[static_cast<int>(Kind::Session)], &tagged);
  void* data = nullptr;
  if (tagged) napi_get_value_external(env, result, &data);
  Session* s = static_cast<Session*>(data);
  if (s == nullptr || !s->alive()) {
    DeferTypeError(inst, "get session callback: expected a live SSL_SESSION or null as the result");
    return nullptr;
  }
  return s;
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
  if (!CallUser(inst, HeldValue(inst, fn), 3, argv, &result)) return 0;
  int r = ToInt(inst, result, "generate session id callback: expected a number as the result");
  int64_t l{};
  if (!GetOut(env, len_out, &l) || l < 0) l = 0;
  void* data = nullptr;
  size_t n = 0;
  napi_get_typedarray_info(env, buf, nullptr, &n, &data, nullptr, nullptr);
  // A length above what was offered is rejected by the caller (bad length).
  size_t copy = n < *len ? n : *len;
  if (copy) memcpy(id, data, copy);
  *len = l > 0xFFFF ? 0xFFFF : static_cast<unsigned>(l);
  return r;
}

}  // namespace osc
