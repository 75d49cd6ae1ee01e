#include "connection.h"

namespace osc {

static_assert(offsetof(Object, kind) == kFreeMarkOffset, "the pool's free mark overlays Object::kind");
static_assert(sizeof(Object) == 40, "Object header layout");
static_assert(sizeof(Session) <= kSessionSlotBytes, "Session must fit a pool slot");
static_assert(alignof(Session) <= kSessionSlotPhase, "pool slots are 32-byte aligned");

void destroy_object(Object* o) {
  switch (o->kind) {
    case Kind::Session: {
      Runtime* rt = o->rt;
      Session* s = static_cast<Session*>(o);
      s->~Session();
      rt->sessions.release(s);
      break;
    }
    case Kind::Context: delete static_cast<Context*>(o); break;
    case Kind::Connection: delete static_cast<Connection*>(o); break;
  }
}

void release_if_unreferenced(Object* o) {
  if (!o->destroyed || o->handles != 0) return;
  destroy_object(o);
}

Runtime::~Runtime() {
  // Teardown: nothing may call out any more, and every object goes, whatever
  // its counts say. Destructors free only what each object owns.
  silent = true;
  for_each_live(this, [](Object* o) {
    ex_data_free(o);  // silent: releases the values, calls nothing
    if (o->kind == Kind::Context) release_callbacks(static_cast<Context*>(o));
    if (o->kind == Kind::Connection) release_callbacks(static_cast<Connection*>(o));
  });
  for_each_live(this, [](Object* o) { destroy_object(o); });
}

}  // namespace osc
