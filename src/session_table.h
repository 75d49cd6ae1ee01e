// The hash half of the cache: sessions keyed by (ssl_version, id_len, id).
//
// Open addressing over cache-line buckets: each 64-byte bucket holds seven
// session pointers, a one-byte tag (eight more bits of the hash) beside each,
// and a count of the entries that overflowed past it. A lookup reads its
// home bucket, compares the seven tags at once, and reads a session only
// where a tag matches: a miss is usually answered by one cache line, a hit
// by that line and the session's first line (key, hash, reference count).
// Buckets are probed linearly; an overflow count of zero ends the probe, so
// erasing needs no tombstones. Nothing iterates the table (flush and
// eviction walk the timeout list), so slot order is free.
//
// Adding an entry allocates nothing unless the table grows: the bucket array
// doubles when the entries pass 3/4 of the slots and halves below 3/32 (the
// table's size and contents, not its layout, are what callers observe).
#pragma once

#include "session.h"

namespace osc {

class SessionTable {
 public:
  SessionTable();
  ~SessionTable();
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;

  Session* find(int version, const uint8_t* id, unsigned len) const;
  // Inserts s, taking the place of an entry with an equal key. Returns that
  // entry (s itself if s was already in), or null when the key was new.
  // Throws std::bad_alloc only when every slot is taken and the array could
  // not grow (the table grows at 3/4, so only after failed growths).
  Session* insert(Session* s);
  // Removes s, which must be in the table.
  void erase(Session* s);
  // While paused, erase never shrinks the array (lh_SSL_SESSION_set_down_load(0)
  // around SSL_CTX_flush_sessions' removals, as OpenSSL): a flush that empties the
  // table would otherwise rehash what is left at every halving.
  void pause_shrink(bool paused) { shrink_paused_ = paused; }
  size_t size() const { return size_; }
  size_t bucket_count() const { return mask_ + 1; }

  static constexpr unsigned kSlots = 7;
  struct alignas(64) Bucket {
    uint8_t tags[kSlots + 1];  // 0: empty slot; tags[kSlots] is the overflow count below
    Session* slots[kSlots];
    // Entries homed here or before and stored after (saturates at 255).
    uint8_t& overflow() { return tags[kSlots]; }
    uint8_t overflow() const { return tags[kSlots]; }
  };

 private:
  uint32_t hash(int version, const uint8_t* id, unsigned len) const;
  static uint8_t tag_of(uint32_t h) {
    const uint8_t t = static_cast<uint8_t>(h >> 24);
    return t == 0 ? 1 : t;
  }
  // Places s (hash h, key not present) without growing; false when full.
  bool place(Bucket* buckets, size_t mask, Session* s, uint32_t h);
  void resize(size_t buckets);

  Bucket* buckets_;
  size_t mask_;
  size_t size_ = 0;
  bool shrink_paused_ = false;
  uint64_t seed_[4];
};

static_assert(sizeof(SessionTable::Bucket) == 64, "one bucket per cache line");

}  // namespace osc
