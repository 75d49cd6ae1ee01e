// The list half of the cache: sessions in OpenSSL's timeout order, head =
// expires last, tail = expires first; among equal expiries the most recent
// (re)insertion is nearer the head.
//
// OpenSSL finds an out-of-order session's place by walking the list (O(n)).
// Here the sessions sharing an expiry form a contiguous run ("group"); the
// newest session of each group is also a node of a treap keyed by expiry,
// which finds the run to insert before in O(log groups). The common cases
// cost O(1) expected: a session expiring at or after the head goes first (a
// new maximum is a treap leaf beside the old maximum), unlinking needs no
// search.
#pragma once

#include "session.h"

namespace osc {

class TimeoutList {
 public:
  Session* head() const { return head_; }
  Session* tail() const { return tail_; }
  // SSL_SESSION_list_add: links s at its sorted place (s must not be linked).
  void link(Session* s);
  // SSL_SESSION_list_remove: s must be linked.
  void unlink(Session* s);
  // Checks the list order and the index against each other; for tests.
  bool consistent() const;

 private:
  void push_front(Session* s);
  void push_back(Session* s);
  void insert_before(Session* pos, Session* s);

  // The treap over group heads.
  void index_insert_leaf(Session* parent, bool left, Session* s);
  void index_insert(Session* s);
  void index_erase(Session* s);
  void index_replace(Session* old_head, Session* new_head);
  void rotate_up(Session* x);
  Session* index_floor(Expiry e) const;  // the group with the greatest expiry <= e
  Session* index_min() const;
  Session* index_max() const;
  uint32_t next_priority();

  Session* head_ = nullptr;
  Session* tail_ = nullptr;
  Session* root_ = nullptr;
  uint32_t rng_ = 0x2545F491;
};

}  // namespace osc
