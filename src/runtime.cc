#include "runtime.h"

#include <ctime>
#include <cstdlib>
#include <new>

#ifdef _WIN32
#include <malloc.h>
#else
#include <sys/mman.h>
#endif

#include "object.h"

namespace osc {

std::atomic<long> g_allocated_objects{0};

int64_t wall_clock(void*) { return static_cast<int64_t>(time(nullptr)); }

bool ExData::set(int idx, void* value) {
  if (idx < 0) return false;
  const int count = this->count();
  if (idx >= count) {
    if (value == nullptr) return true;  // unset slots already read as null
    int n = idx + 1;
    void** grown = static_cast<void**>(realloc(block, sizeof(void*) * (n + 1)));
    if (grown == nullptr) return false;
    for (int i = count; i < n; i++) grown[i + 1] = nullptr;
    grown[0] = reinterpret_cast<void*>(static_cast<intptr_t>(n));
    block = grown;
  }
  block[idx + 1] = value;
  return true;
}

void ExData::clear_storage() {
  free(block);
  block = nullptr;
}

namespace {

// A block of `bytes` (a power of two) aligned to its size. Straight from
// mmap on POSIX, trimmed to the alignment: no allocator header, so a chunk's
// resident memory is only the slots in use.
void* aligned_chunk(size_t bytes) {
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
#ifdef _WIN32
  _aligned_free(p);
#else
  munmap(p, bytes);
#endif
}

}  // namespace

void SessionPool::index_add(uintptr_t base) {
  if ((chunks_.size() + 1) * 2 > index_.size()) {  // keep the load at most 1/2
    std::vector<uintptr_t> grown(index_.empty() ? 16 : index_.size() * 2, 0);
    const size_t mask = grown.size() - 1;
    for (uintptr_t e : index_) {
      if (e == 0) continue;
      size_t i = index_slot(e, mask);
      while (grown[i] != 0) i = (i + 1) & mask;
      grown[i] = e;
    }
    index_.swap(grown);
  }
  const size_t mask = index_.size() - 1;
  size_t i = index_slot(base, mask);
  while (index_[i] != 0) i = (i + 1) & mask;
  index_[i] = base;
}

void SessionPool::grow() {
  void* base = aligned_chunk(kChunkBytes);
  if (base == nullptr) throw std::bad_alloc();
  uint8_t* first = static_cast<uint8_t*>(base) + kSessionSlotPhase;
  Chunk c{base, first, first + kSlotsPerChunk * kSessionSlotBytes};
  try {
    chunks_.reserve(chunks_.size() + 1);
    index_add(reinterpret_cast<uintptr_t>(base));
  } catch (...) {
    free_chunk(base, kChunkBytes);
    throw;
  }
  chunks_.push_back(c);
  bump_ = c.first;
  bump_end_ = c.end;
  last_base_ = reinterpret_cast<uintptr_t>(base);
}

SessionPool::~SessionPool() {
  for (const Chunk& c : chunks_) free_chunk(c.base, kChunkBytes);
}

Runtime::Runtime() {
  // Index 0 of every class is reserved for app_data, as in OpenSSL.
  for (auto& v : ex_) v.push_back(ExIndex{0, nullptr, nullptr, nullptr, nullptr});
}

int Runtime::new_ex_index(Kind kind, long argl, void* argp, ExNewFn n, ExDupFn d, ExFreeFn f) {
  auto& v = ex_[static_cast<int>(kind)];
  v.push_back(ExIndex{argl, argp, n, d, f});
  return static_cast<int>(v.size() - 1);
}

void* Object::operator new(size_t n) {
  // Contexts and connections: the teardown list's links sit just before the
  // object (16 bytes, keeping malloc's alignment).
  void* p = ::operator new(n + sizeof(Runtime::LiveLinks));
  return static_cast<uint8_t*>(p) + sizeof(Runtime::LiveLinks);
}

void Object::operator delete(void* p) {
  ::operator delete(static_cast<uint8_t*>(p) - sizeof(Runtime::LiveLinks));
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
    if (l->prev) l->prev->next = l->next;
    else rt->others = l->next;
    if (l->next) l->next->prev = l->prev;
  }
  rt->live_count--;
  ex.clear_storage();
  g_allocated_objects.fetch_sub(1, std::memory_order_relaxed);
}

void ex_data_new(Object* o) {
  if (o->rt->silent) return;
  const auto& idx = o->rt->ex_indexes(o->kind);
  for (size_t i = 1; i < idx.size(); i++) {
    if (idx[i].new_fn) idx[i].new_fn(o, nullptr, &o->ex, static_cast<int>(i), idx[i].argl, idx[i].argp);
  }
}

void ex_data_free(Object* o) {
  Runtime* rt = o->rt;
  if (!rt->silent) {
    // A free callback may register more indexes; index by position.
    for (size_t i = 1; i < rt->ex_indexes(o->kind).size(); i++) {
      const ExIndex& e = rt->ex_indexes(o->kind)[i];
      if (e.free_fn) e.free_fn(o, o->ex.get(static_cast<int>(i)), &o->ex, static_cast<int>(i), e.argl, e.argp);
    }
  }
  for (int i = 0; i < o->ex.count(); i++) {
    void** slots = o->ex.slots();
    void* v = slots[i];
    slots[i] = nullptr;
    if (v && rt->release_value) rt->release_value(v, rt->release_arg);
  }
  o->ex.clear_storage();
}

}  // namespace osc
