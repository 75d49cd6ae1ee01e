#include "system_random.h"

#include <cstdint>
#include <random>

#if defined(__linux__)
#include <errno.h>
#include <sys/random.h>
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
#include <stdlib.h>
#define OSC_HAVE_ARC4RANDOM 1
#endif

namespace osc {

bool system_random(void* out, size_t n) {
  uint8_t* p = static_cast<uint8_t*>(out);
#if defined(__linux__)
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    p += got;
    n -= static_cast<size_t>(got);
  }
  if (n == 0) return true;
#elif defined(OSC_HAVE_ARC4RANDOM)
  arc4random_buf(p, n);
  return true;
#endif
  try {
    std::random_device rd;
    while (n > 0) {
      unsigned v = rd();
      for (size_t i = 0; i < sizeof v && n > 0; i++, n--) *p++ = static_cast<uint8_t>(v >> (8 * i));
    }
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace osc
