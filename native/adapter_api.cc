// The Node server adapter's steps (src/adapter.h), one entry point per Node
// event, each on the adapter's connection (an SSL of the cache's context).
// Not OpenSSL API. A lookup answers with one number (no object, no typed
// array per event):
//   bits 0-1   outcome (LookupOutcome)
//   bits 2-9   the counts OpenSSL made, 2 bits each: hits, misses, cb_hits, timeouts
//   bits 10-11 the store's answer: 0 taken as it was, 1 another id than looked up, 2 DER that does not decode
//   bits 12-27 the length of the DER to resume, written into the caller's slab at the offset it gave
// or, when that DER does not fit the slab's room, with a new array holding it
// (the number then comes as the second element of [array, number]).
#include "../src/adapter.h"
#include "session_io.h"

namespace osc {
namespace {

constexpr int kCountsShift = 2;
constexpr int kCheckShift = 10;
constexpr int kDerShift = 12;

int32_t PackCounts(const Stats& s) {
  auto two = [](long v) { return static_cast<int32_t>(v < 3 ? v : 3); };
  return two(s.hits) | two(s.misses) << 2 | two(s.cb_hits) << 4 | two(s.timeouts) << 6;
}

Stats UnpackCounts(int32_t c) {
  Stats s;
  s.hits = c & 3;
  s.misses = (c >> 2) & 3;
  s.cb_hits = (c >> 4) & 3;
  s.timeouts = (c >> 6) & 3;
  return s;
}

// The slab and offset a lookup writes the DER to (the rest of the slab is its room).
bool GetSlab(napi_env env, napi_value slab, napi_value offset, const char* fn, uint8_t** at, size_t* room) {
  uint8_t* data{};
  size_t n{}, off{};
  if (!GetWritableBytes(env, slab, fn, &data, &n) || !GetSize(env, offset, fn, &off)) return false;
  if (off > n) return ThrowRange(env, fn, "offset beyond the slab");
  *at = data + off;
  *room = n - off;
  return true;
}

// The lookup's answer, as described at the top.
napi_value Answer(Call& a, ServerLookup& r, int check, uint8_t* slab, size_t room) {
  int32_t outcome = r.outcome;
  size_t n = 0;
  napi_value big = nullptr;
  if (outcome == kLookupResume) {
    n = session_der_length(r.session.get());
    if (n == 0) {
      outcome = kLookupMiss;  // no cipher: nothing Node could resume
    } else if (n <= room && n < (1u << 16)) {
      session_to_der(r.session.get(), slab, n);
    } else {
      uint8_t* dst = nullptr;
      big = NewBytes(a.env, n, &dst);
      if (big != nullptr) session_to_der(r.session.get(), dst, n);
      n = 0;
    }
  }
  const int32_t packed = outcome | PackCounts(r.tally) << kCountsShift | check << kCheckShift |
                         static_cast<int32_t>(n) << kDerShift;
  if (big == nullptr) return Int(a.env, packed);
  napi_value pair = nullptr;
  napi_create_array_with_length(a.env, 2, &pair);
  napi_set_element(a.env, pair, 0, big);
  napi_set_element(a.env, pair, 1, Int(a.env, packed));
  return pair;
}

// The adapter's connection (first argument of every step).
Connection* StepConnection(Call& a, const char* fn) { return UnwrapLive<Connection>(a.inst, a[0], fn); }

// adapterOwn(ssl): the adapter's step connection, just made by SSL_new, becomes the core's: a
// callback given it cannot free it (ERR_REFCOUNT, as any reference a running step holds).
// adapterRelease(ssl) drops that reference (detach). Each once per connection.
napi_value adapterOwn(Call& a) {
  Connection* conn = StepConnection(a, "adapterOwn");
  if (!conn) return nullptr;
  if (conn->step_owned) {
    ThrowRange(a.env, "adapterOwn", "the connection is a step connection already");
    return nullptr;
  }
  Ref<Connection> own = adopt_app_reference(conn);
  if (!own) {
    napi_throw_error(a.env, "ERR_REFCOUNT", "adapterOwn: the application holds no reference to hand over");
    return nullptr;
  }
  conn->step_owned = true;
  own.release();  // held until adapterRelease
  return Undefined(a.env);
}

napi_value adapterRelease(Call& a) {
  Connection* conn = StepConnection(a, "adapterRelease");
  if (!conn) return nullptr;
  if (!conn->step_owned) {
    ThrowRange(a.env, "adapterRelease", "not a step connection");
    return nullptr;
  }
  conn->step_owned = false;
  Ref<Connection>::adopt(conn).reset();  // ex_data free callbacks may run
  return Undefined(a.env);
}

// adapterAccept(ssl)
napi_value adapterAccept(Call& a) {
  Connection* conn = StepConnection(a, "adapterAccept");
  if (!conn) return nullptr;
  server_accept(conn);
  return Undefined(a.env);
}

// adapterLookup(ssl, id, slab, offset)
napi_value adapterLookup(Call& a) {
  const char* fn = "adapterLookup";
  Bytes b;
  uint8_t* slab{};
  size_t room{};
  if (!GetBytes(a.env, a[1], nullptr, fn, &b) || !GetSlab(a.env, a[2], a[3], fn, &slab, &room))
    return nullptr;
  ReadOnce id;
  if (!id.copy(b)) return nullptr;
  Connection* conn = StepConnection(a, fn);
  if (!conn) return nullptr;
  ServerLookup r = server_lookup(conn, id.data(), id.size());
  server_step_done(conn);
  return Answer(a, r, 0, slab, room);
}

// adapterLookupAnswer(ssl, id, answer, copy, counts, slab, offset): answer is
// a session (with C's copy flag), its DER (decoded here), or null; counts
// are the packed counts of the table's step.
napi_value adapterLookupAnswer(Call& a) {
  const char* fn = "adapterLookupAnswer";
  Bytes b;
  int32_t copy = 1, counts = 0;
  uint8_t* slab{};
  size_t room{};
  if (!GetBytes(a.env, a[1], nullptr, fn, &b) || !GetCInt32(a.env, a[3], fn, &copy) ||
      !GetCInt32(a.env, a[4], fn, &counts) || !GetSlab(a.env, a[5], a[6], fn, &slab, &room)) {
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
  Connection* conn = StepConnection(a, fn);
  if (!conn) return nullptr;
  const Stats so_far = UnpackCounts(counts);
  // A decoded answer: its reference is this step's, lent to OpenSSL's rule as
  // a copy-1 answer (the step drops it after).
  ServerLookup r = decoded ? server_lookup_answer(conn, id.data(), id.size(), decoded.get(), 1, so_far)
                           : server_lookup_answer(conn, id.data(), id.size(), answer, copy, so_far);
  server_step_done(conn);
  const int check = typed && !decoded ? 2 : r.id_mismatch ? 1 : 0;
  return Answer(a, r, check, slab, room);
}

// adapterNewSession(ssl, der, skipTls13) → kNewSession* bits, -1 when the
// DER does not decode (the reason queued), -2 for a TLS 1.3 session skipped
napi_value adapterNewSession(Call& a) {
  const char* fn = "adapterNewSession";
  Bytes b;
  bool skip_tls13 = false;
  if (!GetBytes(a.env, a[1], nullptr, fn, &b)) return nullptr;
  napi_get_value_bool(a.env, a[2], &skip_tls13);
  ReadOnce der;
  if (!der.copy(b)) return nullptr;
  Connection* conn = StepConnection(a, fn);
  if (!conn) return nullptr;
  size_t consumed{};
  Ref<Session> s = session_from_der(a.inst->runtime, der.data(), der.size(), &consumed);
  if (!s) return Int(a.env, -1);
  if (skip_tls13 && s->ssl_version == 0x0304) return Int(a.env, -2);
  const int r = server_new_session(conn, s.get());
  server_step_done(conn);
  return Int(a.env, r);
}

// adapterFinish(ssl, version, resumed, counts?): the lookup's counts as
// packed in its answer (bits 0-7 here), or undefined when the handshake
// looked nothing up
napi_value adapterFinish(Call& a) {
  const char* fn = "adapterFinish";
  int32_t version{};
  bool resumed = false;
  if (!GetCInt32(a.env, a[1], fn, &version)) return nullptr;
  napi_get_value_bool(a.env, a[2], &resumed);
  const bool looked_up = TypeOf(a.env, a[3]) != napi_undefined;
  int32_t packed = 0;
  if (looked_up && !GetCInt32(a.env, a[3], fn, &packed)) return nullptr;
  Connection* conn = StepConnection(a, fn);
  if (!conn) return nullptr;
  Ref<Connection> hold = Ref<Connection>::hold(conn);  // an auto-clear's callbacks may free the caller's
  const Stats tally = UnpackCounts(packed);
  server_finish(conn, version, resumed, looked_up ? &tally : nullptr);
  server_step_done(conn);
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
    const uint64_t left =
        s->expiry.at > now ? static_cast<uint64_t>(s->expiry.at) - static_cast<uint64_t>(now) : 0;
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
    {"adapterOwn", adapterOwn},
    {"adapterRelease", adapterRelease},
    {"adapterAccept", adapterAccept},
    {"adapterLookup", adapterLookup},
    {"adapterLookupAnswer", adapterLookupAnswer},
    {"adapterNewSession", adapterNewSession},
    {"adapterFinish", adapterFinish},
};
const size_t adapter_export_count = sizeof adapter_exports / sizeof adapter_exports[0];

}  // namespace osc
