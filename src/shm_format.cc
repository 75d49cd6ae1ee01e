// Layout computation and hashing for the shared-memory segment: pure
// functions that every process sharing a segment must compute identically.
#include "shm_format.h"

namespace osc {
namespace shm {
namespace {

constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ULL;
constexpr uint64_t kMul2 = 0xC2B2AE3D27D4EB4FULL;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// A full-avalanche finaliser (every input bit affects every output bit).
inline uint64_t finish(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7FB5D329728EA185ULL;
  x ^= x >> 27;
  x *= 0x81DADEF4BC2DD44DULL;
  x ^= x >> 33;
  return x;
}

inline uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

uint64_t hash_u64(uint64_t h, uint64_t v) { return rotl(h ^ (v * kMul1), 29) * kMul2; }

uint64_t hash_bytes(uint64_t h, const uint8_t* p, size_t n) {
  h = hash_u64(h, n);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = hash_u64(h, w);
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = hash_u64(h, w ^ (uint64_t{0xA5} << 56));
  }
  return h;
}

uint64_t key_hash(uint64_t seed, const uint8_t* ctx, size_t ctx_len, const uint8_t* id, size_t id_len) {
  uint64_t h = hash_bytes(seed ^ 0x6B6579ULL, id, id_len);
  h = hash_bytes(h, ctx, ctx_len);
  return finish(h);
}

int level_of_hash(uint64_t hash) {
  int level = 1;
  while (level < kMaxLevel && (hash & 3) == 0) {
    level++;
    hash >>= 2;
  }
  return level;
}

int entry_level(uint64_t hash, size_t der_len, uint32_t nblocks) {
  int level = level_of_hash(hash);
  return blocks_for(level, der_len) > nblocks ? 1 : level;
}

uint32_t entry_checksum(uint64_t seed, int64_t expiry, uint16_t der_len, uint8_t id_len, int level,
                        const uint8_t* id, const uint8_t* ctx, size_t ctx_len, const uint8_t* der) {
  uint64_t h = hash_u64(seed ^ 0x73756DULL, static_cast<uint64_t>(expiry));
  h = hash_u64(h, (uint64_t{der_len} << 16) | (uint64_t{id_len} << 8) | static_cast<uint8_t>(level));
  h = hash_bytes(h, id, id_len);
  h = hash_bytes(h, ctx, ctx_len);
  h = hash_bytes(h, der, der_len);
  h = finish(h);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

bool compute_layout(uint64_t total, Layout* out) {
  if (total < kMinBytes || total > kMaxBytes) return false;
  Layout l;
  l.total_bytes = total;
  l.ctx_off = round_up(sizeof(Header), 64);
  l.buckets_off = round_up(l.ctx_off + uint64_t{kCtxSlots} * sizeof(CtxSlot), 64);
  // The largest nblocks whose buckets and blocks fit after the context table.
  uint64_t room = total - l.buckets_off;
  uint64_t n = room * kBlocksPerBucket / (uint64_t{kBlockBytes} * kBlocksPerBucket + 4);
  for (;; n--) {
    uint64_t buckets = n / kBlocksPerBucket ? n / kBlocksPerBucket : 1;
    uint64_t blocks_off = round_up(l.buckets_off + 4 * buckets, 64);
    if (blocks_off + n * kBlockBytes <= total) {
      l.nblocks = static_cast<uint32_t>(n);
      l.nbuckets = static_cast<uint32_t>(buckets);
      l.blocks_off = blocks_off;
      break;
    }
  }
  *out = l;
  return l.nblocks >= 2;
}

}  // namespace shm
}  // namespace osc
