// The runtime: what one user of the core shares between its objects (the
// clock, the ex_data index registries, the list of live objects). The addon
// makes one per Node environment (main thread or worker); a C++ benchmark
// makes its own. Process-wide state outside it: the per-thread error queue
// (error_queue.cc) and the count of allocated objects (g_allocated_objects,
// read by debugLiveObjects); the cipher table is constant. The addon keeps
// its own process-wide map of each environment's cipher handles
// (native/cipher_api.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

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
using ExDupFn = int (*)(ExData* to, const ExData* from, void** from_d, int idx, long argl,
                        void* argp);

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
  bool set(int idx, void* value);  // false only for a negative index
  void clear_storage();
};

// Fixed-size slots for Session objects, carved from large chunks, with a free
// list: no malloc header per session, no list links, cheap new/free. The
// slots sit at 32 mod 64 so that a session's hot fields (reference count,
// hash chain link, hash and key: offsets 32..95) share one cache line.
// Chunks are kept until the runtime goes (a slab cache).
constexpr size_t kSessionSlotBytes = 320;
constexpr size_t kSessionSlotPhase = 32;  // slot address mod 64
// A free slot holds the next free slot at offset 0 and this byte at
// kFreeMarkOffset (where a live object keeps its Kind; see object.cc).
constexpr uint8_t kFreeMark = 0xFF;
constexpr size_t kFreeMarkOffset = 36;

class SessionPool {
 public:
  SessionPool() = default;
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  void* allocate() {  // throws std::bad_alloc, as operator new
    if (free_ != nullptr) {
      void* p = free_;
      free_ = *static_cast<void**>(p);
      return p;
    }
    if (bump_ == bump_end_) grow();
    void* p = bump_;
    bump_ += kSessionSlotBytes;
    return p;
  }
  void release(void* p) {
    *static_cast<void**>(p) = free_;
    static_cast<uint8_t*>(p)[kFreeMarkOffset] = kFreeMark;
    free_ = p;
  }
  // True when p is the start of a slot of this pool that was handed out (live
  // or released since): decided from the address alone, without reading *p,
  // so any pointer may be asked about.
  bool owns_slot(const void* p) const {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    const uintptr_t base = a & ~(kChunkBytes - 1);
    const uintptr_t off = a - base;
    if (off < kSessionSlotPhase || (off - kSessionSlotPhase) % kSessionSlotBytes != 0) return false;
    if (off - kSessionSlotPhase >= kSlotsPerChunk * kSessionSlotBytes) return false;
    if (index_.empty()) return false;
    const size_t mask = index_.size() - 1;
    for (size_t i = index_slot(base, mask);; i = (i + 1) & mask) {
      const uintptr_t e = index_[i];
      if (e == 0) return false;
      if (e == base) return base != last_base_ || a < reinterpret_cast<uintptr_t>(bump_);
    }
  }

  static constexpr size_t kChunkBytes = 256 * 1024;  // chunks are aligned to their size
  static constexpr size_t kSlotsPerChunk = (kChunkBytes - kSessionSlotPhase) / kSessionSlotBytes;

  // Calls f(slot) for every slot handed out and not released.
  template <typename F>
  void for_each_allocated(F f) const {
    for (size_t c = 0; c < chunks_.size(); c++) {
      uint8_t* p = chunks_[c].first;
      uint8_t* end = c + 1 == chunks_.size() ? bump_ : chunks_[c].end;
      for (; p < end; p += kSessionSlotBytes) {
        if (p[kFreeMarkOffset] != kFreeMark) f(static_cast<void*>(p));
      }
    }
  }

 private:
  struct Chunk {
    void* base;      // aligned to kChunkBytes
    uint8_t* first;  // the first slot
    uint8_t* end;    // past the last whole slot
  };
  void grow();
  static size_t index_slot(uintptr_t base, size_t mask) {
    return static_cast<size_t>(((base / kChunkBytes) * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
  }
  void index_add(uintptr_t base);

  void* free_ = nullptr;
  uint8_t* bump_ = nullptr;
  uint8_t* bump_end_ = nullptr;
  std::vector<Chunk> chunks_;
  // Open-addressing set of chunk bases (0 = empty), for owns_slot.
  std::vector<uintptr_t> index_;
  uintptr_t last_base_ = 0;  // the chunk bump_ carves from
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

  // CRYPTO_get_ex_new_index for one class; returns the new index (>= 1).
  int new_ex_index(Kind kind, long argl, void* argp, ExNewFn n, ExDupFn d, ExFreeFn f);
  const std::vector<ExIndex>& ex_indexes(Kind kind) const { return ex_[static_cast<int>(kind)]; }

  // Releases a value the core stores for its user without knowing what it
  // is: ex_data values (after the free callbacks ran) and callback
  // arguments, when their object is destroyed. The addon keeps JS references
  // there. May be null.
  void (*release_value)(void* value, void* arg) = nullptr;
  void* release_arg = nullptr;

  // Bytes the default session-id generator hands out instead of random ones,
  // cyclically (for tests that force id clashes); empty means random.
  std::vector<uint8_t> test_random;
  size_t test_random_pos = 0;

  // The embedder's own state (the addon's per-environment instance).
  void* embedder = nullptr;

  // While true, the core calls no callbacks (new/remove/get, ex_data); set
  // during teardown, when calling into JS is no longer allowed.
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

 private:
  std::vector<ExIndex> ex_[kKindCount];
};

}  // namespace osc
