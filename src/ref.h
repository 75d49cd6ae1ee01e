// Ownership of OpenSSL references, in the manner of BoringSSL's UniquePtr /
// UpRef: one scoped type for every reference the core holds.
//
// An object's `references` is OpenSSL's count. The core's own share of it
// (a cache entry, a connection's session and contexts, a step that keeps an
// object alive while it calls out, an object being created) is counted in
// `internal_refs`, and is only ever held through a Ref. The application's
// share is the rest: it may free only references it holds, so no callback
// can free a reference the core still uses (app_free refuses it).
#pragma once

#include "object.h"

namespace osc {

struct Session;
struct Context;
struct Connection;
// Drop one reference; at zero the object is destroyed (session.cc,
// context.cc, connection.cc). Only Ref and app_free call these.
void session_free(Session* s);
void ctx_free(Context* ctx);
void ssl_free(Connection* ssl);
inline void drop_reference(Session* s) { session_free(s); }
inline void drop_reference(Context* c) { ctx_free(c); }
inline void drop_reference(Connection* c) { ssl_free(c); }

template <typename T>
class Ref {
 public:
  Ref() = default;
  // A new reference on o (SSL_*_up_ref), owned by the core; null stays null.
  static Ref up(T* o) {
    if (o != nullptr) {
      o->references++;
      o->internal_refs++;
    }
    return Ref(o);
  }
  // Keeps o alive while a step that may call out runs: a new reference,
  // unless o is being destroyed already (then nothing can free it further,
  // and a reference would revive it).
  static Ref hold(T* o) { return o != nullptr && o->alive() ? up(o) : Ref(); }
  // Takes over a reference already counted as the core's (from another Ref's
  // release(), or a structure that held it).
  static Ref adopt(T* o) { return Ref(o); }

  Ref(Ref&& r) noexcept : p_(r.p_) { r.p_ = nullptr; }
  Ref& operator=(Ref&& r) noexcept {
    if (this != &r) {
      T* old = p_;
      p_ = r.p_;
      r.p_ = nullptr;
      drop(old);  // after the new value is in place: callbacks see it
    }
    return *this;
  }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  ~Ref() { reset(); }

  // Drops the reference (callbacks may run: ex_data free, remove).
  void reset() {
    T* old = p_;
    p_ = nullptr;
    drop(old);
  }
  // Gives up ownership without dropping: the reference stays the core's and
  // whoever receives the pointer now holds it (adopt it back to drop it).
  T* release() {
    T* p = p_;
    p_ = nullptr;
    return p;
  }
  // Hands the reference to the application: from here it is one of the
  // references the application may free.
  T* to_app() {
    T* p = p_;
    p_ = nullptr;
    if (p != nullptr) p->internal_refs--;
    return p;
  }

  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  explicit Ref(T* p) : p_(p) {}
  static void drop(T* p) {
    if (p == nullptr) return;
    p->internal_refs--;
    drop_reference(p);
  }
  T* p_ = nullptr;
};

// One reference more for the application (SSL_SESSION_up_ref and friends).
// False, with nothing changed, for an object whose last reference is going
// (it cannot be revived) or gone.
template <typename T>
bool app_up_ref(T* o) {
  if (!o->alive()) return false;
  o->references++;
  return true;
}

// Whether the application holds a reference it may free: C would free
// memory still in use (a cache's, a connection's, a running step's
// reference) otherwise.
inline bool app_holds_reference(const Object* o) { return o->alive() && o->references > o->internal_refs; }

// SSL_SESSION_free / SSL_CTX_free / SSL_free from the application: drops one
// of its references. False, with nothing changed, when it holds none.
template <typename T>
bool app_free(T* o) {
  if (!app_holds_reference(o)) return false;
  drop_reference(o);
  return true;
}

// Turns one application reference into a core one (a get callback that
// hands its reference over with *copy = 0). False when the application holds
// none: the caller takes a new reference instead.
template <typename T>
Ref<T> adopt_app_reference(T* o) {
  if (!app_holds_reference(o)) return Ref<T>();
  o->internal_refs++;
  return Ref<T>::adopt(o);
}

}  // namespace osc
