// The conformance oracle: runs an operation sequence (test/conformance/ops.ts)
// against the real OpenSSL 3.0 that the node binary exports, and returns the
// trace the same sequence must produce on our implementation
// (test/conformance/ours.ts writes the same lines; keep the two in step).
//
// Single-threaded by construction: every run happens inside one synchronous
// call on the JS thread, and all its objects are created and freed inside it.

#include <napi.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

// ---------------------------------------------------------------------------
// Run state

struct Sess {
  SSL_SESSION* p;
  int owned;       // references this runner holds (and must give back)
  bool destroyed;  // the ex_data free callback has fired
  int bound;       // first context it was cached in, -1 if none (see ops.ts)
};

struct Ctx {
  SSL_CTX* p;
  int refs;
  bool server;
  bool destroyed;
  std::string newCb;  // none | keep | drop
  std::string getCb;  // none | null | byId | session
  int64_t getSess;
  int getCopy;
  bool removeCb;
};

struct Gen {
  int ret;
  std::string bytes;
  int64_t len;  // -1: the length of bytes
};

int g_idx = -1;         // SSL_SESSION ex_data index labelling sessions
bool g_active = false;  // a run is in progress
std::vector<Sess> g_sess;
std::vector<Ctx> g_ctx;
std::vector<std::string> g_trace;
int64_t g_now = 0;
Gen g_gen;
// During a handshake or connect: the connection's session context, which
// OpenSSL's cache callbacks act for even after SSL_set_SSL_CTX (-1 otherwise).
int g_session_ctx = -1;
// The fixed peer of `connect` ops: whether it resumes a proposed id, and the
// id it gives a new session.
SSL_CTX* g_srv = nullptr;
bool g_srv_resumes = false;
std::string g_srv_id;

// Throwaway server identity and the single cipher both sides use.
EVP_PKEY* g_key = nullptr;
X509* g_cert = nullptr;
SSL_CTX* g_cli = nullptr;
const SSL_CIPHER* g_cipher = nullptr;
const unsigned char kMaster[48] = {0x4d, 0x4b, 0x4d, 0x4b, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                   13,   14,   15,   16,   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                                   29,   30,   31,   32,   33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44};
const char* kCipherList = "AES128-SHA";

std::string Hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s.empty() ? "-" : s;
}
std::string Hex(const std::string& b) {
  return Hex(reinterpret_cast<const unsigned char*>(b.data()), b.size());
}

void T(const std::string& line) { g_trace.push_back(line); }

// ---------------------------------------------------------------------------
// Labels: a session gets the next label the first time the runner sees it.

void FreeFunc(void* parent, void* ptr, CRYPTO_EX_DATA* ad, int idx, long argl, void* argp) {
  if (ptr == nullptr || !g_active) return;
  size_t label = reinterpret_cast<uintptr_t>(ptr) - 1;
  if (label < g_sess.size()) {
    g_sess[label].destroyed = true;
    T("  destroy s" + std::to_string(label));
  }
}

int CtxLabel(const SSL_CTX* p) {
  for (size_t i = 0; i < g_ctx.size(); i++)
    if (g_ctx[i].p == p && !g_ctx[i].destroyed) return static_cast<int>(i);
  for (size_t i = 0; i < g_ctx.size(); i++)
    if (g_ctx[i].p == p) return static_cast<int>(i);
  return -1;
}

int Label(SSL_SESSION* s, int ctx) {
  void* v = SSL_SESSION_get_ex_data(s, g_idx);
  int label;
  if (v != nullptr) {
    label = static_cast<int>(reinterpret_cast<uintptr_t>(v) - 1);
  } else {
    label = static_cast<int>(g_sess.size());
    g_sess.push_back(Sess{s, 0, false, -1});
    SSL_SESSION_set_ex_data(s, g_idx, reinterpret_cast<void*>(uintptr_t(label) + 1));
  }
  if (ctx >= 0 && g_sess[label].bound < 0) g_sess[label].bound = ctx;
  return label;
}

std::string S(int label) { return "s" + std::to_string(label); }
std::string C(int label) { return "c" + std::to_string(label); }

// ---------------------------------------------------------------------------
// Callbacks

