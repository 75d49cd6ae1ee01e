// What SSL_CTX, SSL and SSL_SESSION share: OpenSSL's reference count, the
// ex_data slots, and the index of the object's JS handle.
//
// Memory follows OpenSSL's lifetime: when `references` reaches zero the
// object is destroyed exactly when OpenSSL would destroy it (ex_data free
// callbacks run, secrets are wiped, links to other objects are dropped) and
// its memory is released at once. A JS handle never owns memory; it names a
// slot of the runtime's handle table with a generation, so a handle that
// outlives its object is recognised as stale (see handle_table.h).
#pragma once

#include "runtime.h"

namespace osc {

struct Object {
  Object(Runtime* rt, Kind kind);
  ~Object();
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  // Contexts and connections are allocated with the runtime's teardown-list
  // links in front of them; sessions come from Runtime::sessions instead
  // (see session.cc) and have no links. Null when memory ran out.
  static void* operator new(size_t n) noexcept;
  static void operator delete(void* p);

  // Layout: 40 bytes, the reference count and flags last, so that a
  // session's hash link and key follow them in the same cache line.
  Runtime* rt;
  ExData ex;
  void* handle_ref = nullptr;  // the embedder's reference to the JS handle, or null
  uint32_t handle_slot = 0;    // the handle table slot naming this object; 0: none yet
  // The core's share of `references` (see ref.h): references held through
  // Ref, which the application may never free.
  int internal_refs = 0;
  int references = 1;
  Kind kind;
  bool dying = false;      // last reference gone; ex_data free callbacks are running
  bool destroyed = false;  // destroyed; the memory is being released

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

// Releases the memory of an object OpenSSL has destroyed (its destructor,
// its handle slot, then its allocation).
void destroy_object(Object* o);

// Process-wide count of core objects whose memory is still allocated, for
// leak tests (worker teardown, GC).
extern std::atomic<long> g_allocated_objects;

// Runs the ex_data new callbacks for a freshly made object (CRYPTO_new_ex_data).
void ex_data_new(Object* o);
// Runs the free callbacks of every index of the object's class, in index
// order, then hands non-null values to Runtime::release_value.
void ex_data_free(Object* o);

}  // namespace osc
