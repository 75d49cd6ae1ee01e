// Property tests of the shared-memory store (src/shm_*.cc) against a model.
//
//   shm_model_test [seconds] [--seed N | --damage-seed N | --damage-only [--from N]]
//
// Every run is reproducible from its seed (the segment's hash seed too); a
// failure names the seed.
//
// 1. model: seeded random operations (store, lookup, remove, flush, clock
//    steps, invalid arguments, small buffers, forced rebuilds) on small
//    segments, so eviction and the context table limit happen all the time.
//    The model is a std::map of entries plus a std::set ordered by (expiry,
//    store sequence): the eviction policy of src/shm_cache.h, spelled out
//    again below. After every step: Cache::check() (every structural
//    invariant: hash chains, block chains, checksums, free list, skip-list
//    levels, reference counts, every block used or free exactly once), then
//    the entries in order, their DER, expiry and block counts, the blocks in
//    use (<= the segment's) and every counter, all equal to the model's.
// 2. damage: the same operations while random bytes of the segment are
//    overwritten through a second mapping. Nothing may crash or read out of
//    bounds (run under ASan/UBSan), a lookup may only return bytes some
//    store wrote for that very key, and after a rebuild check() passes.
//
// The model uses the core's geometry functions (key_hash, entry_level,
// blocks_for) to know how many blocks an entry takes; check() verifies
// independently that every entry's block chain has exactly that length.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "common.h"

namespace {

using Rng = std::mt19937_64;

// The run in progress, named if it dies (a debug-build index check aborts).
const char* volatile g_current = "";
volatile uint64_t g_current_seed = 0;
void on_abort(int) {
  char msg[96];
  int n = std::snprintf(msg, sizeof msg, "\naborted in %s run, seed %llu\n", g_current,
                        (unsigned long long)g_current_seed);
  if (write(2, msg, n)) {
  }
  signal(SIGABRT, SIG_DFL);
}

struct MKey {
  Bytes ctx, id;
  bool operator<(const MKey& o) const { return std::tie(ctx, id) < std::tie(o.ctx, o.id); }
  bool operator==(const MKey& o) const { return ctx == o.ctx && id == o.id; }
};

struct MEntry {
  Bytes der;
  int64_t expiry;
  uint64_t seq;
  uint32_t blocks;
};

// The policy of shm_cache.h, with std containers.
class Model {
 public:
  Model(uint32_t nblocks, uint64_t seed) : nblocks_(nblocks), seed_(seed) {}

  shm::Result store(const MKey& k, const Bytes& der, int64_t expiry, int64_t now) {
    if (k.id.empty() || k.id.size() > 32 || k.ctx.size() > 32 || der.empty())
      return shm::Result::kInvalidArgument;
    if (der.size() > shm::kMaxDer || shm::blocks_for(1, der.size()) > nblocks_) return shm::Result::kTooLarge;
    uint64_t h = shm::key_hash(seed_, k.ctx.data(), k.ctx.size(), k.id.data(), k.id.size());
    uint32_t need = shm::blocks_for(shm::entry_level(h, der.size(), nblocks_), der.size());
    c.stores++;
    if (entries_.count(k)) {
      erase(k);
      c.replaced++;
    }
    if (now > expiry) return shm::Result::kExpired;
    for (int i = 0; i < 2 && !order_.empty(); i++) {
      if (!(now > std::get<0>(*order_.begin()))) break;
      erase(std::get<2>(*order_.begin()));
      c.expired_removed++;
    }
    std::set<Bytes> contexts;
    for (auto& e : entries_) contexts.insert(e.first.ctx);
    if (!contexts.count(k.ctx) && contexts.size() >= shm::kCtxSlots) {
      c.ctx_full++;
      return shm::Result::kContextTableFull;
    }
    while (nblocks_ - used_ < need) {
      auto front = *order_.begin();
      if (now > std::get<0>(front))
        c.expired_removed++;
      else
        c.evictions++;
      erase(std::get<2>(front));
    }
    uint64_t seq = next_seq_++;
    entries_[k] = MEntry{der, expiry, seq, need};
    order_.insert(std::make_tuple(expiry, seq, k));
    used_ += need;
    c.stored++;
    return shm::Result::kOk;
  }

