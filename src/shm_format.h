// The byte layout of a shared-memory session segment (issue 16), and the
// pure functions every process must compute identically from it.
//
// A segment is one fixed-size mapping shared by the processes of a machine:
//
//   [Header][context table][bucket array][blocks ...]
//
// - Header: layout (written once by the creator, validated by every
//   attacher, then never read again: each process keeps its own checked
//   copy), the process-shared lock, the mutable state, the counters.
// - Context table: kCtxSlots session id contexts (≤ 32 bytes each). An entry
//   names its context by slot number instead of carrying 32 more bytes: what
//   lets a 158-byte session fit four blocks (see "Density" below).
// - Buckets: one u32 per bucket, the first entry of a hash chain.
// - Blocks: kBlockBytes each. Every block starts with a u32 link: the next
//   block of the same entry (kNone after the last), or the next free block.
//
// Everything that refers to something else is a block index (u32), never a
// pointer: each process maps the segment at its own address. Indices read
// from the segment are bounds-checked before use (see shm_engine.h).
//
// An entry is a chain of blocks:
//   block 0: EntryHead (64 bytes): chain link, hash chain link, the level-0
//            links of the expiry order, expiry, checksum, lengths, level and
//            context slot, the session id (32 bytes, zero-padded).
//   block 1: link, then (level - 1) pairs of u32 (prev, next) for the upper
//            levels of the expiry order's skip list, then DER bytes.
//   block 2..: link, 60 DER bytes each.
// So an entry takes 1 + ceil((8 * (level - 1) + der_len) / 60) blocks.
//
// Density: a 158-byte TLS 1.2 server session (no peer certificate) takes 4
// blocks for levels 1-3 (63 entries in 64), i.e. 256 bytes plus its share
// of the bucket array; about 4,000 sessions per MiB, nginx's figure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace osc {
namespace shm {

constexpr uint64_t kMagic = 0x31304D4853435F4FULL;  // "O_CSHM01" read as little-endian bytes
constexpr uint32_t kVersion = 1;
constexpr uint32_t kBlockBytes = 64;
constexpr uint32_t kBlockData = kBlockBytes - 4;  // after the chain link
constexpr int kMaxLevel = 8;                      // skip-list levels; 7 upper link pairs fit block 1
constexpr uint32_t kCtxSlots = 32;                // distinct id contexts live at once
constexpr uint32_t kMaxIdLength = 32;             // SSL_MAX_SSL_SESSION_ID_LENGTH
constexpr uint32_t kMaxCtxLength = 32;            // SSL_MAX_SID_CTX_LENGTH
constexpr uint32_t kMaxDer = 16384;               // larger sessions are refused
constexpr uint32_t kBlocksPerBucket = 6;          // load ~1.5 at capacity for 4-block sessions
constexpr uint32_t kNone = 0xFFFFFFFFu;
constexpr uint64_t kMinBytes = 8192;
constexpr uint64_t kMaxBytes = uint64_t{1} << 30;  // 1 GiB: far beyond nginx's usual zones
constexpr size_t kLockBytes = 128;                 // room for any pthread_mutex_t we build with
constexpr size_t kNameMax = 31;                    // macOS PSHMNAMLEN, including the leading '/'

// The statistics kept in the segment (all processes' operations together).
// Lookups are counted per handle instead (Stats): a counter every lookup
// wrote would be one more cache line passed between processes under the lock.
struct Counters {
  uint64_t stores;           // store calls that reached the lock
  uint64_t stored;           // entries written
  uint64_t replaced;         // stores that replaced an entry with the same key
  uint64_t removes;          // remove() calls that removed an entry
  uint64_t evictions;        // live entries dropped to make room
  uint64_t expired_removed;  // expired entries dropped (store, lookup, flush, eviction)
  uint64_t ctx_full;         // stores refused: all context slots in use
  uint64_t recoveries;       // lock taken over from a process that died holding it
  uint64_t rebuilds;         // structure rebuilt from the hash chains (after a crash or corruption)
  uint64_t corrupt_dropped;  // entries that failed validation and were dropped
};

// The mutable state (changed only under the lock).
struct State {
  uint32_t dirty;  // 1 while a mutation is under way: a dead owner means a rebuild
  uint32_t count;  // entries
  uint32_t free_blocks;
  uint32_t free_head;
  uint32_t head[kMaxLevel];  // expiry order per level, soonest expiry first
  uint32_t tail[kMaxLevel];
};

struct Header {
  // Layout: written by the creator before the magic, validated on attach.
  uint64_t magic;
  uint32_t version;
  uint32_t header_bytes;
  uint64_t total_bytes;
  uint32_t block_bytes;
  uint32_t nblocks;
  uint32_t nbuckets;
  uint32_t nctx;
  uint64_t ctx_off;
  uint64_t buckets_off;
  uint64_t blocks_off;
  uint32_t lock_kind;
  uint32_t lock_bytes;
  uint64_t seed;        // keys the bucket hash and the checksums; random per segment
  uint64_t layout_sum;  // hash of every field above
  alignas(64) unsigned char lock[kLockBytes];
  alignas(64) State state;
  Counters counters;
};

// One id context. refs counts the entries naming this slot; a slot with no
// references may be reused for another context.
struct CtxSlot {
  uint32_t refs;
  uint8_t len;
  uint8_t pad[3];
  uint8_t bytes[kMaxCtxLength];
};
static_assert(sizeof(CtxSlot) == 40, "CtxSlot layout");

// Block 0 of an entry (read and written with memcpy at these offsets).
struct EntryHead {
  uint32_t next;       // block 1
  uint32_t hash_next;  // next entry in the bucket's chain
  uint32_t prev0;      // expiry order, level 0
  uint32_t next0;
  int64_t expiry;  // absolute seconds; expired when now > expiry
  uint32_t checksum;
  uint16_t der_len;
  uint8_t id_len;
  uint8_t meta;  // (level - 1) << 5 | context slot
  uint8_t id[kMaxIdLength];
};
static_assert(sizeof(EntryHead) == kBlockBytes, "EntryHead fills block 0");
static_assert(kCtxSlots <= 32 && kMaxLevel <= 8, "meta packs 3 + 5 bits");
static_assert(8 * (kMaxLevel - 1) <= kBlockData, "upper links fit block 1");

// The layout a segment of total_bytes has. Pure: create and attach both
// compute it, and attach refuses a header that disagrees.
struct Layout {
  uint64_t total_bytes = 0;
  uint32_t nblocks = 0;
  uint32_t nbuckets = 0;
  uint64_t ctx_off = 0;
  uint64_t buckets_off = 0;
  uint64_t blocks_off = 0;
  uint64_t seed = 0;  // not computed: copied from a validated header
};
// false when total_bytes is outside [kMinBytes, kMaxBytes].
bool compute_layout(uint64_t total_bytes, Layout* out);

// A 64-bit hash over bytes (not cryptographic; seeded per segment). The
// bucket index, the skip-list level and the entry checksums all come from it.
uint64_t hash_bytes(uint64_t h, const uint8_t* p, size_t n);
uint64_t hash_u64(uint64_t h, uint64_t v);

// The key hash of (context, id): bucket from the high half, level from the low.
uint64_t key_hash(uint64_t seed, const uint8_t* ctx, size_t ctx_len, const uint8_t* id, size_t id_len);
inline uint32_t bucket_of(uint64_t hash, uint32_t nbuckets) {
  return static_cast<uint32_t>(((hash >> 32) * nbuckets) >> 32);
}
// 1 + the number of zero bit pairs at the bottom of the hash: P(level > n) = 4^-n.
int level_of_hash(uint64_t hash);
// Blocks an entry of this level and DER length takes.
inline uint32_t blocks_for(int level, size_t der_len) {
  return 1 + static_cast<uint32_t>((8 * (level - 1) + der_len + kBlockData - 1) / kBlockData);
}
// The level a store uses: the key's level, or 1 when that would not fit a
// segment of nblocks blocks while level 1 would (so whether a session can
// ever fit depends only on its length).
int entry_level(uint64_t hash, size_t der_len, uint32_t nblocks);

// The checksum stored in EntryHead: covers expiry, lengths, level, id, the
// context bytes and the DER; not the links (neighbours rewrite them) and not
// the context slot number (chosen under the lock, while the checksum is
// computed before taking it: a slot number pointing elsewhere shows up as
// other context bytes).
uint32_t entry_checksum(uint64_t seed, int64_t expiry, uint16_t der_len, uint8_t id_len, int level,
                        const uint8_t* id, const uint8_t* ctx, size_t ctx_len, const uint8_t* der);

// Unaligned-safe loads and stores of segment fields.
inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline void store32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline int64_t load64s(const uint8_t* p) {
  int64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace shm
}  // namespace osc
