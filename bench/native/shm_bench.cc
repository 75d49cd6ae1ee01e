// Benchmark of the shared-memory session store (src/shm_*.cc, issue 16).
// A plain C++ program (no Node): built and run by `test/shm/run.sh bench`,
// or through `node bench/shm.js`, which writes bench/results/shm.{md,json}.
//
//   shm_bench [--short] [--json]
//
// 1. Density: sessions per MiB. A segment of 1 MiB and one of 10 MiB
//    (nginx's `shared:SSL:10m`) are filled with distinct sessions (32-byte
//    id, 32-byte id context) until the first eviction; the count before it
//    is the capacity. DER lengths: 158 bytes (the TLS 1.2 server session,
//    no peer certificate, that Node hands to 'newSession'), and for
//    comparison 120, 200, 400 and 1,500 (with a certificate).
// 2. Latency: a segment holding N = 10k or 100k such 158-byte sessions,
//    then P = 1 or 4 processes (forked, each attaching by name) running one
//    operation at once, started together:
//      lookup_hit   a random stored key (copy out, checksum verified)
//      lookup_miss  a key never stored
//      store_replace  a random stored key, new bytes (remove + insert)
//      store_evict  a new key into a full segment (evicts the oldest)
//    Reported per operation: the mean wall time (ops / elapsed, per process,
//    averaged), the median and 99th percentile of individually timed
//    operations (every 8th), and CPU time. On a machine with fewer cores than
//    processes the mean includes time spent descheduled; the median is the
//    better latency figure there.
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../../src/shm_cache.h"

namespace shm = osc::shm;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr int64_t kNow = 1700000000;
constexpr int kMaxProcs = 8;
constexpr size_t kSamples = 1 << 16;

uint64_t now_ns(clockid_t c = CLOCK_MONOTONIC) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

const Bytes kCtx(32, 0x5C);

void id_of(uint64_t key, uint8_t* id) {
  for (int i = 0; i < 4; i++) {
    uint64_t w = mix(key * 4 + i + 1);
    std::memcpy(id + 8 * i, &w, 8);
  }
}

Bytes der_of(uint64_t key, size_t len) {
  Bytes d(len);
  for (size_t i = 0; i < len; i++) d[i] = static_cast<uint8_t>(mix(key + i * 977));
  d[0] = 0x30;
  return d;
}

shm::Result store_key(shm::Cache& c, uint64_t key, const Bytes& der) {
  uint8_t id[32];
  id_of(key, id);
  return c.store(shm::KeyRef{kCtx.data(), kCtx.size(), id, 32}, der.data(), der.size(), kNow + 300, kNow);
}

// Stores keys from `first` on until one evicts; returns how many the
// segment held just before (its capacity for this size).
uint64_t fill_to_capacity(shm::Cache& c, uint64_t first, size_t der_len) {
  Bytes der = der_of(first, der_len);
  shm::Stats s;
  c.stats(&s);
  const uint64_t evictions = s.counters.evictions;
  for (uint64_t k = first;; k++) {
    uint32_t held = s.entries;
    store_key(c, k, der);
    c.stats(&s);
    if (s.counters.evictions > evictions) return held;
  }
}

struct Density {
  size_t der_len;
  size_t mib;
  uint64_t sessions;
};

Density density(size_t mib, size_t der_len) {
  std::unique_ptr<shm::Cache> c;
  if (shm::Cache::create(mib << 20, &c) != shm::Result::kOk) {
    std::fprintf(stderr, "create failed\n");
    std::exit(1);
  }
  shm::Cache::unlink(c->name());
  uint64_t n = fill_to_capacity(*c, 1, der_len);
  return Density{der_len, mib, n};
}

struct ProcResult {
  uint64_t ops, wall_ns, cpu_ns, p50, p99, hits, errors;
};

struct Shared {
  std::atomic<int> ready, go;
  ProcResult r[kMaxProcs];
};

