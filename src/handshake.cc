#include "handshake.h"

#include "error_queue.h"
#include "system_random.h"

namespace osc {
namespace {

constexpr int kSsl3Version = 0x0300;
constexpr int kTls1Version = 0x0301;
constexpr int kTls11Version = 0x0302;
constexpr int kTls12Version = 0x0303;
constexpr int kTls13Version = 0x0304;
constexpr int kDtls1BadVersion = 0x0100;
constexpr int kDtls1Version = 0xFEFF;
constexpr int kDtls12Version = 0xFEFD;
constexpr unsigned kMaxSessIdAttempts = 10;  // MAX_SESS_ID_ATTEMPTS

// A failed step: queues the reason and records it on the connection.
void fail(Connection* ssl, int reason) {
  err_push(kErrLibSsl, reason);
  ssl->fatal_reason = reason;
}

// def_generate_session_id: random ids, retried while they clash.
int default_generate(Connection* ssl, uint8_t* id, unsigned* len) {
  unsigned retry = 0;
  do {
    if (!random_bytes(ssl->rt, id, *len)) return 0;
  } while (ssl_has_matching_session_id(ssl, id, *len) && ++retry < kMaxSessIdAttempts);
  return retry < kMaxSessIdAttempts ? 1 : 0;
}

bool same_sid_ctx(const Session* s, const Connection* ssl) {
  return s->sid_ctx_len == ssl->sid_ctx_len && memcmp(s->sid_ctx, ssl->sid_ctx, s->sid_ctx_len) == 0;
}

}  // namespace

bool ssl_version_supported(const Connection* ssl, int version) {
  if (version < kTls1Version || version > kTls13Version) return false;
  return (ssl->min_proto_version == 0 || version >= ssl->min_proto_version) &&
         (ssl->max_proto_version == 0 || version <= ssl->max_proto_version);
}

void ssl_fatal(Connection* ssl, int reason) {
  fail(ssl, reason);
  // ssl3_send_alert: a fatal alert removes the connection's session from its
  // session context's cache (remove callback even when it was not cached),
  // unless a shutdown was already sent.
  if (ssl->session && !(ssl->shutdown & kSentShutdown)) {
    Ref<Session> keep = Ref<Session>::up(ssl->session.get());  // the callback may replace ssl's
    ctx_remove_session(ssl->session_ctx.get(), keep.get());
  }
}

bool random_bytes(Runtime* rt, uint8_t* out, size_t n) {
  if (rt->test_random.empty()) return system_random(out, n);
  for (size_t i = 0; i < n; i++) {
    if (rt->test_random_pos >= rt->test_random.size()) rt->test_random_pos = 0;
    out[i] = rt->test_random[rt->test_random_pos++];
  }
  return true;
}

int ssl_generate_session_id(Connection* ssl, Session* ss) {
  switch (ssl->version) {
    case kSsl3Version:
    case kTls1Version:
    case kTls11Version:
    case kTls12Version:
    case kTls13Version:
    case kDtls1BadVersion:
    case kDtls1Version:
    case kDtls12Version:
      break;
    default:
      ssl_fatal(ssl, kReasonUnsupportedSslVersion);
      return 0;
  }
  if (ssl->ticket_expected) {
    session_set_key(ss, ss->ssl_version, nullptr, 0);
    return 1;
  }
  uint8_t id[kMaxSessionIdLength] = {0};
  unsigned len = kMaxSessionIdLength;
  int ok;
  Runtime* rt = ssl->rt;
  if (ssl->generate_session_id) {
    const Callback<GenerateSessionIdFn> cb = ssl->generate_session_id;
    ok = callout_allowed(rt) ? cb.fn(ssl, id, &len, cb.arg) : 0;
  } else if (ssl->session_ctx->generate_session_id) {
    const Callback<GenerateSessionIdFn> cb = ssl->session_ctx->generate_session_id;
    ok = callout_allowed(rt) ? cb.fn(ssl, id, &len, cb.arg) : 0;
  } else {
    ok = default_generate(ssl, id, &len);
  }
  if (!ok) {
    ssl_fatal(ssl, kReasonSessionIdCallbackFailed);
    return 0;
  }
  // Neither empty nor longer than offered.
  if (len == 0 || len > kMaxSessionIdLength) {
    ssl_fatal(ssl, kReasonSessionIdHasBadLength);
    return 0;
  }
  session_set_key(ss, ss->ssl_version, id, len);
  if (ssl_has_matching_session_id(ssl, id, len)) {
    ssl_fatal(ssl, kReasonSessionIdConflict);
    return 0;
  }
  return 1;
}

int ssl_get_new_session(Connection* ssl, int session) {
  Ref<Session> ss = session_new(ssl->rt);  // this step's; the connection's if all goes well
  if (!ss) {
    ssl_fatal(ssl, kReasonMallocFailure);
    return 0;
  }
  const long t = ssl->session_ctx->timeout;
  session_set_times(ss.get(), ss->time, t == 0 ? ssl->method->default_timeout : t);
  ssl->session.reset();
  if (session) {
    // TLS 1.3 makes its id with the NewSessionTicket.
    if (ssl->version != kTls13Version && !ssl_generate_session_id(ssl, ss.get())) return 0;
  }
  ss->sid_ctx_len = ssl->sid_ctx_len;
  memcpy(ss->sid_ctx, ssl->sid_ctx, ssl->sid_ctx_len);
  session_set_key(ss.get(), ssl->version, ss->id, ss->id_len);
  // The connection takes over this step's reference; a session a callback
  // set meanwhile is replaced.
  ssl->session = static_cast<Ref<Session>&&>(ss);
  return 1;
}

Ref<Session> lookup_internal(Connection* ssl, const uint8_t* id, size_t len) {
  Context* sctx = ssl->session_ctx.get();  // alive as long as ssl, which the caller holds
  Ref<Session> ret;
  if (sctx->mode & kCacheNoInternalLookup) return ret;
  if (len > kMaxSessionIdLength) return ret;
  Session* found = ctx_find_session(sctx, ssl->version, id, static_cast<unsigned>(len));
  if (found)
    ret = Ref<Session>::up(found);  // for the caller
  else
    ssl->lookup_stats().misses++;
  return ret;
}

Ref<Session> accept_get_result(Connection* ssl, Session* r, int copy) {
  Context* sctx = ssl->session_ctx.get();
  if (r == nullptr || !r->alive()) return Ref<Session>();
  // copy == 0 hands over one of the application's references. One it does
  // not have (all belong to a cache, a connection or a running step) is
  // not taken: a reference is added instead, as for copy 1.
  Ref<Session> got = copy == 0 ? adopt_app_reference(r) : Ref<Session>();
  if (!got) got = Ref<Session>::up(r);
  if (r->not_resumable) return Ref<Session>();  // what was handed over is dropped
  ssl->lookup_stats().cb_hits++;
  if (!(sctx->mode & kCacheNoInternalStore)) ctx_add_session(sctx, r);  // result ignored
  return got;
}

Ref<Session> lookup_sess_in_cache(Connection* ssl, const uint8_t* id, size_t len) {
  Context* sctx = ssl->session_ctx.get();
  Ref<Session> ret = lookup_internal(ssl, id, len);
  if (!ret && sctx->get_session && callout_allowed(ssl->rt)) {
    int copy = 1;
    const Callback<GetSessionFn> cb = sctx->get_session;
    Session* r = cb.fn(ssl, id, static_cast<int>(len), &copy, cb.arg);
    ret = accept_get_result(ssl, r, copy);
  }
  return ret;
}

namespace {

// The checks ssl_get_prev_session makes on a candidate s (held by the
// caller): 1 to resume it, 0 for a miss, -1 for a fatal error.
int judge_prev_session(Connection* ssl, Session* s, bool from_cache) {
  if (s->ssl_version != ssl->version) return 0;
  if (!same_sid_ctx(s, ssl)) return 0;  // treated like a miss
  if ((ssl->verify_mode & kVerifyPeer) && ssl->sid_ctx_len == 0) {
    // Not a miss: an application that verifies peers must set an id context.
    ssl_fatal(ssl, kReasonSessionIdContextUninitialized);
    return -1;
  }
  if (s->timed_out(ssl->rt->now())) {
    ssl->lookup_stats().timeouts++;
    if (from_cache) ctx_remove_session(ssl->session_ctx.get(), s);  // from the cache: remove it
    return 0;
  }
  return 1;
}

}  // namespace

int resume_candidate(Connection* ssl, Ref<Session> candidate, bool from_cache) {
  const int verdict = judge_prev_session(ssl, candidate.get(), from_cache);
  if (verdict == 1) {
    ssl->session = static_cast<Ref<Session>&&>(candidate);
    ssl->lookup_stats().hits++;
    return 1;
  }
  candidate.reset();
  if (!from_cache) ssl->ticket_expected = true;  // from a ticket: issue a new one
  return verdict;
}

int ssl_get_prev_session(Connection* ssl, const uint8_t* id, size_t len, Ref<Session> ticket) {
  if (len > kMaxSessionIdLength) {
    // The ClientHello parser rejects such an id before any lookup.
    ssl_fatal(ssl, kReasonLengthMismatch);
    return -1;
  }
  const bool try_session_cache = !ticket && len > 0;
  Ref<Session> ret =
      try_session_cache ? lookup_sess_in_cache(ssl, id, len) : static_cast<Ref<Session>&&>(ticket);
  if (!ret) return 0;
  return resume_candidate(ssl, static_cast<Ref<Session>&&>(ret), try_session_cache);
}

void ssl_update_cache(Connection* ssl, int mode) {
  Session* s = ssl->session.get();
  if (s == nullptr) return;
  if (s->id_len == 0 || s->not_resumable) return;
  // A server session with no id context cannot be resumed by a verifying
  // server (the handshake would fail): not cached.
  if (ssl->server && s->sid_ctx_len == 0 && (ssl->verify_mode & kVerifyPeer)) return;
  Context* sctx = ssl->session_ctx.get();
  Runtime* rt = ssl->rt;
  long i = sctx->mode;
  Ref<Session> keep = Ref<Session>::up(s);  // s stays alive through the callbacks below
  if ((i & mode) && (!ssl->hit || ssl->version == kTls13Version)) {
    // A TLS 1.3 server's session (a stateless ticket's) is never looked up
    // by id: OpenSSL stores it only when something may want it back (a
    // remove callback; early data and stateful tickets are not modelled).
    const bool lookable = ssl->version != kTls13Version || !ssl->server || sctx->remove_session;
    if (!(i & kCacheNoInternalStore) && lookable) ctx_add_session(sctx, s);
    if (sctx->new_session && callout_allowed(rt)) {
      // The callback's reference, borrowed while it runs (it cannot free it):
      // returning 1 keeps it for the application, 0 gives it back.
      const Callback<NewSessionFn> cb = sctx->new_session;
      Ref<Session> lent = Ref<Session>::up(s);
      if (cb.fn(ssl, s, cb.arg)) lent.to_app();
    }
  }
  // Auto-clear every 256th good handshake of this side, read before this
  // handshake's own increment.
  if (!(i & kCacheNoAutoClear) && (i & mode) == mode) {
    long good = (mode & kCacheClient) ? sctx->stats.connect_good : sctx->stats.accept_good;
    if ((good & 0xff) == 0xff) ctx_flush_sessions(sctx, rt->now());
  }
}

int tls_setup_handshake(Connection* ssl) {
  if (!ssl->role_set) {
    fail(ssl, kReasonConnectionTypeNotSet);  // SSL_do_handshake's plain error: no alert
    return 0;
  }
  ssl->handshake_done = false;
  ssl->hit = false;
  ssl->fatal_reason = 0;
  // N.B. OpenSSL counts on session_ctx here, which is ctx on a first handshake
  // unless SSL_set_SSL_CTX ran before; final_server_name settles it.
  if (ssl->server)
    ssl->session_ctx->stats.accept++;
  else
    ssl->session_ctx->stats.connect++;
  return 1;
}

void tls_construct_server_hello(Connection* ssl) {
  Ref<Session> s = Ref<Session>::up(ssl->session.get());  // a displaced session's callbacks may replace it
  if (!s) return;
  // A resumed session keeps its id (the client must see it echoed), even if
  // it was marked non-resumable meanwhile: OpenSSL 3.0.19 (since the
  // CVE-2024-2511 fix) no longer changes a cached session's key here.
  if (!ssl->hit && (s->not_resumable || !(ssl->ctx->mode & kCacheServer))) {
    session_set_key(s.get(), s->ssl_version, nullptr, 0);
  }
}

void final_server_name(Connection* ssl) {
  if (ssl->server && ssl->ctx.get() != ssl->session_ctx.get()) {
    ssl->ctx->stats.accept++;
    ssl->session_ctx->stats.accept--;
  }
}

void tls_finish_handshake(Connection* ssl) {
  Ref<Connection> hold = Ref<Connection>::hold(ssl);
  if (ssl->server) {
    if (ssl->version != kTls13Version) ssl_update_cache(ssl, static_cast<int>(kCacheServer));
    ssl->ctx->stats.accept_good++;  // the current ctx, as OpenSSL
  } else {
    if (ssl->version == kTls13Version) {
      // TLS 1.3 tickets are single-use: the one just used leaves the cache.
      if (ssl->session_ctx->mode & kCacheClient) {
        Ref<Session> used = Ref<Session>::up(ssl->session.get());
        ctx_remove_session(ssl->session_ctx.get(), used.get());
      }
    } else {
      ssl_update_cache(ssl, static_cast<int>(kCacheClient));
    }
    if (ssl->hit) ssl->session_ctx->stats.hits++;
    ssl->session_ctx->stats.connect_good++;
  }
  ssl->handshake_done = true;
}

int tls_process_server_hello(Connection* ssl, bool resumed, int version, const uint8_t* server_id,
                             size_t server_id_len) {
  Ref<Connection> hold = Ref<Connection>::hold(ssl);
  ssl->version = version;
  if (!ssl->session) {
    ssl_fatal(ssl, kReasonInternalError);
    return 0;
  }
  if (resumed && ssl->session->id_len > 0) {
    if (!same_sid_ctx(ssl->session.get(), ssl)) {
      ssl_fatal(ssl, kReasonReuseInDifferentContext);
      return 0;
    }
    ssl->hit = true;
  } else {
    // The server did not take the proposed session: a miss, and a fresh one.
    if (ssl->session->id_len > 0) {
      ssl->session_ctx->stats.misses++;
      if (!ssl_get_new_session(ssl, 0) || !ssl->session) {
        if (ssl->fatal_reason == 0) ssl_fatal(ssl, kReasonInternalError);
        return 0;
      }
    }
    if (server_id != nullptr) {
      Ref<Session> fresh = Ref<Session>::up(ssl->session.get());
      session_set_key(fresh.get(), version, server_id, static_cast<unsigned>(server_id_len));
    }
  }
  if (ssl->session->ssl_version != ssl->version) {
    ssl_fatal(ssl, kReasonSessionVersionMismatch);
    return 0;
  }
  return 1;
}

}  // namespace osc
