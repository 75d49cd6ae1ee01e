// The handshake path: OpenSSL's internal cache steps under their own names,
// the two whole-handshake simulations, and the test hook for the default
// session-id generator.
#include <string>

#include "../src/error_queue.h"
#include "../src/handshake_sim.h"
#include "callbacks.h"
#include "entry.h"

namespace osc {
namespace {

// Marks a connection as running a handshake step (a callback that starts
// another step on the same connection gets an Error instead) and keeps it
// alive through the step: a callback may SSL_free the application's last
// reference, and the connection then goes when the step is over.
class Step {
 public:
  explicit Step(Connection* ssl) : hold_(Ref<Connection>::hold(ssl)), ssl_(ssl) { ssl_->in_step = true; }
  ~Step() { ssl_->in_step = false; }  // then hold_ drops the step's reference
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;

 private:
  Ref<Connection> hold_;
  Connection* ssl_;
};

Connection* StepSsl(Instance* inst, napi_value v, const char* fn) {
  Connection* ssl = Unwrap<Connection>(inst, v, fn);
  if (!ssl) return nullptr;
  const char* why = !ssl->alive()  ? "SSL is being freed"
                    : ssl->in_step ? "a handshake step is already running on this SSL"
                                   : nullptr;
  if (why) {
    std::string msg = std::string(fn) + ": " + why;
    napi_throw_error(inst->env, ssl->in_step ? "ERR_REENTRANT_HANDSHAKE" : "ERR_USE_AFTER_FREE", msg.c_str());
    return nullptr;
  }
  return ssl;
}

// A copy of an id argument (callbacks may change the array under the step),
// on the stack: a session id field on the wire holds at most 255 bytes.
struct IdCopy {
  uint8_t bytes[255];
  size_t len = 0;
  const uint8_t* data() const { return bytes; }
  size_t size() const { return len; }
};

bool GetId(napi_env env, napi_value array, napi_value length, const char* fn, IdCopy* out) {
  Bytes b;
  if (!GetBytes(env, array, length, fn, &b)) return false;
  if (b.length > sizeof out->bytes) return ThrowRange(env, fn, "a session id field holds at most 255 bytes");
  if (b.length) memcpy(out->bytes, b.data, b.length);
  out->len = b.length;
  return true;
}

napi_value ssl_get_new_session_js(Call& a) {
  napi_env env = a.env;
  Connection* ssl = StepSsl(a.inst, a[0], "ssl_get_new_session");
  int32_t session{};
  if (!ssl || !GetCInt32(env, a[1], "ssl_get_new_session", &session)) return nullptr;
  Step step(ssl);
  return Int(env, ssl_get_new_session(ssl, session));
}

napi_value ssl_get_prev_session_js(Call& a) {
  napi_env env = a.env;
  Connection* ssl = StepSsl(a.inst, a[0], "ssl_get_prev_session");
  IdCopy id;
  if (!ssl || !GetId(env, a[1], a[2], "ssl_get_prev_session", &id)) return nullptr;
  Step step(ssl);
  int r = ssl_get_prev_session(ssl, id.data(), id.size(), Ref<Session>());
  if (r == 1) ssl->hit = true;  // as the ClientHello processing does
  return Int(env, r);
}

napi_value lookup_sess_in_cache_js(Call& a) {
  napi_env env = a.env;
  Connection* ssl = StepSsl(a.inst, a[0], "lookup_sess_in_cache");
  IdCopy id;
  if (!ssl || !GetId(env, a[1], a[2], "lookup_sess_in_cache", &id)) return nullptr;
  Ref<Session> s;
  {
    Step step(ssl);  // ends first: dropping the step's reference may call out
    s = lookup_sess_in_cache(ssl, id.data(), id.size());
  }
  return HandOver(a.inst, s);  // the caller's reference from here (SSL_SESSION_free it)
}

napi_value ssl_update_cache_js(Call& a) {
  napi_env env = a.env;
  Connection* ssl = StepSsl(a.inst, a[0], "ssl_update_cache");
  int32_t mode{};
  if (!ssl || !GetCInt32(env, a[1], "ssl_update_cache", &mode)) return nullptr;
  Step step(ssl);
  ssl_update_cache(ssl, mode);
  return Undefined(env);
}

napi_value tls_setup_handshake_js(Call& a) {
  napi_env env = a.env;
  Connection* ssl = StepSsl(a.inst, a[0], "tls_setup_handshake");
  return ssl ? Int(env, tls_setup_handshake(ssl)) : nullptr;
}

napi_value final_server_name_js(Call& a) {
  napi_env env = a.env;
  Connection* ssl = StepSsl(a.inst, a[0], "final_server_name");
  if (!ssl) return nullptr;
  final_server_name(ssl);
  return Undefined(env);
}

napi_value tls_construct_server_hello_js(Call& a) {
  napi_env env = a.env;
  Connection* ssl = StepSsl(a.inst, a[0], "tls_construct_server_hello");
  if (!ssl) return nullptr;
  Step step(ssl);  // re-keying may free a displaced session: callbacks
  tls_construct_server_hello(ssl);
  return Undefined(env);
}

napi_value tls_finish_handshake_js(Call& a) {
  napi_env env = a.env;
  Connection* ssl = StepSsl(a.inst, a[0], "tls_finish_handshake");
  if (!ssl) return nullptr;
  Step step(ssl);
  tls_finish_handshake(ssl);
  return Int(env, 1);
}

// tls_process_server_hello(ssl, resumed, version, serverId?): 1, or 0 with the reason queued.
napi_value tls_process_server_hello_js(Call& a) {
  napi_env env = a.env;
  const char* fn = "tls_process_server_hello";
  Connection* ssl = StepSsl(a.inst, a[0], fn);
  int32_t resumed, version;
  if (!ssl || !GetCInt32(env, a[1], fn, &resumed) || !GetCInt32(env, a[2], fn, &version)) return nullptr;
  IdCopy id;
  const bool has_id = !IsNullish(env, a[3]);
  if (has_id && !GetId(env, a[3], nullptr, fn, &id)) return nullptr;
  if (id.size() > kMaxSessionIdLength) {
    ThrowRange(env, fn, "a session id has at most 32 bytes");
    return nullptr;
  }
  Step step(ssl);
  return Int(env,
             tls_process_server_hello(ssl, resumed != 0, version, has_id ? id.data() : nullptr, id.size()));
}

// An option's value (a getter may run): false when absent or undefined.
bool GetProp(napi_env env, napi_value obj, const char* name, napi_value* out) {
  *out = nullptr;
  if (napi_get_named_property(env, obj, name, out) != napi_ok) return false;
  return TypeOf(env, *out) != napi_undefined;
}

bool GetBoolProp(napi_env env, napi_value obj, const char* name, const char* fn, bool* out) {
  napi_value v = nullptr;
  if (!GetProp(env, obj, name, &v)) return true;
  napi_valuetype t{};
  napi_typeof(env, v, &t);
  if (t != napi_boolean) {
    std::string msg = std::string(fn) + ": option " + name + " must be a boolean";
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg.c_str());
    return false;
  }
  napi_get_value_bool(env, v, out);
  return true;
}

bool GetVersionProp(napi_env env, napi_value obj, const char* fn, int* out) {
  napi_value v = nullptr;
  if (!GetProp(env, obj, "version", &v)) return true;
  int32_t version{};
  if (!GetCInt32(env, v, fn, &version)) return false;
  if (version == 0x0304) {
    std::string msg = std::string(fn) +
                      ": TLS 1.3 handshakes (tickets) are not simulated; use a version up to TLS1_2_VERSION";
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg.c_str());
    return false;
  }
  *out = version;
  return true;
}

