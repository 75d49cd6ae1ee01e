// Bench-only addon (2): real OpenSSL 3.0's session cache called directly from
// C++, through the OpenSSL symbols the node binary exports (nothing linked).
#include <openssl/crypto.h>
#include <openssl/lhash.h>
#include <openssl/ssl.h>

#include "run_glue.h"

// OpenSSL's own handshake steps (ssl/ssl_sess.c, ssl/ssl_lib.c): not public
// API, but exported by node. ssl_get_prev_session reads only the session id
// fields of the ClientHello when tickets are off (SSL_OP_NO_TICKET).
extern "C" {
int ssl_get_prev_session(SSL* s, void* hello);
int ssl_get_new_session(SSL* s, int session);
void ssl_update_cache(SSL* s, int mode);
}

namespace {

// The leading fields of OpenSSL's CLIENTHELLO_MSG (ssl/ssl_local.h, the same
// layout from 1.1.1 to 3.x); the rest of the buffer stays zero.
struct ClientHelloPrefix {
  unsigned int isv2;
  unsigned int legacy_version;
  unsigned char random[32];
  size_t session_id_len;
  unsigned char session_id[32];
};

struct SslOps {
  using S = SSL_SESSION*;
  SSL_CTX* ctx;
  SSL* ssl;
  SSL_SESSION* key;  // the lookup key, as lookup_sess_in_cache builds one
  alignas(16) unsigned char hello[4096] = {};

  SslOps() {
    // A TLS 1.2 server method so SSL_new gives the connection version 0x0303
    // (the generic method leaves it at TLS_ANY_VERSION until negotiation).
    ctx = SSL_CTX_new(TLSv1_2_server_method());
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    ssl = SSL_new(ctx);
    key = SSL_SESSION_new();
    SSL_SESSION_set_protocol_version(key, TLS1_2_VERSION);
  }
  // Leaked on purpose, as the core's adapter: the process exits next.
  int64_t now() { return static_cast<int64_t>(time(nullptr)); }
  S make(const uint8_t* id, int64_t t, int64_t timeout) {
    S s = SSL_SESSION_new();
    SSL_SESSION_set1_id(s, id, 32);
    SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION);
    SSL_SESSION_set_time(s, static_cast<long>(t));
    SSL_SESSION_set_timeout(s, static_cast<long>(timeout));
    return s;
  }
  void free(S s) { SSL_SESSION_free(s); }
  int add(S s) { return SSL_CTX_add_session(ctx, s); }
  int remove(S s) { return SSL_CTX_remove_session(ctx, s); }
  void flush(int64_t t) { SSL_CTX_flush_sessions(ctx, static_cast<long>(t)); }
  // The table step of lookup_sess_in_cache: key copy, hash retrieve, a
  // reference for the connection (dropped again). Without the ctx lock,
  // which is not reachable from outside; has_match is the locked path.
  bool find(const uint8_t* id) {
    SSL_SESSION_set1_id(key, id, 32);
    S s = static_cast<S>(OPENSSL_LH_retrieve(reinterpret_cast<OPENSSL_LHASH*>(SSL_CTX_sessions(ctx)), key));
    if (!s) return false;
    SSL_SESSION_up_ref(s);
    SSL_SESSION_free(s);
    return true;
  }
  int has_match(const uint8_t* id) { return SSL_has_matching_session_id(ssl, id, 32); }
  // ssl_get_prev_session (the server's lookup, checks, hit count), and on a
  // miss ssl_get_new_session + ssl_update_cache, as the state machine does.
  bool handshake(const uint8_t* id) {
    auto* h = reinterpret_cast<ClientHelloPrefix*>(hello);
    h->session_id_len = id ? 32 : 0;
    if (id) memcpy(h->session_id, id, 32);
    if (ssl_get_prev_session(ssl, hello) == 1) return true;
    ssl_get_new_session(ssl, 1);
    ssl_update_cache(ssl, SSL_SESS_CACHE_SERVER);
    return false;
  }
  void set_cache_size(long n) { SSL_CTX_sess_set_cache_size(ctx, n); }
  void set_mode(long m) { SSL_CTX_set_session_cache_mode(ctx, m); }
  long number() { return SSL_CTX_sess_number(ctx); }
};

}  // namespace

NAPI_MODULE_INIT() { return bench::Init<SslOps>(env, exports, OpenSSL_version(OPENSSL_VERSION)); }
