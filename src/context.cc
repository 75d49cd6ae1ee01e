#include "context.h"

#include <new>

#include "error_queue.h"

namespace osc {

const Method kTlsMethod{0x0304, 7200, 0};
const Method kTlsServerMethod{0x0304, 7200, 1};
const Method kTlsClientMethod{0x0304, 7200, 2};

namespace {

// Takes s out of the table and the list. The cache's reference comes out
// with it: whoever holds the Ref drops it, after the callbacks about s.
Ref<Session> detach(Context* ctx, Session* s) {
  ctx->table.erase(s);
  if (s->linked) ctx->list.unlink(s);
  s->owner = nullptr;
  return Ref<Session>::adopt(s);
}

void call_remove(Context* ctx, Session* s) {
  if (ctx->remove_session && callout_allowed(ctx->rt))
    ctx->remove_session.fn(ctx, s, ctx->remove_session.arg);
}

}  // namespace

void release_callback_arg(Runtime* rt, void*& arg) {
  rt->release(arg);
  arg = nullptr;
}

void release_callbacks(Context* ctx) {
  Runtime* rt = ctx->rt;
  release_callback_arg(rt, ctx->new_session.arg);
  release_callback_arg(rt, ctx->remove_session.arg);
  release_callback_arg(rt, ctx->get_session.arg);
  release_callback_arg(rt, ctx->generate_session_id.arg);
  release_callback_arg(rt, ctx->verify_callback);
  ctx->new_session.fn = nullptr;
  ctx->remove_session.fn = nullptr;
  ctx->get_session.fn = nullptr;
  ctx->generate_session_id.fn = nullptr;
}

Context::Context(Runtime* r, const Method* m)
    : Object(r, Kind::Context), method(m), timeout(m->default_timeout) {}

Context::~Context() = default;

Ref<Context> ctx_new(Runtime* rt, const Method* m) {
  Context* ctx;
  try {
    ctx = new Context(rt, m);  // null when memory ran out (Object::operator new)
  } catch (const std::bad_alloc&) {
    ctx = nullptr;  // the session table's first array (its memory is released)
  }
  if (ctx == nullptr) {
    err_push(kErrLibSsl, kReasonMallocFailure);
    return Ref<Context>();
  }
  ctx->internal_refs = 1;  // the one reference is the Ref's while the callbacks run
  Ref<Context> r = Ref<Context>::adopt(ctx);
  ex_data_new(ctx);
  return r;
}

void ctx_free(Context* ctx) {
  if (ctx == nullptr || --ctx->references > 0) return;
  ctx->dying = true;
  // The remove callback may read the context's ex_data: flush first.
  ctx_flush_sessions(ctx, 0);
  ex_data_free(ctx);
  release_callbacks(ctx);
  ctx->destroyed = true;
  destroy_object(ctx);
}

int ctx_add_session(Context* ctx, Session* c) {
  if (!ctx->alive() || !c->alive()) return 0;
  // The cache's one reference, for both the table and the list.
  Ref<Session> entry = Ref<Session>::up(c);

  // A session cached by another context moves: it leaves that cache
  // silently, like a replaced entry. (OpenSSL would corrupt the other
  // context's list here.)
  Ref<Session> moved;
  if (c->owner != nullptr && c->owner != ctx) moved = detach(c->owner, c);

  Ref<Session> replaced;
  Session* existing = ctx->table.insert(c);
  const bool already_cached = existing == c;
  if (existing != nullptr && !already_cached) {
    // Another session with c's key: it leaves silently (no remove callback,
    // still resumable).
    if (existing->linked) ctx->list.unlink(existing);
    existing->owner = nullptr;
    replaced = Ref<Session>::adopt(existing);
  }
  if (c->linked) ctx->list.unlink(c);  // re-sorted below

  if (ctx->mode & kCacheUpdateTime) {
    c->time = ctx->rt->now();
    c->calculate_expiry();
  }

  SmallVec<Ref<Session>, 4> evicted;
  if (!already_cached && ctx->cache_size > 0) {
    // c is already counted here, so a cache of size N keeps N - 1 after an
    // add. Evicting before linking c keeps c itself safe (OpenSSL #18690).
    while (static_cast<long>(ctx->table.size()) >= ctx->cache_size) {
      Session* victim = ctx->list.tail();
      // OpenSSL evicts through SSL_CTX_remove_session's path, which ignores
      // a session with an empty id: such a tail stops the eviction. So does
      // a full victim list with no memory to grow it: the next add evicts
      // the rest (nothing may call out before c is linked).
      if (victim == nullptr || victim->id_len == 0) break;
      Ref<Session> v = detach(ctx, victim);
      if (!evicted.push(static_cast<Ref<Session>&&>(v))) {
        ctx->table.insert(victim);  // back where it was: the tail
        ctx->list.link(victim);
        victim->owner = ctx;
        v.release();
        break;
      }
      victim->not_resumable = true;
      ctx->stats.cache_full++;
    }
  }
  ctx->list.link(c);
  c->owner = ctx;
  // The entry's reference is the cache's now; an extra one for a session
  // already cached is dropped below.
  Session* kept = entry.release();
  if (already_cached) entry = Ref<Session>::adopt(kept);

  // The structures are consistent; now call out, in OpenSSL's order. The
  // context stays alive through the callbacks.
  Ref<Context> hold = Ref<Context>::hold(ctx);
  moved.reset();
  replaced.reset();
  for (size_t i = 0; i < evicted.size(); i++) {
    call_remove(ctx, evicted[i].get());
    evicted[i].reset();
  }
  entry.reset();
  return already_cached ? 0 : 1;
}

int ctx_remove_session(Context* ctx, Session* c) {
  if (c == nullptr || c->id_len == 0) return 0;
  Ref<Context> hold = Ref<Context>::hold(ctx);
  Ref<Session> removed;
  // A session this cache holds is the table's entry for its key: no lookup.
  Session* r = c->owner == ctx ? c : ctx->table.find(c->ssl_version, c->id, c->id_len);
  if (r != nullptr) removed = detach(ctx, r);
  const int result = removed ? 1 : 0;
  c->not_resumable = true;
  call_remove(ctx, c);  // the cache's reference (if c was the entry) outlives the callback
  removed.reset();
  return result;
}

void ctx_flush_sessions(Context* ctx, int64_t t) {
  Ref<Context> hold = Ref<Context>::hold(ctx);
  SmallVec<Ref<Session>, 8> removed;
  ctx->table.pause_shrink(true);
  for (Session* s = ctx->list.tail(); s != nullptr; s = ctx->list.tail()) {
    if (t != 0 && !s->timed_out(t)) break;
    Ref<Session> r = detach(ctx, s);
    s->not_resumable = true;
    if (!removed.push(static_cast<Ref<Session>&&>(r))) {
      // No memory for the list: as OpenSSL, this one goes at once (its callback may re-enter).
      ctx->table.pause_shrink(false);
      call_remove(ctx, s);
      r.reset();
      ctx->table.pause_shrink(true);
    }
  }
  ctx->table.pause_shrink(false);
  for (size_t i = 0; i < removed.size(); i++) call_remove(ctx, removed[i].get());
  for (size_t i = 0; i < removed.size(); i++) removed[i].reset();
}

Session* ctx_find_session(const Context* ctx, int version, const uint8_t* id, unsigned len) {
  return ctx->table.find(version, id, len);
}

void session_set_times(Session* s, int64_t time, int64_t timeout) {
  Context* owner = s->owner;
  if (owner) owner->list.unlink(s);
  s->time = time;
  s->timeout = timeout;
  s->calculate_expiry();
  if (owner) owner->list.link(s);
}

void session_set_time(Session* s, int64_t t) { session_set_times(s, t, s->timeout); }

int session_set_timeout(Session* s, int64_t t) {
  if (t < 0) return 0;
  session_set_times(s, s->time, t);
  return 1;
}

void session_set_key(Session* s, int version, const uint8_t* id, unsigned len) {
  Context* owner = s->owner;
  if (owner != nullptr) owner->table.erase(s);
  s->ssl_version = version;
  if (len) memmove(s->id, id, len);
  s->id_len = static_cast<uint8_t>(len);
  if (owner == nullptr) return;
  Session* displaced = owner->table.insert(s);
  if (displaced == nullptr) return;
  if (displaced->linked) owner->list.unlink(displaced);
  displaced->owner = nullptr;
  Ref<Session> gone = Ref<Session>::adopt(displaced);  // the cache's reference on it
  Ref<Context> hold = Ref<Context>::hold(owner);
  Ref<Session> keep = Ref<Session>::hold(s);  // the displaced one's callbacks may free s's other owners
  gone.reset();
}

bool ctx_cache_consistent(const Context* ctx) {
  if (!ctx->list.consistent()) return false;
  size_t n = 0;
  for (const Session* s = ctx->list.head(); s != nullptr; s = s->next) {
    if (s->owner != ctx) return false;
    if (ctx->table.find(s->ssl_version, s->id, s->id_len) != s) return false;
    n++;
  }
  return n == ctx->table.size();
}

}  // namespace osc

