// The operating-system side of a shared-memory segment: named POSIX shared
// memory (shm_open + ftruncate + mmap(MAP_SHARED)), process ids, randomness.
// Windows compiles to functions that return kNotSupported.
#pragma once

#include <cstddef>
#include <cstdint>

#include "shm_result.h"

namespace osc {
namespace shm {

struct Mapping {
  unsigned char* base = nullptr;
  size_t bytes = 0;
};

// A name we accept: '/' then 1..30 of [A-Za-z0-9._-] (portable to macOS's
// 31-character limit, no further '/').
bool valid_name(const char* name);

// Fills name (kNameMax + 1 bytes) with "/osc-" and 16 random hex digits.
bool random_name(char* name);

// Creates the object with O_CREAT | O_EXCL and mode 0600 (so nobody else
// can have created or opened it first), sizes it and maps it read-write.
// kExists when the name is taken. The new memory reads as zeros.
Result os_create(const char* name, size_t bytes, Mapping* out);

// Opens an existing object and maps all of it, after checking that it is
// owned by expect_uid and grants nothing to group or others; *out->bytes is
// the object's size (validate the contents before trusting any of them).
Result os_attach(const char* name, uint32_t expect_uid, Mapping* out);

void os_unmap(Mapping* m);
Result os_unlink(const char* name);

uint32_t os_euid();
uint32_t os_pid();
// false only when the process certainly does not exist (ESRCH). A zombie
// (dead, not yet reaped) counts as alive.
bool os_process_alive(uint32_t pid);
// Monotonic milliseconds, comparable across processes of one machine.
uint64_t os_now_ms();
// Lets another thread or process run (spin back-off).
void os_yield();
void os_sleep_us(unsigned us);

}  // namespace shm
}  // namespace osc