// One process's part of a latency run.
void run_ops(const char* name, const std::string& op, uint64_t n, uint64_t ops, int proc, Shared* sh) {
  std::unique_ptr<shm::Cache> c;
  if (shm::Cache::attach(name, &c) != shm::Result::kOk) _exit(2);
  std::mt19937_64 rng(mix(proc + 1));
  Bytes out(shm::kMaxDer), der = der_of(proc, 158);
  std::vector<uint64_t> samples;
  samples.reserve(kSamples);
  uint64_t next_new = (uint64_t{1} << 40) + (uint64_t{static_cast<unsigned>(proc)} << 32);
  uint64_t hits = 0, errors = 0;
  // Keys precomputed so the loop times the store, not the key generation.
  std::vector<uint64_t> keys(4096);
  for (auto& k : keys) k = op == "lookup_miss" ? (uint64_t{1} << 50) + rng() : 1 + rng() % n;
  sh->ready++;
  while (!sh->go.load()) {
  }
  uint64_t c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ns();
  for (uint64_t i = 0; i < ops; i++) {
    uint64_t key = op == "store_evict" ? next_new++ : keys[i & 4095];
    uint8_t id[32];
    id_of(key, id);
    shm::KeyRef k{kCtx.data(), kCtx.size(), id, 32};
    bool sample = (i & 7) == 0 && samples.size() < kSamples;
    uint64_t s0 = sample ? now_ns() : 0;
    shm::Result r;
    if (op == "lookup_hit" || op == "lookup_miss") {
      size_t len;
      r = c->lookup(k, kNow, out.data(), out.size(), &len);
      hits += r == shm::Result::kOk;
    } else {
      r = c->store(k, der.data(), der.size(), kNow + 300, kNow);
      errors += r != shm::Result::kOk;
    }
    if (sample) samples.push_back(now_ns() - s0);
  }
  uint64_t t1 = now_ns(), c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
  std::sort(samples.begin(), samples.end());
  ProcResult& pr = sh->r[proc];
  pr.ops = ops;
  pr.wall_ns = t1 - t0;
  pr.cpu_ns = c1 - c0;
  pr.p50 = samples.empty() ? 0 : samples[samples.size() / 2];
  pr.p99 = samples.empty() ? 0 : samples[samples.size() * 99 / 100];
  pr.hits = hits;
  pr.errors = errors;
}

struct Latency {
  std::string op;
  uint64_t n;
  int procs;
  double mean_ns, p50_ns, p99_ns, cpu_ns;
  uint64_t hits, ops, errors, evictions;
};

