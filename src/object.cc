#include "connection.h"

namespace osc {

void release_if_unreferenced(Object* o) {
  if (!o->destroyed || o->handles != 0) return;
  switch (o->kind) {
    case Kind::Session: delete static_cast<Session*>(o); break;
    case Kind::Context: delete static_cast<Context*>(o); break;
    case Kind::Connection: delete static_cast<Connection*>(o); break;
  }
}

Runtime::~Runtime() {
  // Teardown: nothing may call out any more, and every object goes, whatever
  // its counts say. Destructors free only what each object owns.
  silent = true;
  for (Object* o = live; o != nullptr; o = o->live_next) {
    ex_data_free(o);  // silent: releases the values, calls nothing
    if (o->kind == Kind::Context) release_callbacks(static_cast<Context*>(o));
    if (o->kind == Kind::Connection) release_callbacks(static_cast<Connection*>(o));
  }
  while (live != nullptr) {
    Object* o = live;
    switch (o->kind) {
      case Kind::Session: delete static_cast<Session*>(o); break;
      case Kind::Context: delete static_cast<Context*>(o); break;
      case Kind::Connection: delete static_cast<Connection*>(o); break;
    }
  }
}

}  // namespace osc
