// SSL_CTX: the session cache and the settings the cache rules read.
#pragma once

#include "session_table.h"
#include "timeout_list.h"

namespace osc {

struct Connection;
struct Context;

// SSL_METHOD: what the cache needs of it.
struct Method {
  int version;           // the version a new connection starts with
  long default_timeout;  // seconds; 7200 for the TLS methods
  int side;              // 0 generic, 1 server, 2 client
};
extern const Method kTlsMethod;
extern const Method kTlsServerMethod;
extern const Method kTlsClientMethod;

// The callbacks, with OpenSSL's shapes plus the argument the setter stored.
using NewSessionFn = int (*)(Connection* ssl, Session* s, void* arg);
using RemoveSessionFn = void (*)(Context* ctx, Session* s, void* arg);
using GetSessionFn = Session* (*)(Connection* ssl, const uint8_t* id, int len, int* copy, void* arg);
// GEN_SESSION_CB: writes up to *len bytes of id, may lower *len; 0 = failure.
using GenerateSessionIdFn = int (*)(Connection* ssl, uint8_t* id, unsigned* len, void* arg);

template <typename Fn>
struct Callback {
  Fn fn = nullptr;
  void* arg = nullptr;  // owned by the setter's user; released with the object
  explicit operator bool() const { return fn != nullptr; }
};

struct Stats {
  long connect = 0, connect_good = 0, connect_renegotiate = 0;
  long accept = 0, accept_good = 0, accept_renegotiate = 0;
  long hits = 0, cb_hits = 0, misses = 0, timeouts = 0, cache_full = 0;
};

struct Context : Object {
  Context(Runtime* rt, const Method* m);
  ~Context();

  const Method* method;
  long mode = kCacheServer;
  long cache_size = kDefaultCacheSize;
  long timeout;  // SSL_CTX_set_timeout; 0 means the method default
  Stats stats;
  Callback<NewSessionFn> new_session;
  Callback<RemoveSessionFn> remove_session;
  Callback<GetSessionFn> get_session;
  Callback<GenerateSessionIdFn> generate_session_id;
  int verify_mode = 0;
  void* verify_callback = nullptr;  // SSL_CTX_set_verify's callback, stored only
  int min_proto_version = 0;        // SSL_CTX_set_min_proto_version; 0: no bound
  int max_proto_version = 0;        // SSL_CTX_set_max_proto_version; 0: no bound
  uint8_t sid_ctx_len = 0;
  uint8_t sid_ctx[kMaxSidCtxLength];

  SessionTable table;
  TimeoutList list;
};

// SSL_CTX_new: one reference, server cache mode, size 20480, the method's
// timeout, owned by the caller through the Ref (null and
// ERR_R_MALLOC_FAILURE when memory ran out).
Ref<Context> ctx_new(Runtime* rt, const Method* m);
// ctx_free (ref.h) is SSL_CTX_free's raw step: at the last reference it
// flushes the whole cache (remove callback included), then runs the ex_data
// free callbacks and releases the memory.

// SSL_CTX_add_session: 1 if c became a new entry, 0 if it was already cached.
// The cache takes its own reference; sessions with an equal key are replaced
// silently, full caches evict from the tail (remove callback, cache_full).
// Every reference the cache gives up is dropped only after the callbacks
// about it returned.
int ctx_add_session(Context* ctx, Session* c);
// SSL_CTX_remove_session: 1 if an entry with c's key was removed. Marks c
// non-resumable and calls the remove callback even when nothing was cached;
// returns 0 without effect for a null session or an empty id.
int ctx_remove_session(Context* ctx, Session* c);
// SSL_CTX_flush_sessions: removes sessions expired at t from the tail up to
// the first live one; t == 0 removes all. Remove callbacks first, then the
// cache's references are dropped, in removal order.
void ctx_flush_sessions(Context* ctx, int64_t t);
// The table lookup the handshake does; no reference is taken (the caller
// takes one before anything can call out).
Session* ctx_find_session(const Context* ctx, int version, const uint8_t* id, unsigned len);

// SSL_SESSION_set_time / set_timeout: change the expiry and re-sort a cached
// session in its owner's list.
void session_set_time(Session* s, int64_t t);
int session_set_timeout(Session* s, int64_t t);
// Sets both (any timeout, negative included), re-sorting a cached session.
// Every change of a session's time or timeout goes through here: a callback
// may have put even a session under construction into a cache.
void session_set_times(Session* s, int64_t time, int64_t timeout);
// Changes a session's key (id or version). A cached session is re-keyed in
// its owner's table: it moves to the new key, replacing (silently, as
// SSL_CTX_add_session does) any other entry that held that key.
void session_set_key(Session* s, int version, const uint8_t* id, unsigned len);

// Releases a callback's stored argument (Runtime::release_value) and unsets it.
void release_callback_arg(Runtime* rt, void*& arg);
// Unsets every callback of the context, releasing their arguments.
void release_callbacks(Context* ctx);

// Checks the table and the list against each other; for tests.
bool ctx_cache_consistent(const Context* ctx);

}  // namespace osc

namespace osc {

// SSL_CTRL_* numbers the session cache answers.
enum CtrlCmd : int {
  kCtrlSessNumber = 20,
  kCtrlSessConnect,
  kCtrlSessConnectGood,
  kCtrlSessConnectRenegotiate,
  kCtrlSessAccept,
  kCtrlSessAcceptGood,
  kCtrlSessAcceptRenegotiate,
  kCtrlSessHit,
  kCtrlSessCbHit,
  kCtrlSessMisses,
  kCtrlSessTimeouts,
  kCtrlSessCacheFull,
  kCtrlSetSessCacheSize = 42,
  kCtrlGetSessCacheSize,
  kCtrlSetSessCacheMode,
  kCtrlGetSessCacheMode,
  kCtrlSetMinProtoVersion = 123,
  kCtrlSetMaxProtoVersion = 124,
  kCtrlGetMinProtoVersion = 130,
  kCtrlGetMaxProtoVersion = 131,
};
// SSL_CTX_ctrl for the commands above; 0 for any other command.
long ctx_ctrl(Context* ctx, int cmd, long larg);
// The protocol version bound commands on a pair of bounds (a context's or a
// connection's), as ssl_set_version_bound does for a TLS_ANY_VERSION method:
// 0 clears a bound; SSL 3.0 to TLS 1.3 set it; a DTLS version is accepted
// and ignored; anything else returns 0. False when cmd is not one of them.
bool version_bound_ctrl(int cmd, long larg, int* min, int* max, long* result);
// SSL_CTX_set_timeout: stores t, returns the previous value.
long ctx_set_timeout(Context* ctx, long t);
// Stores an id context (SSL_SESSION_set1_id_context, SSL_CTX_ and
// SSL_set_session_id_context): 0 and
// SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG past 32 bytes, as all three setters do.
int set_sid_ctx(uint8_t* dst, uint8_t* dst_len, const uint8_t* sid_ctx, unsigned len);

// SSL_SESSION setters with OpenSSL's results.
int session_set1_id(Session* s, const uint8_t* id, unsigned len);  // 0 past 32 bytes
int session_set_protocol_version(Session* s, int version);
// 0 past 512 bytes, and 0 with ERR_R_MALLOC_FAILURE when a key over 48
// bytes finds no memory (the old key is kept then).
int session_set1_master_key(Session* s, const uint8_t* key, size_t len);
// SSL_SESSION_get_master_key: copies min(outlen, length); outlen 0 returns the length.
size_t session_get_master_key(const Session* s, uint8_t* out, size_t outlen);

}  // namespace osc
