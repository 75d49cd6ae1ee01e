// A session store in shared memory for the processes of one machine (issue
// 16): the embedded equivalent of nginx's `ssl_session_cache shared:NAME:10m`.
//
// A segment of a fixed byte size holds session DER keyed by (session id
// context, session id), each with an absolute expiry time. Every process of a
// cluster attaches it by name; all operations take the segment's
// process-shared lock for index work only (a lookup copies the bytes out
// under the lock; the caller decodes them after, as it would a get-callback
// result). See shm_format.h for the layout, shm_lock.h for the lock.
//
// Policy (exact; test/shm/shm_model_test.cc checks it against a model):
// - Time is the caller's `now` (seconds). An entry is expired when
//   now > expiry, as OpenSSL's sess_timedout.
// - The expiry order: soonest expiry first; among equal expiries, the
//   earlier store first.
// - store(key, der, expiry, now), in this order:
//   1. arguments: id 1..32 bytes, context 0..32, DER 1..kMaxDer bytes, else
//      kInvalidArgument / kTooLarge; kTooLarge too when the entry needs more
//      blocks than the segment has. Nothing changes.
//   2. an entry with the same key is removed (`replaced`).
//   3. now > expiry: nothing is stored; kExpired.
//   4. up to 2 entries at the front of the expiry order are removed if they
//      are expired (as nginx does on each new session).
//   5. the key's id context needs a context slot: kContextTableFull when
//      kCtxSlots other contexts are in use (nothing stored).
//   6. while the free blocks are fewer than the entry needs, the front of the
//      expiry order is removed (expired ones are necessarily first; a live
//      one counts as an eviction).
//   7. the entry is written, placed in the expiry order, then published.
//   An entry takes blocks_for(level, der_len) blocks: whether something fits
//   depends only on block counts, never on where free blocks are.
// - lookup(key, now): a miss (kMiss), or an expired entry (removed;
//   kExpired), or the DER copied out after checking its length, block chain
//   and checksum (a failure drops it: kCorrupt). It does not reorder.
// - remove(key): kOk or kMiss. flush_expired(now): removes the expired
//   entries from the front of the order.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shm_engine.h"
#include "shm_format.h"
#include "shm_os.h"
#include "shm_result.h"

namespace osc {
namespace shm {

struct Stats {
  uint64_t total_bytes = 0;  // the segment's size
  uint32_t blocks_total = 0;
  uint32_t blocks_used = 0;
  uint64_t bytes_used = 0;  // blocks_used * kBlockBytes
  uint32_t entries = 0;
  uint32_t contexts = 0;  // context slots in use
  Counters counters{};    // the segment's, all processes together
  // This handle's (this process's) lookups: hits returned bytes, misses did
  // not (kMiss, kExpired, kCorrupt, kLockTimeout; kBufferTooSmall is neither).
  uint64_t lookups = 0, hits = 0, misses = 0;
  uint64_t lock_timeouts = 0;  // this handle's operations that gave up waiting
};

// One entry as dump() reports it (tests, tools).
struct DumpEntry {
  std::vector<uint8_t> ctx, id, der;
  int64_t expiry = 0;
  int level = 0;
  uint32_t blocks = 0;
  uint32_t index = 0;  // first block
};

class Cache {
 public:
  // create: a new segment of `bytes` (kMinBytes..kMaxBytes) under a fresh
  // random name ("/osc-" + 16 hex digits), O_EXCL and mode 0600. The caller
  // is attached; name() is what other processes attach by.
  static Result create(size_t bytes, std::unique_ptr<Cache>* out);
  // create under a given name (kExists if taken); for tests.
  static Result create_named(const char* name, size_t bytes, std::unique_ptr<Cache>* out);
  // create with a chosen hash seed instead of a random one, so a test run
  // is reproducible (bucket and skip-list levels follow the seed); for tests.
  static Result create_seeded(size_t bytes, uint64_t seed, std::unique_ptr<Cache>* out);
  // attach: an existing segment; refused (kBadSegment) unless it is owned by
  // this effective user (or expect_uid), has mode 0600 (no group or other
  // bits), and its header's magic, version, lock kind, size and layout are
  // exactly what this build would have created.
  static Result attach(const char* name, std::unique_ptr<Cache>* out);
  static Result attach_as(const char* name, uint32_t expect_uid, std::unique_ptr<Cache>* out);
  // unlink: removes the name; mapped segments live on until detached.
  static Result unlink(const char* name);

  ~Cache();  // detaches (unmaps)
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  const char* name() const { return name_; }
  const Layout& layout() const { return lay_; }
  // How long an operation waits for the lock before giving up with
  // kLockTimeout (default 1000 ms).
  void set_lock_timeout_ms(uint32_t ms) { timeout_ms_ = ms; }

  Result store(const KeyRef& key, const uint8_t* der, size_t der_len, int64_t expiry, int64_t now);
  // Copies at most out_cap bytes: kBufferTooSmall sets *out_len to the size
  // needed and copies nothing. No allocation.
  Result lookup(const KeyRef& key, int64_t now, uint8_t* out, size_t out_cap, size_t* out_len);
  Result remove(const KeyRef& key);
  Result flush_expired(int64_t now, uint32_t* removed);
  Result stats(Stats* out);

  // For tests and tools (they allocate): check() verifies every invariant
  // (kCorrupt with the first failure in *why); dump() lists the entries in
  // expiry order.
  Result check(std::string* why);
  Result dump(std::vector<DumpEntry>* out);
  // Test hook: runs the post-crash repair as if a lock holder had died.
  Result force_rebuild();

 private:
  Cache() = default;
  static Result create_at(const char* name, size_t bytes, const uint64_t* seed, std::unique_ptr<Cache>* out);
  // Runs body(engine) under the lock, repairing first if the last holder
  // died mid-change, and rebuilding after if body found damage (then, when
  // retry, running body once more).
  template <typename Body>
  Result locked(bool retry, Body&& body);
  void prefetch_bucket(uint32_t b) const;
  bool key_ok(KeyRef* k) const;  // also points an empty context at a static byte

  Mapping map_;
  Layout lay_;
  char name_[kNameMax + 1] = {0};
  uint32_t timeout_ms_ = 1000;
  std::atomic<uint64_t> lock_timeouts_{0}, lookups_{0}, hits_{0}, misses_{0};
};

}  // namespace shm
}  // namespace osc
