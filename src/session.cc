#include "session.h"

#include "context.h"
#include "der.h"
#include "error_queue.h"

namespace osc {

Session::Session(Runtime* r) : Object(r, Kind::Session) {
  time = r->now();
  calculate_expiry();
}

Session::~Session() { wipe_master_key(); }  // fields wipe their own block

namespace {

// OPENSSL_cleanse: zeroes n bytes; the barrier keeps the compiler from
// dropping the stores (memset is far faster than a volatile byte loop).
inline void wipe(void* p, size_t n) {
  memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

Session* session_alloc(Runtime* rt) { return new (rt->sessions.allocate()) Session(rt); }

}  // namespace

void Session::wipe_master_key() {
  // Only session_set1_master_key writes the key (its first master_key_len
  // bytes, after wiping the old key): nothing else there is secret.
  if (master_key_len == 0) return;
  if (long_master_key) {
    wipe(long_master_key, master_key_len);
    delete[] long_master_key;
    long_master_key = nullptr;
  } else {
    wipe(master_key, master_key_len);
  }
  master_key_len = 0;
}

void Session::calculate_expiry() {
  // A negative timeout (from a negative SSL_CTX_set_timeout) is kept as is:
  // such a session is born expired, as in OpenSSL 3.0.
  // OpenSSL 3.0's rule, with two's complement wrapping: the sum overflows
  // when timeout exceeds INT64_MAX - time. Every negative time therefore
  // counts as overflowed (never times out), as it does in OpenSSL.
  const uint64_t room = static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(time);
  if (timeout > static_cast<int64_t>(room)) {
    expiry.overflowed = true;
    expiry.at = static_cast<int64_t>(static_cast<uint64_t>(timeout) - room);
  } else {
    expiry.overflowed = false;
    expiry.at = time + timeout;
  }
}

Session* session_new(Runtime* rt) {
  Session* s = session_alloc(rt);
  ex_data_new(s);
  return s;
}

void session_up_ref(Session* s) { s->references++; }

void session_free(Session* s) {
  if (s == nullptr || --s->references > 0) return;
  s->dying = true;
  ex_data_free(s);
  s->wipe_master_key();
  s->fields.reset();  // wipes the variable-length block (tickets, peer) and frees it
  s->destroyed = true;
  release_if_unreferenced(s);
}

Session* session_dup(const Session* src, void* (*retain)(void* value, void* arg), void* retain_arg) {
  Runtime* rt = src->rt;
  Session* d = session_alloc(rt);  // one reference; not cached, no links
  d->ssl_version = src->ssl_version;
  d->id_len = src->id_len;
  memcpy(d->id, src->id, sizeof d->id);
  d->sid_ctx_len = src->sid_ctx_len;
  memcpy(d->sid_ctx, src->sid_ctx, sizeof d->sid_ctx);
  d->not_resumable = src->not_resumable;  // resumable exactly as the source
  session_set1_master_key(d, src->master_key_bytes(), src->master_key_len);
  d->time = src->time;
  d->timeout = src->timeout;
  d->calculate_expiry();
  d->fields = src->fields;
  const bool copied = d->fields.copy_ok();
  // CRYPTO_new_ex_data, then CRYPTO_dup_ex_data over the indexes src can have.
  ex_data_new(d);
  bool ok = copied;
  if (ok && !rt->silent) {
    const size_t n = rt->ex_indexes(Kind::Session).size();
    for (size_t i = 0; i < n && static_cast<int>(i) < src->ex.count(); i++) {
      // A callback may register indexes; read the entry afresh each time.
      const ExIndex e = rt->ex_indexes(Kind::Session)[i];
      void* ptr = src->ex.get(static_cast<int>(i));
      if (e.dup_fn) {
        // The dup function leaves in ptr a value d owns (or null).
        if (!e.dup_fn(&d->ex, &src->ex, &ptr, static_cast<int>(i), e.argl, e.argp)) {
          ok = false;
          break;
        }
      } else if (ptr != nullptr) {
        ptr = retain ? retain(ptr, retain_arg) : nullptr;
      }
      void* old = d->ex.get(static_cast<int>(i));  // a new callback may have set it
      if (!d->ex.set(static_cast<int>(i), ptr)) {
        if (ptr && rt->release_value) rt->release_value(ptr, rt->release_arg);
        ok = false;
        break;
      }
      if (old && old != ptr && rt->release_value) rt->release_value(old, rt->release_arg);
    }
  }
  if (!ok) {
    err_push(kErrLibSsl, kReasonMallocFailure);  // as OpenSSL reports any failure here
    session_free(d);
    return nullptr;
  }
  return d;
}

SessionView session_view(const Session* s) {
  SessionView v;
  v.core.ssl_version = s->ssl_version;
  v.core.session_id = s->id;
  v.core.session_id_length = s->id_len;
  v.core.sid_ctx = s->sid_ctx;
  v.core.sid_ctx_length = s->sid_ctx_len;
  v.core.master_key = s->master_key_bytes();
  v.core.master_key_length = s->master_key_len;
  v.core.time = s->time;
  v.core.timeout = s->timeout;
  v.fields = &s->fields;
  return v;
}

namespace {

// The reason d2i reports. OpenSSL pushes nothing for four of the checks; we
// push the nearest SSL reason so that every null comes with an error.
DerReason d2i_reason(DerError e) {
  switch (e) {
    case DerError::kUnknownCipher: return {kErrLibSsl, 249};  // SSL_R_UNKNOWN_CIPHER_TYPE
    case DerError::kSessionIdTooLong: return {kErrLibSsl, kReasonSessionIdTooLong};
    case DerError::kSidCtxTooLong: return {kErrLibSsl, kReasonSessionIdContextTooLong};
    case DerError::kMasterKeyTooLong: return {kErrLibSsl, 404};  // SSL_R_LENGTH_TOO_LONG
    default: return der_error_reason(e);
  }
}

}  // namespace

size_t session_der_length(const Session* s) { return der_encoded_length(session_view(s)); }

size_t session_to_der(const Session* s, uint8_t* out, size_t out_len) {
  return der_encode(session_view(s), out, out_len);
}

Session* session_from_der(Runtime* rt, Session* into, const uint8_t* in, size_t len,
                          size_t* consumed) {
  DecodedCore core;
  SessionFields fields;
  DerDecodeOptions options;
  options.now = rt->now();
  options.compression = false;  // as Node's OpenSSL (no-comp): [11] is ignored
  const DerDecodeResult r = der_decode(in, len, options, &core, &fields);
  if (r.error != DerError::kOk) {
    cleanse(core.master_key, sizeof core.master_key);
    const DerReason why = d2i_reason(r.error);
    err_push(why.lib, why.reason);
    return nullptr;
  }
  Session* s = into;
  if (s == nullptr) s = session_new(rt);  // ex_data new callbacks run here
  s->sid_ctx_len = core.sid_ctx_length;
  memcpy(s->sid_ctx, core.sid_ctx, core.sid_ctx_length);
  session_set1_master_key(s, core.master_key, core.master_key_length);
  cleanse(core.master_key, sizeof core.master_key);
  s->fields = std::move(fields);
  s->timeout = core.timeout;
  session_set_time(s, core.time);  // recomputes the expiry; re-sorts a cached session
  // Last: re-keying a cached session may free a displaced one (callbacks).
  session_set_key(s, core.ssl_version, core.session_id, core.session_id_length);
  *consumed = r.consumed;
  return s;
}

}  // namespace osc