// The options object, or null after throwing (undefined means {}).
bool GetOptions(napi_env env, napi_value v, const char* fn, napi_value* out) {
  napi_valuetype t = TypeOf(env, v);
  if (t == napi_undefined) {
    napi_create_object(env, out);
    return true;
  }
  if (t != napi_object) {
    std::string msg = std::string(fn) + ": expected an options object";
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg.c_str());
    return false;
  }
  *out = v;
  return true;
}

napi_value Result(Instance* inst, Connection* ssl, const HandshakeResult& r) {
  napi_env env = inst->env;
  napi_value o = nullptr, b = nullptr;
  napi_create_object(env, &o);
  napi_get_boolean(env, r.resumed, &b);
  napi_set_named_property(env, o, "resumed", b);
  napi_set_named_property(env, o, "session",
                          SurfaceOrNull(inst, ssl->alive() ? ssl->session.get() : nullptr));
  if (r.reason != 0)
    napi_set_named_property(env, o, "error", Int(env, static_cast<int64_t>(err_pack(kErrLibSsl, r.reason))));
  return o;
}

bool CheckFresh(napi_env env, Connection* ssl, bool server, const char* fn) {
  const char* why = nullptr;
  if (ssl->role_set && ssl->server != server)
    why = server ? "the SSL is in connect state" : "the SSL is in accept state";
  else if (ssl->handshake_done)
    why = "the handshake already finished (SSL_clear the SSL to start another)";
  if (!why) return true;
  std::string msg = std::string(fn) + ": " + why;
  napi_throw_error(env, "ERR_INVALID_STATE", msg.c_str());
  return false;
}

