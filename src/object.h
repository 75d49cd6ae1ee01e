// What SSL_CTX, SSL and SSL_SESSION share: OpenSSL's reference count, the
// ex_data slots, and the link to a JS handle.
//
// Two lifetimes are kept apart:
// - `references` is OpenSSL's count. When it reaches zero the object is
//   destroyed exactly when OpenSSL would destroy it: ex_data free callbacks
//   run, secrets are wiped, links to other objects are dropped.
// - The memory stays until no JS handle points at it any more, so a stale
//   handle reports "used after free" instead of reading freed memory.
#pragma once

#include <atomic>

#include "runtime.h"

namespace osc {

struct Object {
  Object(Runtime* rt, Kind kind);
  ~Object();
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  // Contexts and connections are allocated with the runtime's teardown-list
  // links in front of them; sessions come from Runtime::sessions instead
  // (see session.cc) and have no links.
  static void* operator new(size_t n);
  static void operator delete(void* p);

  // Layout: 40 bytes, the reference count and flags last, so that a
  // session's hash link and key follow them in the same cache line.
  Runtime* rt;
  void* handle = nullptr;  // the glue's record of the current JS handle
  ExData ex;
  // References held by the core's own structures (a cache entry, a
  // connection's current session, a connection's context). Freeing one of
  // those from outside would be a use-after-free in C; the API refuses it.
  int internal_refs = 0;
  uint32_t handles = 0;    // live JS handles; owned by the addon glue
  int references = 1;
  Kind kind;
  bool dying = false;      // last reference gone; ex_data free callbacks are running
  bool destroyed = false;  // OpenSSL would have freed it; only the memory remains

  bool alive() const { return !dying && !destroyed; }
};

inline Runtime::LiveLinks* links_of(Object* o) {
  return reinterpret_cast<Runtime::LiveLinks*>(reinterpret_cast<uint8_t*>(o) - sizeof(Runtime::LiveLinks));
}
inline Object* object_of(Runtime::LiveLinks* l) {
  return reinterpret_cast<Object*>(reinterpret_cast<uint8_t*>(l) + sizeof(Runtime::LiveLinks));
}

// Calls f(Object*) for every object of rt whose memory is still allocated.
// f may not free objects other than the one it is given.
template <typename F>
void for_each_live(Runtime* rt, F f) {
  for (Runtime::LiveLinks* l = rt->others; l != nullptr;) {
    Runtime::LiveLinks* next = l->next;
    f(object_of(l));
    l = next;
  }
  rt->sessions.for_each_allocated([&](void* p) { f(static_cast<Object*>(p)); });
}

// Frees the memory of an object (its destructor, then its allocation).
void destroy_object(Object* o);

// Process-wide count of core objects whose memory is still allocated, for
// leak tests (worker teardown, GC).
extern std::atomic<long> g_allocated_objects;

// Runs the ex_data new callbacks for a freshly made object (CRYPTO_new_ex_data).
void ex_data_new(Object* o);
// Runs the free callbacks of every index of the object's class, in index
// order, then hands non-null values to Runtime::release_ex_value.
void ex_data_free(Object* o);

// Frees the memory of a destroyed object that no JS handle refers to.
void release_if_unreferenced(Object* o);

}  // namespace osc