namespace osc {

long ctx_ctrl(Context* ctx, int cmd, long larg) {
  const Stats& st = ctx->stats;
  switch (cmd) {
    case kCtrlSessNumber:
      return static_cast<long>(ctx->table.size());
    case kCtrlSessConnect:
      return st.connect;
    case kCtrlSessConnectGood:
      return st.connect_good;
    case kCtrlSessConnectRenegotiate:
      return st.connect_renegotiate;
    case kCtrlSessAccept:
      return st.accept;
    case kCtrlSessAcceptGood:
      return st.accept_good;
    case kCtrlSessAcceptRenegotiate:
      return st.accept_renegotiate;
    case kCtrlSessHit:
      return st.hits;
    case kCtrlSessCbHit:
      return st.cb_hits;
    case kCtrlSessMisses:
      return st.misses;
    case kCtrlSessTimeouts:
      return st.timeouts;
    case kCtrlSessCacheFull:
      return st.cache_full;
    case kCtrlSetSessCacheSize: {
      if (larg < 0) return 0;
      long previous = ctx->cache_size;
      ctx->cache_size = larg;
      return previous;
    }
    case kCtrlGetSessCacheSize:
      return ctx->cache_size;
    case kCtrlSetSessCacheMode: {
      // OpenSSL keeps the mode in 32 unsigned bits.
      long previous = ctx->mode;
      ctx->mode = static_cast<long>(static_cast<uint32_t>(larg));
      return previous;
    }
    case kCtrlGetSessCacheMode:
      return ctx->mode;
    default: {
      long r = 0;
      version_bound_ctrl(cmd, larg, &ctx->min_proto_version, &ctx->max_proto_version, &r);
      return r;
    }
  }
}

bool version_bound_ctrl(int cmd, long larg, int* min, int* max, long* result) {
  switch (cmd) {
    case kCtrlGetMinProtoVersion:
      *result = *min;
      return true;
    case kCtrlGetMaxProtoVersion:
      *result = *max;
      return true;
    case kCtrlSetMinProtoVersion:
    case kCtrlSetMaxProtoVersion:
      break;
    default:
      return false;
  }
  int* bound = cmd == kCtrlSetMinProtoVersion ? min : max;
  const int v = static_cast<int>(larg);  // OpenSSL passes (int)larg
  // DTLS1_BAD_VER (0x0100) orders as 0xff00; DTLS 1.0 to 1.2 are 0xfeff..0xfefd.
  const bool tls = v >= 0x0300 && v <= 0x0304;
  const bool dtls = v == 0x0100 || (v >= 0xfefd && v <= 0xff00);
  if (v == 0 || tls) *bound = v;
  *result = v == 0 || tls || dtls ? 1 : 0;
  return true;
}

long ctx_set_timeout(Context* ctx, long t) {
  long previous = ctx->timeout;
  ctx->timeout = t;
  return previous;
}

int set_sid_ctx(uint8_t* dst, uint8_t* dst_len, const uint8_t* sid_ctx, unsigned len) {
  if (len > kMaxSidCtxLength) {
    err_push(kErrLibSsl, kReasonSessionIdContextTooLong);
    return 0;
  }
  *dst_len = static_cast<uint8_t>(len);
  if (len) memmove(dst, sid_ctx, len);
  return 1;
}

int session_set1_id(Session* s, const uint8_t* id, unsigned len) {
  if (len > kMaxSessionIdLength) {
    err_push(kErrLibSsl, kReasonSessionIdTooLong);
    return 0;
  }
  session_set_key(s, s->ssl_version, id, len);
  return 1;
}

int session_set_protocol_version(Session* s, int version) {
  session_set_key(s, version, s->id, s->id_len);
  return 1;
}

int session_set1_master_key(Session* s, const uint8_t* key, size_t len) {
  if (len > kMaxStoredMasterKeyLength) return 0;
  uint8_t* long_key = nullptr;
  if (len > kMaxMasterKeyLength && (long_key = core_new_array<uint8_t>(len)) == nullptr) {
    err_push(kErrLibSsl, kReasonMallocFailure);
    return 0;
  }
  s->wipe_master_key();
  uint8_t* dst = s->master_key;
  if (long_key != nullptr) dst = s->long_master_key = long_key;
  if (len) memcpy(dst, key, len);
  s->master_key_len = static_cast<uint16_t>(len);
  return 1;
}

size_t session_get_master_key(const Session* s, uint8_t* out, size_t outlen) {
  if (outlen == 0) return s->master_key_len;
  if (outlen > s->master_key_len) outlen = s->master_key_len;
  memcpy(out, s->master_key_bytes(), outlen);
  return outlen;
}

}  // namespace osc
