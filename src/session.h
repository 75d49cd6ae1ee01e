// SSL_SESSION: a refcounted session and the fields the cache rules read.
#pragma once

#include "ref.h"
#include "session_fields.h"

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

  // Sessions live in their runtime's pool (session.cc allocates them with
  // this placement form; destroy_object frees them).
  static void* operator new(size_t, void* slot) noexcept { return slot; }
  static void operator delete(void*, void*) noexcept {}
  static void* operator new(size_t) = delete;
  static void operator delete(void*) = delete;

  // Layout (offsets in a pool slot, which sits at 32 mod 64): the reference
  // count and flags (Object, 32..39), the hash and the whole key (40..80)
  // share one cache line, so a lookup hit touches one line of the session
  // whose tag matched. prev and next (the timeout list) share another.

  // SessionTable: the full hash (the table keeps eight more bits of it as
  // the slot's tag).
  uint32_t hash = 0;
  // The cache key: (ssl_version, id_len, id).
  int ssl_version = 0;
  uint8_t id_len = 0;
  uint8_t id[kMaxSessionIdLength];
  uint8_t sid_ctx_len = 0;
  uint16_t master_key_len = 0;
  uint32_t index_priority = 0;  // TimeoutList (below)
  bool not_resumable = false;
  bool linked = false;  // TimeoutList (below)
  bool group_head = false;
  uint8_t sid_ctx[kMaxSidCtxLength];
  // OpenSSL 3.0 accepts master keys up to 512 bytes (a TLS 1.3 resumption
  // PSK); the usual 48 live inline, longer ones on the heap.
  uint8_t master_key[kMaxMasterKeyLength];
  uint8_t* long_master_key = nullptr;

  int64_t time;
  int64_t timeout = kNewSessionTimeout;
  Expiry expiry;

  // Everything else the DER form carries (cipher, peer certificate, ticket,
  // hostname, ALPN, ...): 48 bytes inline, one heap block for the
  // variable-length fields, none for a plain TLS 1.2 server session.
  SessionFields fields;

  // The cache this session is linked into, or null. Set while the session
  // sits in owner's table and list; cleared when it leaves them.
  Context* owner = nullptr;

  // TimeoutList: the doubly linked list in expiry order, plus the links of
  // the ordered index over expiry groups (used only while group_head;
  // index_priority, linked and group_head sit above).
  Session* prev = nullptr;
  Session* next = nullptr;
  Session* index_left = nullptr;
  Session* index_right = nullptr;
  Session* index_parent = nullptr;

  bool same_key(int version, const uint8_t* key_id, unsigned len) const {
    if (ssl_version != version || id_len != len) return false;
    if (len == kMaxSessionIdLength) {  // the usual id: four word compares, no call
      uint64_t a[4], b[4];
      memcpy(a, id, sizeof a);
      memcpy(b, key_id, sizeof b);
      return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
    }
    return len == 0 || memcmp(id, key_id, len) == 0;
  }
  const uint8_t* master_key_bytes() const { return long_master_key ? long_master_key : master_key; }
  // Overwrites the secret bytes and forgets the key.
  void wipe_master_key();
  // ssl_session_calculate_timeout(): refreshes expiry after time/timeout change.
  void calculate_expiry();
  // sess_timedout(): t > time + timeout, never for an overflowed sum.
  bool timed_out(int64_t t) const { return !expiry.overflowed && t > expiry.at; }
  // SSL_SESSION_is_resumable: not marked non-resumable, and an id or a
  // non-empty ticket (EAP-FAST style tickets come without an id).
  bool is_resumable() const {
    return !not_resumable && (id_len > 0 || fields.get(SessionFields::kTicket).size > 0);
  }
};

// SSL_SESSION_new: one reference, time = now, timeout 304 s, owned by the
// caller through the Ref (null when memory ran out, with
// ERR_R_MALLOC_FAILURE queued). The ex_data new callbacks run while the Ref
// holds it: they cannot free it.
Ref<Session> session_new(Runtime* rt);
// SSL_SESSION_dup: a new session (one reference, not cached) with every field
// of src, its ex_data copied the OpenSSL way: the new callbacks run first,
// then each slot of src is offered to its index's dup callback (which leaves
// in *from_d a value the copy owns), or, without one, shared through
// `retain` (which returns a value the copy owns). Returns null if a dup
// callback failed (the half-made copy is freed, free callbacks included) or
// memory ran out (the reason queued). The copy is owned by the caller
// through the Ref.
Ref<Session> session_dup(Session* src, void* (*retain)(void* value, void* arg), void* retain_arg);
// i2d_SSL_SESSION: the length of s's DER form (0 when s has no cipher), and
// the form itself written to out[0..out_len) (returns the bytes written: the
// length, or 0 when s has no cipher or out_len is too small).
// The codec's view of a session's fields (no copy; der.h defines it).
struct SessionView;
SessionView session_view(const Session* s);
size_t session_der_length(const Session* s);
size_t session_to_der(const Session* s, uint8_t* out, size_t out_len);
// d2i_SSL_SESSION: decodes one DER session from in[0..len). On success
// sets *consumed and returns a new session with one reference (ex_data new
// callbacks run). On failure pushes the reason on the error queue and
// returns null; no session was made. An absent or zero time reads as
// rt->now(), an absent or zero timeout as 3 seconds. The input is read once.
Ref<Session> session_from_der(Runtime* rt, const uint8_t* in, size_t len, size_t* consumed);
// d2i_SSL_SESSION into an existing session: its fields are overwritten (a
// cached one is re-keyed and re-sorted, which may free a displaced session).
// False, with the reason queued and `into` unchanged, on failure.
bool session_decode_into(Session* into, const uint8_t* in, size_t len, size_t* consumed);
// The setters of the variable-length fields, with OpenSSL's rules. Each
// returns 1, or 0 with ERR_R_MALLOC_FAILURE queued (nothing changed).
// SSL_SESSION_set1_hostname: a copy up to the first NUL (strdup); null
// removes it.
int session_set1_hostname(Session* s, const uint8_t* name, size_t len);
// SSL_SESSION_set1_alpn_selected, SSL_SESSION_set1_ticket_appdata: null or
// an empty string makes the field absent.
int session_set1_optional_blob(Session* s, SessionFields::Blob b, const uint8_t* data, size_t len);
// SSL_SESSION_get_max_fragment_length: the mode, with 255 (never set) read
// as 0 (TLSEXT_max_fragment_length_DISABLED).
int session_get_max_fragment_length(const Session* s);

// session_free (declared in ref.h) is SSL_SESSION_free's raw step, for Ref
// and app_free only: drops one reference; at zero runs the ex_data free
// callbacks, wipes the secrets and releases the memory.

}  // namespace osc
