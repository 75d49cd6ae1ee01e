// The shared-memory store's operations: segment creation and attach, and
// the index work of store / lookup / remove / flush under the lock.
#include "shm_cache.h"

#include <atomic>
#include <cstring>
#include <new>

#include "shm_lock.h"
#include "system_random.h"

namespace osc {
namespace shm {

const char* result_name(Result r) {
  switch (r) {
    case Result::kOk:
      return "ok";
    case Result::kMiss:
      return "miss";
    case Result::kExpired:
      return "expired";
    case Result::kCorrupt:
      return "corrupt";
    case Result::kTooLarge:
      return "too large";
    case Result::kBufferTooSmall:
      return "buffer too small";
    case Result::kContextTableFull:
      return "context table full";
    case Result::kInvalidArgument:
      return "invalid argument";
    case Result::kLockTimeout:
      return "lock timeout";
    case Result::kBadSegment:
      return "bad segment";
    case Result::kNotFound:
      return "not found";
    case Result::kExists:
      return "exists";
    case Result::kNotSupported:
      return "not supported";
    case Result::kSystemError:
      return "system error";
  }
  return "?";
}

// ------------------------------------------------------------------ Engine

void Engine::begin_change() {
  st_.dirty = 1;
  // Every later store of this change must come after this one in program
  // order, so a process killed part-way always leaves dirty set.
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

void Engine::end_change() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  st_.dirty = 0;
}

bool Engine::state_sane() const { return st_.dirty == 0 && st_.count <= nb_ && st_.free_blocks <= nb_; }

unsigned char* Engine::link_pos(uint32_t i, int l) {
  if (l == 0) return blk(i) + offsetof(EntryHead, prev0);
  if (level_of_meta(meta(i)) <= l) {  // no links at this level: a wrong index
    bad = true;
    return nullptr;
  }
  uint32_t b1 = chain(i);
  if (!in_range(b1)) return nullptr;
  return blk(b1) + 4 + 8 * (l - 1);
}

uint32_t Engine::prev_at(uint32_t i, int l) {
  unsigned char* p = link_pos(i, l);
  return p ? load32(p) : kNone;
}
uint32_t Engine::next_at(uint32_t i, int l) {
  unsigned char* p = link_pos(i, l);
  return p ? load32(p + 4) : kNone;
}
void Engine::set_prev_at(uint32_t i, int l, uint32_t v) {
  if (unsigned char* p = link_pos(i, l)) store32(p, v);
}
void Engine::set_next_at(uint32_t i, int l, uint32_t v) {
  if (unsigned char* p = link_pos(i, l)) store32(p + 4, v);
}

// Skip-list insertion keeping (expiry, insertion) order: x goes after every
// entry expiring at or before it. The usual cases (the latest expiry so far,
// or the soonest) cost O(level); others O(log n) expected.
void Engine::link_order(uint32_t x) {
  const int h = level_of_meta(meta(x));
  const int64_t e = expiry(x);
  uint32_t pred[kMaxLevel];
  uint32_t t0 = st_.tail[0], h0 = st_.head[0];
  if ((t0 == kNone) != (h0 == kNone)) {  // one end set, the other not: damage
    bad = true;
    return;
  }
  if (t0 != kNone && (!in_range(t0) || !in_range(h0))) return;
  if (t0 == kNone || expiry(t0) <= e) {
    for (int l = 0; l < h; l++) pred[l] = st_.tail[l];
  } else if (expiry(h0) > e) {
    for (int l = 0; l < h; l++) pred[l] = kNone;
  } else {
    uint32_t cur = kNone;  // kNone: before the first entry
    uint32_t steps = 0;
    for (int l = kMaxLevel - 1; l >= 0; l--) {
      uint32_t nxt = cur == kNone ? st_.head[l] : next_at(cur, l);
      while (nxt != kNone && !bad) {
        if (!in_range(nxt)) return;
        if (++steps > nb_ + kMaxLevel) {
          bad = true;
          return;
        }
        if (expiry(nxt) > e) break;
        cur = nxt;
        nxt = next_at(cur, l);
      }
      if (bad) return;
      if (l < h) pred[l] = cur;
    }
  }
  for (int l = 0; l < h && !bad; l++) {
    uint32_t p = pred[l];
    if (p != kNone && !in_range(p)) return;
    uint32_t n = p == kNone ? st_.head[l] : next_at(p, l);
    if (n != kNone && !in_range(n)) return;
    set_prev_at(x, l, p);
    set_next_at(x, l, n);
    if (p == kNone)
      st_.head[l] = x;
    else
      set_next_at(p, l, x);
    if (n == kNone)
      st_.tail[l] = x;
    else
      set_prev_at(n, l, x);
  }
}

void Engine::unlink_order(uint32_t x) {
  const int h = level_of_meta(meta(x));
  for (int l = 0; l < h && !bad; l++) {
    uint32_t p = prev_at(x, l), n = next_at(x, l);
    if (bad) return;
    if (p != kNone) {
      if (!in_range(p)) return;
      if (next_at(p, l) != x) {
        bad = true;
        return;
      }
      set_next_at(p, l, n);
    } else {
      if (st_.head[l] != x) {
        bad = true;
        return;
      }
      st_.head[l] = n;
    }
    if (n != kNone) {
      if (!in_range(n)) return;
      if (prev_at(n, l) != x) {
        bad = true;
        return;
      }
      set_prev_at(n, l, p);
    } else {
      if (st_.tail[l] != x) {
        bad = true;
        return;
      }
      st_.tail[l] = p;
    }
  }
}

uint32_t Engine::pop_free() {
  uint32_t i = st_.free_head;
  if (st_.free_blocks == 0 || i == kNone || !in_range(i)) {
    bad = true;
    return kNone;
  }
  st_.free_head = chain(i);
  st_.free_blocks--;
  return i;
}

void Engine::push_free(uint32_t i) {
  set_chain(i, st_.free_head);
  st_.free_head = i;
  st_.free_blocks++;
}

void Engine::free_chain(uint32_t first, uint32_t k) {
  uint32_t i = first;
  for (uint32_t j = 0; j < k; j++) {
    if (!in_range(i)) return;
    uint32_t next = chain(i);
    push_free(i);
    i = next;
  }
  if (i != kNone) bad = true;  // the chain was longer than its entry
}

bool Engine::matches(uint32_t i, const KeyRef& k) {
  const unsigned char* b = blk(i);
  if (b[offsetof(EntryHead, id_len)] != k.id_len) return false;
  if (std::memcmp(b + offsetof(EntryHead, id), k.id, k.id_len) != 0) return false;
  const CtxSlot& c = ctx_[slot_of_meta(b[offsetof(EntryHead, meta)])];
  uint8_t len = c.len;  // read once; compared against the caller's length (<= 32)
  return len == k.ctx_len && std::memcmp(c.bytes, k.ctx, len) == 0;
}

uint32_t Engine::find(const KeyRef& k, uint32_t b, uint32_t* pred) {
  *pred = kNone;
  uint32_t i = bucket(b);
  for (uint32_t steps = 0; i != kNone; steps++) {
    if (!in_range(i) || steps > nb_) {
      bad = true;
      return kNone;
    }
    if (matches(i, k)) return i;
    *pred = i;
    i = hnext(i);
  }
  return kNone;
}

uint32_t Engine::pred_of(uint32_t x, uint32_t b) {
  uint32_t pred = kNone;
  uint32_t i = bucket(b);
  for (uint32_t steps = 0; i != kNone; steps++) {
    if (!in_range(i) || steps > nb_) break;
    if (i == x) return pred;
    pred = i;
    i = hnext(i);
  }
  bad = true;  // x is not in the bucket its key hashes to
  return kNone;
}

void Engine::remove_entry(uint32_t x, uint32_t b, uint32_t pred) {
  const uint8_t m = meta(x);
  uint16_t der_len;
  std::memcpy(&der_len, blk(x) + offsetof(EntryHead, der_len), 2);
  const int level = level_of_meta(m);
  if (der_len == 0 || der_len > kMaxDer || blocks_for(level, der_len) > nb_) {
    bad = true;
    return;
  }
  // The hash chain first: from here on the entry is unreachable even if we die.
  uint32_t after = hnext(x);
  if (pred == kNone)
    set_bucket(b, after);
  else
    set_hnext(pred, after);
  unlink_order(x);
  if (bad) return;
  CtxSlot& c = ctx_[slot_of_meta(m)];
  if (c.refs == 0 || st_.count == 0) {
    bad = true;
    return;
  }
  c.refs--;
  st_.count--;
  free_chain(x, blocks_for(level, der_len));
}

bool Engine::remove_front(int64_t now) {
  uint32_t x = st_.head[0];
  if (!in_range(x)) return false;
  const unsigned char* b0 = blk(x);
  uint8_t id_len = b0[offsetof(EntryHead, id_len)];
  const CtxSlot& c = ctx_[slot_of_meta(b0[offsetof(EntryHead, meta)])];
  uint8_t ctx_len = c.len;
  if (id_len == 0 || id_len > kMaxIdLength || ctx_len > kMaxCtxLength) {
    bad = true;
    return false;
  }
  uint64_t h = key_hash(seed_, c.bytes, ctx_len, b0 + offsetof(EntryHead, id), id_len);
  uint32_t b = bucket_of(h, nbuckets_);
  uint32_t pred = pred_of(x, b);
  if (bad) return false;
  bool expired = now > expiry(x);
  remove_entry(x, b, pred);
  return expired;
}

uint32_t Engine::ctx_slot_for(const uint8_t* ctx, size_t len) {
  uint32_t free_slot = kNone;
  for (uint32_t s = 0; s < kCtxSlots; s++) {
    const CtxSlot& c = ctx_[s];
    if (c.len == len && std::memcmp(c.bytes, ctx, len) == 0) return s;
    if (c.refs == 0 && free_slot == kNone) free_slot = s;
  }
  return free_slot;
}

void Engine::insert(const KeyRef& k, uint32_t b, uint32_t slot, int level, const uint8_t* der, size_t der_len,
                    int64_t expiry_at, uint32_t checksum) {
  const uint32_t nblk = blocks_for(level, der_len);
  // The chain: block 0, block 1, ... each linking the next.
  uint32_t first = pop_free();
  uint32_t last = first;
  for (uint32_t j = 1; j < nblk && !bad; j++) {
    uint32_t n = pop_free();
    if (bad) break;
    set_chain(last, n);
    last = n;
  }
  if (bad) return;
  set_chain(last, kNone);

  CtxSlot& c = ctx_[slot];
  if (c.refs == 0 || c.len != k.ctx_len || std::memcmp(c.bytes, k.ctx, k.ctx_len) != 0) {
    c.refs = 0;
    c.len = static_cast<uint8_t>(k.ctx_len);
    std::memset(c.bytes, 0, sizeof c.bytes);
    std::memcpy(c.bytes, k.ctx, k.ctx_len);
  }

  EntryHead h;
  std::memset(&h, 0, sizeof h);
  h.next = chain(first);
  h.hash_next = kNone;
  h.prev0 = kNone;
  h.next0 = kNone;
  h.expiry = expiry_at;
  h.der_len = static_cast<uint16_t>(der_len);
  h.id_len = static_cast<uint8_t>(k.id_len);
  h.meta = static_cast<uint8_t>(((level - 1) << 5) | slot);
  std::memcpy(h.id, k.id, k.id_len);
  h.checksum = checksum;
  std::memcpy(blk(first), &h, sizeof h);

  // The DER, after the upper links in block 1, then 60 bytes per block.
  uint32_t i = h.next;
  size_t off = 4 + 8 * static_cast<size_t>(level - 1);
  size_t done = 0;
  while (done < der_len) {
    // A damaged free list can hand out a block twice, which shortens the
    // chain we just built: check every index anyway.
    if (!in_range(i)) return;
    size_t n = kBlockBytes - off;
    if (n > der_len - done) n = der_len - done;
    std::memcpy(blk(i) + off, der + done, n);
    done += n;
    off = 4;
    i = chain(i);
  }

  link_order(first);
  if (bad) return;
  c.refs++;
  st_.count++;
  // Publish last: the entry is complete before any chain can reach it.
  std::atomic_thread_fence(std::memory_order_release);
  set_hnext(first, bucket(b));
  set_bucket(b, first);
}

bool Engine::read_der(uint32_t x, int level, size_t der_len, uint8_t* out) {
  uint32_t i = chain(x);
  size_t off = 4 + 8 * static_cast<size_t>(level - 1);
  size_t done = 0;
  uint32_t last = kNone;
  while (done < der_len) {
    if (!in_range(i)) return false;
    size_t n = kBlockBytes - off;
    if (n > der_len - done) n = der_len - done;
    std::memcpy(out + done, blk(i) + off, n);
    done += n;
    off = 4;
    last = i;
    i = chain(i);
  }
  if (last == kNone || i != kNone) {  // shorter or longer than der_len says
    bad = true;
    return false;
  }
  return true;
}

// ------------------------------------------------------------------- Cache

namespace {

bool header_matches(const Header& h, const Layout& l, size_t mapped) {
  bool size_ok = h.total_bytes == mapped;
#if defined(__APPLE__)
  // macOS reports shared memory sizes rounded up to whole pages.
  size_ok = h.total_bytes <= mapped && mapped - h.total_bytes < 65536;
#endif
  uint64_t sum =
      hash_bytes(0x6C61796F7574ULL, reinterpret_cast<const uint8_t*>(&h), offsetof(Header, layout_sum));
  return size_ok && h.magic == kMagic && h.version == kVersion && h.header_bytes == sizeof(Header) &&
         h.block_bytes == kBlockBytes && h.nblocks == l.nblocks && h.nbuckets == l.nbuckets &&
         h.nctx == kCtxSlots && h.ctx_off == l.ctx_off && h.buckets_off == l.buckets_off &&
         h.blocks_off == l.blocks_off && h.lock_kind == static_cast<uint32_t>(lock_kind()) &&
         h.lock_bytes == kLockBytes && h.layout_sum == sum;
}

}  // namespace

Cache::~Cache() { os_unmap(&map_); }

Result Cache::create(size_t bytes, std::unique_ptr<Cache>* out) {
  for (int attempt = 0; attempt < 8; attempt++) {
    char name[kNameMax + 1];
    if (!random_name(name))
      return lock_kind() == LockKind::kUnsupported ? Result::kNotSupported : Result::kSystemError;
    Result r = create_at(name, bytes, nullptr, out);
    if (r != Result::kExists) return r;
  }
  return Result::kExists;
}

Result Cache::create_named(const char* name, size_t bytes, std::unique_ptr<Cache>* out) {
  return create_at(name, bytes, nullptr, out);
}

Result Cache::create_seeded(size_t bytes, uint64_t seed, std::unique_ptr<Cache>* out) {
  for (int attempt = 0; attempt < 8; attempt++) {
    char name[kNameMax + 1];
    if (!random_name(name))
      return lock_kind() == LockKind::kUnsupported ? Result::kNotSupported : Result::kSystemError;
    Result r = create_at(name, bytes, &seed, out);
    if (r != Result::kExists) return r;
  }
  return Result::kExists;
}

Result Cache::create_at(const char* name, size_t bytes, const uint64_t* chosen_seed,
                        std::unique_ptr<Cache>* out) {
  if (lock_kind() == LockKind::kUnsupported) return Result::kNotSupported;
  Layout l;
  if (!compute_layout(bytes, &l) || !valid_name(name)) return Result::kInvalidArgument;
  uint64_t seed;
  if (chosen_seed)
    seed = *chosen_seed;
  else if (!system_random(&seed, sizeof seed))
    return Result::kSystemError;
  l.seed = seed;
  std::unique_ptr<Cache> c(new (std::nothrow) Cache());
  if (!c) return Result::kSystemError;
  Result r = os_create(name, bytes, &c->map_);
  if (r != Result::kOk) return r;
  std::memcpy(c->name_, name, std::strlen(name) + 1);
  c->lay_ = l;

  // The object is new and zero-filled; fill it in, the magic last.
  Header* h = reinterpret_cast<Header*>(c->map_.base);
  h->version = kVersion;
  h->header_bytes = sizeof(Header);
  h->total_bytes = bytes;
  h->block_bytes = kBlockBytes;
  h->nblocks = l.nblocks;
  h->nbuckets = l.nbuckets;
  h->nctx = kCtxSlots;
  h->ctx_off = l.ctx_off;
  h->buckets_off = l.buckets_off;
  h->blocks_off = l.blocks_off;
  h->lock_kind = static_cast<uint32_t>(lock_kind());
  h->lock_bytes = kLockBytes;
  h->seed = seed;
  if (!lock_init(h->lock)) {
    os_unmap(&c->map_);
    os_unlink(name);
    return Result::kSystemError;
  }
  Engine e(c->map_.base, l);
  State& st = e.state();
  for (int lv = 0; lv < kMaxLevel; lv++) st.head[lv] = st.tail[lv] = kNone;
  st.free_head = kNone;
  for (uint32_t i = l.nblocks; i-- > 0;) e.push_free(i);  // ascending allocation
  std::memset(c->map_.base + l.buckets_off, 0xFF, 4 * static_cast<size_t>(l.nbuckets));
  h->magic = kMagic;
  h->layout_sum =
      hash_bytes(0x6C61796F7574ULL, reinterpret_cast<const uint8_t*>(h), offsetof(Header, layout_sum));
  std::atomic_thread_fence(std::memory_order_release);
  *out = std::move(c);
  return Result::kOk;
}

Result Cache::attach(const char* name, std::unique_ptr<Cache>* out) {
  return attach_as(name, os_euid(), out);
}

Result Cache::attach_as(const char* name, uint32_t expect_uid, std::unique_ptr<Cache>* out) {
  if (lock_kind() == LockKind::kUnsupported) return Result::kNotSupported;
  std::unique_ptr<Cache> c(new (std::nothrow) Cache());
  if (!c) return Result::kSystemError;
  Result r = os_attach(name, expect_uid, &c->map_);
  if (r != Result::kOk) return r;
  // Validate a private copy: another process cannot change what we checked.
  Header h;
  std::memcpy(&h, c->map_.base, sizeof h);
  Layout l;
  if (!compute_layout(h.total_bytes, &l) || !header_matches(h, l, c->map_.bytes)) return Result::kBadSegment;
  l.seed = h.seed;
  c->lay_ = l;
  std::memcpy(c->name_, name, std::strlen(name) + 1);
  *out = std::move(c);
  return Result::kOk;
}

Result Cache::unlink(const char* name) { return os_unlink(name); }

bool Cache::key_ok(KeyRef* k) const {
  static const uint8_t kEmpty[1] = {0};
  if (k->ctx_len == 0) k->ctx = kEmpty;  // memcmp/memcpy never see a null pointer
  return k->id_len >= 1 && k->id_len <= kMaxIdLength && k->id && k->ctx_len <= kMaxCtxLength && k->ctx;
}

template <typename Body>
Result Cache::locked(bool retry, Body&& body) {
  unsigned char* lock = reinterpret_cast<Header*>(map_.base)->lock;
  LockStatus s = lock_acquire(lock, timeout_ms_);
  if (s == LockStatus::kTimeout) {
    lock_timeouts_.fetch_add(1, std::memory_order_relaxed);
    return Result::kLockTimeout;
  }
  if (s == LockStatus::kError) return Result::kSystemError;
  Engine e(map_.base, lay_);
  if (s == LockStatus::kOwnerDied) e.counters().recoveries++;
  // A dead owner's half-done change, or state out of range: rebuild first.
  if (!e.state_sane()) e.rebuild(lock);
  if (s == LockStatus::kOwnerDied) lock_consistent(lock);
  Result r = body(e);
  if (e.bad) {
    e.rebuild(lock);
    r = Result::kCorrupt;
    if (retry) {
      e.bad = false;
      r = body(e);
      if (e.bad) {
        e.rebuild(lock);
        r = Result::kCorrupt;
      }
    }
  }
  lock_release(lock);
  return r;
}

Result Cache::store(const KeyRef& key_in, const uint8_t* der, size_t der_len, int64_t expiry, int64_t now) {
  KeyRef key = key_in;
  if (!key_ok(&key) || der_len == 0 || !der) return Result::kInvalidArgument;
  if (der_len > kMaxDer || blocks_for(1, der_len) > lay_.nblocks) return Result::kTooLarge;
  const uint64_t h = key_hash(lay_.seed, key.ctx, key.ctx_len, key.id, key.id_len);
  const uint32_t b = bucket_of(h, lay_.nbuckets);
  const int level = entry_level(h, der_len, lay_.nblocks);
  const uint32_t need = blocks_for(level, der_len);
  // Everything that does not depend on the segment is done before locking.
  const uint32_t checksum =
      entry_checksum(lay_.seed, expiry, static_cast<uint16_t>(der_len), static_cast<uint8_t>(key.id_len),
                     level, key.id, key.ctx, key.ctx_len, der);
  prefetch_bucket(b);
  return locked(true, [&](Engine& e) -> Result {
    Counters& c = e.counters();
    State& st = e.state();
    c.stores++;
    e.begin_change();
    uint32_t pred;
    uint32_t old = e.find(key, b, &pred);
    if (e.bad) return Result::kCorrupt;
    if (old != kNone) {
      e.remove_entry(old, b, pred);
      if (e.bad) return Result::kCorrupt;
      c.replaced++;
    }
    if (now > expiry) {
      e.end_change();
      return Result::kExpired;
    }
    for (int i = 0; i < 2 && st.head[0] != kNone; i++) {
      uint32_t f = st.head[0];
      if (!e.in_range(f)) return Result::kCorrupt;
      if (!(now > e.expiry(f))) break;
      e.remove_front(now);
      if (e.bad) return Result::kCorrupt;
      c.expired_removed++;
    }
    uint32_t slot = e.ctx_slot_for(key.ctx, key.ctx_len);
    if (slot == kNone) {
      c.ctx_full++;
      e.end_change();
      return Result::kContextTableFull;
    }
    while (st.free_blocks < need) {
      if (st.head[0] == kNone) {  // blocks neither free nor used: damage
        e.bad = true;
        return Result::kCorrupt;
      }
      bool expired = e.remove_front(now);
      if (e.bad) return Result::kCorrupt;
      if (expired)
        c.expired_removed++;
      else
        c.evictions++;
    }
    e.insert(key, b, slot, level, der, der_len, expiry, checksum);
    if (e.bad) return Result::kCorrupt;
    c.stored++;
    e.end_change();
    return Result::kOk;
  });
}

Result Cache::lookup(const KeyRef& key_in, int64_t now, uint8_t* out, size_t out_cap, size_t* out_len) {
  KeyRef key = key_in;
  if (!key_ok(&key) || !out_len || (!out && out_cap)) return Result::kInvalidArgument;
  *out_len = 0;
  const uint64_t h = key_hash(lay_.seed, key.ctx, key.ctx_len, key.id, key.id_len);
  const uint32_t b = bucket_of(h, lay_.nbuckets);
  prefetch_bucket(b);
  lookups_.fetch_add(1, std::memory_order_relaxed);
  EntryHead eh;  // one copy: every check below is of these bytes
  uint32_t found = kNone;
  Result r = locked(false, [&](Engine& e) -> Result {
    uint32_t pred;
    uint32_t x = e.find(key, b, &pred);
    if (e.bad) return Result::kCorrupt;
    if (x == kNone) return Result::kMiss;
    std::memcpy(&eh, e.blk(x), sizeof eh);
    if (now > eh.expiry) {
      e.begin_change();
      e.remove_entry(x, b, pred);
      if (e.bad) return Result::kCorrupt;
      e.end_change();
      e.counters().expired_removed++;
      return Result::kExpired;
    }
    const int level = Engine::level_of_meta(eh.meta);
    if (eh.der_len == 0 || eh.der_len > kMaxDer || blocks_for(level, eh.der_len) > e.nblocks()) {
      e.bad = true;
      return Result::kCorrupt;
    }
    if (eh.der_len > out_cap) {
      *out_len = eh.der_len;
      return Result::kBufferTooSmall;
    }
    if (!e.read_der(x, level, eh.der_len, out)) return Result::kCorrupt;
    found = x;
    return Result::kOk;
  });
  if (r == Result::kOk) {
    // Verified after the lock is released: the bytes are our private copy of
    // what the segment held. The key matched the caller's, so the caller's
    // key bytes are what the checksum covers.
    uint32_t sum = entry_checksum(lay_.seed, eh.expiry, eh.der_len, eh.id_len, Engine::level_of_meta(eh.meta),
                                  key.id, key.ctx, key.ctx_len, out);
    if (sum != eh.checksum) {
      // Damaged in the segment: if the entry is still there, rebuild (which
      // drops it, counted in corrupt_dropped).
      locked(false, [&](Engine& e) -> Result {
        uint32_t pred;
        if (e.find(key, b, &pred) == found && !e.bad &&
            load32(e.blk(found) + offsetof(EntryHead, checksum)) == eh.checksum)
          e.bad = true;
        return Result::kCorrupt;
      });
      r = Result::kCorrupt;
    }
  }
  if (r == Result::kOk) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    *out_len = eh.der_len;
  } else if (r != Result::kBufferTooSmall) {
    misses_.fetch_add(1, std::memory_order_relaxed);
  }
  return r;
}

void Cache::prefetch_bucket(uint32_t b) const {
#if defined(__GNUC__)
  // Warm the bucket and its first entry before taking the lock, so the
  // critical section waits on fewer cache misses. The unlocked read is only
  // a hint: nothing but a prefetch uses it.
  const unsigned char* bp = map_.base + lay_.buckets_off + 4 * static_cast<size_t>(b);
  uint32_t first = __atomic_load_n(reinterpret_cast<const uint32_t*>(bp), __ATOMIC_RELAXED);
  if (first < lay_.nblocks) {
    const unsigned char* p = map_.base + lay_.blocks_off + static_cast<size_t>(first) * kBlockBytes;
    // Block 0 and, as blocks are handed out in ascending order, usually the
    // three after it: a 158-byte session's four.
    for (uint32_t i = 0; i < 4 && first + i < lay_.nblocks; i++) __builtin_prefetch(p + i * kBlockBytes);
  }
#else
  (void)b;
#endif
}

Result Cache::remove(const KeyRef& key_in) {
  KeyRef key = key_in;
  if (!key_ok(&key)) return Result::kInvalidArgument;
  const uint64_t h = key_hash(lay_.seed, key.ctx, key.ctx_len, key.id, key.id_len);
  const uint32_t b = bucket_of(h, lay_.nbuckets);
  return locked(true, [&](Engine& e) -> Result {
    uint32_t pred;
    uint32_t x = e.find(key, b, &pred);
    if (e.bad) return Result::kCorrupt;
    if (x == kNone) return Result::kMiss;
    e.begin_change();
    e.remove_entry(x, b, pred);
    if (e.bad) return Result::kCorrupt;
    e.end_change();
    e.counters().removes++;
    return Result::kOk;
  });
}

Result Cache::flush_expired(int64_t now, uint32_t* removed) {
  uint32_t n = 0;
  Result r = locked(true, [&](Engine& e) -> Result {
    State& st = e.state();
    e.begin_change();
    while (st.head[0] != kNone) {
      uint32_t f = st.head[0];
      if (!e.in_range(f)) return Result::kCorrupt;
      if (!(now > e.expiry(f))) break;
      e.remove_front(now);
      if (e.bad) return Result::kCorrupt;
      e.counters().expired_removed++;
      n++;
    }
    e.end_change();
    return Result::kOk;
  });
  if (removed) *removed = n;
  return r;
}

Result Cache::stats(Stats* out) {
  Stats s;
  Result r = locked(false, [&](Engine& e) -> Result {
    const State& st = e.state();
    s.total_bytes = lay_.total_bytes;
    s.blocks_total = lay_.nblocks;
    s.blocks_used = lay_.nblocks - st.free_blocks;
    s.bytes_used = uint64_t{s.blocks_used} * kBlockBytes;
    s.entries = st.count;
    for (uint32_t i = 0; i < kCtxSlots; i++) s.contexts += e.ctx(i).refs > 0;
    s.counters = e.counters();
    return Result::kOk;
  });
  s.lock_timeouts = lock_timeouts_.load(std::memory_order_relaxed);
  s.lookups = lookups_.load(std::memory_order_relaxed);
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  *out = s;
  return r;
}

Result Cache::check(std::string* why) {
  return locked(false, [&](Engine& e) -> Result { return e.check(why) ? Result::kOk : Result::kCorrupt; });
}

Result Cache::force_rebuild() {
  unsigned char* lock = reinterpret_cast<Header*>(map_.base)->lock;
  return locked(false, [&](Engine& e) -> Result {
    e.rebuild(lock);
    return Result::kOk;
  });
}

Result Cache::dump(std::vector<DumpEntry>* out) {
  out->clear();
  return locked(false, [&](Engine& e) -> Result {
    uint32_t x = e.state().head[0];
    for (uint32_t steps = 0; x != kNone; steps++) {
      if (!e.in_range(x) || steps > e.nblocks()) return Result::kCorrupt;
      EntryHead eh;
      std::memcpy(&eh, e.blk(x), sizeof eh);
      const CtxSlot& c = e.ctx(Engine::slot_of_meta(eh.meta));
      int level = Engine::level_of_meta(eh.meta);
      if (eh.id_len > kMaxIdLength || c.len > kMaxCtxLength || eh.der_len > kMaxDer) return Result::kCorrupt;
      DumpEntry d;
      d.ctx.assign(c.bytes, c.bytes + c.len);
      d.id.assign(eh.id, eh.id + eh.id_len);
      d.der.resize(eh.der_len);
      d.expiry = eh.expiry;
      d.level = level;
      d.blocks = blocks_for(level, eh.der_len);
      d.index = x;
      if (!e.read_der(x, level, eh.der_len, d.der.data())) return Result::kCorrupt;
      out->push_back(std::move(d));
      x = eh.next0;
    }
    return Result::kOk;
  });
}

}  // namespace shm
}  // namespace osc
