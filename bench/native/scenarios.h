// The C++ scenarios, written once over an "ops" adapter so that our core and
// real OpenSSL run exactly the same operations with the same ids and times.
// An adapter provides:
//   using S = <session pointer>;
//   S make(const uint8_t* id, int64_t time, int64_t timeout);  // new + set id/version/time/timeout
//   void free(S);  int add(S);  int remove(S);  void flush(int64_t t);
//   bool find(const uint8_t* id);      // the handshake's table lookup: find + up_ref + free
//   int has_match(const uint8_t* id);  // SSL_has_matching_session_id
//   bool handshake(const uint8_t* id); // whole server handshake path (null id: new client)
//   void set_cache_size(long);  void set_mode(long);  long number();
//   int64_t now();
#pragma once

#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <string>
#include <vector>

namespace bench {

// ---- ids, the same function as bench/lib/ids.js ---------------------------

inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// Domains: 1 = the prefilled sessions, 2 = ids never cached (misses),
// 3 = sessions created during a measurement.
inline void make_id(uint32_t domain, uint32_t i, uint8_t out[32]) {
  for (uint32_t w = 0; w < 8; w++) {
    uint32_t v = mix32(mix32(i * 8u + w) ^ (domain * 0x9e3779b9U));
    memcpy(out + w * 4, &v, 4);
  }
}

// A permutation of [0, n) for k < n: (k * P + 7) mod n with P prime, coprime
// with every size used (10^k and 20479).
inline long scatter(long k, long n) {
  return static_cast<long>((static_cast<uint64_t>(k) * 1000003ULL + 7) % static_cast<uint64_t>(n));
}

inline double now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

inline long rss_bytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long size = 0, resident = 0;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

constexpr int64_t kSpan = 1000;     // prefilled times spread over [now - span, now]
constexpr int64_t kTimeout = 7200;  // every session's timeout (the TLS methods' default)
constexpr long kDefaultCacheSize = 20480;

struct Params {
  std::string scenario;
  long n = 10000;        // cached sessions
  long ops = 100000;     // operations to time
  double budget_ms = 0;  // add_early: stop after this much time
};

struct Result {
  double ns_per_op = 0;
  long ops = 0;
  double total_ns = 0;
  long removed = 0;       // flush: sessions removed
  long number_after = 0;  // sessions cached afterwards (sanity)
  long hits = 0;          // lookups that found a session / resumed handshakes
  double bytes_per_session = 0;
  std::string error;
};

volatile long g_sink;

// Times body(s, e) over blocks of 1000 operations and returns the median
// per-operation time of the blocks: a preemption on this shared machine
// spoils one block, not the result. *total receives the whole time.
template <typename F>
double block_median(long k, double* total, F&& body) {
  const long kBlock = 1000;
  std::vector<double> per;
  *total = 0;
  for (long s = 0; s < k; s += kBlock) {
    long e = std::min(k, s + kBlock);
    double t = now_ns();
    body(s, e);
    double dt = now_ns() - t;
    *total += dt;
    per.push_back(dt / (e - s));
  }
  if (per.empty()) return 0;
  std::sort(per.begin(), per.end());
  return per[(per.size() - 1) / 2];
}

template <typename Ops>
struct Runner {
  Ops& o;
  int64_t t_now;
  int64_t t0;
  std::vector<typename Ops::S> cached;  // prefilled sessions (the cache's reference only)

  explicit Runner(Ops& ops) : o(ops), t_now(ops.now()), t0(t_now - kSpan) {}

  int64_t prefill_time(long i, long n) const { return t0 + (kSpan * i) / n; }

  void prefill(long n, bool keep) {
    uint8_t id[32];
    if (keep) cached.resize(n);
    for (long i = 0; i < n; i++) {
      make_id(1, static_cast<uint32_t>(i), id);
      auto s = o.make(id, prefill_time(i, n), kTimeout);
      o.add(s);
      if (keep) cached[i] = s;
      o.free(s);  // the cache holds the only reference now
    }
    settle(n);
  }

  // After every prefill, one untimed lookup of every cached session in
  // random order: the page tables, TLB and caches as in a server that has
  // been running, not as right after the prefill wrote the memory in order.
  // (On this kind of VM the first random touch of a page after it was
  // written costs up to a microsecond, for both implementations alike, and
  // whether it does varies from process to process.)
  void settle(long n) {
    uint8_t id[32];
    long found = 0;
    for (long i = 0; i < n; i++) {
      make_id(1, static_cast<uint32_t>(scatter(i, n)), id);
      found += o.find(id) ? 1 : 0;
    }
    g_sink += found;
  }

