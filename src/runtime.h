// The runtime: what one user of the core shares between its objects (the
// clock, the ex_data index registries, the session pool, the handle table,
// the list of live objects, the callout gate). The addon makes one per Node
// environment (main thread or worker); a C++ benchmark or test makes its own.
// Beside the runtimes, the core keeps per-thread state (the error queue,
// error_queue.h; the allocation-failure test hook, alloc.h) and one
// process-wide counter of allocated objects (g_allocated_objects, for leak
// tests); the cipher table is constant.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "alloc.h"
#include "common.h"

namespace osc {

struct Object;
struct ExData;

// Which OpenSSL class an object or an ex_data index belongs to
// (CRYPTO_EX_INDEX_SSL, _SSL_CTX, _SSL_SESSION).
enum class Kind : uint8_t { Connection = 0, Context = 1, Session = 2 };
constexpr int kKindCount = 3;

// ex_data callbacks, with OpenSSL's CRYPTO_EX_new/dup/free shapes; `parent`
// is the Object the slot belongs to.
using ExNewFn = void (*)(Object* parent, void* ptr, ExData* ad, int idx, long argl, void* argp);
using ExFreeFn = void (*)(Object* parent, void* ptr, ExData* ad, int idx, long argl, void* argp);
using ExDupFn = int (*)(ExData* to, const ExData* from, void** from_d, int idx, long argl, void* argp);

struct ExIndex {
  long argl;
  void* argp;
  ExNewFn new_fn;
  ExDupFn dup_fn;
  ExFreeFn free_fn;
};

// Per-object ex_data slots. Index 0 is app_data, as in OpenSSL.
// One pointer per object (most objects have no ex_data): a heap block whose
// first word holds the slot count, followed by the slots.
struct ExData {
  void** block = nullptr;

  int count() const { return block ? static_cast<int>(reinterpret_cast<intptr_t>(block[0])) : 0; }
  void** slots() const { return block ? block + 1 : nullptr; }
  void* get(int idx) const { return idx >= 0 && idx < count() ? block[idx + 1] : nullptr; }
  bool set(int idx, void* value);  // false for a negative index or out of memory
  void clear_storage();
};

// Fixed-size slots for Session objects, carved from 256 KiB chunks aligned to
// their size: no malloc header per session, cheap new/free. The slots sit at
// 32 mod 64 so that a session's hot fields (reference count and flags, hash
// chain link, hash and key: object offsets 32..95) share one cache line.
// Each chunk keeps its own free list and count of live slots in a footer; a
// chunk whose last slot is freed goes back to the system, beyond a few empty
// chunks kept (1 MiB) so that a cache hovering at a chunk boundary, or a
// loop making and freeing batches, does not map and unmap. Every slot lies
// below 2^48 (the session table stores 48-bit pointers).
constexpr size_t kSessionSlotBytes = 320;
constexpr size_t kSessionSlotPhase = 32;  // slot address mod 64

class SessionPool {
 public:
  SessionPool() = default;
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  void* allocate() noexcept;  // null when memory ran out
  void release(void* p) noexcept;

  // Calls f(slot) for every slot handed out and not released.
  template <typename F>
  void for_each_allocated(F f) const {
    for (Chunk* c = all_; c != nullptr;) {
      Chunk* next = c->next_all;  // f may release the chunk's last slot
      for (uint32_t i = 0; i < c->bumped; i++) {
        if (c->used[i / 64] & (uint64_t{1} << (i % 64))) f(slot_at(c, i));
      }
      c = next;
    }
  }
  size_t chunks_mapped() const { return mapped_; }

  static constexpr size_t kChunkBytes = 256 * 1024;
  static constexpr uint32_t kSlotsPerChunk = 818;

 private:
  // The footer of a chunk: after its last slot.
  struct Chunk {
    Chunk* next_all;
    Chunk* prev_all;
    Chunk* next_room;  // chunks with a free slot
    Chunk* prev_room;
    void* free;  // released slots, linked through their first word
    uint32_t live;
    uint32_t bumped;  // slots handed out from the start, never beyond
    uint64_t used[(kSlotsPerChunk + 63) / 64];
  };
  static uint8_t* base_of(const Chunk* c) {
    return reinterpret_cast<uint8_t*>(const_cast<Chunk*>(c)) - kSessionSlotPhase -
           kSlotsPerChunk * kSessionSlotBytes;
  }
  static void* slot_at(const Chunk* c, uint32_t i) {
    return base_of(c) + kSessionSlotPhase + i * kSessionSlotBytes;
  }
  static Chunk* chunk_of(const void* p);
  Chunk* map_chunk() noexcept;
  void unmap_chunk(Chunk* c) noexcept;
  void link_room(Chunk* c);
  void unlink_room(Chunk* c);

