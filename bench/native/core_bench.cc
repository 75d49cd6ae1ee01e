// Bench-only addon (1): our C++ core called directly from C++. The core's
// sources are compiled into this addon; nothing crosses into JS while timing.
#include "../../src/handshake_sim.h"
#include "run_glue.h"

namespace {

struct CoreOps {
  using S = osc::Session*;
  // Leaked on purpose: the child process exits right after one run, and
  // tearing down a million sessions is not what is measured.
  osc::Runtime* rt = new osc::Runtime();
  osc::Context* ctx = osc::ctx_new(rt, &osc::kTlsServerMethod).to_app();
  osc::Connection* ssl;

  CoreOps() {
    ssl = osc::ssl_new(ctx).to_app();
    osc::ssl_set_accept_state(ssl);
    ssl->version = 0x0303;
  }
  int64_t now() { return rt->now(); }
  S make(const uint8_t* id, int64_t time, int64_t timeout) {
    S s = osc::session_new(rt).to_app();  // the benchmark's reference, as SSL_SESSION_new's
    osc::session_set1_id(s, id, 32);
    osc::session_set_protocol_version(s, 0x0303);
    osc::session_set_time(s, time);
    osc::session_set_timeout(s, timeout);
    return s;
  }
  void free(S s) { osc::app_free(s); }
  int add(S s) { return osc::ctx_add_session(ctx, s); }
  int remove(S s) { return osc::ctx_remove_session(ctx, s); }
  void flush(int64_t t) { osc::ctx_flush_sessions(ctx, t); }
  // lookup_sess_in_cache's table step: find, take a reference for the
  // connection, (the connection later) drop it.
  bool find(const uint8_t* id) {
    S s = osc::ctx_find_session(ctx, 0x0303, id, 32);
    if (!s) return false;
    osc::Ref<osc::Session> taken = osc::Ref<osc::Session>::up(s);
    return true;
  }
  int has_match(const uint8_t* id) { return osc::ssl_has_matching_session_id(ssl, id, 32); }
  bool handshake(const uint8_t* id) {
    osc::ServerHello hello;
    hello.session_id = id;
    hello.session_id_len = id ? 32 : 0;
    hello.version = 0x0303;
    return osc::simulate_server_handshake(ssl, hello).resumed;
  }
  void set_cache_size(long n) { ctx->cache_size = n; }
  void set_mode(long m) { ctx->mode = m; }
  long number() { return static_cast<long>(ctx->table.size()); }
};

}  // namespace

NAPI_MODULE_INIT() { return bench::Init<CoreOps>(env, exports, "core"); }
