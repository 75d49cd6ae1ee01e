// The cache steps behind a Node TLS server. Node's own OpenSSL runs the
// handshake and reports it through events ('connection', 'resumeSession',
// 'newSession', 'secureConnection'); each event is one of these steps,
// running OpenSSL's own logic (tls_setup_handshake, ssl_get_prev_session,
// ssl_update_cache, tls_finish_handshake) on the adapter's connection: one
// SSL per adapter, made on the cache's context, standing for each Node
// connection in turn. A step sets it up (the version, the context's id
// context and verify mode, a fresh handshake state) and leaves it holding
// nothing; a step that starts while another runs on it (a callback of one
// step emitting a server event) gets a connection of its own. What Node does
// not say at the time (the negotiated version, at 'resumeSession') is
// settled by deferring: a lookup's counters wait for the handshake's end,
// and a TLS 1.3 handshake, which OpenSSL never looks up by id, drops them.
#pragma once

#include "handshake.h"

namespace osc {

enum LookupOutcome : int {
  kLookupMiss = 0,      // no session: a full handshake
  kLookupResume = 1,    // resume `session`
  kLookupAskStore = 2,  // the table missed and the context has a get callback: ask it
  kLookupFatal = 3,     // the handshake fails (SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED)
};

struct ServerLookup {
  LookupOutcome outcome = kLookupMiss;
  Ref<Session> session;  // kLookupResume: the session to hand to Node
  // What OpenSSL counts for this lookup (hits, misses, cb_hits, timeouts),
  // to commit with server_finish once the version is known.
  Stats tally;
  int fatal_reason = 0;
  // server_lookup_answer: the store's session carries another id than the
  // one looked up (refused as a miss before OpenSSL's checks).
  bool id_mismatch = false;
};

// 'connection': a TCP connection the server takes (tls_setup_handshake: accept).
void server_accept(Connection* conn);

// 'resumeSession', step 1: the internal table, under each version that
// resumes by id (TLS 1.2, 1.1, 1.0: Node does not say which the handshake
// negotiates; a session resumes only with its own), then OpenSSL's checks.
// kLookupAskStore leaves the table's miss in the tally.
ServerLookup server_lookup(Connection* conn, const uint8_t* id, size_t len);

// 'resumeSession', step 2: what the get callback answered (null, or a session
// and C's copy flag), through lookup_sess_in_cache's second half and
// ssl_get_prev_session's checks, under the session's own version. A value
// from an external store is trusted no further than OpenSSL trusts its get
// callback's result, and must also carry the id it was looked up by.
ServerLookup server_lookup_answer(Connection* conn, const uint8_t* id, size_t len, Session* answer, int copy,
                                  const Stats& tally);

// 'newSession': Node's OpenSSL made `s` (decoded from Node's DER) at the end
// of a full handshake (TLS <= 1.2) or with a TLS 1.3 ticket. It is stamped as
// ssl_get_new_session stamps a session of ctx (time now, the context's
// timeout) and goes through ssl_update_cache (the internal store, the new
// callback, auto-clear). Returns a mask of kNewSession* bits.
enum : int {
  kNewSessionCached = 1,        // ssl_update_cache ran on it
  kNewSessionWrongContext = 2,  // its id context is not the context's: it can never resume here
};
int server_new_session(Connection* conn, Session* s);

// 'secureConnection': tls_finish_handshake's counting. A lookup's tally is
// committed when the version looks ids up (TLS <= 1.2), its hits only when
// Node resumed (a found session of another version is not one); a resumption the
// lookup did not make (a TLS 1.2 or 1.3 ticket) counts `hits`; a resumed
// TLS <= 1.2 handshake runs ssl_update_cache's auto-clear check; then
// `accept_good`. `tally` is null when no lookup ran.
void server_finish(Connection* conn, int version, bool resumed, const Stats* tally);

// After each step that may call out: the step connection stands in for
// every connection, so what a callback stored on it (app data, ex_data) is
// dropped with the step: nothing of one connection reaches another's
// callbacks or outlives it. No ex_data callback runs: the connection object
// lives on (its free callbacks run once, when the adapter detaches).
void server_step_done(Connection* conn);

}  // namespace osc
