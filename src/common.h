// Shared basics of the portable core: no Node headers anywhere under src/.
// Everything lives in namespace osc; the addon is built with hidden
// visibility so none of these names can interpose on the OpenSSL symbols
// Node exports into the same process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace osc {

constexpr int kMaxSessionIdLength = 32;     // SSL_MAX_SSL_SESSION_ID_LENGTH
constexpr int kMaxSidCtxLength = 32;        // SSL_MAX_SID_CTX_LENGTH
constexpr int kMaxMasterKeyLength = 48;     // SSL_MAX_MASTER_KEY_LENGTH
constexpr int kMaxStoredMasterKeyLength = 512;  // what SSL_SESSION_set1_master_key accepts
constexpr long kDefaultCacheSize = 1024 * 20;  // SSL_SESSION_CACHE_MAX_SIZE_DEFAULT
constexpr long kNewSessionTimeout = 304;    // what SSL_SESSION_new() sets

// Cache mode bits (SSL_SESS_CACHE_*).
constexpr long kCacheClient = 0x0001;
constexpr long kCacheServer = 0x0002;
constexpr long kCacheNoAutoClear = 0x0080;
constexpr long kCacheNoInternalLookup = 0x0100;
constexpr long kCacheNoInternalStore = 0x0200;
constexpr long kCacheUpdateTime = 0x0400;

// Wipes secrets in a way the optimiser may not drop (OPENSSL_cleanse).
inline void cleanse(void* p, size_t n) {
  volatile unsigned char* v = static_cast<volatile unsigned char*>(p);
  while (n--) *v++ = 0;
}

// A small vector with inline storage: collects the sessions an operation
// removed, so callbacks run after the structures are consistent, without a
// heap allocation in the usual case of a handful of victims.
template <typename T, size_t N>
class SmallVec {
 public:
  SmallVec() = default;
  SmallVec(const SmallVec&) = delete;
  SmallVec& operator=(const SmallVec&) = delete;
  ~SmallVec() {
    if (data_ != inline_) delete[] data_;
  }
  void push(T v) {
    if (size_ == cap_) grow();
    data_[size_++] = v;
  }
  size_t size() const { return size_; }
  T operator[](size_t i) const { return data_[i]; }

 private:
  void grow() {
    T* bigger = new T[cap_ * 2];
    for (size_t i = 0; i < size_; i++) bigger[i] = data_[i];
    if (data_ != inline_) delete[] data_;
    data_ = bigger;
    cap_ *= 2;
  }
  T inline_[N];
  T* data_ = inline_;
  size_t size_ = 0;
  size_t cap_ = N;
};

}  // namespace osc
