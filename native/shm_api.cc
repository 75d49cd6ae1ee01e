// The shared-memory session store (src/shm_cache.h) for JS: the segment,
// and the session-level steps the store's callbacks make (ts/shm-store.ts).
//
//   shmCreate(bytes) → handle           a new segment, random name, mode 0600
//   shmAttach(name) → handle            an existing one (refused unless ours and valid)
//   shmName(h) → string                 what other processes attach by
//   shmStore(h, idctx, id, der, expiry, now) → 'ok' | 'expired' | 'too-large'
//                                       | 'context-table-full' | 'lock-timeout' | 'corrupt'
//   shmLookup(h, idctx, id, now) → Uint8Array | null (every kind of miss)
//   shmRemove(h, idctx, id) → 1 | 0
//   shmFlushExpired(h, now) → number removed
//   shmStats(h) → { entries, bytesUsed, evictions, recoveries, ... }
//   shmDetach(h)                        unmaps now; the handle is stale after
//   shmUnlink(name) → 1 | 0             removes the name (mappings stay)
//   shmStoreSession(h, s) → a shmStore result, or 'skipped' (TLS 1.3: never
//                                       looked up by id) or 'no-der' (no cipher)
//   shmLookupSession(h, idctx, id) → a session with one reference for the
//                                       caller (decoded; it must carry the id
//                                       asked for), null (no entry), or
//                                       'undecodable' / 'wrong-id' (an entry
//                                       that fails those checks: a miss)
//   shmRemoveSession(h, s) → 1 | 0
// The session steps take the key (id context, id), the DER and the expiry
// (time + timeout, never for an overflowed sum) from the core's session, and
// the cache clock's now.
//
// Programmer errors throw: a wrong type (ERR_INVALID_ARG_TYPE), a length or
// number out of range (ERR_OUT_OF_RANGE: idctx over 32 bytes, id not 1..32,
// empty DER, a size outside 8 KiB..1 GiB), a detached handle
// (ERR_USE_AFTER_FREE). Failing to create or attach throws ERR_SHM_BAD_SEGMENT,
// ERR_SHM_NOT_FOUND, ERR_SHM_EXISTS, ERR_SHM_NOT_SUPPORTED (Windows) or
// ERR_SHM_SYSTEM (with the OS's message). Store results are returned, as
// OpenSSL returns its failures: the caller simply does not cache.
//
// Inputs are copied once before the core sees them, so a Uint8Array on a
// SharedArrayBuffer changing during the call cannot make the key hashed
// differ from the key compared, or the bytes stored differ from the bytes
// checksummed.
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../src/session.h"
#include "../src/shm_cache.h"
#include "entry.h"