  Result run(const Params& p) {
    Result r;
    const std::string& sc = p.scenario;
    const long n = p.n;
    uint8_t id[32];
    if (sc == "new") {
      const long batch = 1024;
      std::vector<typename Ops::S> made(batch);
      uint32_t serial = 0;
      double total = 0;
      long done = 0;
      while (done < p.ops) {
        long b = std::min(batch, p.ops - done);
        std::vector<uint8_t> ids(b * 32);
        for (long j = 0; j < b; j++) make_id(3, serial++, &ids[j * 32]);
        double t = now_ns();
        for (long j = 0; j < b; j++) made[j] = o.make(&ids[j * 32], t_now, kTimeout);
        total += now_ns() - t;
        for (long j = 0; j < b; j++) o.free(made[j]);
        done += b;
      }
      return finish(r, total, done);
    }
    if (sc == "add") {
      o.set_cache_size(0);
      prefill(n, false);
      const long batch = std::max(1L, std::min(n / 10, 10000L));
      std::vector<typename Ops::S> made(batch);
      uint32_t serial = 0;
      double total = 0;
      long done = 0;
      while (done < p.ops) {
        long b = std::min(batch, p.ops - done);
        for (long j = 0; j < b; j++) {
          make_id(3, serial++, id);
          made[j] = o.make(id, t_now, kTimeout);
        }
        double t = now_ns();
        for (long j = 0; j < b; j++) g_sink += o.add(made[j]);
        total += now_ns() - t;
        for (long j = 0; j < b; j++) o.free(made[j]);
        for (long j = 0; j < b; j++) o.remove(made[j]);  // destroys: back to n
        done += b;
      }
      r.number_after = o.number();
      return finish(r, total, done);
    }
    if (sc == "lookup_hit" || sc == "lookup_miss" || sc == "has_match_hit" || sc == "has_match_miss") {
      o.set_cache_size(0);
      prefill(n, false);
      bool hit = sc == "lookup_hit" || sc == "has_match_hit";
      bool table = sc == "lookup_hit" || sc == "lookup_miss";
      long k = p.ops;
      std::vector<uint8_t> keys(k * 32);
      for (long j = 0; j < k; j++) {
        make_id(hit ? 1 : 2, static_cast<uint32_t>(hit ? scatter(j % n, n) : j), &keys[j * 32]);
      }
      long found = 0;
      double total;
      double med = block_median(k, &total, [&](long s, long e) {
        if (table) {
          for (long j = s; j < e; j++) found += o.find(&keys[j * 32]) ? 1 : 0;
        } else {
          for (long j = s; j < e; j++) found += o.has_match(&keys[j * 32]);
        }
      });
      r.hits = found;
      if (found != (hit ? k : 0))
        r.error = "lookup found " + std::to_string(found) + " of " + std::to_string(k);
      finish(r, total, k);
      r.ns_per_op = med;
      return r;
    }
    if (sc == "remove") {
      o.set_cache_size(0);
      prefill(n, true);
      long k = std::min(p.ops, n);
      const long batch = std::max(1L, std::min(n / 10, 10000L));
      uint32_t serial = 0;
      double total = 0;
      long done = 0, removed = 0;
      while (done < k) {
        long b = std::min(batch, k - done);
        double t = now_ns();
        for (long j = 0; j < b; j++) removed += o.remove(cached[scatter(done + j, n)]);
        total += now_ns() - t;
        // Refill to n with new sessions (at the head), untimed.
        for (long j = 0; j < b; j++) {
          make_id(3, serial++, id);
          auto s = o.make(id, t_now, kTimeout);
          o.add(s);
          o.free(s);
        }
        done += b;
      }
      if (removed != k) r.error = "removed " + std::to_string(removed) + " of " + std::to_string(k);
      r.number_after = o.number();
      return finish(r, total, k);
    }
    if (sc == "evict") {
      // A default-size cache (20480), full: 20479 sessions; every add evicts the tail.
      long full = kDefaultCacheSize - 1;
      prefill(full, false);
      const long batch = 1024;
      std::vector<typename Ops::S> made(batch);
      uint32_t serial = 0;
      double total = 0;
      long done = 0;
      while (done < p.ops) {
        long b = std::min(batch, p.ops - done);
        for (long j = 0; j < b; j++) {
          make_id(3, serial++, id);
          made[j] = o.make(id, t_now, kTimeout);
        }
        double t = now_ns();
        for (long j = 0; j < b; j++) g_sink += o.add(made[j]);
        total += now_ns() - t;
        for (long j = 0; j < b; j++) o.free(made[j]);
        done += b;
      }
      r.number_after = o.number();
      if (r.number_after != full) r.error = "cache holds " + std::to_string(r.number_after);
      return finish(r, total, done);
    }
    if (sc == "flush0" || sc == "flush10" || sc == "flush100") {
      o.set_cache_size(0);
      prefill(n, false);
      // Session i expires at t0 + span*i/n + timeout; flush(t) removes those with t > expiry.
      int64_t base = t0 + kTimeout;
      if (sc == "flush0") {
        long k = p.ops;
        double total;
        double med = block_median(k, &total, [&](long s, long e) {
          for (long j = s; j < e; j++) o.flush(base);
        });
        r.removed = n - o.number();
        finish(r, total, k);
        r.ns_per_op = med;
        return r;
      }
      int64_t at = sc == "flush10" ? base + kSpan / 10 : base + kSpan + 1;
      double t = now_ns();
      o.flush(at);
      double total = now_ns() - t;
      r.removed = n - o.number();
      r.number_after = o.number();
      return finish(r, total, std::max(1L, r.removed));
    }
    if (sc == "add_early") {
      o.set_cache_size(0);
      prefill(n, false);
      // Expires with the oldest sessions: OpenSSL walks the list from the head.
      double total = 0;
      long done = 0;
      uint32_t serial = 0;
      while (done < p.ops && (done < 3 || total < p.budget_ms * 1e6)) {
        make_id(3, serial++, id);
        auto s = o.make(id, t0, kTimeout);
        double t = now_ns();
        g_sink += o.add(s);
        total += now_ns() - t;
        o.free(s);
        done++;
      }
      r.number_after = o.number();
      return finish(r, total, done);
    }
    if (sc == "handshake") {
      // Steady state: the cache holds n (size n + 1: every new session evicts
      // the oldest); half the clients resume a recent session, half are new.
      o.set_mode(0x0002 | 0x0080);  // SERVER | NO_AUTO_CLEAR (OpenSSL's sim never counts accept_good)
      o.set_cache_size(n + 1);
      prefill(n, false);
      long k = std::min(p.ops, n);
      long half = n / 2;
      std::vector<uint8_t> keys(k * 32);
      for (long j = 0; j < k; j++)
        make_id(1, static_cast<uint32_t>(n - half + scatter(j, half)), &keys[j * 32]);
      long resumed = 0;
      double t = now_ns();
      for (long j = 0; j < k; j++) resumed += o.handshake((j & 1) ? nullptr : &keys[j * 32]) ? 1 : 0;
      double total = now_ns() - t;
      r.hits = resumed;
      r.number_after = o.number();
      if (resumed != (k + 1) / 2)
        r.error = "resumed " + std::to_string(resumed) + " of " + std::to_string((k + 1) / 2);
      return finish(r, total, k);
    }
    if (sc == "dram_miss") {
      // The floor a lookup at size n is compared with: one dependent load
      // from a random cache line of a buffer as large as the core's cache
      // at n (n x 336 B: the session slot plus its share of the index), in
      // one random cycle through every line (Sattolo), timed as the lookups.
      const size_t lines = std::max<size_t>(2, static_cast<size_t>(n) * 336 / 64);
      std::vector<uint64_t> buf(lines * 8);
      std::vector<uint32_t> order(lines);
      for (size_t i = 0; i < lines; i++) order[i] = static_cast<uint32_t>(i);
      uint64_t x = 0x9e3779b97f4a7c15ULL;
      for (size_t i = lines - 1; i > 0; i--) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        std::swap(order[i], order[x % i]);
      }
      for (size_t i = 0; i < lines; i++) buf[order[i] * 8] = order[(i + 1) % lines] * 8;
      uint64_t at = 0;
      for (size_t i = 0; i < lines; i++) at = buf[at];  // one lap: page tables and TLB as in use
      double total;
      double med = block_median(p.ops, &total, [&](long s, long e) {
        for (long j = s; j < e; j++) at = buf[at];
      });
      g_sink += static_cast<long>(at);
      finish(r, total, p.ops);
      r.ns_per_op = med;
      return r;
    }
    if (sc == "memory") {
      o.set_cache_size(0);
      long before = rss_bytes();
      prefill(n, false);
      long after = rss_bytes();
      r.bytes_per_session = static_cast<double>(after - before) / n;
      r.number_after = o.number();
      return finish(r, 0, n);
    }
    r.error = "unknown scenario " + sc;
    return r;
  }

  static Result& finish(Result& r, double total, long ops) {
    r.total_ns = total;
    r.ops = ops;
    r.ns_per_op = ops ? total / ops : 0;
    return r;
  }
};

}  // namespace bench
