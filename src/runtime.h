// The runtime: what one user of the core shares between its objects (the
// clock, the ex_data index registries, the list of live objects). The addon
// makes one per Node environment (main thread or worker); a C++ benchmark
// makes its own. There is no global state besides the per-thread error queue.
#pragma once

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
struct ExData {
  void** slots = nullptr;
  int count = 0;

  void* get(int idx) const { return idx >= 0 && idx < count ? slots[idx] : nullptr; }
  bool set(int idx, void* value);  // false only for a negative index
  void clear_storage();
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

  // Every object not yet released, so teardown can free them all.
  Object* live = nullptr;
  size_t live_count = 0;

 private:
  std::vector<ExIndex> ex_[kKindCount];
};

}  // namespace osc
