// C++ tests of the core's ownership rules, the session pool, the handle
// table, the callout gate and allocation failures: what JS cannot observe
// (the memory behind a destroyed session) or cannot cause (a failing malloc
// at a chosen point). Run by test/core/run.sh in a plain build and under
// ASan + UBSan with leak checking.
#include <cstdio>
#include <cstring>
#include <vector>

#include "../../src/connection.h"
#include "../../src/error_queue.h"
#include "../../src/handshake_sim.h"
#include "../../src/session_table.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#else
#define UNPOISON(p, n) ((void)0)
#define POISON(p, n) ((void)0)
#endif

using namespace osc;

static int failures = 0;
static int checks = 0;
#define CHECK(cond, ...)                                              \
  do {                                                                \
    checks++;                                                         \
    if (!(cond)) {                                                    \
      failures++;                                                     \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fprintf(stderr, "\n");                                          \
    }                                                                 \
  } while (0)

namespace {

Session* new_session(Runtime* rt, const char* id) {
  Session* s = session_new(rt).to_app();
  if (s == nullptr) return nullptr;
  session_set1_id(s, reinterpret_cast<const uint8_t*>(id), static_cast<unsigned>(strlen(id)));
  session_set_protocol_version(s, 0x0303);
  return s;
}

void test_wipe_and_release() {
  Runtime rt;
  Session* s = new_session(&rt, "wipe");
  uint8_t key[48];
  memset(key, 0xAB, sizeof key);
  session_set1_master_key(s, key, sizeof key);
  uint8_t* storage = s->master_key;
  CHECK(app_free(s), "the application's one reference");
  // The slot went back to the pool; its bytes are still mapped (the chunk
  // is the pool's spare or still in use). The key must be zeros.
  UNPOISON(storage, 48);
  bool wiped = true;
  for (int i = 0; i < 48; i++) wiped = wiped && storage[i] == 0;
  POISON(storage, 48);
  CHECK(wiped, "master key wiped before the memory is released");
  CHECK(rt.live_count == 0, "nothing live");
}

void test_pool_gives_memory_back() {
  Runtime rt;
  std::vector<Session*> all;
  for (int i = 0; i < 20000; i++) all.push_back(session_new(&rt).to_app());
  const size_t peak = rt.sessions.chunks_mapped();
  CHECK(peak >= 20000 / SessionPool::kSlotsPerChunk, "chunks for 20,000 sessions (%zu)", peak);
  for (Session* s : all) app_free(s);
  const size_t kept = rt.sessions.chunks_mapped();
  CHECK(kept >= 1 && kept <= 4, "all chunks but a few spares unmapped (%zu)", kept);
  // Reuse: the spares serve the next sessions without a new mapping.
  Session* s = session_new(&rt).to_app();
  CHECK(rt.sessions.chunks_mapped() == kept, "a spare is reused");
  app_free(s);
}

// Teardown with many live sessions across many pool chunks, cached or not:
// every object goes, the walk never touches a released chunk (ASan build).
void test_teardown_with_live_objects() {
  auto* rt = new Runtime();
  Context* ctx = ctx_new(rt, &kTlsServerMethod).to_app();
  ctx->cache_size = 0;
  for (int i = 0; i < 10000; i++) {
    char id[16];
    snprintf(id, sizeof id, "live%d", i);
    Session* s = new_session(rt, id);
    ctx_add_session(ctx, s);
    if (i % 2) app_free(s);
  }
  Connection* ssl = ssl_new(ctx).to_app();
  ssl_set_session(ssl, ctx->list.head());
  const long before = g_allocated_objects.load();
  delete rt;
  CHECK(g_allocated_objects.load() == before - 10002, "every object released at teardown");
}

void test_handle_table() {
  Runtime rt;
  Session* a = session_new(&rt).to_app();
  const uint32_t slot = rt.handles.slot_for(a);
  const uint32_t gen = rt.handles.at(slot).generation;
  bool stale = false;
  CHECK(rt.handles.resolve(slot, gen, &stale) == a && !stale, "resolves while alive");
  app_free(a);
  CHECK(rt.handles.resolve(slot, gen, &stale) == nullptr && stale, "stale after destruction");
  Session* b = session_new(&rt).to_app();
  CHECK(rt.handles.slot_for(b) == slot, "the slot is reused at once");
  CHECK(rt.handles.resolve(slot, gen, &stale) == nullptr && stale, "the old handle stays stale");
  CHECK(rt.handles.resolve(slot, gen + 1, &stale) == b, "the new generation names the new object");
  CHECK(rt.handles.resolve(9999, 1, &stale) == nullptr && !stale, "a slot that does not exist is no handle");
  app_free(b);
}

// A remove callback that tries to free the session it is given: the cache
// still holds its reference through the callback, so the application (which
// holds none) is refused, and the session is destroyed once, after it.
int destroyed = 0;
int refused = 0;
void count_destroy(Object*, void*, ExData*, int, long, void*) { destroyed++; }
void greedy_remove(Context*, Session* s, void*) {
  if (!app_free(s)) refused++;
  CHECK(s->alive(), "alive during its remove callback");
}

void test_remove_callback_cannot_free_the_cache_reference() {
  Runtime rt;
  CalloutScope gate(&rt);
  rt.new_ex_index(Kind::Session, 0, nullptr, nullptr, nullptr, count_destroy);
  Context* ctx = ctx_new(&rt, &kTlsServerMethod).to_app();
  ctx->remove_session.fn = greedy_remove;
  destroyed = refused = 0;
  for (const char* path : {"remove", "flush", "evict", "ctx_free"}) {
    Session* s = new_session(&rt, path);
    ctx_add_session(ctx, s);
    app_free(s);  // only the cache holds it now
    const int before = destroyed;
    if (!strcmp(path, "remove")) ctx_remove_session(ctx, s);
    if (!strcmp(path, "flush")) ctx_flush_sessions(ctx, 0);
    if (!strcmp(path, "evict")) {
      ctx->cache_size = 1;
      Session* t = new_session(&rt, "next");
      ctx_add_session(ctx, t);  // evicts s
      app_free(t);
      ctx->cache_size = kDefaultCacheSize;
      ctx_flush_sessions(ctx, 0);
    }
    if (!strcmp(path, "ctx_free")) {
      app_free(ctx);
      ctx = nullptr;
    }
    CHECK(destroyed > before, "%s: destroyed after the callback", path);
  }
  CHECK(refused == 5, "every greedy free refused (%d)", refused);
  CHECK(rt.live_count == 0, "nothing live (%zu)", rt.live_count);
}

// An ex_data new callback that frees the object being created: refused.
void greedy_new(Object* o, void*, ExData*, int, long, void*) {
  if (o->kind == Kind::Session && !app_free(static_cast<Session*>(o))) refused++;
}

void test_new_callback_cannot_free_what_is_created() {
  Runtime rt;
  CalloutScope gate(&rt);
  rt.new_ex_index(Kind::Session, 0, nullptr, greedy_new, nullptr, nullptr);
  refused = 0;
  Context* ctx = ctx_new(&rt, &kTlsServerMethod).to_app();
  Connection* ssl = ssl_new(ctx).to_app();
  ssl_set_accept_state(ssl);
  ServerHello hello;
  HandshakeResult r = simulate_server_handshake(ssl, hello);
  CHECK(r.reason == 0, "handshake ok");
  CHECK(refused == 1, "the new callback's free was refused (%d)", refused);
  CHECK(ctx->table.size() == 1 && ctx_cache_consistent(ctx), "the new session is cached, intact");
  app_free(ssl);
  app_free(ctx);
  CHECK(rt.live_count == 0, "nothing live (%zu)", rt.live_count);
}

int called = 0;
void counting_remove(Context*, Session*, void*) { called++; }

void test_callout_gate() {
  Runtime rt;
  Context* ctx = ctx_new(&rt, &kTlsServerMethod).to_app();
  ctx->remove_session.fn = counting_remove;
  Session* s = new_session(&rt, "gate");
  called = 0;
  ctx_remove_session(ctx, s);  // no scope open
  CHECK(called == 0 && rt.stray_callouts == 1, "no callout without a scope (%d, %ld)", called,
        rt.stray_callouts);
  {
    CalloutScope gate(&rt);
    ctx_remove_session(ctx, s);
  }
  CHECK(called == 1, "called within a scope");
  app_free(s);
  app_free(ctx);
}

// Every allocation the scenario makes, failed in turn: no crash, no leak
// (LeakSanitizer in the sanitizer build), caches consistent, failures
// reported the OpenSSL way.
void scenario(Runtime* rt, bool* reported) {
  CalloutScope gate(rt);
  Context* ctx = ctx_new(rt, &kTlsServerMethod).to_app();
  if (ctx == nullptr) {
    *reported = err_get_reason(err_peek()) == kReasonMallocFailure;
    return;
  }
  ctx->cache_size = 4;
  uint8_t long_key[100];
  memset(long_key, 7, sizeof long_key);
  for (int i = 0; i < 8; i++) {
    char id[16];
    snprintf(id, sizeof id, "id%d", i);
    Session* s = new_session(rt, id);
    if (s == nullptr) continue;
    if (!session_set1_master_key(s, long_key, sizeof long_key)) *reported = true;
    if (!session_set1_hostname(s, reinterpret_cast<const uint8_t*>("host"), 4)) *reported = true;
    ctx_add_session(ctx, s);
    Session* d = session_dup(s, nullptr, nullptr).to_app();
    if (d == nullptr)
      *reported = true;
    else
      app_free(d);
    app_free(s);
  }
  Connection* ssl = ssl_new(ctx).to_app();
  if (ssl != nullptr) {
    ssl_set_accept_state(ssl);
    ServerHello hello;
    hello.session_id = reinterpret_cast<const uint8_t*>("id7");
    hello.session_id_len = 3;
    simulate_server_handshake(ssl, hello);
    CHECK(ctx_cache_consistent(ctx), "consistent after the handshake");
    app_free(ssl);
  }
  CHECK(ctx_cache_consistent(ctx), "consistent");
  app_free(ctx);
}

void test_allocation_failures() {
  fail_allocation_after(0);
  {
    Runtime rt;
    bool reported = false;
    scenario(&rt, &reported);
  }
  const long attempts = fail_allocation_after(0);
  CHECK(attempts > 20, "the scenario allocates (%ld)", attempts);
  int reported_count = 0;
  for (long n = 1; n <= attempts; n++) {
    err_clear();
    Runtime rt;
    fail_allocation_after(n);
    bool reported = false;
    scenario(&rt, &reported);
    fail_allocation_after(0);
    if (reported || err_peek() != 0) reported_count++;
    CHECK(rt.live_count == 0, "allocation %ld failed: nothing left live (%zu)", n, rt.live_count);
  }
  CHECK(reported_count > attempts / 2, "failures reported (%d of %ld)", reported_count, attempts);
  err_clear();
}

}  // namespace

