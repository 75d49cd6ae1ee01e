#include "alloc.h"

#include <cstdlib>

namespace osc {
namespace {

// Per thread, as each Node environment runs on its own thread: a test in one
// worker cannot make another's allocations fail.
thread_local long t_countdown = 0;
thread_local long t_attempts = 0;

}  // namespace

bool allocation_allowed() noexcept {
  t_attempts++;
  if (t_countdown == 0) return true;
  return --t_countdown != 0;
}

void* core_malloc(size_t n) noexcept { return allocation_allowed() ? malloc(n == 0 ? 1 : n) : nullptr; }

void* core_calloc(size_t count, size_t size) noexcept {
  return allocation_allowed() ? calloc(count == 0 ? 1 : count, size == 0 ? 1 : size) : nullptr;
}

void* core_realloc(void* p, size_t n) noexcept {
  return allocation_allowed() ? realloc(p, n == 0 ? 1 : n) : nullptr;
}

void core_free(void* p) noexcept { free(p); }

long fail_allocation_after(long n) noexcept {
  long attempts = t_attempts;
  t_attempts = 0;
  t_countdown = n < 0 ? 0 : n;
  return attempts;
}

}  // namespace osc
