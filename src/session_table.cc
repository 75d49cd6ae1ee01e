#include "session_table.h"

#include <chrono>
#include <cstdlib>
#include <new>

#include "system_random.h"

namespace osc {
namespace {

constexpr size_t kMinBuckets = 16;

uint64_t mix(uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

Session** new_buckets(size_t n) {
  Session** b = static_cast<Session**>(calloc(n, sizeof(Session*)));
  if (b == nullptr) throw std::bad_alloc();
  return b;
}

}  // namespace

SessionTable::SessionTable() : buckets_(new_buckets(kMinBuckets)), mask_(kMinBuckets - 1) {
  // Clients choose the ids a server looks up: seed the hash per table so
  // colliding ids cannot be precomputed.
  seed_ =
      mix(reinterpret_cast<uintptr_t>(this) ^ static_cast<uint64_t>(rand()) << 17 ^ 0x9e3779b97f4a7c15ULL);
}

SessionTable::~SessionTable() { free(buckets_); }

uint32_t SessionTable::hash(int version, const uint8_t* id, unsigned len) const {
  uint64_t h = seed_ ^ (static_cast<uint64_t>(static_cast<uint32_t>(version)) << 8 | len);
  unsigned i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, id + i, 8);
    h = mix(h ^ w) * 0x9e3779b97f4a7c15ULL;
  }
  if (i < len) {
    uint64_t w = 0;
    memcpy(&w, id + i, len - i);
    h = mix(h ^ w) * 0x9e3779b97f4a7c15ULL;
  }
  return static_cast<uint32_t>(mix(h));
}

Session* SessionTable::find(int version, const uint8_t* id, unsigned len) const {
  uint32_t h = hash(version, id, len);
  for (Session* s = *slot_of(h); s != nullptr; s = s->hash_next) {
    if (s->hash == h && s->same_key(version, id, len)) return s;
  }
  return nullptr;
}

Session* SessionTable::insert(Session* s) {
  uint32_t h = hash(s->ssl_version, s->id, s->id_len);
  for (Session** p = slot_of(h); *p != nullptr; p = &(*p)->hash_next) {
    Session* e = *p;
    if (e->hash == h && e->same_key(s->ssl_version, s->id, s->id_len)) {
      if (e == s) return s;
      s->hash = h;
      s->hash_next = e->hash_next;
      e->hash_next = nullptr;
      *p = s;
      return e;
    }
  }
  s->hash = h;
  Session** slot = slot_of(h);
  s->hash_next = *slot;
  *slot = s;
  if (++size_ > mask_ + 1) resize((mask_ + 1) * 2);
  return nullptr;
}

void SessionTable::erase(Session* s) {
  for (Session** p = slot_of(s->hash); *p != nullptr; p = &(*p)->hash_next) {
    if (*p == s) {
      *p = s->hash_next;
      s->hash_next = nullptr;
      size_--;
      if (mask_ + 1 > kMinBuckets && size_ < (mask_ + 1) / 8) resize((mask_ + 1) / 2);
      return;
    }
  }
}

void SessionTable::resize(size_t buckets) {
  Session** fresh = static_cast<Session**>(calloc(buckets, sizeof(Session*)));
  if (fresh == nullptr) return;  // keep the current array; longer chains, still correct
  size_t mask = buckets - 1;
  for (size_t i = 0; i <= mask_; i++) {
    Session* s = buckets_[i];
    while (s != nullptr) {
      Session* next = s->hash_next;
      s->hash_next = fresh[s->hash & mask];
      fresh[s->hash & mask] = s;
      s = next;
    }
  }
  free(buckets_);
  buckets_ = fresh;
  mask_ = mask;
}

}  // namespace osc