// The session table (open addressing, tags, overflow counts): a reference
// model checked through growth, shrinking and reinsertion, with ids of
// every length 0..32 and both versions, so that buckets overflow into their
// neighbours and entries leave from the middle of probe runs.
void test_session_table_model() {
  Runtime rt;
  SessionTable t;
  std::vector<Session*> all;
  uint32_t x = 12345;
  auto next = [&]() { return x = x * 1664525u + 1013904223u; };
  for (int i = 0; i < 6000; i++) {
    Session* s = session_new(&rt).to_app();
    s->ssl_version = (i & 1) ? 0x0303 : 0x0304;
    s->id_len = static_cast<uint8_t>(i % 33);
    for (unsigned k = 0; k < s->id_len; k++) s->id[k] = static_cast<uint8_t>(next() >> 24);
    if (s->id_len >= 4) memcpy(s->id, &i, 4);  // unique keys
    all.push_back(s);
  }
  std::vector<bool> in(all.size(), false);
  size_t count = 0;
  bool ok = true;
  for (int round = 0; round < 4 && ok; round++) {
    for (size_t i = 0; i < all.size(); i++) {
      if ((next() >> 8) % 3 == 0) continue;
      Session* s = all[i];
      Session* r = t.insert(s);
      bool was = in[i];
      if (!was && all[i]->id_len < 4) {
        // Short ids may repeat: the model accepts a displaced equal key.
        for (size_t j = 0; j < all.size(); j++) {
          if (j != i && in[j] && all[j]->same_key(s->ssl_version, s->id, s->id_len)) {
            ok = ok && r == all[j];
            in[j] = false;
            count--;
            was = true;
            break;
          }
        }
        if (!was) ok = ok && r == nullptr;
        in[i] = true;
        count++;
        continue;
      }
      ok = ok && r == (was ? s : nullptr);
      if (!was) count++;
      in[i] = true;
    }
    CHECK(ok && t.size() == count, "inserts as the model (round %d, %zu)", round, t.size());
    for (size_t i = 0; i < all.size(); i++) {
      Session* s = all[i];
      Session* f = t.find(s->ssl_version, s->id, s->id_len);
      ok = ok && (in[i] ? f == s : f != s);
    }
    CHECK(ok, "every entry found, no removed one (round %d)", round);
    // Erase most: the array shrinks; the rest must stay reachable.
    for (size_t i = 0; i < all.size(); i++) {
      if (in[i] && (next() >> 8) % 8 != 0) {
        t.erase(all[i]);
        in[i] = false;
        count--;
      }
    }
    for (size_t i = 0; i < all.size(); i++) {
      Session* s = all[i];
      Session* f = t.find(s->ssl_version, s->id, s->id_len);
      ok = ok && (in[i] ? f == s : f != s);
    }
    CHECK(ok && t.size() == count, "found after erasing (round %d, %zu left, %zu buckets)", round, count,
          t.bucket_count());
  }
  for (size_t i = 0; i < all.size(); i++)
    if (in[i]) t.erase(all[i]);
  CHECK(t.size() == 0 && t.bucket_count() == 2, "empty again, smallest array (%zu)", t.bucket_count());
  uint8_t miss[32] = {0xff};
  CHECK(t.find(0x0303, miss, 32) == nullptr, "a miss in an empty table");
  for (Session* s : all) app_free(s);
}

int main() {
  test_wipe_and_release();
  test_pool_gives_memory_back();
  test_teardown_with_live_objects();
  test_handle_table();
  test_remove_callback_cannot_free_the_cache_reference();
  test_new_callback_cannot_free_what_is_created();
  test_callout_gate();
  test_allocation_failures();
  test_session_table_model();
  printf("core: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
