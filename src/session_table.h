// The hash half of the cache: sessions keyed by (ssl_version, id_len, id).
//
// Open addressing over cache-line buckets: each 64-byte bucket holds eight
// session pointers (48 bits each), a one-byte tag (eight more bits of the
// hash) for each, and a count of the entries that overflowed past it. A
// lookup reads its home bucket, compares the eight tags at once (one word),
// and reads a session only
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

#include <cstddef>

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

  static constexpr unsigned kSlots = 8;
  // Eight tags (read as one word), the overflow count, then eight session
  // pointers of 48 bits, little-endian. Sessions live in the pool, which
  // hands out no address beyond 48 bits (SessionPool::map_chunk).
  struct alignas(64) Bucket {
    uint8_t tags[kSlots];  // 0: empty slot
    uint8_t overflow_;     // entries homed here or before and stored after (saturates at 255)
    uint8_t ptr[kSlots * 6];
    uint8_t pad_[64 - kSlots - 1 - kSlots * 6];
    uint8_t& overflow() { return overflow_; }
    uint8_t overflow() const { return overflow_; }
    Session* slot(unsigned k) const {
      // One 8-byte load from the bucket's bytes: the last slot's two extra
      // bytes are still inside the bucket (see the static_assert below).
      uint64_t v;
      memcpy(&v, reinterpret_cast<const uint8_t*>(this) + offsetof(Bucket, ptr) + k * 6, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
      v = __builtin_bswap64(v);
#endif
      return reinterpret_cast<Session*>(static_cast<uintptr_t>(v & 0xFFFFFFFFFFFFULL));
    }
    void set_slot(unsigned k, const Session* s) {
      uint64_t v = reinterpret_cast<uintptr_t>(s);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
      v = __builtin_bswap64(v);
#endif
      memcpy(ptr + k * 6, &v, 6);
    }
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
static_assert(offsetof(SessionTable::Bucket, ptr) + (SessionTable::kSlots - 1) * 6 + 8 <= 64,
              "Bucket::slot's 8-byte load of the last slot stays in the bucket");

}  // namespace osc
