#include "connection.h"

namespace osc {

static_assert(sizeof(Object) == 40, "Object header layout");
static_assert(offsetof(Object, references) == 32, "the reference count starts the hot cache line");
static_assert(sizeof(Session) <= kSessionSlotBytes, "Session must fit a pool slot");
static_assert(alignof(Session) <= 8, "pool slots are 8-byte aligned");

namespace {

// The destructor and the handle slot; the memory stays with the caller.
// `keep_slot` leaves a session's pool slot allocated (teardown: the pool
// goes as a whole, and releasing slots would unmap chunks being walked).
void destroy(Object* o, bool keep_slot) {
  Runtime* rt = o->rt;
  rt->release(rt->handles.release(o));
  switch (o->kind) {
    case Kind::Session: {
      Session* s = static_cast<Session*>(o);
      s->~Session();
      if (!keep_slot) rt->sessions.release(s);
      break;
    }
    case Kind::Context:
      delete static_cast<Context*>(o);
      break;
    case Kind::Connection:
      delete static_cast<Connection*>(o);
      break;
  }
}

}  // namespace

void destroy_object(Object* o) { destroy(o, false); }

Runtime::~Runtime() {
  // Teardown: nothing may call out any more, and every object goes, whatever
  // its counts say. Destructors free only what each object owns.
  silent = true;
  for_each_live(this, [](Object* o) {
    ex_data_free(o);  // silent: releases the values, calls nothing
    if (o->kind == Kind::Context) release_callbacks(static_cast<Context*>(o));
    if (o->kind == Kind::Connection) release_callbacks(static_cast<Connection*>(o));
  });
  for_each_live(this, [](Object* o) {
    // Links between objects are not followed: each goes on its own.
    if (o->kind == Kind::Connection) static_cast<Connection*>(o)->forget_links();
    if (o->kind == Kind::Session) static_cast<Session*>(o)->owner = nullptr;
  });
  for_each_live(this, [](Object* o) { destroy(o, true); });
}

void ex_data_new(Object* o) {
  Runtime* rt = o->rt;
  // A callback may register more indexes; index by position.
  for (size_t i = 1; i < rt->ex_indexes(o->kind).size(); i++) {
    const ExIndex e = rt->ex_indexes(o->kind)[i];
    if (e.new_fn && callout_allowed(rt)) e.new_fn(o, nullptr, &o->ex, static_cast<int>(i), e.argl, e.argp);
  }
}

void ex_data_free(Object* o) {
  Runtime* rt = o->rt;
  for (size_t i = 1; i < rt->ex_indexes(o->kind).size(); i++) {
    const ExIndex e = rt->ex_indexes(o->kind)[i];
    if (e.free_fn && callout_allowed(rt)) {
      e.free_fn(o, o->ex.get(static_cast<int>(i)), &o->ex, static_cast<int>(i), e.argl, e.argp);
    }
  }
  for (int i = 0; i < o->ex.count(); i++) {
    void** slots = o->ex.slots();
    void* v = slots[i];
    slots[i] = nullptr;
    rt->release(v);
  }
  o->ex.clear_storage();
}

}  // namespace osc
