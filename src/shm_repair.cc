// Repair and inspection of a segment: rebuild() after a lock holder died
// mid-change or damage was found, wipe() when even that cannot run, and
// check(), the full invariant check the tests run after every step.
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "shm_engine.h"
#include "shm_lock.h"

namespace osc {
namespace shm {
namespace {

// Per-block marks while walking a whole segment.
enum : uint8_t { kVisited = 1, kOwned = 2, kTemp = 4, kHead = 8, kFree = 16 };

// The most blocks an entry can take (level 8, kMaxDer bytes).
constexpr uint32_t kMaxEntryBlocks = 1 + (8 * (kMaxLevel - 1) + kMaxDer + kBlockData - 1) / kBlockData;

// Validates entry i as a member of bucket b without trusting anything in it:
// lengths, context slot, level and bucket agree with the key, the block chain
// is exactly as long as the lengths say and shares no block with an entry
// already accepted (kOwned), and the checksum matches. On success its blocks
// are marked kOwned and block i kHead. `scratch` holds kMaxDer bytes.
bool validate_entry(Engine& e, uint32_t i, uint32_t b, uint8_t* flags, uint8_t* scratch, const char** why) {
  EntryHead h;
  std::memcpy(&h, e.blk(i), sizeof h);
  const uint32_t slot = Engine::slot_of_meta(h.meta);
  const int level = Engine::level_of_meta(h.meta);
  CtxSlot c;
  std::memcpy(&c, &e.ctx(slot), sizeof c);
  if (h.id_len == 0 || h.id_len > kMaxIdLength) return *why = "id length", false;
  if (c.len > kMaxCtxLength) return *why = "context length", false;
  if (h.der_len == 0 || h.der_len > kMaxDer) return *why = "DER length", false;
  // The canonical slot for these context bytes is the first holding them.
  for (uint32_t s = 0; s < slot; s++) {
    const CtxSlot& o = e.ctx(s);
    if (o.len == c.len && std::memcmp(o.bytes, c.bytes, c.len) == 0)
      return *why = "duplicate context slot", false;
  }
  const uint64_t hash = key_hash(e.seed(), c.bytes, c.len, h.id, h.id_len);
  if (bucket_of(hash, e.nbuckets()) != b) return *why = "entry in the wrong bucket", false;
  if (entry_level(hash, h.der_len, e.nblocks()) != level) return *why = "level does not match the key", false;
  const uint32_t k = blocks_for(level, h.der_len);
  if (k > e.nblocks() || k > kMaxEntryBlocks) return *why = "more blocks than the segment", false;

  uint32_t chain[kMaxEntryBlocks];
  uint32_t idx = i;
  uint32_t n = 0;
  const char* fail = nullptr;
  for (; n < k; n++) {
    if (idx >= e.nblocks()) {
      fail = "block index out of range";
      break;
    }
    if (flags[idx] & (kOwned | kTemp)) {
      fail = "block shared with another entry";
      break;
    }
    flags[idx] |= kTemp;
    chain[n] = idx;
    idx = e.chain(idx);
  }
  if (!fail && idx != kNone) fail = "block chain longer than the entry";
  if (!fail) {
    size_t off = 4 + 8 * static_cast<size_t>(level - 1), done = 0;
    for (uint32_t j = 1; j < k && done < h.der_len; j++) {
      size_t len = kBlockBytes - off;
      if (len > h.der_len - done) len = h.der_len - done;
      std::memcpy(scratch + done, e.blk(chain[j]) + off, len);
      done += len;
      off = 4;
    }
    uint32_t sum =
        entry_checksum(e.seed(), h.expiry, h.der_len, h.id_len, level, h.id, c.bytes, c.len, scratch);
    if (done != h.der_len || sum != h.checksum) fail = "checksum";
  }
  for (uint32_t j = 0; j < n; j++) {
    flags[chain[j]] &= static_cast<uint8_t>(~kTemp);
    if (!fail) flags[chain[j]] |= kOwned;
  }
  if (fail) return *why = fail, false;
  flags[i] |= kHead;
  return true;
}

// Same key (id and context bytes) as another entry of the chain from first
// to last (inclusive; last == kNone: to the end)?
bool key_in_chain(Engine& e, uint32_t first, uint32_t last, uint32_t x) {
  const unsigned char* a = e.blk(x);
  const uint8_t id_len = a[offsetof(EntryHead, id_len)];
  if (id_len > kMaxIdLength) return false;  // invalid anyway; never compare past the id
  const CtxSlot& ca = e.ctx(Engine::slot_of_meta(a[offsetof(EntryHead, meta)]));
  for (uint32_t i = first, steps = 0; i != kNone && i < e.nblocks() && steps <= e.nblocks(); steps++) {
    const unsigned char* o = e.blk(i);
    const CtxSlot& co = e.ctx(Engine::slot_of_meta(o[offsetof(EntryHead, meta)]));
    if (i != x && o[offsetof(EntryHead, id_len)] == id_len &&
        std::memcmp(o + offsetof(EntryHead, id), a + offsetof(EntryHead, id), id_len) == 0 &&
        co.len == ca.len && co.len <= kMaxCtxLength && std::memcmp(co.bytes, ca.bytes, co.len) == 0)
      return true;
    if (i == last) break;
    i = e.hnext(i);
  }
  return false;
}

}  // namespace

void Engine::wipe() {
  begin_change();
  for (uint32_t b = 0; b < nbuckets_; b++) set_bucket(b, kNone);
  for (uint32_t s = 0; s < kCtxSlots; s++) ctx_[s].refs = 0;
  for (int l = 0; l < kMaxLevel; l++) st_.head[l] = st_.tail[l] = kNone;
  st_.count = 0;
  st_.free_head = kNone;
  st_.free_blocks = 0;
  for (uint32_t i = nb_; i-- > 0;) push_free(i);
  bad = false;
  end_change();
}

void Engine::rebuild(unsigned char* lock_area) {
  begin_change();
  cnt_.rebuilds++;
  std::unique_ptr<uint8_t[]> flags(new (std::nothrow) uint8_t[nb_]());
  std::unique_ptr<uint8_t[]> scratch(new (std::nothrow) uint8_t[kMaxDer]);
  if (!flags || !scratch) {
    wipe();
    return;
  }
  bad = false;
  uint32_t refs[kCtxSlots] = {0};
  for (uint32_t s = 0; s < kCtxSlots; s++)
    if (ctx_[s].len > kMaxCtxLength) ctx_[s].len = 0;
  for (int l = 0; l < kMaxLevel; l++) st_.head[l] = st_.tail[l] = kNone;
  uint32_t count = 0;

  // 1. The hash chains, keeping only entries that validate. Each accepted
  //    entry is linked from the previous accepted one (or the bucket) while
  //    the rest of the old chain stays reachable behind it, so a rebuild
  //    killed part-way loses no valid entry: the next one starts over.
  for (uint32_t b = 0; b < nbuckets_; b++) {
    if (b % 4096 == 0) lock_heartbeat(lock_area);
    uint32_t i = bucket(b), last = kNone;
    while (i != kNone && i < nb_ && !(flags[i] & kVisited)) {
      flags[i] |= kVisited;
      const uint32_t next = hnext(i);
      const char* why = nullptr;
      const bool dup = last != kNone && key_in_chain(*this, bucket(b), last, i);
      if (!dup && validate_entry(*this, i, b, flags.get(), scratch.get(), &why)) {
        if (last == kNone)
          set_bucket(b, i);
        else
          set_hnext(last, i);
        last = i;
        refs[slot_of_meta(meta(i))]++;
        count++;
      } else {
        cnt_.corrupt_dropped++;
      }
      i = next;
    }
    if (last == kNone)
      set_bucket(b, kNone);
    else
      set_hnext(last, kNone);
  }
  for (uint32_t s = 0; s < kCtxSlots; s++) ctx_[s].refs = refs[s];
  st_.count = count;

  // 2. The expiry order, from the surviving entries (ties in bucket order).
  for (uint32_t b = 0; b < nbuckets_ && !bad; b++) {
    if (b % 4096 == 0) lock_heartbeat(lock_area);
    for (uint32_t i = bucket(b); i != kNone && !bad; i = hnext(i)) link_order(i);
  }
  if (bad) {  // cannot happen with validated entries; never leave a broken order
    wipe();
    return;
  }

  // 3. Every block no entry owns is free (pushed so allocation ascends).
  st_.free_head = kNone;
  st_.free_blocks = 0;
  for (uint32_t i = nb_; i-- > 0;)
    if (!(flags[i] & kOwned)) push_free(i);
  end_change();
}

bool Engine::check(std::string* why) {
  const bool was_bad = bad;
  auto fail = [&](const std::string& m) {
    *why = m;
    bad = was_bad;  // report, do not trigger a repair
    return false;
  };
  if (st_.dirty) return fail("dirty flag set outside a change");
  std::vector<uint8_t> flags(nb_, 0), scratch(kMaxDer);
  uint32_t refs[kCtxSlots] = {0};
  uint32_t entries = 0;

  for (uint32_t b = 0; b < nbuckets_; b++) {
    uint32_t steps = 0;
    for (uint32_t i = bucket(b); i != kNone; i = hnext(i)) {
      if (i >= nb_) return fail("bucket " + std::to_string(b) + ": index out of range");
      if ((flags[i] & kVisited) || ++steps > nb_) return fail("bucket " + std::to_string(b) + ": cycle");
      flags[i] |= kVisited;
      const char* reason = nullptr;
      if (key_in_chain(*this, bucket(b), kNone, i))
        return fail("duplicate key in bucket " + std::to_string(b));
      if (!validate_entry(*this, i, b, flags.data(), scratch.data(), &reason))
        return fail("entry " + std::to_string(i) + ": " + reason);
      refs[slot_of_meta(meta(i))]++;
      entries++;
    }
  }
  if (entries != st_.count)
    return fail("count " + std::to_string(st_.count) + " != entries " + std::to_string(entries));

  uint32_t nfree = 0;
  for (uint32_t i = st_.free_head; i != kNone; i = chain(i)) {
    if (i >= nb_) return fail("free list: index out of range");
    if (flags[i] & (kOwned | kFree))
      return fail("free list: block " + std::to_string(i) + " used or listed twice");
    flags[i] |= kFree;
    nfree++;
  }
  if (nfree != st_.free_blocks)
    return fail("free_blocks " + std::to_string(st_.free_blocks) + " != listed " + std::to_string(nfree));
  for (uint32_t i = 0; i < nb_; i++)
    if (!(flags[i] & (kOwned | kFree))) return fail("block " + std::to_string(i) + " neither used nor free");

  // Level 0: every entry once, nondecreasing expiry, links both ways.
  std::vector<uint32_t> order;
  uint32_t prev = kNone;
  for (uint32_t x = st_.head[0]; x != kNone; x = load32(blk(x) + offsetof(EntryHead, next0))) {
    if (x >= nb_ || !(flags[x] & kHead)) return fail("order: not an entry");
    if (order.size() >= entries) return fail("order: longer than the entry count (cycle)");
    if (load32(blk(x) + offsetof(EntryHead, prev0)) != prev) return fail("order: prev link");
    if (prev != kNone && expiry(prev) > expiry(x)) return fail("order: expiry decreases");
    order.push_back(x);
    prev = x;
  }
  if (order.size() != entries) return fail("order: misses entries");
  if (st_.tail[0] != prev) return fail("order: tail");

  // Upper levels: exactly the entries of higher level, in level-0 order.
  for (int l = 1; l < kMaxLevel; l++) {
    std::vector<uint32_t> want;
    for (uint32_t x : order)
      if (level_of_meta(meta(x)) > l) want.push_back(x);
    uint32_t x = st_.head[l];
    prev = kNone;
    for (uint32_t x2 : want) {
      if (x != x2) return fail("order level " + std::to_string(l) + ": wrong member");
      if (prev_at(x, l) != prev) return fail("order level " + std::to_string(l) + ": prev link");
      prev = x;
      x = next_at(x, l);
    }
    if (x != kNone) return fail("order level " + std::to_string(l) + ": extra member");
    if (st_.tail[l] != prev) return fail("order level " + std::to_string(l) + ": tail");
  }

  for (uint32_t s = 0; s < kCtxSlots; s++) {
    if (ctx_[s].refs != refs[s]) return fail("context slot " + std::to_string(s) + ": refs");
    if (refs[s] && ctx_[s].len > kMaxCtxLength) return fail("context slot " + std::to_string(s) + ": length");
  }
  if (bad) return fail("a link was out of range");
  return true;
}

}  // namespace shm
}  // namespace osc
