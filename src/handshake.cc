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

// A reference held by a running step, counted in internal_refs so that a
// callback's SSL_SESSION_free cannot take it away.
void take(Session* s) {
  session_up_ref(s);
  s->internal_refs++;
}
void drop(Session* s) {
  s->internal_refs--;
  session_free(s);
}

// Keeps the connection alive while a step calls out: a callback may drop the
// application's last reference (SSL_free); the connection then goes when the
// step is over.
class HoldSsl {
 public:
  explicit HoldSsl(Connection* ssl) : ssl_(ssl) {
    ssl_->references++;
    ssl_->internal_refs++;
  }
  ~HoldSsl() {
    ssl_->internal_refs--;
    ssl_free(ssl_);
  }
  HoldSsl(const HoldSsl&) = delete;
  HoldSsl& operator=(const HoldSsl&) = delete;

 private:
  Connection* ssl_;
};

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
  if (ssl->session != nullptr && !(ssl->shutdown & kSentShutdown)) {
    ctx_remove_session(ssl->session_ctx, ssl->session);
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
    case kSsl3Version: case kTls1Version: case kTls11Version: case kTls12Version:
    case kTls13Version: case kDtls1BadVersion: case kDtls1Version: case kDtls12Version:
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
    ok = rt->silent ? 0 : ssl->generate_session_id.fn(ssl, id, &len, ssl->generate_session_id.arg);
  } else if (ssl->session_ctx->generate_session_id) {
    Callback<GenerateSessionIdFn>& cb = ssl->session_ctx->generate_session_id;
    ok = rt->silent ? 0 : cb.fn(ssl, id, &len, cb.arg);
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
  Session* ss = session_new(ssl->rt);  // its one reference is this step's
  ss->internal_refs++;
  long t = ssl->session_ctx->timeout;
  ss->timeout = t == 0 ? ssl->method->default_timeout : t;
  ss->calculate_expiry();
  ssl_set_session(ssl, nullptr);
  if (session) {
    // TLS 1.3 makes its id with the NewSessionTicket.
    if (ssl->version != kTls13Version && !ssl_generate_session_id(ssl, ss)) {
      drop(ss);
      return 0;
    }
  }
  ss->sid_ctx_len = ssl->sid_ctx_len;
  memcpy(ss->sid_ctx, ssl->sid_ctx, ssl->sid_ctx_len);
  session_set_key(ss, ssl->version, ss->id, ss->id_len);
  // The connection takes over this step's reference; a session a callback
  // set meanwhile is replaced.
  ssl_adopt_session(ssl, ss);
  return 1;
}

Session* lookup_sess_in_cache(Connection* ssl, const uint8_t* id, size_t len) {
  Context* sctx = ssl->session_ctx;
  Session* ret = nullptr;
  if (!(sctx->mode & kCacheNoInternalLookup)) {
    if (len > kMaxSessionIdLength) return nullptr;
    ret = ctx_find_session(sctx, ssl->version, id, static_cast<unsigned>(len));
    if (ret) take(ret);  // for the caller
    else sctx->stats.misses++;
  }
  if (ret == nullptr && sctx->get_session && !ssl->rt->silent) {
    int copy = 1;
    Session* r = sctx->get_session.fn(ssl, id, static_cast<int>(len), &copy, sctx->get_session.arg);
    if (r == nullptr || !r->alive()) return nullptr;
    // copy == 0 hands over one of the application's references. One it does
    // not have (all belong to the cache or connections) is not taken: that
    // would free a cached session; a reference is added instead, as for copy 1.
    bool handed_over = copy == 0 && r->references > r->internal_refs;
    if (r->not_resumable) {
      if (handed_over) session_free(r);
      return nullptr;
    }
    sctx->stats.cb_hits++;
    if (handed_over) r->internal_refs++;
    else take(r);
    if (!(sctx->mode & kCacheNoInternalStore)) ctx_add_session(sctx, r);  // result ignored
    ret = r;
  }
  return ret;
}

int ssl_get_prev_session(Connection* ssl, const uint8_t* id, size_t len, Session* ticket) {
  Session* ret = nullptr;
  bool try_session_cache = false;
  bool is_fatal = false;
  Context* sctx = ssl->session_ctx;
  if (len > kMaxSessionIdLength) {
    // The ClientHello parser rejects such an id before any lookup.
    if (ticket) drop(ticket);
    fatal(ssl, kReasonLengthMismatch);
    return -1;
  }
  if (ticket != nullptr) {
    ret = ticket;
  } else if (len > 0) {
    try_session_cache = true;
    ret = lookup_sess_in_cache(ssl, id, len);
  }
  if (ret == nullptr) return 0;
  // From here this step owns one reference on ret.
  if (ret->ssl_version != ssl->version) goto err;
  if (!same_sid_ctx(ret, ssl)) goto err;  // treated like a miss
  if ((ssl->verify_mode & kVerifyPeer) && ssl->sid_ctx_len == 0) {
    // Not a miss: an application that verifies peers must set an id context.
    fatal(ssl, kReasonSessionIdContextUninitialized);
    is_fatal = true;
    goto err;
  }
  if (ret->timed_out(ssl->rt->now())) {
    sctx->stats.timeouts++;
    if (try_session_cache) ctx_remove_session(sctx, ret);  // from the cache: remove it
    goto err;
  }
  ssl_adopt_session(ssl, ret);
  sctx->stats.hits++;
  return 1;

err:
  drop(ret);
  if (!try_session_cache) ssl->ticket_expected = true;  // from a ticket: issue a new one
  return is_fatal ? -1 : 0;
}