void RemoveCb(SSL_CTX* ctx, SSL_SESSION* s) {
  int c = CtxLabel(ctx);
  int l = Label(s, c);
  T("  remove " + C(c) + " " + S(l) + " resumable=" + std::to_string(SSL_SESSION_is_resumable(s)));
}

// The context a cache callback acts for: the connection's session context.
int CbCtx(SSL* ssl) { return g_session_ctx >= 0 ? g_session_ctx : CtxLabel(SSL_get_SSL_CTX(ssl)); }

int NewCb(SSL* ssl, SSL_SESSION* s) {
  int c = CbCtx(ssl);
  int l = Label(s, c);
  int keep = g_ctx[c].newCb == "keep";
  if (keep) g_sess[l].owned++;  // the application keeps the reference
  T("  new " + C(c) + " " + S(l) + " -> " + std::to_string(keep));
  return keep;
}

bool Legal(const Sess& s, int ctx, int copy) {
  return !s.destroyed && (s.bound < 0 || s.bound == ctx) && (copy != 0 || s.owned > 0);
}

SSL_SESSION* GetCb(SSL* ssl, const unsigned char* id, int len, int* copy) {
  int c = CbCtx(ssl);
  const Ctx& x = g_ctx[c];
  int pick = -1;
  std::vector<int> cand;
  for (size_t i = 0; i < g_sess.size(); i++) {
    if (!Legal(g_sess[i], c, x.getCopy)) continue;
    {  // only sessions with the requested id (see ops.ts)
      unsigned int n = 0;
      const unsigned char* d = SSL_SESSION_get_id(g_sess[i].p, &n);
      if (n != static_cast<unsigned int>(len) || memcmp(d, id, n) != 0) continue;
    }
    cand.push_back(static_cast<int>(i));
  }
  if (x.getCb != "null" && !cand.empty()) pick = x.getCb == "byId" ? cand[0] : cand[x.getSess % cand.size()];
  std::string line = "  get " + C(c) + " id=" + Hex(id, len) + " -> ";
  if (pick < 0) {
    T(line + "null");
    return nullptr;
  }
  *copy = x.getCopy;
  if (x.getCopy == 0) g_sess[pick].owned--;  // our reference goes to OpenSSL
  if (g_sess[pick].bound < 0) g_sess[pick].bound = c;
  T(line + S(pick) + " copy=" + std::to_string(x.getCopy));
  return g_sess[pick].p;
}

int GenCb(SSL* ssl, unsigned char* id, unsigned int* id_len) {
  int c = CbCtx(ssl);
  size_t n = g_gen.bytes.size();
  if (n > *id_len) n = *id_len;
  memcpy(id, g_gen.bytes.data(), n);
  int64_t len = g_gen.len < 0 ? static_cast<int64_t>(g_gen.bytes.size()) : g_gen.len;
  *id_len = static_cast<unsigned int>(len);
  T("  genid " + C(c) + " -> " + std::to_string(g_gen.ret) + " len=" + std::to_string(len));
  return g_gen.ret;
}

// The fixed peer's get callback: a session with the proposed id that the
// client's session resumes (same cipher and master key), or none.
SSL_SESSION* PeerGetCb(SSL* ssl, const unsigned char* id, int len, int* copy) {
  if (!g_srv_resumes) return nullptr;
  SSL_SESSION* s = SSL_SESSION_new();
  SSL_SESSION_set_protocol_version(s, SSL_version(ssl));
  SSL_SESSION_set1_id(s, id, static_cast<unsigned int>(len));
  SSL_SESSION_set_cipher(s, g_cipher);
  SSL_SESSION_set1_master_key(s, kMaster, sizeof kMaster);
  *copy = 0;
  return s;
}

// The fixed peer's id generator: the op's id. With no id (its cache off, so
// the ServerHello carries none) a session still gets one, as OpenSSL requires.
int PeerGenCb(SSL*, unsigned char* id, unsigned int* id_len) {
  const std::string b = g_srv_id.empty() ? std::string(32, '\xee') : g_srv_id;
  memcpy(id, b.data(), b.size());
  *id_len = static_cast<unsigned int>(b.size());
  return 1;
}

