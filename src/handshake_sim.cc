#include "handshake_sim.h"

#include <cstring>

#include "error_queue.h"

namespace osc {
namespace {

constexpr int kTls12Version = 0x0303;  // TLS1_2_VERSION

}  // namespace

HandshakeResult simulate_server_handshake(Connection* ssl, const ServerHello& hello) {
  Ref<Connection> hold = Ref<Connection>::hold(ssl);
  HandshakeResult result;
  if (!ssl->role_set) ssl_set_accept_state(ssl);
  if (!tls_setup_handshake(ssl)) {
    result.reason = ssl->fatal_reason;
    return result;
  }
  ssl->version = hello.version;
  ssl->ticket_expected = hello.ticket_expected;
  int r = ssl_get_prev_session(ssl, hello.session_id, hello.session_id_len, Ref<Session>::up(hello.ticket));
  if (r == 1) {
    ssl->hit = true;
  } else if (r == -1 || !ssl_get_new_session(ssl, 1)) {
    result.reason = ssl->fatal_reason;
    return result;
  }
  final_server_name(ssl);
  tls_construct_server_hello(ssl);
  tls_finish_handshake(ssl);
  result.resumed = ssl->hit;
  return result;
}

HandshakeResult simulate_client_handshake(Connection* ssl, const ServerReply& reply) {
  Ref<Connection> hold = Ref<Connection>::hold(ssl);
  HandshakeResult result;
  // Callbacks (ex_data free of a replaced session) may unset the session
  // under a step; the handshake then fails instead of reading null.
  auto failed = [&](bool need_session) {
    if (ssl->fatal_reason == 0 && need_session && !ssl->session) {
      ssl_fatal(ssl, kReasonInternalError);
    }
    result.reason = ssl->fatal_reason;
    return result.reason != 0;
  };
  if (!ssl->role_set) ssl_set_connect_state(ssl);
  if (!tls_setup_handshake(ssl)) {
    result.reason = ssl->fatal_reason;
    return result;
  }
  // ClientHello: propose the session if the connection may use its version
  // and it can be resumed, else start empty.
  if (!ssl->session || !ssl_version_supported(ssl, ssl->session->ssl_version) ||
      !ssl->session->is_resumable()) {
    if (!ssl_get_new_session(ssl, 0) && failed(false)) return result;
  }
  if (failed(true)) return result;
  unsigned proposed_len = ssl->session->id_len;
  int proposed_version = ssl->session->ssl_version;

  // ServerHello.
  bool echoed = reply.resumed && proposed_len > 0;
  int version = reply.version != 0 ? reply.version : echoed ? proposed_version : kTls12Version;
  uint8_t id[kMaxSessionIdLength];
  size_t len = kMaxSessionIdLength;
  if (reply.session_id != nullptr) {
    len = reply.session_id_len > kMaxSessionIdLength ? kMaxSessionIdLength : reply.session_id_len;
    if (len) memcpy(id, reply.session_id, len);
  } else {
    random_bytes(ssl->rt, id, len);
  }
  if (!tls_process_server_hello(ssl, echoed, version, id, len)) {
    failed(true);
    return result;
  }
  tls_finish_handshake(ssl);
  result.resumed = ssl->hit;
  return result;
}

}  // namespace osc