  shm::Result lookup(const MKey& k, int64_t now, size_t cap, Bytes* out, size_t* out_len) {
    *out_len = 0;
    if (k.id.empty() || k.id.size() > 32 || k.ctx.size() > 32) return shm::Result::kInvalidArgument;
    lookups++;
    auto it = entries_.find(k);
    if (it == entries_.end()) {
      misses++;
      return shm::Result::kMiss;
    }
    if (now > it->second.expiry) {
      erase(k);
      c.expired_removed++;
      misses++;
      return shm::Result::kExpired;
    }
    if (it->second.der.size() > cap) {
      *out_len = it->second.der.size();
      return shm::Result::kBufferTooSmall;
    }
    hits++;
    *out = it->second.der;
    *out_len = out->size();
    return shm::Result::kOk;
  }

  shm::Result remove(const MKey& k) {
    if (k.id.empty() || k.id.size() > 32 || k.ctx.size() > 32) return shm::Result::kInvalidArgument;
    if (!entries_.count(k)) return shm::Result::kMiss;
    erase(k);
    c.removes++;
    return shm::Result::kOk;
  }

  uint32_t flush(int64_t now) {
    uint32_t n = 0;
    while (!order_.empty() && now > std::get<0>(*order_.begin())) {
      erase(std::get<2>(*order_.begin()));
      c.expired_removed++;
      n++;
    }
    return n;
  }

  // After a rebuild the order among equal expiries is the rebuild's: take it.
  void resequence(const std::vector<shm::DumpEntry>& dump) {
    order_.clear();
    for (auto& d : dump) {
      MKey k{d.ctx, d.id};
      auto it = entries_.find(k);
      if (it == entries_.end()) continue;
      it->second.seq = next_seq_++;
      order_.insert(std::make_tuple(it->second.expiry, it->second.seq, k));
    }
  }

  // Compares the cache with the model: entries in order, bytes, counters.
  void compare(shm::Cache& cache, const char* when, uint64_t step) {
    std::string why;
    shm::Result r = cache.check(&why);
    CHECK(r == shm::Result::kOk, "%s step %llu: check: %s", when, (unsigned long long)step, why.c_str());
    std::vector<shm::DumpEntry> dump;
    CHECK(cache.dump(&dump) == shm::Result::kOk, "%s: dump", when);
    CHECK(dump.size() == order_.size(), "%s step %llu: %zu entries, model %zu", when,
          (unsigned long long)step, dump.size(), order_.size());
    size_t i = 0;
    for (auto& o : order_) {
      if (i >= dump.size()) break;
      const MKey& k = std::get<2>(o);
      const MEntry& m = entries_.at(k);
      const shm::DumpEntry& d = dump[i++];
      bool same =
          d.ctx == k.ctx && d.id == k.id && d.der == m.der && d.expiry == m.expiry && d.blocks == m.blocks;
      CHECK(same, "%s step %llu: entry %zu differs (expiry %lld vs %lld, blocks %u vs %u)", when,
            (unsigned long long)step, i - 1, (long long)d.expiry, (long long)m.expiry, d.blocks, m.blocks);
      if (!same) break;
    }
    shm::Stats s;
    CHECK(cache.stats(&s) == shm::Result::kOk, "stats");
    CHECK(s.entries == entries_.size(), "%s: stats entries %u vs %zu", when, s.entries, entries_.size());
    CHECK(s.blocks_used == used_, "%s: blocks used %u vs %u", when, s.blocks_used, used_);
    CHECK(s.bytes_used <= s.total_bytes && s.blocks_used <= s.blocks_total, "%s: over budget", when);
    const shm::Counters& a = s.counters;
#define SAME(f)                                                                                        \
  CHECK(a.f == c.f, "%s step %llu: counter " #f " %llu vs model %llu", when, (unsigned long long)step, \
        (unsigned long long)a.f, (unsigned long long)c.f)
    SAME(stores);
    SAME(stored);
    SAME(replaced);
    SAME(removes);
    SAME(evictions);
    SAME(expired_removed);
    SAME(ctx_full);
#undef SAME
    CHECK(s.lookups == lookups && s.hits == hits && s.misses == misses,
          "%s step %llu: lookups %llu/%llu/%llu vs model %llu/%llu/%llu", when, (unsigned long long)step,
          (unsigned long long)s.lookups, (unsigned long long)s.hits, (unsigned long long)s.misses,
          (unsigned long long)lookups, (unsigned long long)hits, (unsigned long long)misses);
  }

