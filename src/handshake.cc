#include "handshake.h"

#include <random>

#if defined(__linux__)
#include <sys/random.h>
#elif defined(__APPLE__)
#include <stdlib.h>
#endif

#include "error_queue.h"

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

// ssl_version_supported for a TLS_ANY_VERSION method: TLS 1.0 to 1.3 (SSL 3.0
// is not built into Node's OpenSSL) within the connection's version bounds.
// Security levels are not modelled.
bool ssl_version_supported(const Connection* ssl, int version) {
  if (version < kTls1Version || version > kTls13Version) return false;
  return (ssl->min_proto_version == 0 || version >= ssl->min_proto_version) &&
         (ssl->max_proto_version == 0 || version <= ssl->max_proto_version);
}

// A failed step: queues the reason and records it on the connection.
void fail(Connection* ssl, int reason) {
  err_push(kErrLibSsl, reason);
  ssl->fatal_reason = reason;
}

// SSLfatal with an alert: fail, and send the fatal alert (see below).
void fatal(Connection* ssl, int reason) {
  fail(ssl, reason);
  // ssl3_send_alert: a fatal alert removes the connection's session from its
  // session context's cache (remove callback even when it was not cached),
  // unless a shutdown was already sent.
  if (ssl->session && !(ssl->shutdown & kSentShutdown)) {
    Ref<Session> keep = Ref<Session>::up(ssl->session.get());  // the callback may replace ssl's
    ctx_remove_session(ssl->session_ctx.get(), keep.get());
  }
}

void system_random(uint8_t* out, size_t n) {
#if defined(__linux__)
  while (n > 0) {
    ssize_t got = getrandom(out, n, 0);
    if (got <= 0) break;
    out += got;
    n -= static_cast<size_t>(got);
  }
  if (n == 0) return;
#elif defined(__APPLE__)
  arc4random_buf(out, n);
  return;
#endif
  std::random_device rd;
  while (n > 0) {
    unsigned v = rd();
    for (size_t i = 0; i < sizeof v && n > 0; i++, n--) *out++ = static_cast<uint8_t>(v >> (8 * i));
  }
}

// def_generate_session_id: random ids, retried while they clash.
int default_generate(Connection* ssl, uint8_t* id, unsigned* len) {
  unsigned retry = 0;
  do {
    random_bytes(ssl->rt, id, *len);
  } while (ssl_has_matching_session_id(ssl, id, *len) && ++retry < kMaxSessIdAttempts);
  return retry < kMaxSessIdAttempts ? 1 : 0;
}

bool same_sid_ctx(const Session* s, const Connection* ssl) {
  return s->sid_ctx_len == ssl->sid_ctx_len && memcmp(s->sid_ctx, ssl->sid_ctx, s->sid_ctx_len) == 0;
}

}  // namespace

void random_bytes(Runtime* rt, uint8_t* out, size_t n) {
  if (rt->test_random.empty()) {
    system_random(out, n);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    if (rt->test_random_pos >= rt->test_random.size()) rt->test_random_pos = 0;
    out[i] = rt->test_random[rt->test_random_pos++];
  }
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
      fatal(ssl, kReasonUnsupportedSslVersion);
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
    fatal(ssl, kReasonSessionIdCallbackFailed);
    return 0;
  }
  // Neither empty nor longer than offered.
  if (len == 0 || len > kMaxSessionIdLength) {
    fatal(ssl, kReasonSessionIdHasBadLength);
    return 0;
  }
  session_set_key(ss, ss->ssl_version, id, len);
  if (ssl_has_matching_session_id(ssl, id, len)) {
    fatal(ssl, kReasonSessionIdConflict);
    return 0;
  }
  return 1;
}