// simulateServerHandshake(ssl, { sessionId?, version?, ticket?, ticketExpected? })
// The options are read first (getters may run), the handles checked after.
napi_value simulateServerHandshake(Call& a) {
  static constexpr const char* kFn = "simulateServerHandshake";
  napi_env env = a.env;
  napi_value opts = nullptr, v = nullptr, ticket_value = nullptr;
  if (!GetOptions(env, a[1], kFn, &opts)) return nullptr;
  ServerHello hello;
  IdCopy id;
  if (GetProp(env, opts, "sessionId", &v)) {
    if (!GetId(env, v, nullptr, kFn, &id)) return nullptr;
    hello.session_id = id.data();
    hello.session_id_len = id.size();
  }
  if (!GetVersionProp(env, opts, kFn, &hello.version)) return nullptr;
  if (!GetBoolProp(env, opts, "ticketExpected", kFn, &hello.ticket_expected)) return nullptr;
  const bool has_ticket = GetProp(env, opts, "ticket", &ticket_value);
  Connection* ssl = StepSsl(a.inst, a[0], kFn);
  if (!ssl || !CheckFresh(env, ssl, true, kFn)) return nullptr;
  if (has_ticket) {
    bool is_null{};
    Session* t = UnwrapNullable<Session>(a.inst, ticket_value, kFn, &is_null);
    if (!t && !is_null) return nullptr;
    if (t && !RequireAlive(env, t, kFn)) return nullptr;
    hello.ticket = t;
  }
  Step step(ssl);
  return Result(a.inst, ssl, simulate_server_handshake(ssl, hello));
}

// simulateClientHandshake(ssl, { serverResumed?, serverSessionId?, version? })
napi_value simulateClientHandshake(Call& a) {
  static constexpr const char* kFn = "simulateClientHandshake";
  napi_env env = a.env;
  napi_value opts = nullptr, v = nullptr;
  if (!GetOptions(env, a[1], kFn, &opts)) return nullptr;
  ServerReply reply;
  IdCopy id;
  if (!GetBoolProp(env, opts, "serverResumed", kFn, &reply.resumed)) return nullptr;
  if (GetProp(env, opts, "serverSessionId", &v)) {
    if (!GetId(env, v, nullptr, kFn, &id)) return nullptr;
    if (id.size() > kMaxSessionIdLength) {
      ThrowRange(env, kFn, "serverSessionId is longer than 32 bytes");
      return nullptr;
    }
    reply.session_id = id.data();
    reply.session_id_len = id.size();
  }
  if (!GetVersionProp(env, opts, kFn, &reply.version)) return nullptr;
  Connection* ssl = StepSsl(a.inst, a[0], kFn);
  if (!ssl || !CheckFresh(env, ssl, false, kFn)) return nullptr;
  Step step(ssl);
  return Result(a.inst, ssl, simulate_client_handshake(ssl, reply));
}

// setNegotiatedVersion(ssl, version): what a driver's ServerHello settled.
napi_value setNegotiatedVersion(Call& a) {
  napi_env env = a.env;
  Connection* ssl = StepSsl(a.inst, a[0], "setNegotiatedVersion");
  int32_t version{};
  if (!ssl || !GetCInt32(env, a[1], "setNegotiatedVersion", &version)) return nullptr;
  ssl->version = version;
  return Undefined(env);
}

// setTestRandom(bytes | null): the default session-id generator hands out
// these bytes, cyclically, instead of random ones (to force id clashes).
napi_value setTestRandom(Call& a) {
  napi_env env = a.env;
  Runtime* rt = a.inst->runtime;
  if (IsNullish(env, a[0])) {
    rt->test_random.clear();
    rt->test_random_pos = 0;
    return Undefined(env);
  }
  Bytes b;
  if (!GetBytes(env, a[0], nullptr, "setTestRandom", &b)) return nullptr;
  rt->test_random.assign(b.data, b.data + b.length);
  rt->test_random_pos = 0;
  return Undefined(env);
}

}  // namespace

const Export handshake_exports[] = {
    {"ssl_get_new_session", ssl_get_new_session_js},
    {"ssl_get_prev_session", ssl_get_prev_session_js},
    {"lookup_sess_in_cache", lookup_sess_in_cache_js},
    {"ssl_update_cache", ssl_update_cache_js},
    {"tls_setup_handshake", tls_setup_handshake_js},
    {"final_server_name", final_server_name_js},
    {"tls_construct_server_hello", tls_construct_server_hello_js},
    {"tls_process_server_hello", tls_process_server_hello_js},
    {"tls_finish_handshake", tls_finish_handshake_js},
    {"simulateServerHandshake", simulateServerHandshake},
    {"simulateClientHandshake", simulateClientHandshake},
    {"setNegotiatedVersion", setNegotiatedVersion},
    {"setTestRandom", setTestRandom},
};
const size_t handshake_export_count = sizeof handshake_exports / sizeof handshake_exports[0];

}  // namespace osc
