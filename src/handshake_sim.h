// Whole handshakes against the cache, driven through handshake.h's steps in
// OpenSSL's order, with the wire replaced by the structures below: what the
// JavaScript SSL_accept / SSL_connect simulations, the tests and the
// benchmarks run.
#pragma once

#include "handshake.h"

namespace osc {

struct ServerHello {
  const uint8_t* session_id = nullptr;  // the id the client proposed
  size_t session_id_len = 0;
  int version = 0x0303;          // the negotiated version
  Session* ticket = nullptr;     // a session a ticket decrypted to (not owned)
  bool ticket_expected = false;  // a ticket will be issued: new sessions get no id
};

struct HandshakeResult {
  bool resumed = false;
  int reason = 0;  // SSL_R_* when the handshake failed
};

// A whole server handshake against the cache, in OpenSSL's order.
HandshakeResult simulate_server_handshake(Connection* ssl, const ServerHello& hello);

struct ServerReply {
  bool resumed = false;                 // the server echoed the proposed id
  const uint8_t* session_id = nullptr;  // otherwise: the server's new id (null: 32 random bytes)
  size_t session_id_len = 0;
  int version = 0;  // 0: the session's version when resuming, else TLS 1.2
};

// A whole client handshake: proposes the connection's session if resumable,
// learns from the reply whether the server resumed it.
HandshakeResult simulate_client_handshake(Connection* ssl, const ServerReply& reply);

}  // namespace osc
