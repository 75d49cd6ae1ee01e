#include "runtime.h"

#include <cstdlib>
#include <ctime>

#ifdef _WIN32
#include <malloc.h>
#else
#include <sys/mman.h>
#endif

#include "object.h"

// Freed session slots are poisoned under AddressSanitizer, so a use after
// free in the core is reported even though the memory stays in the pool.
#if defined(__SANITIZE_ADDRESS__)
#define OSC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OSC_ASAN 1
#endif
#endif
#ifdef OSC_ASAN
#include <sanitizer/asan_interface.h>
#define OSC_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define OSC_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define OSC_POISON(p, n) ((void)(p), (void)(n))
#define OSC_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace osc {

std::atomic<long> g_allocated_objects{0};

int64_t wall_clock(void*) { return static_cast<int64_t>(time(nullptr)); }

bool ExData::set(int idx, void* value) {
  if (idx < 0) return false;
  const int count = this->count();
  if (idx >= count) {
    if (value == nullptr) return true;  // unset slots already read as null
    int n = idx + 1;
    void** grown = static_cast<void**>(core_realloc(block, sizeof(void*) * (static_cast<size_t>(n) + 1)));
    if (grown == nullptr) return false;
    for (int i = count; i < n; i++) grown[i + 1] = nullptr;
    grown[0] = reinterpret_cast<void*>(static_cast<intptr_t>(n));
    block = grown;
  }
  block[idx + 1] = value;
  return true;
}

void ExData::clear_storage() {
  core_free(block);
  block = nullptr;
}

// ------------------------------------------------------------ session pool

static_assert(kSessionSlotBytes % 64 == 0, "every slot keeps the phase");
static_assert(kSessionSlotPhase + SessionPool::kSlotsPerChunk * kSessionSlotBytes + 152 <=
                  SessionPool::kChunkBytes,
              "the footer fits after the last slot");

