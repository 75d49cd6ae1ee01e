#include "context.h"

#include "error_queue.h"

namespace osc {

const Method kTlsMethod{0x0304, 7200, 0};
const Method kTlsServerMethod{0x0304, 7200, 1};
const Method kTlsClientMethod{0x0304, 7200, 2};

namespace {

// Keeps a context alive across callbacks: a callback may drop the last
// reference the application holds (SSL_CTX_free inside a remove callback);
// the destruction then happens when the operation is over, not under it.
class Hold {
 public:
  explicit Hold(Context* ctx) : ctx_(ctx->alive() ? ctx : nullptr) {
    if (ctx_) ctx_->references++;
  }
  ~Hold() {
    if (ctx_) ctx_free(ctx_);
  }
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;

 private:
  Context* ctx_;
};

// Takes s out of the table and the list; the caller owns the cache's
// reference from here on.
void detach(Context* ctx, Session* s) {
  ctx->table.erase(s);
  if (s->linked) ctx->list.unlink(s);
  s->owner = nullptr;
  s->internal_refs--;
}

void call_remove(Context* ctx, Session* s) {
  if (ctx->remove_session && !ctx->rt->silent) {
    ctx->remove_session.fn(ctx, s, ctx->remove_session.arg);
  }
}

}  // namespace

void release_callback_arg(Runtime* rt, void*& arg) {
  if (arg && rt->release_value) rt->release_value(arg, rt->release_arg);
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

Context* ctx_new(Runtime* rt, const Method* m) {
  Context* ctx = new Context(rt, m);
  ex_data_new(ctx);
  return ctx;
}

void ctx_up_ref(Context* ctx) { ctx->references++; }

void ctx_free(Context* ctx) {
  if (ctx == nullptr || --ctx->references > 0) return;
  ctx->dying = true;
  // The remove callback may read the context's ex_data: flush first.
  ctx_flush_sessions(ctx, 0);
  ex_data_free(ctx);
  release_callbacks(ctx);
  ctx->destroyed = true;
  release_if_unreferenced(ctx);
}

int ctx_add_session(Context* ctx, Session* c) {
  if (ctx->dying || ctx->destroyed) return 0;
  // The cache's one reference, for both the table and the list.
  session_up_ref(c);
  c->internal_refs++;

  // A session cached by another context moves: it leaves that cache
  // silently, like a replaced entry, and that cache's reference is dropped
  // below. (OpenSSL would corrupt the other context's list here.)
  Context* moved_from = c->owner != ctx ? c->owner : nullptr;
  if (moved_from) detach(moved_from, c);

  Session* replaced = nullptr;
  Session* existing = ctx->table.insert(c);
  bool already_cached = existing == c;
  if (existing != nullptr && !already_cached) {
    // Another session with c's key: it leaves silently (no remove callback,
    // still resumable); its cache reference is dropped below.
    replaced = existing;
    if (replaced->linked) ctx->list.unlink(replaced);
    replaced->owner = nullptr;
    replaced->internal_refs--;
  }
  if (c->linked) ctx->list.unlink(c);  // re-sorted below

  if (ctx->mode & kCacheUpdateTime) {
    c->time = ctx->rt->now();
    c->calculate_expiry();
  }

  SmallVec<Session*, 4> evicted;
  if (!already_cached && ctx->cache_size > 0) {
    // c is already counted here, so a cache of size N keeps N - 1 after an
    // add. Evicting before linking c keeps c itself safe (OpenSSL #18690).
    while (static_cast<long>(ctx->table.size()) >= ctx->cache_size) {
      Session* victim = ctx->list.tail();
      // OpenSSL evicts through SSL_CTX_remove_session's path, which ignores
      // a session with an empty id: such a tail stops the eviction.
      if (victim == nullptr || victim->id_len == 0) break;
      detach(ctx, victim);
      victim->not_resumable = true;
      evicted.push(victim);
      ctx->stats.cache_full++;
    }
  }
  ctx->list.link(c);
  c->owner = ctx;

  // The structures are consistent; now call out, in OpenSSL's order.
  Hold hold(ctx);
  if (moved_from) session_free(c);
  if (replaced) session_free(replaced);
  for (size_t i = 0; i < evicted.size(); i++) {
    call_remove(ctx, evicted[i]);
    session_free(evicted[i]);
  }
  if (already_cached) {
    c->internal_refs--;
    session_free(c);  // the cache had its reference already
    return 0;
  }
  return 1;
}

int ctx_remove_session(Context* ctx, Session* c) {
  if (c == nullptr || c->id_len == 0) return 0;
  Session* r = ctx->table.find(c->ssl_version, c->id, c->id_len);
  if (r) detach(ctx, r);
  c->not_resumable = true;
  Hold hold(ctx);
  call_remove(ctx, c);
  if (r) session_free(r);
  return r ? 1 : 0;
}

void ctx_flush_sessions(Context* ctx, int64_t t) {
  SmallVec<Session*, 8> removed;
  for (Session* s = ctx->list.tail(); s != nullptr; s = ctx->list.tail()) {
    if (t != 0 && !s->timed_out(t)) break;
    detach(ctx, s);
    s->not_resumable = true;
    removed.push(s);
  }
  if (removed.size() == 0) return;
  Hold hold(ctx);
  for (size_t i = 0; i < removed.size(); i++) call_remove(ctx, removed[i]);
  for (size_t i = 0; i < removed.size(); i++) session_free(removed[i]);
}

Session* ctx_find_session(const Context* ctx, int version, const uint8_t* id, unsigned len) {
  return ctx->table.find(version, id, len);
}

void session_set_time(Session* s, int64_t t) {
  Context* owner = s->owner;
  if (owner) owner->list.unlink(s);
  s->time = t;
  s->calculate_expiry();
  if (owner) owner->list.link(s);
}

int session_set_timeout(Session* s, int64_t t) {
  if (t < 0) return 0;
  Context* owner = s->owner;
  if (owner) owner->list.unlink(s);
  s->timeout = t;
  s->calculate_expiry();
  if (owner) owner->list.link(s);
  return 1;
}

void session_set_key(Session* s, int version, const uint8_t* id, unsigned len) {
  Context* owner = s->owner;
  if (owner == nullptr) {
    s->ssl_version = version;
    if (len) memmove(s->id, id, len);
    s->id_len = static_cast<uint8_t>(len);
    return;
  }
  owner->table.erase(s);
  s->ssl_version = version;
  if (len) memmove(s->id, id, len);
  s->id_len = static_cast<uint8_t>(len);
  Session* displaced = owner->table.insert(s);
  if (displaced == nullptr) return;
  if (displaced->linked) owner->list.unlink(displaced);
  displaced->owner = nullptr;
  displaced->internal_refs--;
  Hold hold(owner);
  session_free(displaced);
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
    case kCtrlSessNumber: return static_cast<long>(ctx->table.size());
    case kCtrlSessConnect: return st.connect;
    case kCtrlSessConnectGood: return st.connect_good;
    case kCtrlSessConnectRenegotiate: return st.connect_renegotiate;
    case kCtrlSessAccept: return st.accept;
    case kCtrlSessAcceptGood: return st.accept_good;
    case kCtrlSessAcceptRenegotiate: return st.accept_renegotiate;
    case kCtrlSessHit: return st.hits;
    case kCtrlSessCbHit: return st.cb_hits;
    case kCtrlSessMisses: return st.misses;
    case kCtrlSessTimeouts: return st.timeouts;
    case kCtrlSessCacheFull: return st.cache_full;
    case kCtrlSetSessCacheSize: {
      if (larg < 0) return 0;
      long previous = ctx->cache_size;
      ctx->cache_size = larg;
      return previous;
    }
    case kCtrlGetSessCacheSize: return ctx->cache_size;
    case kCtrlSetSessCacheMode: {
      // OpenSSL keeps the mode in 32 unsigned bits.
      long previous = ctx->mode;
      ctx->mode = static_cast<long>(static_cast<uint32_t>(larg));
      return previous;
    }
    case kCtrlGetSessCacheMode: return ctx->mode;
    default: {
      long r = 0;
      version_bound_ctrl(cmd, larg, &ctx->min_proto_version, &ctx->max_proto_version, &r);
      return r;
    }
  }
}

bool version_bound_ctrl(int cmd, long larg, int* min, int* max, long* result) {
  switch (cmd) {
    case kCtrlGetMinProtoVersion: *result = *min; return true;
    case kCtrlGetMaxProtoVersion: *result = *max; return true;
    case kCtrlSetMinProtoVersion:
    case kCtrlSetMaxProtoVersion: break;
    default: return false;
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
  s->wipe_master_key();
  uint8_t* dst = s->master_key;
  if (len > kMaxMasterKeyLength) dst = s->long_master_key = new uint8_t[len];
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
