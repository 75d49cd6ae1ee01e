// SSL_SESSION: a refcounted session and the fields the cache rules read.
#pragma once

#include "object.h"

namespace osc {

struct Context;

// When a session expires, as OpenSSL 3.0 computes it: time + timeout, with a
// flag for a sum that overflowed (such a session never times out and sorts
// after every other).
struct Expiry {
  int64_t at;
  bool overflowed;
};

// timeoutcmp(): <0, 0, >0 as a expires before, with, after b.
inline int compare_expiry(Expiry a, Expiry b) {
  if (a.overflowed != b.overflowed) return a.overflowed ? 1 : -1;
  return a.at < b.at ? -1 : a.at > b.at ? 1 : 0;
}

struct Session : Object {
  explicit Session(Runtime* rt);
  ~Session();

  // The cache key: (ssl_version, id_len, id).
  int ssl_version = 0;
  uint8_t id_len = 0;
  uint8_t sid_ctx_len = 0;
  uint8_t master_key_len = 0;
  bool not_resumable = false;
  uint8_t id[kMaxSessionIdLength];
  uint8_t sid_ctx[kMaxSidCtxLength];
  uint8_t master_key[kMaxMasterKeyLength];

  int64_t time;
  int64_t timeout = kNewSessionTimeout;
  Expiry expiry;

  // The cache this session is linked into, or null. Set while the session
  // sits in owner's table and list; cleared when it leaves them.
  Context* owner = nullptr;

  // SessionTable chain.
  Session* hash_next = nullptr;
  uint32_t hash = 0;

  // TimeoutList: the doubly linked list in expiry order, plus the links of
  // the ordered index over expiry groups (used only while group_head).
  Session* prev = nullptr;
  Session* next = nullptr;
  Session* index_left = nullptr;
  Session* index_right = nullptr;
  Session* index_parent = nullptr;
  uint32_t index_priority = 0;
  bool linked = false;
  bool group_head = false;

  bool same_key(int version, const uint8_t* key_id, unsigned len) const {
    return ssl_version == version && id_len == len && memcmp(id, key_id, len) == 0;
  }
  // ssl_session_calculate_timeout(): refreshes expiry after time/timeout change.
  void calculate_expiry();
  // sess_timedout(): t > time + timeout, never for an overflowed sum.
  bool timed_out(int64_t t) const { return !expiry.overflowed && t > expiry.at; }
  // SSL_SESSION_is_resumable (tickets arrive with the DER fields).
  bool is_resumable() const { return !not_resumable && id_len > 0; }
};

// SSL_SESSION_new: one reference, time = now, timeout 304 s.
Session* session_new(Runtime* rt);
// SSL_SESSION_up_ref.
void session_up_ref(Session* s);
// SSL_SESSION_free: drops one reference; at zero runs the ex_data free
// callbacks, wipes the secrets and marks the session destroyed.
void session_free(Session* s);

}  // namespace osc
