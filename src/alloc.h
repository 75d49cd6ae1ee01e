// Allocation in the core. Every allocation the core makes goes through
// these functions, which return null instead of throwing: the caller then
// fails the OpenSSL way (0 or NULL, ERR_R_MALLOC_FAILURE on the error queue)
// and leaves every structure as it was. Tests make the n-th allocation fail
// (fail_allocation_after) to walk every such path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace osc {

// False when a test asked this allocation to fail; counts the attempt.
bool allocation_allowed() noexcept;
void* core_malloc(size_t n) noexcept;
void* core_calloc(size_t count, size_t size) noexcept;
void* core_realloc(void* p, size_t n) noexcept;
void core_free(void* p) noexcept;
// new (std::nothrow) T[n] with the failure hook.
template <typename T>
T* core_new_array(size_t n) noexcept {
  return allocation_allowed() ? new (std::nothrow) T[n] : nullptr;
}

// Test hook: the `n`-th allocation attempt from now on this thread fails
// (n >= 1; 0 turns failures off). Returns the attempts counted since the
// previous call, so a test can learn how many allocations an operation makes.
long fail_allocation_after(long n) noexcept;

}  // namespace osc