void ssl_update_cache(Connection* ssl, int mode) {
  Session* s = ssl->session;
  if (s == nullptr) return;
  if (s->id_len == 0 || s->not_resumable) return;
  // A server session with no id context cannot be resumed by a verifying
  // server (the handshake would fail): not cached.
  if (ssl->server && s->sid_ctx_len == 0 && (ssl->verify_mode & kVerifyPeer)) return;
  Context* sctx = ssl->session_ctx;
  Runtime* rt = ssl->rt;
  long i = sctx->mode;
  take(s);  // s stays alive through the callbacks below
  if ((i & mode) && (!ssl->hit || ssl->version == kTls13Version)) {
    if (!(i & kCacheNoInternalStore)) ctx_add_session(sctx, s);
    if (sctx->new_session && !rt->silent) {
      // The callback's reference: it keeps it by returning 1.
      session_up_ref(s);
      if (!sctx->new_session.fn(ssl, s, sctx->new_session.arg)) {
        // Unless the callback freed it already (a double free in C).
        if (s->references > s->internal_refs) session_free(s);
      }
    }
  }
  // Auto-clear every 256th good handshake of this side, read before this
  // handshake's own increment.
  if (!(i & kCacheNoAutoClear) && (i & mode) == mode) {
    long good = (mode & kCacheClient) ? sctx->stats.connect_good : sctx->stats.accept_good;
    if ((good & 0xff) == 0xff) ctx_flush_sessions(sctx, rt->now());
  }
  drop(s);
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
  if (ssl->server) ssl->session_ctx->stats.accept++;
  else ssl->session_ctx->stats.connect++;
  return 1;
}

void tls_construct_server_hello(Connection* ssl) {
  Session* s = ssl->session;
  if (s == nullptr) return;
  // A resumed session keeps its id (the client must see it echoed), even if
  // it was marked non-resumable meanwhile: OpenSSL 3.0.19 (since the
  // CVE-2024-2511 fix) no longer changes a cached session's key here.
  if (!ssl->hit && (s->not_resumable || !(ssl->ctx->mode & kCacheServer))) {
    session_set_key(s, s->ssl_version, nullptr, 0);
  }
}

void final_server_name(Connection* ssl) {
  if (ssl->server && ssl->ctx != ssl->session_ctx) {
    ssl->ctx->stats.accept++;
    ssl->session_ctx->stats.accept--;
  }
}

void tls_finish_handshake(Connection* ssl) {
  HoldSsl hold(ssl);
  if (ssl->server) {
    if (ssl->version != kTls13Version) ssl_update_cache(ssl, static_cast<int>(kCacheServer));
    ssl->ctx->stats.accept_good++;  // the current ctx, as OpenSSL
  } else {
    if (ssl->version == kTls13Version) {
      // TLS 1.3 tickets are single-use: the one just used leaves the cache.
      if (ssl->session_ctx->mode & kCacheClient) ctx_remove_session(ssl->session_ctx, ssl->session);
    } else {
      ssl_update_cache(ssl, static_cast<int>(kCacheClient));
    }
    if (ssl->hit) ssl->session_ctx->stats.hits++;
    ssl->session_ctx->stats.connect_good++;
  }
  ssl->handshake_done = true;
}

HandshakeResult simulate_server_handshake(Connection* ssl, const ServerHello& hello) {
  HoldSsl hold(ssl);
  HandshakeResult result;
  if (!ssl->role_set) ssl_set_accept_state(ssl);
  if (!tls_setup_handshake(ssl)) {
    result.reason = ssl->fatal_reason;
    return result;
  }
  ssl->version = hello.version;
  ssl->ticket_expected = hello.ticket_expected;
  Session* ticket = hello.ticket;
  if (ticket) take(ticket);  // ssl_get_prev_session takes this reference over
  int r = ssl_get_prev_session(ssl, hello.session_id, hello.session_id_len, ticket);
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
  HoldSsl hold(ssl);
  ssl->version = version;
  if (ssl->session == nullptr) {
    fatal(ssl, kReasonInternalError);
    return 0;
  }
  if (resumed && ssl->session->id_len > 0) {
    if (!same_sid_ctx(ssl->session, ssl)) {
      fatal(ssl, kReasonReuseInDifferentContext);
      return 0;
    }
    ssl->hit = true;
  } else {
    // The server did not take the proposed session: a miss, and a fresh one.
    if (ssl->session->id_len > 0) {
      ssl->session_ctx->stats.misses++;
      if (!ssl_get_new_session(ssl, 0) || ssl->session == nullptr) {
        if (ssl->fatal_reason == 0) fatal(ssl, kReasonInternalError);
        return 0;
      }
    }
    if (server_id != nullptr) session_set_key(ssl->session, version, server_id, static_cast<unsigned>(server_id_len));
  }
  if (ssl->session->ssl_version != ssl->version) {
    fatal(ssl, kReasonSessionVersionMismatch);
    return 0;
  }
  return 1;
}

HandshakeResult simulate_client_handshake(Connection* ssl, const ServerReply& reply) {
  HoldSsl hold(ssl);
  HandshakeResult result;
  // Callbacks (ex_data free of a replaced session) may unset the session
  // under a step; the handshake then fails instead of reading null.
  auto failed = [&](bool need_session) {
    if (ssl->fatal_reason == 0 && need_session && ssl->session == nullptr) {
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
  if (ssl->session == nullptr || !ssl_version_supported(ssl, ssl->session->ssl_version) ||
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
