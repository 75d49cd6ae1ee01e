// Shared basics of the portable core: no Node headers anywhere under src/.
// Everything lives in namespace osc; the addon is built with hidden
// visibility so none of these names can interpose on the OpenSSL symbols
// Node exports into the same process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "alloc.h"

namespace osc {

constexpr int kMaxSessionIdLength = 32;         // SSL_MAX_SSL_SESSION_ID_LENGTH
constexpr int kMaxSidCtxLength = 32;            // SSL_MAX_SID_CTX_LENGTH
constexpr int kMaxMasterKeyLength = 48;         // SSL_MAX_MASTER_KEY_LENGTH
constexpr int kMaxStoredMasterKeyLength = 512;  // what SSL_SESSION_set1_master_key accepts
constexpr long kDefaultCacheSize = 1024 * 20;   // SSL_SESSION_CACHE_MAX_SIZE_DEFAULT
constexpr long kNewSessionTimeout = 304;        // what SSL_SESSION_new() sets

// Cache mode bits (SSL_SESS_CACHE_*).
constexpr long kCacheClient = 0x0001;
constexpr long kCacheServer = 0x0002;
constexpr long kCacheNoAutoClear = 0x0080;
constexpr long kCacheNoInternalLookup = 0x0100;
constexpr long kCacheNoInternalStore = 0x0200;
constexpr long kCacheUpdateTime = 0x0400;

// OPENSSL_cleanse: overwrites n bytes of secrets with zeros in a way the
// optimiser may not drop. GCC and Clang: memset, then a barrier that makes
// the bytes observable; MSVC (no inline asm on x64): volatile stores.
inline void secure_zero(void* p, size_t n) {
  if (n == 0) return;
#if defined(_MSC_VER) && !defined(__clang__)
  volatile unsigned char* v = static_cast<volatile unsigned char*>(p);
  while (n--) *v++ = 0;
#else
  memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
#endif
}

// A small vector with inline storage: collects the sessions an operation
// removed, so callbacks run after the structures are consistent, without a
// heap allocation in the usual case of a handful of victims. Move-only
// elements (Ref) are fine; push fails (false, v untouched) when growing
// would need memory that is not there.
template <typename T, size_t N>
class SmallVec {
 public:
  SmallVec() = default;
  SmallVec(const SmallVec&) = delete;
  SmallVec& operator=(const SmallVec&) = delete;
  ~SmallVec() {
    if (data_ != inline_) delete[] data_;
  }
  bool push(T&& v) {
    if (size_ == cap_ && !grow()) return false;
    data_[size_++] = static_cast<T&&>(v);
    return true;
  }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }

 private:
  bool grow() {
    T* bigger = core_new_array<T>(cap_ * 2);
    if (bigger == nullptr) return false;
    for (size_t i = 0; i < size_; i++) bigger[i] = static_cast<T&&>(data_[i]);
    if (data_ != inline_) delete[] data_;
    data_ = bigger;
    cap_ *= 2;
    return true;
  }
  T inline_[N];
  T* data_ = inline_;
  size_t size_ = 0;
  size_t cap_ = N;
};

}  // namespace osc
