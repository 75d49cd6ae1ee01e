// The Node server adapter's steps (src/adapter.h), one entry point per Node
// event. Not OpenSSL API. A lookup's tally travels in a caller-owned
// Int32Array(7) (no object per event):
//   [0] hits [1] misses [2] cb_hits [3] timeouts   what OpenSSL counted
//   [4] outcome (LookupOutcome)  [5] fatal reason
//   [6] the store's answer: 0 taken as it was, 1 another id than looked up, 2 DER that does not decode
#include "../src/adapter.h"
#include "session_io.h"

namespace osc {
namespace {

constexpr size_t kTallySize = 7;

bool GetTally(napi_env env, napi_value v, const char* fn, int32_t** out) {
  napi_typedarray_type type{};
  size_t n = 0;
  void* data = nullptr;
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (is_typed) napi_get_typedarray_info(env, v, &type, &n, &data, nullptr, nullptr);
  if (!is_typed || type != napi_int32_array || n < kTallySize || data == nullptr) {
    return ThrowType(env, fn, "expected the lookup's Int32Array(7)");
  }
  *out = static_cast<int32_t*>(data);
  return true;
}

Stats ReadTally(const int32_t* t) {
  Stats s;
  s.hits = t[0];
  s.misses = t[1];
  s.cb_hits = t[2];
  s.timeouts = t[3];
  return s;
}

// Writes the lookup's result into the tally and returns the DER of the
// session to resume (a new Uint8Array), or null.
napi_value Answer(Call& a, ServerLookup& r, int32_t* t) {
  t[0] = static_cast<int32_t>(r.tally.hits);
  t[1] = static_cast<int32_t>(r.tally.misses);
  t[2] = static_cast<int32_t>(r.tally.cb_hits);
  t[3] = static_cast<int32_t>(r.tally.timeouts);
  t[4] = r.outcome;
  t[5] = r.fatal_reason;
  t[6] = r.id_mismatch ? 1 : 0;
  if (r.outcome != kLookupResume) return Null(a.env);
  const size_t n = session_der_length(r.session.get());
  if (n == 0) {  // no cipher: nothing Node could resume
    t[4] = kLookupMiss;
    return Null(a.env);
  }
  uint8_t* dst = nullptr;
  napi_value der = NewBytes(a.env, n, &dst);
  if (der != nullptr) session_to_der(r.session.get(), dst, n);
  return der;
}

Context* LiveCtx(Call& a, const char* fn) { return UnwrapLive<Context>(a.inst, a[0], fn); }

// adapterAccept(ctx)
napi_value adapterAccept(Call& a) {
  Context* ctx = LiveCtx(a, "adapterAccept");
  if (!ctx) return nullptr;
  server_accept(ctx);
  return Undefined(a.env);
}

// adapterLookup(ctx, id, tally) → DER to resume, or null (see tally[4])
napi_value adapterLookup(Call& a) {
  const char* fn = "adapterLookup";
  Bytes b;
  int32_t* t{};
  if (!GetBytes(a.env, a[1], nullptr, fn, &b) || !GetTally(a.env, a[2], fn, &t)) return nullptr;
  ReadOnce id;
  if (!id.copy(b)) return nullptr;
  Context* ctx = LiveCtx(a, fn);
  if (!ctx) return nullptr;
  Ref<Context> hold = Ref<Context>::hold(ctx);
  ServerLookup r = server_lookup(ctx, id.data(), id.size());
  return Answer(a, r, t);
}

// adapterLookupAnswer(ctx, id, answer, copy, tally): answer is a session
// (with C's copy flag), its DER (decoded here; its one reference handed
// over), or null.
napi_value adapterLookupAnswer(Call& a) {
  const char* fn = "adapterLookupAnswer";
  Bytes b;
  int32_t* t{};
  int32_t copy = 1;
  if (!GetBytes(a.env, a[1], nullptr, fn, &b) || !GetCInt32(a.env, a[3], fn, &copy) || !GetTally(a.env, a[4], fn, &t)) {
    return nullptr;
  }
  ReadOnce id;
  if (!id.copy(b)) return nullptr;
  bool typed = false;
  napi_is_typedarray(a.env, a[2], &typed);
  Ref<Session> decoded;
  Session* answer = nullptr;
  if (typed) {
    Bytes d;
    ReadOnce der;
    size_t consumed{};
    if (!GetBytes(a.env, a[2], nullptr, fn, &d) || !der.copy(d)) return nullptr;
    decoded = session_from_der(a.inst->runtime, der.data(), der.size(), &consumed);
  } else if (!IsNullish(a.env, a[2])) {
    answer = UnwrapLive<Session>(a.inst, a[2], fn);
    if (!answer) return nullptr;
  }
  Context* ctx = LiveCtx(a, fn);
  if (!ctx) return nullptr;
  Ref<Context> hold = Ref<Context>::hold(ctx);
  // A decoded answer: its reference is this step's, lent to OpenSSL's rule as
  // a copy-1 answer (the step drops it after).
  ServerLookup r = decoded ? server_lookup_answer(ctx, id.data(), id.size(), decoded.get(), 1, ReadTally(t))
                           : server_lookup_answer(ctx, id.data(), id.size(), answer, copy, ReadTally(t));
  napi_value der = Answer(a, r, t);
  if (typed && !decoded) t[6] = 2;
  return der;
}

// adapterNewSession(ctx, der, skipTls13) → kNewSession* bits, -1 when the
// DER does not decode (the reason queued), -2 for a TLS 1.3 session skipped
napi_value adapterNewSession(Call& a) {
  const char* fn = "adapterNewSession";
  Bytes b;
  bool skip_tls13 = false;
  if (!GetBytes(a.env, a[1], nullptr, fn, &b)) return nullptr;
  napi_get_value_bool(a.env, a[2], &skip_tls13);
  ReadOnce der;
  if (!der.copy(b)) return nullptr;
  Context* ctx = LiveCtx(a, fn);
  if (!ctx) return nullptr;
  Ref<Context> hold = Ref<Context>::hold(ctx);
  size_t consumed{};
  Ref<Session> s = session_from_der(a.inst->runtime, der.data(), der.size(), &consumed);
  if (!s) return Int(a.env, -1);
  if (skip_tls13 && s->ssl_version == 0x0304) return Int(a.env, -2);
  return Int(a.env, server_new_session(ctx, s.get()));
}

// adapterFinish(ctx, version, resumed, tally | null)
napi_value adapterFinish(Call& a) {
  const char* fn = "adapterFinish";
  int32_t version{};
  bool resumed = false;
  int32_t* t = nullptr;
  if (!GetCInt32(a.env, a[1], fn, &version)) return nullptr;
  napi_get_value_bool(a.env, a[2], &resumed);
  if (!IsNullish(a.env, a[3]) && !GetTally(a.env, a[3], fn, &t)) return nullptr;
  Context* ctx = LiveCtx(a, fn);
  if (!ctx) return nullptr;
  Ref<Context> hold = Ref<Context>::hold(ctx);
  Stats tally;
  if (t != nullptr) tally = ReadTally(t);
  server_finish(ctx, version, resumed, t != nullptr ? &tally : nullptr);
  return Undefined(a.env);
}

// clientCachedSession(ctx, version, id): the session ctx's cache holds under
// (version, id) if a client may still offer it (resumable, not timed out at
// the cache clock), with a reference for the caller; else null.
napi_value clientCachedSession(Call& a) {
  const char* fn = "clientCachedSession";
  int32_t version{};
  Bytes b;
  if (!GetCInt32(a.env, a[1], fn, &version) || !GetBytes(a.env, a[2], nullptr, fn, &b)) return nullptr;
  ReadOnce id;
  if (!id.copy(b)) return nullptr;
  Context* ctx = Unwrap<Context>(a.inst, a[0], fn);
  if (!ctx) return nullptr;
  Session* s = id.size() <= kMaxSessionIdLength
                   ? ctx_find_session(ctx, version, id.data(), static_cast<unsigned>(id.size()))
                   : nullptr;
  Ref<Session> found;
  if (s != nullptr && s->is_resumable() && !s->timed_out(ctx->rt->now())) found = Ref<Session>::up(s);
  return HandOver(a.inst, found);
}

// callbackErrorSource(): which kind of callback threw what the previous
// entry point rethrew ("new", "remove", "get", "generate", "ex_data"), or null.
napi_value callbackErrorSource(Call& a) {
  const char* who = a.inst->last_exception_source;
  if (who == nullptr) return Null(a.env);
  return Str(a.env, who, strlen(who));
}

// sessionRemainingMs(s): how long s has left before it times out at the
// cache clock, in milliseconds (the core's expiry rule: time + timeout,
// overflow never times out), capped at 2^53 - 1; 0 when expired or in its
// last second.
napi_value sessionRemainingMs(Call& a) {
  Session* s = Unwrap<Session>(a.inst, a[0], "sessionRemainingMs");
  if (!s) return nullptr;
  constexpr int64_t kMaxMs = 9007199254740991;
  const int64_t now = a.inst->runtime->now();
  int64_t ms = kMaxMs;
  if (!s->expiry.overflowed) {
    // In unsigned arithmetic: the difference of two int64 times may not fit int64.
    const uint64_t left = s->expiry.at > now ? static_cast<uint64_t>(s->expiry.at) - static_cast<uint64_t>(now) : 0;
    ms = left > static_cast<uint64_t>(kMaxMs / 1000) ? kMaxMs : static_cast<int64_t>(left) * 1000;
  }
  return Int(a.env, ms);
}

// contextIdContext(ctx): the id context set on ctx (OpenSSL has no getter).
napi_value contextIdContext(Call& a) {
  Context* ctx = Unwrap<Context>(a.inst, a[0], "contextIdContext");
  return ctx ? Copy(a.env, ctx->sid_ctx, ctx->sid_ctx_len) : nullptr;
}

}  // namespace

const Export adapter_exports[] = {
    {"contextIdContext", contextIdContext},
    {"sessionRemainingMs", sessionRemainingMs},
    {"callbackErrorSource", callbackErrorSource},
    {"clientCachedSession", clientCachedSession},
    {"adapterAccept", adapterAccept},
    {"adapterLookup", adapterLookup},
    {"adapterLookupAnswer", adapterLookupAnswer},
    {"adapterNewSession", adapterNewSession},
    {"adapterFinish", adapterFinish},
};
const size_t adapter_export_count = sizeof adapter_exports / sizeof adapter_exports[0];

}  // namespace osc