namespace osc {
namespace {

using shm::Cache;
using shm::Result;

const char* ResultName(Result r) {
  switch (r) {
    case Result::kOk:
      return "ok";
    case Result::kExpired:
      return "expired";
    case Result::kTooLarge:
      return "too-large";
    case Result::kContextTableFull:
      return "context-table-full";
    case Result::kLockTimeout:
      return "lock-timeout";
    case Result::kCorrupt:
      return "corrupt";
    default:
      return "error";
  }
}

// What a JS handle points at. The handle's finalizer deletes it; shmDetach
// unmaps earlier, leaving a stale handle.
struct ShmHandle {
  std::unique_ptr<Cache> cache;
};

void FinalizeShm(napi_env, void* data, void*) { delete static_cast<ShmHandle*>(data); }

Cache* UnwrapShm(napi_env env, Instance* inst, napi_value v, const char* fn) {
  void* data = nullptr;
  bool tagged = false;
  if (napi_get_value_external(env, v, &data) == napi_ok)
    napi_check_object_type_tag(env, v, &inst->shm_tag, &tagged);
  if (!tagged || !data) {
    ThrowType(env, fn, "expected a shared-memory store handle (shmCreate, shmAttach)");
    return nullptr;
  }
  ShmHandle* h = static_cast<ShmHandle*>(data);
  if (!h->cache) {
    std::string msg = std::string(fn) + ": shared-memory store used after shmDetach";
    napi_throw_error(env, "ERR_USE_AFTER_FREE", msg.c_str());
    return nullptr;
  }
  return h->cache.get();
}

napi_value WrapShm(napi_env env, Instance* inst, std::unique_ptr<Cache> c) {
  ShmHandle* h = new ShmHandle{std::move(c)};
  napi_value v = nullptr;
  if (napi_create_external(env, h, FinalizeShm, nullptr, &v) != napi_ok) {
    delete h;
    return nullptr;
  }
  napi_type_tag_object(env, v, &inst->shm_tag);
  return v;
}

napi_value ThrowResult(napi_env env, const char* fn, Result r, int saved_errno) {
  const char* code = "ERR_SHM_SYSTEM";
  std::string what;
  switch (r) {
    case Result::kBadSegment:
      code = "ERR_SHM_BAD_SEGMENT";
      what = "refused: not a segment of this build, or not owned by this user with mode 0600";
      break;
    case Result::kNotFound:
      code = "ERR_SHM_NOT_FOUND";
      what = "no segment by that name";
      break;
    case Result::kExists:
      code = "ERR_SHM_EXISTS";
      what = "the name is taken";
      break;
    case Result::kNotSupported:
      code = "ERR_SHM_NOT_SUPPORTED";
      what = "shared-memory stores are not supported on this platform";
      break;
    case Result::kInvalidArgument:
      code = "ERR_OUT_OF_RANGE";
      what = "invalid name or size";
      break;
    default:
      what = std::string(shm::result_name(r)) +
             (saved_errno ? std::string(": ") + std::strerror(saved_errno) : "");
  }
  std::string msg = std::string(fn) + ": " + what;
  if (r == Result::kInvalidArgument)
    napi_throw_range_error(env, code, msg.c_str());
  else
    napi_throw_error(env, code, msg.c_str());
  return nullptr;
}

// A time in whole seconds: C's time_t (int64).
bool GetSeconds(napi_env env, napi_value v, const char* fn, int64_t* out) {
  return GetCLong(env, v, fn, out);
}

bool GetName(napi_env env, napi_value v, const char* fn, char* out) {
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  if (t != napi_string) return ThrowType(env, fn, "expected a segment name (a string)");
  size_t n = 0;
  napi_get_value_string_utf8(env, v, nullptr, 0, &n);
  if (n > shm::kNameMax) return ThrowRange(env, fn, "segment name longer than 31 bytes");
  napi_get_value_string_utf8(env, v, out, shm::kNameMax + 1, &n);
  if (std::strlen(out) != n) return ThrowRange(env, fn, "segment name holds a NUL character");
  return true;
}

// The key, copied: idctx 0..32 bytes, id 1..32.
struct KeyCopy {
  uint8_t ctx[shm::kMaxCtxLength];
  uint8_t id[shm::kMaxIdLength];
  shm::KeyRef ref{ctx, 0, id, 0};
};

bool GetKey(napi_env env, napi_value ctx, napi_value id, const char* fn, KeyCopy* k) {
  Bytes c, i;
  if (!GetBytes(env, ctx, nullptr, fn, &c) || !GetBytes(env, id, nullptr, fn, &i)) return false;
  if (c.length > shm::kMaxCtxLength) return ThrowRange(env, fn, "session id context longer than 32 bytes");
  if (i.length < 1 || i.length > shm::kMaxIdLength)
    return ThrowRange(env, fn, "session id must be 1 to 32 bytes");
  if (c.length) std::memcpy(k->ctx, c.data, c.length);
  std::memcpy(k->id, i.data, i.length);
  k->ref.ctx_len = c.length;
  k->ref.id_len = i.length;
  return true;
}

napi_value Str(napi_env env, const char* s) {
  napi_value v = nullptr;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

napi_value shmCreate(Call& a) {
  napi_env env = a.env;
  size_t bytes = 0;
  if (!GetSize(env, a[0], "shmCreate", &bytes)) return nullptr;
  if (bytes < shm::kMinBytes || bytes > shm::kMaxBytes) {
    ThrowRange(env, "shmCreate", "size must be 8192 bytes to 1 GiB");
    return nullptr;
  }
  std::unique_ptr<Cache> c;
  errno = 0;
  Result r = Cache::create(bytes, &c);
  if (r != Result::kOk) return ThrowResult(env, "shmCreate", r, errno);
  return WrapShm(env, a.inst, std::move(c));
}

napi_value shmAttach(Call& a) {
  napi_env env = a.env;
  char name[shm::kNameMax + 1];
  if (!GetName(env, a[0], "shmAttach", name)) return nullptr;
  std::unique_ptr<Cache> c;
  errno = 0;
  Result r = Cache::attach(name, &c);
  if (r != Result::kOk) return ThrowResult(env, "shmAttach", r, errno);
  return WrapShm(env, a.inst, std::move(c));
}

napi_value shmName(Call& a) {
  napi_env env = a.env;
  Cache* c = UnwrapShm(env, a.inst, a[0], "shmName");
  return c ? Str(env, c->name()) : nullptr;
}

napi_value shmStore(Call& a) {
  napi_env env = a.env;
  const char* fn = "shmStore";
  Cache* c = UnwrapShm(env, a.inst, a[0], fn);
  KeyCopy k;
  Bytes der;
  int64_t expiry{}, now{};
  if (!c || !GetKey(env, a[1], a[2], fn, &k) || !GetBytes(env, a[3], nullptr, fn, &der) ||
      !GetSeconds(env, a[4], fn, &expiry) || !GetSeconds(env, a[5], fn, &now))
    return nullptr;
  if (der.length == 0) {
    ThrowRange(env, fn, "empty DER");
    return nullptr;
  }
  if (der.length > shm::kMaxDer) return Str(env, "too-large");
  std::vector<uint8_t> copy(der.data, der.data + der.length);
  return Str(env, ResultName(c->store(k.ref, copy.data(), copy.size(), expiry, now)));
}

napi_value shmLookup(Call& a) {
  napi_env env = a.env;
  const char* fn = "shmLookup";
  Cache* c = UnwrapShm(env, a.inst, a[0], fn);
  KeyCopy k;
  int64_t now{};
  if (!c || !GetKey(env, a[1], a[2], fn, &k) || !GetSeconds(env, a[3], fn, &now)) return nullptr;
  uint8_t buf[shm::kMaxDer];  // every stored session fits; no heap allocation in the core
  size_t len = 0;
  if (c->lookup(k.ref, now, buf, sizeof buf, &len) != Result::kOk) return Null(env);
  return Copy(env, buf, len);
}

napi_value shmRemove(Call& a) {
  napi_env env = a.env;
  Cache* c = UnwrapShm(env, a.inst, a[0], "shmRemove");
  KeyCopy k;
  if (!c || !GetKey(env, a[1], a[2], "shmRemove", &k)) return nullptr;
  return Int(env, c->remove(k.ref) == Result::kOk ? 1 : 0);
}

napi_value shmFlushExpired(Call& a) {
  napi_env env = a.env;
  Cache* c = UnwrapShm(env, a.inst, a[0], "shmFlushExpired");
  int64_t now{};
  if (!c || !GetSeconds(env, a[1], "shmFlushExpired", &now)) return nullptr;
  uint32_t n = 0;
  c->flush_expired(now, &n);
  return Int(env, n);
}

napi_value shmStats(Call& a) {
  napi_env env = a.env;
  Cache* c = UnwrapShm(env, a.inst, a[0], "shmStats");
  if (!c) return nullptr;
  shm::Stats s;
  c->stats(&s);
  napi_value o = nullptr;
  napi_create_object(env, &o);
  auto set = [&](const char* k, uint64_t v) {
    napi_set_named_property(env, o, k, Int(env, static_cast<int64_t>(v)));
  };
  set("totalBytes", s.total_bytes);
  set("blocksTotal", s.blocks_total);
  set("blocksUsed", s.blocks_used);
  set("bytesUsed", s.bytes_used);
  set("entries", s.entries);
  set("contexts", s.contexts);
  set("stores", s.counters.stores);
  set("stored", s.counters.stored);
  set("replaced", s.counters.replaced);
  set("removes", s.counters.removes);
  set("evictions", s.counters.evictions);
  set("expiredRemoved", s.counters.expired_removed);
  set("contextTableFull", s.counters.ctx_full);
  set("recoveries", s.counters.recoveries);
  set("rebuilds", s.counters.rebuilds);
  set("corruptDropped", s.counters.corrupt_dropped);
  set("lookups", s.lookups);
  set("hits", s.hits);
  set("misses", s.misses);
  set("lockTimeouts", s.lock_timeouts);
  return o;
}

napi_value shmDetach(Call& a) {
  napi_env env = a.env;
  if (!UnwrapShm(env, a.inst, a[0], "shmDetach")) return nullptr;
  void* data = nullptr;
  napi_get_value_external(env, a[0], &data);
  static_cast<ShmHandle*>(data)->cache.reset();
  return Undefined(env);
}

napi_value shmUnlink(Call& a) {
  napi_env env = a.env;
  char name[shm::kNameMax + 1];
  if (!GetName(env, a[0], "shmUnlink", name)) return nullptr;
  Result r = Cache::unlink(name);
  if (r == Result::kNotSupported) return ThrowResult(env, "shmUnlink", r, 0);
  return Int(env, r == Result::kOk ? 1 : 0);
}

// A session's key in the store.
shm::KeyRef SessionKey(const Session* s) { return shm::KeyRef{s->sid_ctx, s->sid_ctx_len, s->id, s->id_len}; }

napi_value shmStoreSession(Call& a) {
  const char* fn = "shmStoreSession";
  Cache* c = UnwrapShm(a.env, a.inst, a[0], fn);
  Session* s = c ? Unwrap<Session>(a.inst, a[1], fn) : nullptr;
  if (!s) return nullptr;
  if (s->ssl_version == 0x0304) return Str(a.env, "skipped");
  if (s->id_len == 0) return Str(a.env, "error");
  const size_t n = session_der_length(s);
  if (n == 0) return Str(a.env, "no-der");
  if (n > shm::kMaxDer) return Str(a.env, "too-large");
  uint8_t der[shm::kMaxDer];
  session_to_der(s, der, n);
  const int64_t expiry = s->expiry.overflowed ? INT64_MAX : s->expiry.at;
  const Result r = c->store(SessionKey(s), der, n, expiry, a.inst->runtime->now());
  secure_zero(der, n);  // the master key was in there
  return Str(a.env, ResultName(r));
}

napi_value shmLookupSession(Call& a) {
  const char* fn = "shmLookupSession";
  Cache* c = UnwrapShm(a.env, a.inst, a[0], fn);
  KeyCopy k;
  if (!c || !GetKey(a.env, a[1], a[2], fn, &k)) return nullptr;
  uint8_t der[shm::kMaxDer];
  size_t len = 0;
  if (c->lookup(k.ref, a.inst->runtime->now(), der, sizeof der, &len) != Result::kOk) return Null(a.env);
  size_t consumed{};
  Ref<Session> s = session_from_der(a.inst->runtime, der, len, &consumed);
  secure_zero(der, len);
  // Trusted no further than a get callback's answer: it must decode and carry the id asked for.
  if (!s) return Str(a.env, "undecodable");
  if (!s->same_key(s->ssl_version, k.id, static_cast<unsigned>(k.ref.id_len))) return Str(a.env, "wrong-id");
  return HandOver(a.inst, s);
}

napi_value shmRemoveSession(Call& a) {
  const char* fn = "shmRemoveSession";
  Cache* c = UnwrapShm(a.env, a.inst, a[0], fn);
  Session* s = c ? Unwrap<Session>(a.inst, a[1], fn) : nullptr;
  if (!s) return nullptr;
  if (s->id_len == 0) return Int(a.env, 0);
  return Int(a.env, c->remove(SessionKey(s)) == Result::kOk ? 1 : 0);
}

}  // namespace

const Export shm_exports[] = {
    {"shmStoreSession", shmStoreSession},
    {"shmLookupSession", shmLookupSession},
    {"shmRemoveSession", shmRemoveSession},
    {"shmCreate", shmCreate},
    {"shmAttach", shmAttach},
    {"shmName", shmName},
    {"shmStore", shmStore},
    {"shmLookup", shmLookup},
    {"shmRemove", shmRemove},
    {"shmFlushExpired", shmFlushExpired},
    {"shmStats", shmStats},
    {"shmDetach", shmDetach},
    {"shmUnlink", shmUnlink},
};
const size_t shm_export_count = sizeof(shm_exports) / sizeof(shm_exports[0]);

}  // namespace osc
