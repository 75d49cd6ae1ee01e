// The operating system's random source, for what must not be predictable:
// default session ids, the session table's hash seed, shared-memory names.
#pragma once

#include <cstddef>

namespace osc {

// Fills n bytes from getrandom (Linux), arc4random_buf (macOS and the BSDs)
// or std::random_device (elsewhere: MSVC's draws from rand_s). false when
// the source failed; out is then not usable.
bool system_random(void* out, size_t n);

}  // namespace osc
