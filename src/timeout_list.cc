#include "timeout_list.h"

namespace osc {

uint32_t TimeoutList::next_priority() {
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 17;
  rng_ ^= rng_ << 5;
  return rng_;
}

void TimeoutList::link(Session* s) {
  s->linked = true;
  s->group_head = true;
  if (head_ == nullptr) {
    s->prev = s->next = nullptr;
    head_ = tail_ = s;
    index_insert_leaf(nullptr, false, s);
    return;
  }
  int vs_head = compare_expiry(s->expiry, head_->expiry);
  if (vs_head >= 0) {  // the usual case: expires last, goes first
    Session* old_head = head_;
    push_front(s);
    if (vs_head == 0) {
      index_replace(old_head, s);
    } else {
      // The head is the newest of the latest group, so it is the index's
      // maximum: the new group is a leaf on its right.
      index_insert_leaf(old_head, false, s);
    }
    return;
  }
  if (compare_expiry(s->expiry, tail_->expiry) < 0) {
    push_back(s);
    index_insert_leaf(index_min(), true, s);
    return;
  }
  // Somewhere in between: before the first session expiring at or before s,
  // which is the newest session of the floor group.
  Session* g = index_floor(s->expiry);
  insert_before(g, s);
  if (compare_expiry(g->expiry, s->expiry) == 0) {
    index_replace(g, s);
  } else {
    index_insert(s);
  }
}

void TimeoutList::unlink(Session* s) {
  if (s->group_head) {
    Session* n = s->next;
    if (n != nullptr && compare_expiry(n->expiry, s->expiry) == 0) {
      index_replace(s, n);
    } else {
      index_erase(s);
    }
  }
  if (s->prev)
    s->prev->next = s->next;
  else
    head_ = s->next;
  if (s->next)
    s->next->prev = s->prev;
  else
    tail_ = s->prev;
  s->prev = s->next = nullptr;
  s->linked = false;
  s->group_head = false;
}

void TimeoutList::push_front(Session* s) {
  s->prev = nullptr;
  s->next = head_;
  head_->prev = s;
  head_ = s;
  if (s->next->group_head && compare_expiry(s->next->expiry, s->expiry) == 0) s->next->group_head = false;
}

void TimeoutList::push_back(Session* s) {
  s->next = nullptr;
  s->prev = tail_;
  tail_->next = s;
  tail_ = s;
}

void TimeoutList::insert_before(Session* pos, Session* s) {
  s->next = pos;
  s->prev = pos->prev;
  pos->prev->next = s;  // pos is never the head here
  pos->prev = s;
  if (compare_expiry(pos->expiry, s->expiry) == 0) pos->group_head = false;
}

// ---- the treap over group heads ----

void TimeoutList::rotate_up(Session* x) {
  Session* p = x->index_parent;
  Session* g = p->index_parent;
  if (p->index_left == x) {
    p->index_left = x->index_right;
    if (x->index_right) x->index_right->index_parent = p;
    x->index_right = p;
  } else {
    p->index_right = x->index_left;
    if (x->index_left) x->index_left->index_parent = p;
    x->index_left = p;
  }
  p->index_parent = x;
  x->index_parent = g;
  if (g == nullptr)
    root_ = x;
  else if (g->index_left == p)
    g->index_left = x;
  else
    g->index_right = x;
}

void TimeoutList::index_insert_leaf(Session* parent, bool left, Session* s) {
  s->index_left = s->index_right = nullptr;
  s->index_parent = parent;
  s->index_priority = next_priority();
  if (parent == nullptr)
    root_ = s;
  else if (left)
    parent->index_left = s;
  else
    parent->index_right = s;
  while (s->index_parent != nullptr && s->index_parent->index_priority < s->index_priority) rotate_up(s);
}

void TimeoutList::index_insert(Session* s) {
  Session* parent = nullptr;
  bool left = false;
  for (Session* n = root_; n != nullptr;) {
    parent = n;
    left = compare_expiry(s->expiry, n->expiry) < 0;
    n = left ? n->index_left : n->index_right;
  }
  index_insert_leaf(parent, left, s);
}

void TimeoutList::index_erase(Session* s) {
  // Rotate s down below the higher-priority child until it is a leaf.
  while (s->index_left != nullptr || s->index_right != nullptr) {
    Session* c;
    if (s->index_left == nullptr)
      c = s->index_right;
    else if (s->index_right == nullptr)
      c = s->index_left;
    else
      c = s->index_left->index_priority > s->index_right->index_priority ? s->index_left : s->index_right;
    rotate_up(c);
  }
  Session* p = s->index_parent;
  if (p == nullptr)
    root_ = nullptr;
  else if (p->index_left == s)
    p->index_left = nullptr;
  else
    p->index_right = nullptr;
  s->index_parent = nullptr;
}

void TimeoutList::index_replace(Session* old_head, Session* new_head) {
  new_head->index_left = old_head->index_left;
  new_head->index_right = old_head->index_right;
  new_head->index_parent = old_head->index_parent;
  new_head->index_priority = old_head->index_priority;
  if (new_head->index_left) new_head->index_left->index_parent = new_head;
  if (new_head->index_right) new_head->index_right->index_parent = new_head;
  Session* p = old_head->index_parent;
  if (p == nullptr)
    root_ = new_head;
  else if (p->index_left == old_head)
    p->index_left = new_head;
  else
    p->index_right = new_head;
  old_head->index_left = old_head->index_right = old_head->index_parent = nullptr;
  old_head->group_head = false;
  new_head->group_head = true;
}

Session* TimeoutList::index_floor(Expiry e) const {
  Session* best = nullptr;
  for (Session* n = root_; n != nullptr;) {
    if (compare_expiry(n->expiry, e) <= 0) {
      best = n;
      n = n->index_right;
    } else {
      n = n->index_left;
    }
  }
  return best;
}

Session* TimeoutList::index_min() const {
  Session* n = root_;
  while (n && n->index_left) n = n->index_left;
  return n;
}

Session* TimeoutList::index_max() const {
  Session* n = root_;
  while (n && n->index_right) n = n->index_right;
  return n;
}

bool TimeoutList::consistent() const {
  // Walk the list: order, back links, group heads; then count index nodes.
  size_t groups = 0;
  const Session* prev = nullptr;
  for (const Session* s = head_; s != nullptr; prev = s, s = s->next) {
    if (s->prev != prev || !s->linked) return false;
    bool starts_group = prev == nullptr || compare_expiry(prev->expiry, s->expiry) != 0;
    if (prev != nullptr && compare_expiry(prev->expiry, s->expiry) < 0) return false;
    if (starts_group != s->group_head) return false;
    if (starts_group) {
      groups++;
      if (index_floor(s->expiry) != s) return false;
    }
  }
  if (prev != tail_) return false;
  // In-order size of the treap equals the number of groups; heap property.
  size_t nodes = 0;
  const Session* stack[128];
  int depth = 0;
  const Session* n = root_;
  while (n != nullptr || depth > 0) {
    while (n != nullptr) {
      if (depth == 128) return true;  // too deep to check here; the list walk passed
      if (n->index_parent && n->index_parent->index_priority < n->index_priority) return false;
      stack[depth++] = n;
      n = n->index_left;
    }
    n = stack[--depth];
    nodes++;
    n = n->index_right;
  }
  return nodes == groups && (root_ == nullptr || index_max() == head_);
}

}  // namespace osc
