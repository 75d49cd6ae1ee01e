#include "session.h"

namespace osc {

Session::Session(Runtime* r) : Object(r, Kind::Session) {
  time = r->now();
  calculate_expiry();
}

Session::~Session() { cleanse(master_key, sizeof master_key); }

void Session::calculate_expiry() {
  if (timeout < 0) timeout = 0;  // OpenSSL forces a non-negative timeout here
  // The sum wraps as two's complement; only a positive time can overflow
  // since the timeout is never negative.
  expiry.at = static_cast<int64_t>(static_cast<uint64_t>(time) + static_cast<uint64_t>(timeout));
  expiry.overflowed = time > 0 && expiry.at < time;
}

Session* session_new(Runtime* rt) {
  Session* s = new Session(rt);
  ex_data_new(s);
  return s;
}

void session_up_ref(Session* s) { s->references++; }

void session_free(Session* s) {
  if (s == nullptr || --s->references > 0) return;
  s->dying = true;
  ex_data_free(s);
  cleanse(s->master_key, sizeof s->master_key);
  s->master_key_len = 0;
  s->destroyed = true;
  release_if_unreferenced(s);
}

}  // namespace osc