Latency latency(const std::string& op, uint64_t n, int procs, uint64_t ops) {
  // Room for n sessions plus about 15%; store_evict first fills it up.
  std::unique_ptr<shm::Cache> c;
  if (shm::Cache::create(n * 300 + 65536, &c) != shm::Result::kOk) std::exit(1);
  Bytes der = der_of(7, 158);
  for (uint64_t k = 1; k <= n; k++) store_key(*c, k, der);
  if (op == "store_evict") fill_to_capacity(*c, n + 1, 158);
  shm::Stats before;
  c->stats(&before);

  Shared* sh = static_cast<Shared*>(
      mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  new (sh) Shared();
  std::vector<pid_t> pids;
  for (int p = 0; p < procs; p++) {
    pid_t pid = fork();
    if (pid == 0) {
      run_ops(c->name(), op, n, ops, p, sh);
      _exit(0);
    }
    pids.push_back(pid);
  }
  while (sh->ready.load() < procs) usleep(1000);
  sh->go = 1;
  for (pid_t p : pids) waitpid(p, nullptr, 0);

  Latency l{op, n, procs, 0, 0, 0, 0, 0, 0, 0, 0};
  std::vector<uint64_t> p50s, p99s;
  for (int p = 0; p < procs; p++) {
    const ProcResult& r = sh->r[p];
    l.mean_ns += static_cast<double>(r.wall_ns) / r.ops / procs;
    l.cpu_ns += static_cast<double>(r.cpu_ns) / r.ops / procs;
    p50s.push_back(r.p50);
    p99s.push_back(r.p99);
    l.hits += r.hits;
    l.ops += r.ops;
    l.errors += r.errors;
  }
  std::sort(p50s.begin(), p50s.end());
  std::sort(p99s.begin(), p99s.end());
  l.p50_ns = static_cast<double>(p50s[p50s.size() / 2]);
  l.p99_ns = static_cast<double>(p99s.back());
  shm::Stats after;
  c->stats(&after);
  l.evictions = after.counters.evictions - before.counters.evictions;
  munmap(sh, sizeof(Shared));
  shm::Cache::unlink(c->name());
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  bool short_mode = false, json = false, no_density = false;
  std::string only;  // --only=lookup_hit,store_evict (a comma list)
  long only_n = 0, only_procs = 0;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--short")) short_mode = true;
    if (!std::strcmp(argv[i], "--json")) json = true;
    if (!std::strcmp(argv[i], "--no-density")) no_density = true;
    if (!std::strncmp(argv[i], "--only=", 7)) only = std::string(",") + (argv[i] + 7) + ",";
    if (!std::strncmp(argv[i], "--sessions=", 11)) only_n = std::atol(argv[i] + 11);
    if (!std::strncmp(argv[i], "--procs=", 8)) only_procs = std::atol(argv[i] + 8);
  }
  uint64_t t0 = now_ns();
  std::vector<Density> dens;
  if (!no_density) {
    for (size_t len : {158, 120, 200, 400, 1500}) dens.push_back(density(1, len));
    dens.push_back(density(10, 158));
  }

  std::vector<Latency> lat;
  const uint64_t lookups = short_mode ? 200000 : 1000000, stores = short_mode ? 100000 : 500000;
  for (uint64_t n : {10000, 100000})
    for (int procs : {1, 2, 4})  // 2 only when asked for (--procs=2)
      for (const char* op : {"lookup_hit", "lookup_miss", "store_replace", "store_evict"}) {
        if (!only.empty() && only.find(std::string(",") + op + ",") == std::string::npos) continue;
        if ((only_n && static_cast<uint64_t>(only_n) != n) || (only_procs ? only_procs != procs : procs == 2))
          continue;
        lat.push_back(latency(op, n, procs, std::string(op).rfind("lookup", 0) == 0 ? lookups : stores));
      }
  double secs = (now_ns() - t0) / 1e9;

  if (json) {
    std::printf("{\"seconds\":%.1f,\"short\":%s,\"density\":[", secs, short_mode ? "true" : "false");
    for (size_t i = 0; i < dens.size(); i++)
      std::printf("%s{\"der_len\":%zu,\"mib\":%zu,\"sessions\":%llu,\"per_mib\":%.0f}", i ? "," : "",
                  dens[i].der_len, dens[i].mib, (unsigned long long)dens[i].sessions,
                  static_cast<double>(dens[i].sessions) / dens[i].mib);
    std::printf("],\"latency\":[");
    for (size_t i = 0; i < lat.size(); i++) {
      const Latency& l = lat[i];
      std::printf(
          "%s{\"op\":\"%s\",\"sessions\":%llu,\"procs\":%d,\"mean_ns\":%.0f,\"p50_ns\":%.0f,\"p99_ns\":%.0f,"
          "\"cpu_ns\":%.0f,\"ops\":%llu,\"hits\":%llu,\"errors\":%llu,\"evictions\":%llu}",
          i ? "," : "", l.op.c_str(), (unsigned long long)l.n, l.procs, l.mean_ns, l.p50_ns, l.p99_ns,
          l.cpu_ns, (unsigned long long)l.ops, (unsigned long long)l.hits, (unsigned long long)l.errors,
          (unsigned long long)l.evictions);
    }
    std::printf("]}\n");
    return 0;
  }
  std::printf("sessions per MiB (32-byte id and id context, filled until the first eviction)\n");
  for (auto& d : dens)
    std::printf("  DER %5zu B, %2zu MiB segment: %8llu sessions, %6.0f per MiB\n", d.der_len, d.mib,
                (unsigned long long)d.sessions, static_cast<double>(d.sessions) / d.mib);
  std::printf("\nlatency, 158-byte sessions (ns per operation; mean = wall time / ops per process)\n");
  std::printf("  %-14s %8s %5s %8s %8s %8s %8s %10s\n", "op", "sessions", "procs", "mean", "p50", "p99",
              "cpu", "evictions");
  for (auto& l : lat)
    std::printf("  %-14s %8llu %5d %8.0f %8.0f %8.0f %8.0f %10llu%s\n", l.op.c_str(), (unsigned long long)l.n,
                l.procs, l.mean_ns, l.p50_ns, l.p99_ns, l.cpu_ns, (unsigned long long)l.evictions,
                l.errors ? "  ERRORS" : "");
  std::printf("\n%.1f s\n", secs);
  return 0;
}
