#include "adapter.h"

namespace osc {
namespace {

constexpr int kTls1Version = 0x0301;
constexpr int kTls12Version = 0x0303;
constexpr int kTls13Version = 0x0304;
constexpr int kResumableByIdVersions[] = {0x0303, 0x0302, 0x0301};

bool resumable_by_id(int version) { return version >= kTls1Version && version <= kTls12Version; }

// The connection a step runs on: the adapter's, set up for this step, or
// (when a step already runs on it) a fresh one on the same context.
class Step {
 public:
  Step(Connection* conn, int version, Stats* tally) {
    if (conn->in_step || !conn->alive()) {
      own_ = ssl_new(conn->session_ctx.get());
      ssl_ = own_.get();
      if (ssl_ == nullptr) return;
      ssl_set_accept_state(ssl_);
    } else {
      hold_ = Ref<Connection>::hold(conn);
      ssl_ = conn;
    }
    const Context* ctx = ssl_->session_ctx.get();
    ssl_->in_step = true;
    ssl_->version = version;
    ssl_->tally = tally;
    ssl_->hit = false;
    ssl_->ticket_expected = false;
    ssl_->handshake_done = false;
    ssl_->shutdown = 0;
    ssl_->fatal_reason = 0;
    ssl_->verify_mode = ctx->verify_mode;
    ssl_->sid_ctx_len = ctx->sid_ctx_len;
    memcpy(ssl_->sid_ctx, ctx->sid_ctx, sizeof ssl_->sid_ctx);
  }
  ~Step() {
    if (ssl_ == nullptr) return;
    ssl_->tally = nullptr;
    ssl_->session.reset();  // the adapter's connection keeps nothing between events
    ssl_->in_step = false;
  }
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;
  Connection* get() const { return ssl_; }

 private:
  Ref<Connection> hold_;
  Ref<Connection> own_;
  Connection* ssl_ = nullptr;
};

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

void server_accept(Connection* conn) { conn->session_ctx->stats.accept++; }

ServerLookup server_lookup(Connection* conn, const uint8_t* id, size_t len) {
  ServerLookup out;
  Context* ctx = conn->session_ctx.get();
  // lookup_sess_in_cache's table step, under each version that resumes by id.
  Session* found = nullptr;
  int version = kTls12Version;
  const bool search = !(ctx->mode & kCacheNoInternalLookup) && len <= kMaxSessionIdLength;
  for (int v : kResumableByIdVersions) {
    if (!search) break;
    found = ctx_find_session(ctx, v, id, static_cast<unsigned>(len));
    if (found != nullptr) {
      version = v;
      break;
    }
  }
  if (search && found == nullptr) out.tally.misses++;
  Step step(conn, version, &out.tally);
  if (step.get() == nullptr) return out;
  if (found != nullptr)
    judge(step.get(), Ref<Session>::up(found), &out);
  else if (ctx->get_session)
    out.outcome = kLookupAskStore;
  return out;
}

ServerLookup server_lookup_answer(Connection* conn, const uint8_t* id, size_t len, Session* answer, int copy,
                                  const Stats& tally) {
  ServerLookup out;
  out.tally = tally;
  // Setting up the step may call out (a fresh connection's ex_data callbacks): keep the answer.
  Ref<Session> keep = Ref<Session>::hold(answer);
  if (answer != nullptr && !answer->same_key(answer->ssl_version, id, static_cast<unsigned>(len))) {
    out.id_mismatch = true;
    if (copy == 0) app_free(answer);  // a reference handed over goes back
    return out;
  }
  const int version =
      answer != nullptr && resumable_by_id(answer->ssl_version) ? answer->ssl_version : kTls12Version;
  Step step(conn, version, &out.tally);
  if (step.get() == nullptr) {
    if (answer != nullptr && copy == 0) app_free(answer);
    return out;
  }
  Ref<Session> got = accept_get_result(step.get(), answer, copy);
  if (got) judge(step.get(), static_cast<Ref<Session>&&>(got), &out);
  return out;
}

int server_new_session(Connection* conn, Session* s) {
  Context* ctx = conn->session_ctx.get();
  Ref<Session> keep = Ref<Session>::hold(s);
  int result = 0;
  if (s->sid_ctx_len != ctx->sid_ctx_len || memcmp(s->sid_ctx, ctx->sid_ctx, s->sid_ctx_len) != 0) {
    result |= kNewSessionWrongContext;
  }
  // ssl_get_new_session's stamp: the context's timeout (the method default
  // when 0), counted from now.
  session_set_times(s, ctx->rt->now(), ctx->timeout == 0 ? ctx->method->default_timeout : ctx->timeout);
  Step step(conn, s->ssl_version, nullptr);
  if (step.get() == nullptr) return result;
  ssl_set_session(step.get(), s);
  ssl_update_cache(step.get(), static_cast<int>(kCacheServer));
  return result | kNewSessionCached;
}

void server_finish(Connection* conn, int version, bool resumed, const Stats* tally) {
  Context* ctx = conn->session_ctx.get();
  Stats& st = ctx->stats;
  const bool by_id = version != kTls13Version;  // TLS 1.3 resumes by PSK only
  if (tally != nullptr && by_id) {
    // A session the lookup found that Node did not resume failed a check OpenSSL makes before
    // counting the hit (the negotiated version): no hit, as in ssl_get_prev_session.
    if (resumed) st.hits += tally->hits;
    st.misses += tally->misses;
    st.cb_hits += tally->cb_hits;
    st.timeouts += tally->timeouts;
  }
  if (resumed && !(tally != nullptr && by_id && tally->hits > 0)) st.hits++;  // a ticket
  if (resumed && by_id) {
    // ssl_update_cache for a resumed handshake: only the auto-clear check.
    const long mode = ctx->mode;
    if (!(mode & kCacheNoAutoClear) && (mode & kCacheServer) == kCacheServer &&
        (st.accept_good & 0xff) == 0xff) {
      Ref<Context> hold = Ref<Context>::hold(ctx);
      ctx_flush_sessions(ctx, ctx->rt->now());
    }
  }
  st.accept_good++;
}

void server_step_done(Connection* conn) {
  void** slots = conn->ex.slots();
  for (int i = 0; i < conn->ex.count(); i++) {
    void* v = slots[i];
    slots[i] = nullptr;
    conn->rt->release(v);
  }
}

}  // namespace osc
