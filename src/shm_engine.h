// The structure operations on a mapped segment, run with the segment's lock
// held (internal to shm_cache.cc and shm_repair.cc).
//
// Trust: the segment is shared with other processes, any of which may have
// died half-way through a change or written garbage. Every block index read
// from it is checked against the process's own validated Layout before use,
// every walk is bounded, every length is checked before it sizes a copy.
// A failed check sets `bad`; the operation stops and the caller rebuilds the
// structure (rebuild()), so a damaged segment costs a rebuild, never a read
// or write outside the mapping.
//
// Crash consistency: the hash chains are the primary structure; each change
// to them is a single aligned 32-bit store, made after the entry is complete
// (publish) or before its blocks are released (removal). The expiry order,
// the free list, the context reference counts and the entry count are
// derived: a process that dies while changing them leaves State::dirty set,
// and the next lock holder rebuilds all of them from the hash chains.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "shm_format.h"

namespace osc {
namespace shm {

struct KeyRef {
  const uint8_t* ctx;
  size_t ctx_len;
  const uint8_t* id;
  size_t id_len;
};

class Engine {
 public:
  Engine(unsigned char* base, const Layout& lay)
      : hdr_(reinterpret_cast<Header*>(base)),
        st_(hdr_->state),
        cnt_(hdr_->counters),
        ctx_(reinterpret_cast<CtxSlot*>(base + lay.ctx_off)),
        buckets_(base + lay.buckets_off),
        blocks_(base + lay.blocks_off),
        nb_(lay.nblocks),
        nbuckets_(lay.nbuckets),
        seed_(lay.seed) {}

  bool bad = false;

  State& state() { return st_; }
  Counters& counters() { return cnt_; }
  uint32_t nblocks() const { return nb_; }

  // Marks the start and the end of a change (see the header comment).
  void begin_change();
  void end_change();
  // The state's scalars are within range (else the caller rebuilds).
  bool state_sane() const;

  // ---- operations (shm_cache.cc) ----
  // Finds the entry with this key in bucket b; *pred is the entry before it
  // in the chain (kNone: the bucket itself).
  uint32_t find(const KeyRef& k, uint32_t b, uint32_t* pred);
  // Unlinks entry x (found in bucket b after pred) from everything and frees
  // its blocks.
  void remove_entry(uint32_t x, uint32_t b, uint32_t pred);
  // Removes the entry first in expiry order; returns whether it was expired
  // at now. The order must not be empty.
  bool remove_front(int64_t now);
  // Context slot for these bytes: one already holding them, else a slot no
  // entry uses; kNone when all are taken by other contexts.
  uint32_t ctx_slot_for(const uint8_t* ctx, size_t len);
  // Allocates, fills, orders and publishes a new entry (free_blocks must be
  // >= blocks_for(level, der_len)).
  void insert(const KeyRef& k, uint32_t b, uint32_t slot, int level, const uint8_t* der, size_t der_len,
              int64_t expiry, uint32_t checksum);
  // Copies entry x's DER (der_len bytes over the block chain) to out;
  // false (and bad) if the chain is not exactly as long as it must be.
  bool read_der(uint32_t x, int level, size_t der_len, uint8_t* out);

  // ---- repair and inspection (shm_repair.cc) ----
  // Rebuilds the order, free list, reference counts and count from the hash
  // chains, dropping every entry that fails validation. Allocates scratch
  // memory; on allocation failure it empties the cache instead (wipe()).
  void rebuild(unsigned char* lock_area);
  void wipe();
  // Every invariant, or false with the first broken one in *why. Allocates.
  bool check(std::string* why);

  // ---- field access (block index i must be < nblocks) ----
  // Test builds (-DOSC_SHM_DEBUG) abort on an unchecked index, so the damage
  // tests find a missing check even where the access would stay inside the
  // mapping.
  unsigned char* blk(uint32_t i) const {
#if defined(OSC_SHM_DEBUG)
    if (i >= nb_) std::abort();
#endif
    return blocks_ + static_cast<size_t>(i) * kBlockBytes;
  }
  bool in_range(uint32_t i) {
    if (i < nb_) return true;
    bad = true;
    return false;
  }
  uint32_t chain(uint32_t i) const { return load32(blk(i)); }
  void set_chain(uint32_t i, uint32_t v) { store32(blk(i), v); }
  uint32_t hnext(uint32_t i) const { return load32(blk(i) + offsetof(EntryHead, hash_next)); }
  void set_hnext(uint32_t i, uint32_t v) { store32(blk(i) + offsetof(EntryHead, hash_next), v); }
  int64_t expiry(uint32_t i) const { return load64s(blk(i) + offsetof(EntryHead, expiry)); }
  uint8_t meta(uint32_t i) const { return blk(i)[offsetof(EntryHead, meta)]; }
  static int level_of_meta(uint8_t m) { return (m >> 5) + 1; }
  static uint32_t slot_of_meta(uint8_t m) { return m & 31; }
  uint32_t bucket(uint32_t b) const {
#if defined(OSC_SHM_DEBUG)
    if (b >= nbuckets_) std::abort();
#endif
    return load32(buckets_ + 4 * static_cast<size_t>(b));
  }
  void set_bucket(uint32_t b, uint32_t v) {
#if defined(OSC_SHM_DEBUG)
    if (b >= nbuckets_) std::abort();
#endif
    store32(buckets_ + 4 * static_cast<size_t>(b), v);
  }
  CtxSlot& ctx(uint32_t s) {
#if defined(OSC_SHM_DEBUG)
    if (s >= kCtxSlots) std::abort();
#endif
    return ctx_[s];
  }
  uint32_t nbuckets() const { return nbuckets_; }
  uint64_t seed() const { return seed_; }

  // The expiry order's links of entry i at level l (l < its level).
  uint32_t prev_at(uint32_t i, int l);
  uint32_t next_at(uint32_t i, int l);
  void set_prev_at(uint32_t i, int l, uint32_t v);
  void set_next_at(uint32_t i, int l, uint32_t v);
  void link_order(uint32_t x);
  void unlink_order(uint32_t x);

  uint32_t pop_free();
  void push_free(uint32_t i);

 private:
  unsigned char* link_pos(uint32_t i, int l);
  void free_chain(uint32_t first, uint32_t k);
  bool matches(uint32_t i, const KeyRef& k);
  uint32_t pred_of(uint32_t x, uint32_t b);

  Header* hdr_;
  State& st_;
  Counters& cnt_;
  CtxSlot* ctx_;
  unsigned char* buckets_;
  unsigned char* blocks_;
  const uint32_t nb_;
  const uint32_t nbuckets_;
  const uint64_t seed_;
};

}  // namespace shm
}  // namespace osc
