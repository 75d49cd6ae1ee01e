// Shared bits of the shared-memory store's test programs (test/shm/run.sh).
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../../src/shm_cache.h"
#include "../../src/shm_lock.h"

using Bytes = std::vector<uint8_t>;
namespace shm = osc::shm;

static int g_failures = 0;
#define CHECK(cond, ...)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      g_failures++;                                                          \
      if (g_failures < 30) {                                                 \
        std::fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
        std::fprintf(stderr, __VA_ARGS__);                                   \
        std::fprintf(stderr, "\n");                                          \
      }                                                                      \
    }                                                                        \
  } while (0)

inline const char* rn(shm::Result r) { return shm::result_name(r); }

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline shm::KeyRef key_of(const Bytes& ctx, const Bytes& id) {
  return shm::KeyRef{ctx.data(), ctx.size(), id.data(), id.size()};
}

inline int finish(const char* what) {
  if (g_failures) {
    std::fprintf(stderr, "%s: %d failure(s)\n", what, g_failures);
    return 1;
  }
  std::printf("%s: ok\n", what);
  return 0;
}
