// The hash half of the cache: sessions keyed by (ssl_version, id_len, id),
// chained through Session::hash_next. Intrusive, so adding an entry
// allocates nothing; the bucket array doubles when the load passes 1 and
// halves below 1/8.
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
  Session* insert(Session* s);
  // Removes s, which must be in the table.
  void erase(Session* s);
  size_t size() const { return size_; }
  size_t bucket_count() const { return mask_ + 1; }

 private:
  uint32_t hash(int version, const uint8_t* id, unsigned len) const;
  Session** slot_of(uint32_t h) const { return &buckets_[h & mask_]; }
  void resize(size_t buckets);

  Session** buckets_;
  size_t mask_;
  size_t size_ = 0;
  uint64_t seed_;
};

}  // namespace osc