int ssl_get_new_session(Connection* ssl, int session) {
  Ref<Session> ss = session_new(ssl->rt);  // this step's; the connection's if all goes well
  if (!ss) {
    fatal(ssl, kReasonMallocFailure);
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
    fatal(ssl, kReasonSessionIdContextUninitialized);
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
    fatal(ssl, kReasonLengthMismatch);
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

HandshakeResult simulate_server_handshake(Connection* ssl, const ServerHello& hello) {
  Ref<Connection> hold = Ref<Connection>::hold(ssl);
  HandshakeResult result;
  if (!ssl->role_set) ssl_set_accept_state(ssl);
  if (!tls_setup_handshake(ssl)) {
    result.reason = ssl->fatal_reason;
    return result;
  }
  ssl->version = hello.version;
  ssl->ticket_expected = hello.ticket_expected;
  int r = ssl_get_prev_session(ssl, hello.session_id, hello.session_id_len, Ref<Session>::up(hello.ticket));
  if (r == 1) {
    ssl->hit = true;
  } else if (r == -1 || !ssl_get_new_session(ssl, 1)) {
    result.reason = ssl->fatal_reason;
    return result;
  }
  final_server_name(ssl);
  tls_construct_server_hello(ssl);
  tls_finish_handshake(ssl);
  result.resumed = ssl->hit;
  return result;
}

int tls_process_server_hello(Connection* ssl, bool resumed, int version, const uint8_t* server_id,
                             size_t server_id_len) {
  Ref<Connection> hold = Ref<Connection>::hold(ssl);
  ssl->version = version;
  if (!ssl->session) {
    fatal(ssl, kReasonInternalError);
    return 0;
  }
  if (resumed && ssl->session->id_len > 0) {
    if (!same_sid_ctx(ssl->session.get(), ssl)) {
      fatal(ssl, kReasonReuseInDifferentContext);
      return 0;
    }
    ssl->hit = true;
  } else {
    // The server did not take the proposed session: a miss, and a fresh one.
    if (ssl->session->id_len > 0) {
      ssl->session_ctx->stats.misses++;
      if (!ssl_get_new_session(ssl, 0) || !ssl->session) {
        if (ssl->fatal_reason == 0) fatal(ssl, kReasonInternalError);
        return 0;
      }
    }
    if (server_id != nullptr) {
      Ref<Session> fresh = Ref<Session>::up(ssl->session.get());
      session_set_key(fresh.get(), version, server_id, static_cast<unsigned>(server_id_len));
    }
  }
  if (ssl->session->ssl_version != ssl->version) {
    fatal(ssl, kReasonSessionVersionMismatch);
    return 0;
  }
  return 1;
}

HandshakeResult simulate_client_handshake(Connection* ssl, const ServerReply& reply) {
  Ref<Connection> hold = Ref<Connection>::hold(ssl);
  HandshakeResult result;
  // Callbacks (ex_data free of a replaced session) may unset the session
  // under a step; the handshake then fails instead of reading null.
  auto failed = [&](bool need_session) {
    if (ssl->fatal_reason == 0 && need_session && !ssl->session) {
      fatal(ssl, kReasonInternalError);
    }
    result.reason = ssl->fatal_reason;
    return result.reason != 0;
  };
  if (!ssl->role_set) ssl_set_connect_state(ssl);
  if (!tls_setup_handshake(ssl)) {
    result.reason = ssl->fatal_reason;
    return result;
  }
  // ClientHello: propose the session if the connection may use its version
  // and it can be resumed, else start empty.
  if (!ssl->session || !ssl_version_supported(ssl, ssl->session->ssl_version) ||
      !ssl->session->is_resumable()) {
    if (!ssl_get_new_session(ssl, 0) && failed(false)) return result;
  }
  if (failed(true)) return result;
  unsigned proposed_len = ssl->session->id_len;
  int proposed_version = ssl->session->ssl_version;

  // ServerHello.
  bool echoed = reply.resumed && proposed_len > 0;
  int version = reply.version != 0 ? reply.version : echoed ? proposed_version : kTls12Version;
  uint8_t id[kMaxSessionIdLength];
  size_t len = kMaxSessionIdLength;
  if (reply.session_id != nullptr) {
    len = reply.session_id_len > kMaxSessionIdLength ? kMaxSessionIdLength : reply.session_id_len;
    if (len) memcpy(id, reply.session_id, len);
  } else {
    random_bytes(ssl->rt, id, len);
  }
  if (!tls_process_server_hello(ssl, echoed, version, id, len)) {
    failed(true);
    return result;
  }
  tls_finish_handshake(ssl);
  result.resumed = ssl->hit;
  return result;
}

}  // namespace osc
