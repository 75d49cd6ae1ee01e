#include "session_table.h"

#include <chrono>
#include <cstdlib>
#include <new>

#include "alloc.h"
#include "system_random.h"

#ifdef _MSC_VER
#include <intrin.h>
#endif

namespace osc {
namespace {

constexpr size_t kMinBuckets = 2;

uint64_t mix(uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

// The 128-bit product of a and b, folded: both halves depend on every bit
// of both operands (wyhash's "mum").
inline uint64_t mum(uint64_t a, uint64_t b) {
#if defined(__SIZEOF_INT128__)
  const __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
#elif defined(_MSC_VER) && defined(_M_X64)
  uint64_t hi;
  const uint64_t lo = _umul128(a, b, &hi);
  return lo ^ hi;
#else
  return mix(a ^ mix(b)) * 0x9e3779b97f4a7c15ULL;
#endif
}

inline unsigned lowest_byte_index(uint64_t m) {
#if defined(_MSC_VER)
  unsigned long i;
  _BitScanForward64(&i, m);
  return static_cast<unsigned>(i) / 8;
#else
  return static_cast<unsigned>(__builtin_ctzll(m)) / 8;
#endif
}

// The eight tags of a bucket as one word with byte k = tags[k]: one load.
inline uint64_t tag_word(const SessionTable::Bucket* b) {
  uint64_t w;
  memcpy(&w, b->tags, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap64(w);
#endif
  return w;
}

constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;  // the low seven bits of every byte
constexpr uint64_t kOnes = 0x0101010101010101ULL;

// High bit of byte k set exactly where byte k of w is zero.
inline uint64_t zero_bytes(uint64_t w) { return ~(((w & kLow7) + kLow7) | w | kLow7); }

SessionTable::Bucket* new_buckets(size_t n) {
  if (!allocation_allowed()) return nullptr;  // the tests' allocation-failure injection
  void* p = nullptr;
#ifdef _WIN32
  p = _aligned_malloc(n * sizeof(SessionTable::Bucket), alignof(SessionTable::Bucket));
#else
  if (posix_memalign(&p, alignof(SessionTable::Bucket), n * sizeof(SessionTable::Bucket)) != 0) p = nullptr;
#endif
  if (p != nullptr) memset(p, 0, n * sizeof(SessionTable::Bucket));
  return static_cast<SessionTable::Bucket*>(p);
}

void free_buckets(SessionTable::Bucket* b) {
#ifdef _WIN32
  _aligned_free(b);
#else
  free(b);
#endif
}

// Grow before an insert would pass 3/4 of the slots; shrink below 3/32.
inline bool over_grow_load(size_t size, size_t buckets) {
  return size * 4 > buckets * SessionTable::kSlots * 3;
}
inline bool under_shrink_load(size_t size, size_t buckets) {
  return size * 32 < buckets * SessionTable::kSlots * 3;
}

}  // namespace

SessionTable::SessionTable() : buckets_(new_buckets(kMinBuckets)), mask_(kMinBuckets - 1) {
  if (buckets_ == nullptr) throw std::bad_alloc();
  // Clients choose the ids a server looks up: seed the hash per table from
  // the system's random source so colliding ids cannot be precomputed.
  if (!system_random(seed_, sizeof seed_)) {
    // No random source: the address and the clock, still per table.
    uint64_t x = reinterpret_cast<uintptr_t>(this) ^
                 static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (uint64_t& s : seed_) s = x = mix(x + 0x9e3779b97f4a7c15ULL);
  }
  for (uint64_t& s : seed_) s |= 1;  // never a zero multiplier
}

SessionTable::~SessionTable() { free_buckets(buckets_); }

inline uint32_t SessionTable::hash(int version, const uint8_t* id, unsigned len) const {
  // The id zero-padded to 32 bytes (its length is hashed beside it).
  uint64_t w[4];
  if (len == 32) {
    memcpy(w, id, 32);
  } else {
    uint8_t pad[32] = {};
    if (len) memcpy(pad, id, len < 32 ? len : 32);
    memcpy(w, pad, 32);
  }
  const uint64_t k = static_cast<uint64_t>(static_cast<uint32_t>(version)) << 8 | len;
  const uint64_t a = mum(w[0] ^ seed_[0], w[1] ^ seed_[1]);
  const uint64_t b = mum(w[2] ^ seed_[2], w[3] ^ seed_[3] ^ k);
  const uint64_t h = mum(a ^ seed_[1], b ^ seed_[0]);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

Session* SessionTable::find(int version, const uint8_t* id, unsigned len) const {
  const uint32_t h = hash(version, id, len);
  const uint64_t want = tag_of(h) * kOnes;
  size_t i = h & mask_;
  for (size_t probes = 0; probes <= mask_; probes++) {
    const Bucket* b = &buckets_[i];
    for (uint64_t m = zero_bytes(tag_word(b) ^ want); m != 0; m &= m - 1) {
      Session* s = b->slot(lowest_byte_index(m));
      if (s->hash == h && s->same_key(version, id, len)) return s;
    }
    if (b->overflow() == 0) break;
    i = (i + 1) & mask_;
  }
  return nullptr;
}

bool SessionTable::place(Bucket* buckets, size_t mask, Session* s, uint32_t h) {
  const uint8_t tag = tag_of(h);
  size_t i = h & mask;
  for (size_t probes = 0; probes <= mask; probes++) {
    Bucket* b = &buckets[i];
    const uint64_t empty = zero_bytes(tag_word(b));
    if (empty != 0) {
      const unsigned k = lowest_byte_index(empty);
      b->tags[k] = tag;
      b->set_slot(k, s);
      // The buckets passed over count one more entry beyond them.
      for (size_t j = h & mask; j != i; j = (j + 1) & mask) {
        if (buckets[j].overflow() != 255) buckets[j].overflow()++;
      }
      return true;
    }
    i = (i + 1) & mask;
  }
  return false;
}

Session* SessionTable::insert(Session* s) {
  const uint32_t h = hash(s->ssl_version, s->id, s->id_len);
  const uint64_t want = tag_of(h) * kOnes;
  size_t i = h & mask_;
  for (size_t probes = 0; probes <= mask_; probes++) {
    Bucket* b = &buckets_[i];
    for (uint64_t m = zero_bytes(tag_word(b) ^ want); m != 0; m &= m - 1) {
      const unsigned k = lowest_byte_index(m);
      Session* e = b->slot(k);
      if (e->hash == h && e->same_key(s->ssl_version, s->id, s->id_len)) {
        if (e == s) return s;
        s->hash = h;
        b->set_slot(k, s);
        return e;
      }
    }
    if (b->overflow() == 0) break;
    i = (i + 1) & mask_;
  }
  s->hash = h;
  if (over_grow_load(size_ + 1, mask_ + 1)) resize((mask_ + 1) * 2);
  if (!place(buckets_, mask_, s, h)) {
    // Every slot taken (growth failed before): one more try, else give up.
    resize((mask_ + 1) * 2);
    if (!place(buckets_, mask_, s, h)) throw std::bad_alloc();
  }
  size_++;
  return nullptr;
}

void SessionTable::erase(Session* s) {
  const size_t home = s->hash & mask_;
  const uint64_t want = tag_of(s->hash) * kOnes;
  size_t i = home;
  for (size_t probes = 0; probes <= mask_; probes++) {
    Bucket* b = &buckets_[i];
    for (uint64_t m = zero_bytes(tag_word(b) ^ want); m != 0; m &= m - 1) {
      const unsigned k = lowest_byte_index(m);
      if (b->slot(k) != s) continue;
      b->tags[k] = 0;
      b->set_slot(k, nullptr);
      for (size_t j = home; j != i; j = (j + 1) & mask_) {
        if (buckets_[j].overflow() != 255) buckets_[j].overflow()--;
      }
      size_--;
      if (!shrink_paused_ && mask_ + 1 > kMinBuckets && under_shrink_load(size_, mask_ + 1))
        resize((mask_ + 1) / 2);
      return;
    }
    if (b->overflow() == 0) return;
    i = (i + 1) & mask_;
  }
}

void SessionTable::resize(size_t buckets) {
  Bucket* fresh = new_buckets(buckets);
  if (fresh == nullptr) return;  // keep the current array: fuller, still correct
  const size_t mask = buckets - 1;
  for (size_t i = 0; i <= mask_; i++) {
    const Bucket& b = buckets_[i];
    for (unsigned k = 0; k < kSlots; k++) {
      if (b.tags[k] != 0 && !place(fresh, mask, b.slot(k), b.slot(k)->hash)) {
        free_buckets(fresh);  // cannot happen (a smaller array is only chosen below 3/32)
        return;
      }
    }
  }
  free_buckets(buckets_);
  buckets_ = fresh;
  mask_ = mask;
}

}  // namespace osc