  size_t size() const { return entries_.size(); }
  shm::Counters c{};
  uint64_t lookups = 0, hits = 0, misses = 0;  // per handle

 private:
  void erase(const MKey& k) {
    auto it = entries_.find(k);
    order_.erase(std::make_tuple(it->second.expiry, it->second.seq, k));
    used_ -= it->second.blocks;
    entries_.erase(it);
  }

  uint32_t nblocks_;
  uint64_t seed_;
  uint32_t used_ = 0;
  uint64_t next_seq_ = 0;
  std::map<MKey, MEntry> entries_;
  std::set<std::tuple<int64_t, uint64_t, MKey>> order_;
};

Bytes random_bytes(Rng& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// The key and value pools of one run.
struct Pools {
  std::vector<Bytes> ctxs, ids;
  bool many_contexts;
  explicit Pools(Rng& rng) {
    ctxs.push_back({});  // the empty id context
    for (int i = 1; i < 40; i++) ctxs.push_back(random_bytes(rng, i < 4 ? 32 : 1 + rng() % 32));
    size_t nids = rng() % 2 ? 400 : 40;
    for (size_t i = 0; i < nids; i++) ids.push_back(random_bytes(rng, rng() % 8 ? 32 : 1 + rng() % 32));
    many_contexts = rng() % 4 == 0;
  }
  MKey key(Rng& rng) const {
    // Mostly a few contexts (a server has one or two); in some runs many, so
    // the 32-slot context table fills up.
    size_t c = many_contexts ? rng() % ctxs.size() : rng() % 10 < 9 ? rng() % 3 : rng() % ctxs.size();
    return MKey{ctxs[c], ids[rng() % ids.size()]};
  }
};

size_t der_length(Rng& rng) {
  unsigned p = rng() % 100;
  if (p < 80) return 100 + rng() % 150;
  if (p < 90) return 1 + rng() % 99;
  if (p < 98) return 250 + rng() % 1750;
  return 1 + rng() % (shm::kMaxDer + 64);
}

// Totals over all model runs, printed so a run shows what it exercised.
shm::Counters g_total{};
uint64_t g_results[16] = {0};
uint64_t g_hits = 0, g_misses = 0;

const size_t kSizes[] = {8192, 9000, 12288, 16384, 24000, 32768, 65536};

// One seeded run against the model.
void model_run(uint64_t seed, uint64_t steps) {
  g_current = "model";
  g_current_seed = seed;
  Rng rng(seed);
  size_t bytes = kSizes[rng() % (sizeof kSizes / sizeof kSizes[0])];
  std::unique_ptr<shm::Cache> cache;
  shm::Result r = shm::Cache::create_seeded(bytes, rng(), &cache);  // reproducible from the run's seed
  CHECK(r == shm::Result::kOk, "create: %s", rn(r));
  if (!cache) return;
  shm::Cache::unlink(cache->name());
  Model model(cache->layout().nblocks, cache->layout().seed);
  Pools pools(rng);
  int64_t now = 1700000000 + static_cast<int64_t>(rng() % 1000);
  Bytes out(shm::kMaxDer);
  char when[64];
  std::snprintf(when, sizeof when, "seed %llu", (unsigned long long)seed);
  std::vector<MKey> recent(16, pools.key(rng));

  for (uint64_t step = 0; step < steps && g_failures == 0; step++) {
    unsigned op = rng() % 100;
    if (op < 45) {
      MKey k = pools.key(rng);
      Bytes der = random_bytes(rng, der_length(rng));
      int64_t expiry = now - 3 + static_cast<int64_t>(rng() % 64);
      recent[step % recent.size()] = k;
      shm::Result want = model.store(k, der, expiry, now);
      shm::Result got = cache->store(key_of(k.ctx, k.id), der.data(), der.size(), expiry, now);
      g_results[static_cast<int>(got)]++;
      CHECK(got == want, "%s step %llu: store %s, model %s", when, (unsigned long long)step, rn(got),
            rn(want));
    } else if (op < 75) {
      // Half the lookups ask for a recently stored key.
      MKey k = recent.empty() || rng() % 2 ? pools.key(rng) : recent[rng() % recent.size()];
      size_t cap = rng() % 50 ? out.size() : rng() % 300;
      Bytes mout;
      size_t mlen, len = 12345;
      shm::Result want = model.lookup(k, now, cap, &mout, &mlen);
      shm::Result got = cache->lookup(key_of(k.ctx, k.id), now, out.data(), cap, &len);
      CHECK(got == want && len == mlen, "%s step %llu: lookup %s/%zu, model %s/%zu", when,
            (unsigned long long)step, rn(got), len, rn(want), mlen);
      if (got == shm::Result::kOk && want == got)
        CHECK(Bytes(out.begin(), out.begin() + len) == mout, "%s step %llu: lookup bytes", when,
              (unsigned long long)step);
    } else if (op < 83) {
      MKey k = pools.key(rng);
      shm::Result want = model.remove(k);
      shm::Result got = cache->remove(key_of(k.ctx, k.id));
      CHECK(got == want, "%s step %llu: remove %s, model %s", when, (unsigned long long)step, rn(got),
            rn(want));
    } else if (op < 86) {
      uint32_t n = 0, mn = model.flush(now);
      CHECK(cache->flush_expired(now, &n) == shm::Result::kOk && n == mn, "%s: flush %u, model %u", when, n,
            mn);
    } else if (op < 96) {
      now += static_cast<int64_t>(rng() % 8);
    } else if (op < 98) {
      // Invalid arguments: refused before anything changes.
      Bytes id33(33, 1), ctx33(33, 2), id = pools.ids[0], der(10, 3);
      CHECK(
          cache->store(key_of({}, {}), der.data(), der.size(), now + 5, now) == shm::Result::kInvalidArgument,
          "empty id");
      CHECK(cache->store(key_of({}, id33), der.data(), der.size(), now + 5, now) ==
                shm::Result::kInvalidArgument,
            "id 33");
      CHECK(cache->store(key_of(ctx33, id), der.data(), der.size(), now + 5, now) ==
                shm::Result::kInvalidArgument,
            "ctx 33");
      CHECK(cache->store(key_of({}, id), der.data(), 0, now + 5, now) == shm::Result::kInvalidArgument,
            "empty der");
      size_t len;
      CHECK(cache->lookup(key_of(ctx33, id), now, out.data(), out.size(), &len) ==
                shm::Result::kInvalidArgument,
            "lookup ctx 33");
      CHECK(cache->remove(key_of({}, id33)) == shm::Result::kInvalidArgument, "remove id 33");
    } else {
      // A rebuild (what a crash triggers) keeps every entry and expiry; only
      // the order among equal expiries may change.
      CHECK(cache->force_rebuild() == shm::Result::kOk, "rebuild");
      std::vector<shm::DumpEntry> dump;
      cache->dump(&dump);
      CHECK(dump.size() == model.size(), "%s: rebuild kept %zu of %zu", when, dump.size(), model.size());
      model.resequence(dump);
      model.c.rebuilds++;
    }
    model.compare(*cache, when, step);
  }
  shm::Stats s;
  cache->stats(&s);
  g_total.evictions += s.counters.evictions;
  g_total.expired_removed += s.counters.expired_removed;
  g_total.ctx_full += s.counters.ctx_full;
  g_total.replaced += s.counters.replaced;
  g_hits += s.hits;
  g_misses += s.misses;
  CHECK(s.counters.corrupt_dropped == 0 && s.counters.rebuilds == model.c.rebuilds &&
            s.counters.recoveries == 0,
        "%s: %llu dropped, %llu rebuilds (expected %llu)", when,
        (unsigned long long)s.counters.corrupt_dropped, (unsigned long long)s.counters.rebuilds,
        (unsigned long long)model.c.rebuilds);
}

// Damage: operations while random bytes of the segment change under them.
void damage_run(uint64_t seed, uint64_t steps, uint64_t* dropped) {
  g_current = "damage";
  g_current_seed = seed;
  Rng rng(seed);
  std::unique_ptr<shm::Cache> cache;
  shm::Result r = shm::Cache::create_seeded(kSizes[rng() % 4], rng(), &cache);
  CHECK(r == shm::Result::kOk, "create: %s", rn(r));
  if (!cache) return;
  // A second, raw mapping of the same object: the "other process" that scribbles.
  int fd = shm_open(cache->name(), O_RDWR, 0);
  shm::Cache::unlink(cache->name());
  size_t bytes = cache->layout().total_bytes;
  unsigned char* raw =
      static_cast<unsigned char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  close(fd);
  CHECK(raw != MAP_FAILED, "raw mapping");
  if (raw == MAP_FAILED) return;
  const shm::Layout& lay = cache->layout();
  Pools pools(rng);
  std::map<MKey, std::set<Bytes>> history;  // every value ever stored per key
  int64_t now = 1700000000;
  Bytes out(shm::kMaxDer);

  for (uint64_t step = 0; step < steps && g_failures == 0; step++) {
    unsigned op = rng() % 100;
    MKey k = pools.key(rng);
    if (op < 40) {
      Bytes der = random_bytes(rng, der_length(rng) % 600 + 1);
      history[k].insert(der);
      cache->store(key_of(k.ctx, k.id), der.data(), der.size(), now + 5 + static_cast<int64_t>(rng() % 50),
                   now);
    } else if (op < 75) {
      size_t len = 0;
      shm::Result got = cache->lookup(key_of(k.ctx, k.id), now, out.data(), out.size(), &len);
      if (got == shm::Result::kOk)
        CHECK(history[k].count(Bytes(out.begin(), out.begin() + len)),
              "seed %llu step %llu: lookup returned bytes never stored for the key", (unsigned long long)seed,
              (unsigned long long)step);
      else
        CHECK(len == 0, "no length on a miss");
    } else if (op < 80) {
      cache->remove(key_of(k.ctx, k.id));
    } else if (op < 85) {
      uint32_t n;
      cache->flush_expired(now, &n);
      now += rng() % 3;
    } else {
      // Scribble: a random byte, u32 or block index somewhere after the
      // header's layout (the layout itself is validated once, on attach).
      size_t lo = offsetof(shm::Header, state);
      size_t where;
      unsigned what = rng() % 4;
      if (what == 0)
        where = lay.blocks_off + rng() % (uint64_t{lay.nblocks} * shm::kBlockBytes - 4);
      else if (what == 1)
        where = lay.buckets_off + 4 * (rng() % lay.nbuckets);
      else if (what == 2)
        where = lo + rng() % (sizeof(shm::State) - 4);
      else
        where = lay.ctx_off + rng() % (shm::kCtxSlots * sizeof(shm::CtxSlot) - 4);
      uint32_t v =
          rng() % 3 == 0 ? static_cast<uint32_t>(rng()) : static_cast<uint32_t>(rng() % (lay.nblocks + 2));
      if (rng() % 2)
        raw[where] = static_cast<uint8_t>(v);
      else
        std::memcpy(raw + where, &v, 4);
    }
    if (step % 64 == 63) {
      // Whatever the damage, a rebuild leaves a structure that passes check().
      CHECK(cache->force_rebuild() == shm::Result::kOk, "rebuild");
      std::string why;
      CHECK(cache->check(&why) == shm::Result::kOk, "seed %llu step %llu: after rebuild: %s",
            (unsigned long long)seed, (unsigned long long)step, why.c_str());
    }
  }
  shm::Stats s;
  cache->stats(&s);
  *dropped += s.counters.corrupt_dropped;
  munmap(raw, bytes);
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGABRT, on_abort);
  double seconds = 5;
  long long only = -1;
  long long only_damage = -1, from = 1000;
  bool damage_only = false;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
      only = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--damage-seed") && i + 1 < argc)
      only_damage = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--damage-only"))
      damage_only = true;
    else if (!std::strcmp(argv[i], "--from") && i + 1 < argc)
      from = std::atoll(argv[++i]);
    else
      seconds = std::atof(argv[i]);
  }
  if (only_damage >= 0) {
    uint64_t dropped = 0;
    damage_run(static_cast<uint64_t>(only_damage), 2000, &dropped);
    return finish("shm_model_test (one damage run)");
  }
  auto t0 = std::chrono::steady_clock::now();
  uint64_t runs = 0;
  if (damage_only) {  // --damage-only [seconds] [--from N]: seeds from N on
    uint64_t dropped = 0, seed = static_cast<uint64_t>(from);
    for (; g_failures == 0 && seconds_since(t0) < seconds; seed++) damage_run(seed, 2000, &dropped);
    std::printf("damage: seeds %lld..%llu, %llu corrupt entries dropped\n", from,
                (unsigned long long)seed - 1, (unsigned long long)dropped);
    return finish("shm_model_test (damage only)");
  }
  if (only >= 0) {
    model_run(static_cast<uint64_t>(only), 4000);
    runs = 1;
  } else {
    // Two thirds of the time on the model, the rest on damage.
    for (uint64_t seed = 1; g_failures == 0 && (seed <= 4 || seconds_since(t0) < seconds * 2 / 3);
         seed++, runs++)
      model_run(seed, 3000);
  }
  std::printf(
      "model: %llu runs, %.1f s: %llu evictions, %llu expired removed, %llu replaced, %llu hits, %llu "
      "misses; "
      "stores: %llu ok, %llu expired, %llu too large, %llu context table full\n",
      (unsigned long long)runs, seconds_since(t0), (unsigned long long)g_total.evictions,
      (unsigned long long)g_total.expired_removed, (unsigned long long)g_total.replaced,
      (unsigned long long)g_hits, (unsigned long long)g_misses, (unsigned long long)g_results[0],
      (unsigned long long)g_results[2], (unsigned long long)g_results[4], (unsigned long long)g_results[6]);
  if (only < 0)
    CHECK(g_total.evictions > 0 && g_total.expired_removed > 0 && g_total.ctx_full > 0 && g_results[4] > 0 &&
              g_total.replaced > 0 && g_hits > 0,
          "the model runs did not reach every case");
  if (only < 0) {
    auto t1 = std::chrono::steady_clock::now();
    uint64_t druns = 0, dropped = 0;
    for (uint64_t seed = 1000; g_failures == 0 && (druns < 4 || seconds_since(t0) < seconds); seed++, druns++)
      damage_run(seed, 2000, &dropped);
    std::printf("damage: %llu runs, %llu corrupt entries dropped, %.1f s\n", (unsigned long long)druns,
                (unsigned long long)dropped, seconds_since(t1));
    CHECK(dropped > 0, "the damage runs never produced an entry that failed validation");
  }
  return finish("shm_model_test");
}