namespace {

// A block of `bytes` (a power of two) aligned to its size. Straight from
// mmap on POSIX, trimmed to the alignment: no allocator header, and the
// memory goes back to the system when the chunk is unmapped.
void* aligned_chunk(size_t bytes) {
  if (!allocation_allowed()) return nullptr;
#ifdef _WIN32
  return _aligned_malloc(bytes, bytes);
#else
  void* m = mmap(nullptr, 2 * bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  const uintptr_t a = reinterpret_cast<uintptr_t>(m);
  const uintptr_t aligned = (a + bytes - 1) & ~(bytes - 1);
  if (aligned > a) munmap(m, aligned - a);
  const uintptr_t end = a + 2 * bytes;
  if (end > aligned + bytes) munmap(reinterpret_cast<void*>(aligned + bytes), end - (aligned + bytes));
  return reinterpret_cast<void*>(aligned);
#endif
}

void free_chunk(void* p, size_t bytes) {
  // The address range may be mapped again by anyone: it must not stay poisoned.
  OSC_UNPOISON(p, bytes);
#ifdef _WIN32
  (void)bytes;
  _aligned_free(p);
#else
  munmap(p, bytes);
#endif
}

}  // namespace

SessionPool::Chunk* SessionPool::chunk_of(const void* p) {
  const uintptr_t base = reinterpret_cast<uintptr_t>(p) & ~(kChunkBytes - 1);
  return reinterpret_cast<Chunk*>(base + kSessionSlotPhase + kSlotsPerChunk * kSessionSlotBytes);
}

void SessionPool::link_room(Chunk* c) {
  c->prev_room = nullptr;
  c->next_room = room_;
  if (room_) room_->prev_room = c;
  room_ = c;
}

void SessionPool::unlink_room(Chunk* c) {
  if (c->prev_room)
    c->prev_room->next_room = c->next_room;
  else
    room_ = c->next_room;
  if (c->next_room) c->next_room->prev_room = c->prev_room;
  c->next_room = c->prev_room = nullptr;
}

SessionPool::Chunk* SessionPool::map_chunk() noexcept {
  Chunk* c = spare_;
  if (c != nullptr) {
    spare_ = c->next_all;
    spares_--;
  } else {
    void* base = aligned_chunk(kChunkBytes);
    if (base == nullptr) return nullptr;
    if ((static_cast<uint64_t>(reinterpret_cast<uintptr_t>(base)) + kChunkBytes - 1) >> 48 != 0) {
      // The session table stores 48-bit pointers. No system we build for
      // maps user memory there unless asked to; if one does, it counts as
      // memory we could not get.
      free_chunk(base, kChunkBytes);
      return nullptr;
    }
    OSC_POISON(static_cast<uint8_t*>(base) + kSessionSlotPhase, kSlotsPerChunk * kSessionSlotBytes);
    c = chunk_of(base);
    mapped_++;
  }
  *c = Chunk{};
  c->next_all = all_;
  if (all_) all_->prev_all = c;
  all_ = c;
  link_room(c);
  return c;
}

void SessionPool::unmap_chunk(Chunk* c) noexcept {
  unlink_room(c);
  if (c->prev_all)
    c->prev_all->next_all = c->next_all;
  else
    all_ = c->next_all;
  if (c->next_all) c->next_all->prev_all = c->prev_all;
  if (spares_ < kMaxSpare) {
    c->next_all = spare_;
    spare_ = c;
    spares_++;
    return;
  }
  free_chunk(base_of(c), kChunkBytes);
  mapped_--;
}

void* SessionPool::allocate() noexcept {
  Chunk* c = room_;
  if (c == nullptr && (c = map_chunk()) == nullptr) return nullptr;
  void* p;
  uint32_t i;
  if (c->free != nullptr) {
    p = c->free;
    OSC_UNPOISON(p, sizeof(void*));
    c->free = *static_cast<void**>(p);
    i = static_cast<uint32_t>((static_cast<uint8_t*>(p) - base_of(c) - kSessionSlotPhase) /
                              kSessionSlotBytes);
  } else {
    i = c->bumped++;
    p = slot_at(c, i);
  }
  OSC_UNPOISON(p, kSessionSlotBytes);
  c->used[i / 64] |= uint64_t{1} << (i % 64);
  if (++c->live == kSlotsPerChunk) unlink_room(c);
  return p;
}

void SessionPool::release(void* p) noexcept {
  Chunk* c = chunk_of(p);
  const uint32_t i =
      static_cast<uint32_t>((static_cast<uint8_t*>(p) - base_of(c) - kSessionSlotPhase) / kSessionSlotBytes);
  c->used[i / 64] &= ~(uint64_t{1} << (i % 64));
  if (c->live-- == kSlotsPerChunk) link_room(c);
  if (c->live == 0) {
    OSC_POISON(p, kSessionSlotBytes);
    unmap_chunk(c);
    return;
  }
  *static_cast<void**>(p) = c->free;
  c->free = p;
  OSC_POISON(p, kSessionSlotBytes);
}

SessionPool::~SessionPool() {
  for (Chunk* c = all_; c != nullptr;) {
    Chunk* next = c->next_all;
    free_chunk(base_of(c), kChunkBytes);
    c = next;
  }
  for (Chunk* c = spare_; c != nullptr;) {
    Chunk* next = c->next_all;
    free_chunk(base_of(c), kChunkBytes);
    c = next;
  }
}

// ------------------------------------------------------------ handle table

HandleTable::~HandleTable() { core_free(slots_); }

uint32_t HandleTable::slot_for(Object* o) noexcept {
  if (o->handle_slot != 0) return o->handle_slot;
  uint32_t i = free_;
  if (i != 0) {
    free_ = slots_[i].next_free;
  } else {
    if (count_ == capacity_) {
      uint32_t cap = capacity_ == 0 ? 64 : capacity_ * 2;
      if (cap <= capacity_) return 0;  // 2^32 slots: no more
      Slot* grown = static_cast<Slot*>(core_realloc(slots_, sizeof(Slot) * cap));
      if (grown == nullptr) return 0;
      slots_ = grown;
      capacity_ = cap;
      if (count_ == 0) {
        slots_[0] = Slot{nullptr, 0, 0};  // never used
        count_ = 1;
      }
    }
    i = count_++;
    slots_[i].generation = 1;
  }
  slots_[i].object = o;
  slots_[i].next_free = 0;
  o->handle_slot = i;
  return i;
}

void* HandleTable::release(Object* o) noexcept {
  void* ref = o->handle_ref;
  o->handle_ref = nullptr;
  const uint32_t i = o->handle_slot;
  if (i == 0) return ref;
  o->handle_slot = 0;
  Slot& s = slots_[i];
  s.object = nullptr;
  // A slot whose generation would wrap is retired, so no handle can ever
  // name two objects.
  if (++s.generation != 0) {
    s.next_free = free_;
    free_ = i;
  }
  return ref;
}

// ------------------------------------------------------------ runtime

Runtime::Runtime() {
  // Index 0 of every class is reserved for app_data, as in OpenSSL.
  for (auto& v : ex_) v.push_back(ExIndex{0, nullptr, nullptr, nullptr, nullptr});
}

int Runtime::new_ex_index(Kind kind, long argl, void* argp, ExNewFn n, ExDupFn d, ExFreeFn f) noexcept {
  auto& v = ex_[static_cast<int>(kind)];
  if (v.size() >= static_cast<size_t>(INT32_MAX) || !allocation_allowed()) return -1;
  try {
    v.push_back(ExIndex{argl, argp, n, d, f});
  } catch (...) {
    return -1;
  }
  return static_cast<int>(v.size() - 1);
}

void* Object::operator new(size_t n) noexcept {
  // Contexts and connections: the teardown list's links sit just before the
  // object (16 bytes, keeping malloc's alignment).
  void* p = core_malloc(n + sizeof(Runtime::LiveLinks));
  return p == nullptr ? nullptr : static_cast<uint8_t*>(p) + sizeof(Runtime::LiveLinks);
}

void Object::operator delete(void* p) {
  if (p != nullptr) core_free(static_cast<uint8_t*>(p) - sizeof(Runtime::LiveLinks));
}

Object::Object(Runtime* r, Kind k) : rt(r), kind(k) {
  if (k != Kind::Session) {
    Runtime::LiveLinks* l = links_of(this);
    l->prev = nullptr;
    l->next = rt->others;
    if (l->next) l->next->prev = l;
    rt->others = l;
  }
  rt->live_count++;
  g_allocated_objects.fetch_add(1, std::memory_order_relaxed);
}

Object::~Object() {
  if (kind != Kind::Session) {
    Runtime::LiveLinks* l = links_of(this);
    if (l->prev)
      l->prev->next = l->next;
    else
      rt->others = l->next;
    if (l->next) l->next->prev = l->prev;
  }
  rt->live_count--;
  ex.clear_storage();
  g_allocated_objects.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace osc
