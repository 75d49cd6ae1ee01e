#include "runtime.h"

#include <ctime>
#include <cstdlib>

#include "object.h"

namespace osc {

std::atomic<long> g_allocated_objects{0};

int64_t wall_clock(void*) { return static_cast<int64_t>(time(nullptr)); }

bool ExData::set(int idx, void* value) {
  if (idx < 0) return false;
  if (idx >= count) {
    if (value == nullptr) return true;  // unset slots already read as null
    int n = idx + 1;
    void** grown = static_cast<void**>(realloc(slots, sizeof(void*) * n));
    if (grown == nullptr) return false;
    for (int i = count; i < n; i++) grown[i] = nullptr;
    slots = grown;
    count = n;
  }
  slots[idx] = value;
  return true;
}

void ExData::clear_storage() {
  free(slots);
  slots = nullptr;
  count = 0;
}

Runtime::Runtime() {
  // Index 0 of every class is reserved for app_data, as in OpenSSL.
  for (auto& v : ex_) v.push_back(ExIndex{0, nullptr, nullptr, nullptr, nullptr});
}

int Runtime::new_ex_index(Kind kind, long argl, void* argp, ExNewFn n, ExDupFn d, ExFreeFn f) {
  auto& v = ex_[static_cast<int>(kind)];
  v.push_back(ExIndex{argl, argp, n, d, f});
  return static_cast<int>(v.size() - 1);
}

Object::Object(Runtime* r, Kind k) : rt(r), kind(k) {
  live_next = rt->live;
  if (live_next) live_next->live_prev = this;
  rt->live = this;
  rt->live_count++;
  g_allocated_objects.fetch_add(1, std::memory_order_relaxed);
}

Object::~Object() {
  if (live_prev) live_prev->live_next = live_next;
  else rt->live = live_next;
  if (live_next) live_next->live_prev = live_prev;
  rt->live_count--;
  ex.clear_storage();
  g_allocated_objects.fetch_sub(1, std::memory_order_relaxed);
}

void ex_data_new(Object* o) {
  if (o->rt->silent) return;
  const auto& idx = o->rt->ex_indexes(o->kind);
  for (size_t i = 1; i < idx.size(); i++) {
    if (idx[i].new_fn) idx[i].new_fn(o, nullptr, &o->ex, static_cast<int>(i), idx[i].argl, idx[i].argp);
  }
}

void ex_data_free(Object* o) {
  Runtime* rt = o->rt;
  if (!rt->silent) {
    // A free callback may register more indexes; index by position.
    for (size_t i = 1; i < rt->ex_indexes(o->kind).size(); i++) {
      const ExIndex& e = rt->ex_indexes(o->kind)[i];
      if (e.free_fn) e.free_fn(o, o->ex.get(static_cast<int>(i)), &o->ex, static_cast<int>(i), e.argl, e.argp);
    }
  }
  for (int i = 0; i < o->ex.count; i++) {
    void* v = o->ex.slots[i];
    o->ex.slots[i] = nullptr;
    if (v && rt->release_value) rt->release_value(v, rt->release_arg);
  }
  o->ex.clear_storage();
}

}  // namespace osc