  Chunk* all_ = nullptr;
  Chunk* room_ = nullptr;
  static constexpr size_t kMaxSpare = 4;
  Chunk* spare_ = nullptr;  // empty chunks kept mapped, linked through next_all
  size_t spares_ = 0;
  size_t mapped_ = 0;
};

// The slots JS handles name (see object.h): a handle carries a slot index and
// the slot's generation; the slot names the object while it lives. When the
// object is destroyed the generation moves on and the slot is reused, so the
// table is bounded by the objects alive at once, and an old handle is seen
// to be stale. The embedder's reference to the JS handle lives in the object
// (Object::handle_ref) and is released with it through
// Runtime::release_value.
class HandleTable {
 public:
  struct Slot {
    Object* object;  // null when free
    uint32_t generation;
    uint32_t next_free;
  };
  HandleTable() = default;
  ~HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // The slot naming o (made on first use); 0 when memory ran out.
  uint32_t slot_for(Object* o) noexcept;
  Slot& at(uint32_t i) { return slots_[i]; }
  // The live object a (slot, generation) names, of any kind; null when the
  // slot does not exist. *stale is set when the slot exists but has moved
  // on to another generation (its object was destroyed).
  Object* resolve(uint64_t slot, uint64_t generation, bool* stale) const {
    *stale = false;
    if (slot == 0 || slot >= count_) return nullptr;
    const Slot& s = slots_[slot];
    if (s.generation != generation || s.object == nullptr) {
      *stale = true;
      return nullptr;
    }
    return s.object;
  }
  // At destruction: frees o's slot (its generation moves on) and returns the
  // embedder's reference to release (o->handle_ref, cleared), or null.
  void* release(Object* o) noexcept;

 private:
  Slot* slots_ = nullptr;  // slot 0 is never used: 0 means "no slot"
  uint32_t count_ = 0;
  uint32_t capacity_ = 0;
  uint32_t free_ = 0;
};

// A clock returning whole seconds, as OpenSSL's time(NULL).
using ClockFn = int64_t (*)(void* arg);
int64_t wall_clock(void*);

struct Runtime {
  Runtime();
  ~Runtime();  // destroys every live object without calling out (see teardown)
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  int64_t now() const { return clock(clock_arg); }
  ClockFn clock = wall_clock;
  void* clock_arg = nullptr;

  // CRYPTO_get_ex_new_index for one class; returns the new index (>= 1), or
  // -1 when memory ran out.
  int new_ex_index(Kind kind, long argl, void* argp, ExNewFn n, ExDupFn d, ExFreeFn f) noexcept;
  const std::vector<ExIndex>& ex_indexes(Kind kind) const { return ex_[static_cast<int>(kind)]; }
  // Whether idx is app_data (0) or an index registered for the class.
  bool ex_index_registered(Kind kind, long idx) const {
    return idx >= 0 && static_cast<size_t>(idx) < ex_[static_cast<int>(kind)].size();
  }

  // Releases a value the core stores for its user without knowing what it
  // is: ex_data values (after the free callbacks ran), callback arguments
  // when their object is destroyed, handle references. The addon keeps JS
  // references there. May be null.
  void (*release_value)(void* value, void* arg) = nullptr;
  void* release_arg = nullptr;
  void release(void* value) const {
    if (value != nullptr && release_value != nullptr) release_value(value, release_arg);
  }

  // Bytes the default session-id generator hands out instead of random ones,
  // cyclically (for tests that force id clashes); empty means random.
  std::vector<uint8_t> test_random;
  size_t test_random_pos = 0;

  // The embedder's own state (the addon's per-environment instance).
  void* embedder = nullptr;

  // The callout gate: the core calls user callbacks (new/remove/get,
  // generate-session-id, ex_data) only through callout.h, and only while a
  // CalloutScope is open on the runtime, so an embedder that can receive an
  // exception from a callback is always there to take it. A callout attempted
  // with no scope open is skipped (the callback counts as absent) and
  // counted in stray_callouts, which tests keep at zero.
  bool may_call_out() const { return !silent && open_scopes > 0; }
  int open_scopes = 0;
  long stray_callouts = 0;
  // While true, nothing calls out (teardown, when calling into JS is no
  // longer allowed).
  bool silent = false;

  // Every object not yet released, so teardown can free them all: sessions
  // in their pool, contexts and connections on a list (see object.h).
  SessionPool sessions;
  struct LiveLinks {
    LiveLinks* prev;
    LiveLinks* next;
  };
  LiveLinks* others = nullptr;
  size_t live_count = 0;
  HandleTable handles;

 private:
  std::vector<ExIndex> ex_[kKindCount];
};

// The gate every callout passes: true when the core may call user code now.
inline bool callout_allowed(Runtime* rt) {
  if (rt->may_call_out()) return true;
  if (!rt->silent) rt->stray_callouts++;
  return false;
}

// Opens the callout gate for the duration of a C++ scope (nests).
class CalloutScope {
 public:
  explicit CalloutScope(Runtime* rt) : rt_(rt) { rt_->open_scopes++; }
  ~CalloutScope() { rt_->open_scopes--; }
  CalloutScope(const CalloutScope&) = delete;
  CalloutScope& operator=(const CalloutScope&) = delete;

 private:
  Runtime* rt_;
};

}  // namespace osc
