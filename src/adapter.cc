#include "adapter.h"

namespace osc {
namespace {

constexpr int kTls1Version = 0x0301;
constexpr int kTls12Version = 0x0303;
constexpr int kTls13Version = 0x0304;
constexpr int kResumableByIdVersions[] = {0x0303, 0x0302, 0x0301};

bool resumable_by_id(int version) { return version >= kTls1Version && version <= kTls12Version; }

// The connection a step runs on: a server connection of ctx (its id
// context and verify mode, as Node's connection would have them), counting
// its lookup into `tally`, freed when the step ends.
Ref<Connection> step_connection(Context* ctx, int version, Stats* tally) {
  Ref<Connection> ssl = ssl_new(ctx);
  if (!ssl) return ssl;
  ssl_set_accept_state(ssl.get());
  ssl->version = version;
  ssl->tally = tally;
  return ssl;
}

// ssl_get_prev_session's verdict on a candidate, as a lookup result.
void judge(Connection* ssl, Ref<Session> candidate, ServerLookup* out) {
  const int r = resume_candidate(ssl, static_cast<Ref<Session>&&>(candidate), true);
  if (r == 1) {
    out->outcome = kLookupResume;
    out->session = Ref<Session>::up(ssl->session.get());
  } else if (r == -1) {
    out->outcome = kLookupFatal;
    out->fatal_reason = ssl->fatal_reason;
  }
}

}  // namespace

void server_accept(Context* ctx) { ctx->stats.accept++; }

ServerLookup server_lookup(Context* ctx, const uint8_t* id, size_t len) {
  ServerLookup out;
  int version = kTls12Version;
  if (len <= kMaxSessionIdLength && !(ctx->mode & kCacheNoInternalLookup)) {
    for (int v : kResumableByIdVersions) {
      if (ctx_find_session(ctx, v, id, static_cast<unsigned>(len)) != nullptr) {
        version = v;
        break;
      }
    }
  }
  Ref<Connection> ssl = step_connection(ctx, version, &out.tally);
  if (!ssl) return out;
  Ref<Session> found = lookup_internal(ssl.get(), id, len);
  if (found) judge(ssl.get(), static_cast<Ref<Session>&&>(found), &out);
  else if (ctx->get_session) out.outcome = kLookupAskStore;
  return out;
}

ServerLookup server_lookup_answer(Context* ctx, const uint8_t* id, size_t len, Session* answer, int copy,
                                  const Stats& tally) {
  ServerLookup out;
  out.tally = tally;
  if (answer != nullptr && !answer->same_key(answer->ssl_version, id, static_cast<unsigned>(len))) {
    out.id_mismatch = true;
    if (copy == 0) app_free(answer);  // a reference handed over goes back
    return out;
  }
  const int version = answer != nullptr && resumable_by_id(answer->ssl_version) ? answer->ssl_version : kTls12Version;
  Ref<Connection> ssl = step_connection(ctx, version, &out.tally);
  if (!ssl) {
    if (answer != nullptr && copy == 0) app_free(answer);
    return out;
  }
  Ref<Session> got = accept_get_result(ssl.get(), answer, copy);
  if (got) judge(ssl.get(), static_cast<Ref<Session>&&>(got), &out);
  return out;
}

int server_new_session(Context* ctx, Session* s) {
  Ref<Session> keep = Ref<Session>::hold(s);
  int result = 0;
  if (s->sid_ctx_len != ctx->sid_ctx_len || memcmp(s->sid_ctx, ctx->sid_ctx, s->sid_ctx_len) != 0) {
    result |= kNewSessionWrongContext;
  }
  // ssl_get_new_session's stamp: the context's timeout (the method default
  // when 0), counted from now.
  s->timeout = ctx->timeout == 0 ? ctx->method->default_timeout : ctx->timeout;
  session_set_time(s, ctx->rt->now());
  Ref<Connection> ssl = step_connection(ctx, s->ssl_version, nullptr);
  if (!ssl) return result;
  ssl_set_session(ssl.get(), s);
  ssl_update_cache(ssl.get(), static_cast<int>(kCacheServer));
  return result | kNewSessionCached;
}

void server_finish(Context* ctx, int version, bool resumed, const Stats* tally) {
  Stats& st = ctx->stats;
  const bool by_id = version != kTls13Version;  // TLS 1.3 resumes by PSK only
  if (tally != nullptr && by_id) {
    st.hits += tally->hits;
    st.misses += tally->misses;
    st.cb_hits += tally->cb_hits;
    st.timeouts += tally->timeouts;
  }
  if (resumed && !(tally != nullptr && by_id && tally->hits > 0)) st.hits++;  // a ticket
  if (resumed && by_id) {
    // ssl_update_cache for a resumed handshake: only the auto-clear check.
    const long mode = ctx->mode;
    if (!(mode & kCacheNoAutoClear) && (mode & kCacheServer) == kCacheServer && (st.accept_good & 0xff) == 0xff) {
      Ref<Context> hold = Ref<Context>::hold(ctx);
      ctx_flush_sessions(ctx, ctx->rt->now());
    }
  }
  st.accept_good++;
}

}  // namespace osc