int AcceptAnyCert(int, X509_STORE_CTX*) { return 1; }

// ---------------------------------------------------------------------------
// Setup

// Hidden set-up of a client context: one cipher at security level 0, no
// tickets, no extended master secret. None of it touches the cache.
void SetupClient(SSL_CTX* ctx) {
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_cipher_list(ctx, kCipherList);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_EXTENDED_MASTER_SECRET);
}

// Hidden set-up of a server context: the client set-up plus an identity and
// the sequence-driven session id generator.
void SetupServer(SSL_CTX* ctx) {
  SetupClient(ctx);
  SSL_CTX_use_certificate(ctx, g_cert);
  SSL_CTX_use_PrivateKey(ctx, g_key);
  SSL_CTX_set_generate_session_id(ctx, GenCb);
}

bool InitOnce(std::string* err) {
  if (g_idx >= 0) return true;
  g_idx = SSL_SESSION_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeFunc);
  g_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  if (g_key == nullptr) return *err = "keygen failed", false;
  g_cert = X509_new();
  X509_set_version(g_cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(g_cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(g_cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(g_cert), 3600L * 24 * 365);
  X509_set_pubkey(g_cert, g_key);
  X509_NAME* name = X509_get_subject_name(g_cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("oracle"), -1,
                             -1, 0);
  X509_set_issuer_name(g_cert, name);
  if (!X509_sign(g_cert, g_key, EVP_sha256())) return *err = "sign", false;

  g_cli = SSL_CTX_new(TLS_client_method());
  SetupClient(g_cli);
  SSL_CTX_set_session_cache_mode(g_cli, SSL_SESS_CACHE_OFF);
  SSL* tmp = SSL_new(g_cli);
  const unsigned char cid[2] = {0x00, 0x2f};
  g_cipher = SSL_CIPHER_find(tmp, cid);
  SSL_free(tmp);
  if (g_cipher == nullptr) return *err = "no AES128-SHA", false;

  g_srv = SSL_CTX_new(TLS_server_method());
  SetupServer(g_srv);
  SSL_CTX_set_generate_session_id(g_srv, PeerGenCb);
  SSL_CTX_sess_set_get_cb(g_srv, PeerGetCb);
  return true;
}

// ---------------------------------------------------------------------------
// Reading ops

int64_t Num(const Napi::Object& o, const char* k, int64_t def = 0) {
  Napi::Value v = o.Get(k);
  if (v.IsNumber()) return v.As<Napi::Number>().Int64Value();
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  return def;
}
std::string Str(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}
bool Has(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  return !v.IsUndefined() && !v.IsNull();
}
std::string Bytes(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  if (!v.IsTypedArray()) return std::string();
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  return std::string(reinterpret_cast<const char*>(a.Data()), a.ElementLength());
}
// A TimeSpec {base, delta} (ops.ts evalTime), saturated to int64.
int64_t Time(const Napi::Object& o, const char* k) {
  Napi::Object t = o.Get(k).As<Napi::Object>();
  std::string base = Str(t, "base");
  __int128 b = 0;
  if (base == "now")
    b = g_now;
  else if (base == "max")
    b = INT64_MAX;
  else if (base == "min")
    b = INT64_MIN;
  else if (base == "maxMinusNow")
    b = static_cast<__int128>(INT64_MAX) - g_now;
  __int128 v = b + Num(t, "delta");
  if (v > INT64_MAX) v = INT64_MAX;
  if (v < INT64_MIN) v = INT64_MIN;
  return static_cast<int64_t>(v);
}

// Candidates among contexts / sessions, in label order (ops.ts pick()).
enum CtxKind { kAny, kServer, kClient };
int PickCtx(int64_t k, CtxKind kind) {
  std::vector<int> c;
  for (size_t i = 0; i < g_ctx.size(); i++)
    if (!g_ctx[i].destroyed && (kind == kAny || g_ctx[i].server == (kind == kServer)))
      c.push_back(static_cast<int>(i));
  return c.empty() ? -1 : c[k % c.size()];
}
// kind: 0 alive, 1 owned, 2 addable to ctx
int PickSess(int64_t k, int kind, int ctx) {
  std::vector<int> c;
  for (size_t i = 0; i < g_sess.size(); i++) {
    const Sess& s = g_sess[i];
    if (s.destroyed) continue;
    if (kind == 1 && s.owned <= 0) continue;
    if (kind == 2 && s.bound >= 0 && s.bound != ctx) continue;
    c.push_back(static_cast<int>(i));
  }
  return c.empty() ? -1 : c[k % c.size()];
}

std::string L(long v) { return std::to_string(v); }

void Stats() {
  for (size_t i = 0; i < g_ctx.size(); i++) {
    if (g_ctx[i].destroyed) continue;
    SSL_CTX* c = g_ctx[i].p;
    T("  stats " + C(static_cast<int>(i)) + " n=" + L(SSL_CTX_sess_number(c)) +
      " connect=" + L(SSL_CTX_sess_connect(c)) + "/" + L(SSL_CTX_sess_connect_good(c)) + "/" +
      L(SSL_CTX_sess_connect_renegotiate(c)) + " accept=" + L(SSL_CTX_sess_accept(c)) + "/" +
      L(SSL_CTX_sess_accept_good(c)) + "/" + L(SSL_CTX_sess_accept_renegotiate(c)) +
      " hits=" + L(SSL_CTX_sess_hits(c)) + " cb_hits=" + L(SSL_CTX_sess_cb_hits(c)) +
      " misses=" + L(SSL_CTX_sess_misses(c)) + " timeouts=" + L(SSL_CTX_sess_timeouts(c)) +
      " cache_full=" + L(SSL_CTX_sess_cache_full(c)));
  }
}

void Errors() {
  unsigned long e = ERR_peek_error();
  if (e != 0) T("  err " + std::to_string(ERR_GET_LIB(e)) + ":" + std::to_string(ERR_GET_REASON(e)));
  ERR_clear_error();
}

void FreeCtx(int c) {
  g_ctx[c].refs--;
  SSL_CTX_free(g_ctx[c].p);
  if (g_ctx[c].refs == 0) g_ctx[c].destroyed = true;
}

// ---------------------------------------------------------------------------
// Handshakes: real TLS handshakes in memory, client and server stepped in
// turn over a BIO pair.

struct Driven {
  bool cdone = false, sdone = false, cfail = false, sfail = false;
  unsigned long cerr = 0;  // the client's first error when it failed
};

Driven Drive(SSL* cli, SSL* srv, int version) {
  for (SSL* x : {cli, srv}) {
    SSL_set_min_proto_version(x, version);
    SSL_set_max_proto_version(x, version);
  }
  BIO *bc = nullptr, *bs = nullptr;
  BIO_new_bio_pair(&bc, 0, &bs, 0);
  SSL_set_bio(cli, bc, bc);
  SSL_set_bio(srv, bs, bs);
  SSL_set_connect_state(cli);
  SSL_set_accept_state(srv);
  Driven d;
  for (int i = 0; i < 40 && !(d.cdone && d.sdone) && !d.cfail && !d.sfail; i++) {
    if (!d.cdone) {
      int r = SSL_do_handshake(cli);
      if (r == 1) {
        d.cdone = true;
      } else {
        int e = SSL_get_error(cli, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
          d.cfail = true;
          d.cerr = ERR_peek_error();
        }
      }
    }
    if (!d.sdone && !d.cfail) {
      int r = SSL_do_handshake(srv);
      if (r == 1) {
        d.sdone = true;
      } else {
        int e = SSL_get_error(srv, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) d.sfail = true;
      }
    }
  }
  return d;
}

// Frees the fixed peer of a handshake without letting its errors reach the
// trace.
void FreePeer(SSL* peer) {
  ERR_set_mark();
  SSL_free(peer);
  ERR_pop_to_mark();
}

// The end of a handshake or connect: its result line, then SSL_free of the
// connection under test (shut down first if asked).
void Finish(const std::string& pre, SSL* conn, const std::string& result, bool shutdown) {
  T(result);
  Errors();
  if (shutdown) SSL_set_shutdown(conn, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  T(pre + " ssl_free");
  SSL_free(conn);
  g_session_ctx = -1;
}

// A server handshake on context c: the client proposes an id (or none).
void Handshake(const std::string& pre, int c, const Napi::Object& o) {
  int version = static_cast<int>(Num(o, "version"));
  std::string propose = Bytes(o, "proposeBytes");
  g_gen.ret = static_cast<int>(Num(o["gen"].As<Napi::Object>(), "ret"));
  g_gen.bytes = Bytes(o["gen"].As<Napi::Object>(), "bytes");
  g_gen.len = Num(o["gen"].As<Napi::Object>(), "len", -1);
  std::string line =
      pre + " handshake " + C(c) + " v=" + std::to_string(version) + " propose=" + Hex(propose);

  SSL* srv = SSL_new(g_ctx[c].p);
  if (Has(o, "sslSidCtxBytes")) {
    std::string sc = Bytes(o, "sslSidCtxBytes");
    int r = SSL_set_session_id_context(srv, reinterpret_cast<const unsigned char*>(sc.data()),
                                       static_cast<unsigned int>(sc.size()));
    line += " ssl_sid_ctx=" + Hex(sc) + ":" + std::to_string(r);
  }
  if (Num(o, "sni", -1) >= 0) {
    // What an SNI callback does; done before the handshake, so the switch
    // also decides which context counts the handshake's start.
    int c2 = PickCtx(Num(o, "sni"), kServer);
    SSL_set_SSL_CTX(srv, g_ctx[c2].p);
    line += " sni=" + C(c2);
  }
  T(line);
  Errors();

  SSL* cli = SSL_new(g_cli);
  if (!propose.empty()) {
    // The client proposes a session with the chosen id; every server-side
    // session carries the same cipher and master key, so any resumption
    // completes cryptographically.
    SSL_SESSION* cs = SSL_SESSION_new();
    SSL_SESSION_set_protocol_version(cs, version);
    SSL_SESSION_set1_id(cs, reinterpret_cast<const unsigned char*>(propose.data()),
                        static_cast<unsigned int>(propose.size()));
    SSL_SESSION_set_cipher(cs, g_cipher);
    SSL_SESSION_set1_master_key(cs, kMaster, sizeof kMaster);
    SSL_set_session(cli, cs);
    SSL_SESSION_free(cs);
  }
  g_session_ctx = c;
  Driven d = Drive(cli, srv, version);
  if (d.cfail) {
    // Not a cache outcome: the oracle's own set-up is wrong. Shown as is.
    char buf[256];
    ERR_error_string_n(d.cerr, buf, sizeof buf);
    T(pre + " hs_client_failed " + buf);
  }
  std::string res = pre + " hs_result ok=" + std::to_string(d.sdone ? 1 : 0);
  if (d.sdone) {
    SSL_SESSION* ss = SSL_get0_session(srv);
    res += " reused=" + std::to_string(SSL_session_reused(srv));
    if (ss != nullptr) {
      res += " sess=" + S(Label(ss, c));
      SSL_SESSION_set1_master_key(ss, kMaster, sizeof kMaster);
    }
  }
  if (Has(o, "probeBytes")) {
    std::string p = Bytes(o, "probeBytes");
    res += " probe=" +
           std::to_string(SSL_has_matching_session_id(srv, reinterpret_cast<const unsigned char*>(p.data()),
                                                      static_cast<unsigned int>(p.size())));
  }
  Finish(pre, srv, res, Num(o, "shutdown") != 0);
  FreePeer(cli);
}

// A client handshake on context c against the fixed peer g_srv, proposing
// the picked session (or none).
void Connect(const std::string& pre, int c, const Napi::Object& o) {
  int version = static_cast<int>(Num(o, "version"));
  g_srv_resumes = Num(o, "serverResumes") != 0;
  g_srv_id = Bytes(o, "serverIdBytes");
  SSL* cli = SSL_new(g_ctx[c].p);
  int l = Num(o, "sess", -1) >= 0 ? PickSess(Num(o, "sess"), 0, -1) : -1;
  if (l >= 0) {
    // A peer never gives a new session the id it was offered (ops.ts).
    unsigned int n = 0;
    const unsigned char* id = SSL_SESSION_get_id(g_sess[l].p, &n);
    if (!g_srv_id.empty() && g_srv_id == std::string(reinterpret_cast<const char*>(id), n))
      g_srv_id = Bytes(o, "altServerIdBytes");
  }
  std::string line = pre + " connect " + C(c) + " v=" + std::to_string(version) +
                     " peer=" + (g_srv_resumes ? "resume" : "full") + ":" + Hex(g_srv_id);
  if (l >= 0) line += " propose=" + S(l) + ":" + std::to_string(SSL_set_session(cli, g_sess[l].p));
  T(line);
  Errors();
  // The peer's certificate is self-signed: keep the verify mode, accept it.
  SSL_set_verify(cli, SSL_get_verify_mode(cli), AcceptAnyCert);
  // Never an internal cache (a session from its get callback would stay
  // there); without SERVER it sends no session id.
  SSL_CTX_set_session_cache_mode(g_srv,
                                 SSL_SESS_CACHE_NO_INTERNAL | (g_srv_id.empty() ? 0 : SSL_SESS_CACHE_SERVER));
  SSL* srv = SSL_new(g_srv);
  g_session_ctx = c;
  Driven d = Drive(cli, srv, version);
  std::string res = pre + " conn_result ok=" + std::to_string(d.cdone ? 1 : 0);
  if (d.cdone) {
    SSL_SESSION* cs = SSL_get0_session(cli);
    res += " reused=" + std::to_string(SSL_session_reused(cli));
    if (cs != nullptr) {
      unsigned int n = 0;
      const unsigned char* id = SSL_SESSION_get_id(cs, &n);
      res += " sess=" + S(Label(cs, c)) + " id=" + Hex(id, n);
      SSL_SESSION_set1_master_key(cs, kMaster, sizeof kMaster);
    }
  }
  Finish(pre, cli, res, Num(o, "shutdown") != 0);
  FreePeer(srv);
}

// ---------------------------------------------------------------------------
// One op

void RunOp(size_t i, const Napi::Object& o) {
  std::string op = Str(o, "op");
  std::string pre = std::to_string(i);
  if (op == "ctx_new") {
    bool server = Num(o, "server") != 0;
    SSL_CTX* p = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (server)
      SetupServer(p);
    else
      SetupClient(p);
    g_ctx.push_back(Ctx{p, 1, server, false, "none", "none", 0, 1, false});
    T(pre + " ctx_new server=" + std::to_string(server) + " -> " + C(static_cast<int>(g_ctx.size() - 1)));
    return;
  }
  if (op == "sess_new") {
    SSL_SESSION* s = SSL_SESSION_new();
    int l = Label(s, -1);
    g_sess[l].owned = 1;
    std::string id = Bytes(o, "idBytes");
    std::string sc = Bytes(o, "sidCtxBytes");
    int v = static_cast<int>(Num(o, "version"));
    if (v >= 0) SSL_SESSION_set_protocol_version(s, v);
    SSL_SESSION_set_cipher(s, g_cipher);
    SSL_SESSION_set1_master_key(s, kMaster, sizeof kMaster);
    std::string line = pre + " sess_new -> " + S(l) + " v=" + std::to_string(v);
    if (!id.empty())
      line += " id=" + Hex(id) + ":" +
              std::to_string(SSL_SESSION_set1_id(s, reinterpret_cast<const unsigned char*>(id.data()),
                                                 static_cast<unsigned int>(id.size())));
    if (!sc.empty())
      line += " sid_ctx=" + Hex(sc) + ":" +
              std::to_string(SSL_SESSION_set1_id_context(s, reinterpret_cast<const unsigned char*>(sc.data()),
                                                         static_cast<unsigned int>(sc.size())));
    if (Has(o, "time")) {
      int64_t t = Time(o, "time");
      line += " time=" + std::to_string(t) + ":" + L(SSL_SESSION_set_time(s, t));
    }
    if (Has(o, "timeout")) {
      int64_t t = Time(o, "timeout");
      line += " timeout=" + std::to_string(t) + ":" + L(SSL_SESSION_set_timeout(s, t));
    }
    T(line);
    return;
  }
  if (op == "ctx_up_ref" || op == "ctx_free" || op == "set_mode" || op == "set_cache_size" ||
      op == "set_ctx_timeout" || op == "set_sid_ctx" || op == "set_verify" || op == "set_remove_cb" ||
      op == "set_new_cb" || op == "set_get_cb" || op == "flush" || op == "has_matching" ||
      op == "handshake" || op == "connect" || op == "add" || op == "remove") {
    int c = PickCtx(Num(o, "ctx"), op == "handshake" ? kServer : op == "connect" ? kClient : kAny);
    if (c < 0) return T(pre + " skip");
    Ctx& x = g_ctx[c];
    std::string cs = " " + C(c);
    if (op == "ctx_up_ref") {
      int r = SSL_CTX_up_ref(x.p);
      x.refs++;
      T(pre + " ctx_up_ref" + cs + " -> " + std::to_string(r));
    } else if (op == "ctx_free") {
      T(pre + " ctx_free" + cs);
      FreeCtx(c);
    } else if (op == "set_mode") {
      long m = static_cast<long>(Num(o, "mode"));
      T(pre + " set_mode" + cs + " " + L(m) + " -> " + L(SSL_CTX_set_session_cache_mode(x.p, m)));
    } else if (op == "set_cache_size") {
      long n = static_cast<long>(Num(o, "size"));
      T(pre + " set_cache_size" + cs + " " + L(n) + " -> " + L(SSL_CTX_sess_set_cache_size(x.p, n)));
    } else if (op == "set_ctx_timeout") {
      long t = static_cast<long>(Num(o, "timeout"));
      T(pre + " set_ctx_timeout" + cs + " " + L(t) + " -> " + L(SSL_CTX_set_timeout(x.p, t)));
    } else if (op == "set_sid_ctx") {
      std::string b = Bytes(o, "sidCtxBytes");
      int r = SSL_CTX_set_session_id_context(x.p, reinterpret_cast<const unsigned char*>(b.data()),
                                             static_cast<unsigned int>(b.size()));
      T(pre + " set_sid_ctx" + cs + " " + Hex(b) + " -> " + std::to_string(r));
    } else if (op == "set_verify") {
      int m = Num(o, "peer") ? SSL_VERIFY_PEER : SSL_VERIFY_NONE;
      SSL_CTX_set_verify(x.p, m, nullptr);
      T(pre + " set_verify" + cs + " " + std::to_string(m));
    } else if (op == "set_remove_cb") {
      x.removeCb = Num(o, "on") != 0;
      SSL_CTX_sess_set_remove_cb(x.p, x.removeCb ? RemoveCb : nullptr);
      T(pre + " set_remove_cb" + cs + " " + std::to_string(x.removeCb));
    } else if (op == "set_new_cb") {
      x.newCb = Str(o, "cb");
      SSL_CTX_sess_set_new_cb(x.p, x.newCb == "none" ? nullptr : NewCb);
      T(pre + " set_new_cb" + cs + " " + x.newCb);
    } else if (op == "set_get_cb") {
      x.getCb = Str(o, "cb");
      x.getSess = Num(o, "sess");
      x.getCopy = static_cast<int>(Num(o, "copy"));
      SSL_CTX_sess_set_get_cb(x.p, x.getCb == "none" ? nullptr : GetCb);
      T(pre + " set_get_cb" + cs + " " + x.getCb + " " + std::to_string(x.getSess) +
        " copy=" + std::to_string(x.getCopy));
    } else if (op == "flush") {
      int64_t t = Time(o, "t");
      T(pre + " flush" + cs + " " + std::to_string(t));
      SSL_CTX_flush_sessions(x.p, t);
    } else if (op == "has_matching") {
      std::string id = Bytes(o, "idBytes");
      SSL* ssl = SSL_new(x.p);
      int r = SSL_has_matching_session_id(ssl, reinterpret_cast<const unsigned char*>(id.data()),
                                          static_cast<unsigned int>(id.size()));
      T(pre + " has_matching" + cs + " " + Hex(id) + " -> " + std::to_string(r));
      SSL_free(ssl);
    } else if (op == "handshake") {
      Handshake(pre, c, o);
    } else if (op == "connect") {
      Connect(pre, c, o);
    } else {  // add, remove
      bool add = op == "add";
      int l = PickSess(Num(o, "sess"), add ? 2 : 0, c);
      if (l < 0) return T(pre + " skip");
      T(pre + " " + op + cs + " " + S(l));
      if (add) g_sess[l].bound = c;
      int r = add ? SSL_CTX_add_session(x.p, g_sess[l].p) : SSL_CTX_remove_session(x.p, g_sess[l].p);
      T(pre + " -> " + std::to_string(r));
    }
    return;
  }
  // Session ops
  int kind = op == "sess_free" ? 1 : 0;
  int l = PickSess(Num(o, "sess"), kind, -1);
  if (l < 0) return T(pre + " skip");
  Sess& s = g_sess[l];
  std::string ss = " " + S(l);
  if (op == "sess_up_ref") {
    s.owned++;
    T(pre + " sess_up_ref" + ss + " -> " + std::to_string(SSL_SESSION_up_ref(s.p)));
  } else if (op == "sess_free") {
    s.owned--;
    T(pre + " sess_free" + ss);
    SSL_SESSION_free(s.p);
  } else if (op == "set_time") {
    int64_t t = Time(o, "t");
    T(pre + " set_time" + ss + " " + std::to_string(t) + " -> " + L(SSL_SESSION_set_time(s.p, t)));
  } else if (op == "set_timeout") {
    int64_t t = Time(o, "t");
    T(pre + " set_timeout" + ss + " " + std::to_string(t) + " -> " + L(SSL_SESSION_set_timeout(s.p, t)));
  } else if (op == "is_resumable") {
    T(pre + " is_resumable" + ss + " -> " + std::to_string(SSL_SESSION_is_resumable(s.p)));
  } else {
    T(pre + " unknown op " + op);
  }
}

// Everything the runner still holds goes back: contexts first (each flushes
// its cache with callbacks), then session references, in label order.
void Cleanup() {
  for (size_t c = 0; c < g_ctx.size(); c++) {
    while (!g_ctx[c].destroyed) {
      T("end ctx_free " + C(static_cast<int>(c)));
      FreeCtx(static_cast<int>(c));
    }
  }
  for (size_t l = 0; l < g_sess.size(); l++) {
    while (g_sess[l].owned > 0 && !g_sess[l].destroyed) {
      g_sess[l].owned--;
      T("end sess_free " + S(static_cast<int>(l)));
      SSL_SESSION_free(g_sess[l].p);
    }
  }
}

// run(ops): { now, trace, tries }. The whole run is repeated if the wall
// clock's second changed while it ran, so OpenSSL's time(NULL) reads all
// equal `now` and ours can run on a test clock fixed at `now`.
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string err;
  if (!InitOnce(&err)) {
    Napi::Error::New(env, "oracle init: " + err).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!info[0].IsArray()) {
    Napi::TypeError::New(env, "run(ops: object[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array ops = info[0].As<Napi::Array>();
  int tries = 0;
  for (;;) {
    tries++;
    g_sess.clear();
    g_ctx.clear();
    g_trace.clear();
    ERR_clear_error();
    g_now = static_cast<int64_t>(time(nullptr));
    g_active = true;
    for (uint32_t i = 0; i < ops.Length(); i++) {
      RunOp(i, ops.Get(i).As<Napi::Object>());
      Errors();
      Stats();
    }
    Cleanup();
    Errors();
    g_active = false;
    if (static_cast<int64_t>(time(nullptr)) == g_now || tries >= 20) break;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("now", Napi::BigInt::New(env, g_now));
  out.Set("tries", tries);
  Napi::Array tr = Napi::Array::New(env, g_trace.size());
  for (size_t i = 0; i < g_trace.size(); i++) tr.Set(i, g_trace[i]);
  out.Set("trace", tr);
  return out;
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), OpenSSL_version(OPENSSL_VERSION));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("version", Napi::Function::New(env, Version));
  return exports;
}

}  // namespace

NODE_API_MODULE(oracle, Init)
