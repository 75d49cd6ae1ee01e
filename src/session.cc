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

// A session with one reference, owned by the returned Ref; null (and
// ERR_R_MALLOC_FAILURE) when memory ran out. No callbacks run yet.
Ref<Session> session_alloc(Runtime* rt) {
  void* slot = rt->sessions.allocate();
  if (slot == nullptr) {
    err_push(kErrLibSsl, kReasonMallocFailure);
    return Ref<Session>();
  }
  Session* s = new (slot) Session(rt);
  s->internal_refs = 1;  // the one reference is the Ref's
  return Ref<Session>::adopt(s);
}

}  // namespace

void Session::wipe_master_key() {
  // Only session_set1_master_key writes the key (its first master_key_len
  // bytes, after wiping the old key): nothing else there is secret.
  if (master_key_len == 0) return;
  if (long_master_key) {
    secure_zero(long_master_key, master_key_len);
    delete[] long_master_key;
    long_master_key = nullptr;
  } else {
    secure_zero(master_key, master_key_len);
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

Ref<Session> session_new(Runtime* rt) {
  Ref<Session> s = session_alloc(rt);
  if (s) ex_data_new(s.get());  // the Ref keeps it: a callback cannot free it
  return s;
}

void session_free(Session* s) {
  if (s == nullptr || --s->references > 0) return;
  s->dying = true;
  // ex_data: callbacks only when a session index has one, values only when
  // the session has a block (most have neither).
  if (s->ex.block != nullptr || s->rt->ex_indexes(Kind::Session).size() > 1) ex_data_free(s);
  s->wipe_master_key();
  // The variable-length block (tickets, peer) is wiped and freed by the
  // destructor in destroy_object, next: resetting the inline fields first
  // would only write a cache line the release does not otherwise need.
  s->destroyed = true;
  destroy_object(s);
}

Ref<Session> session_dup(Session* src, void* (*retain)(void* value, void* arg), void* retain_arg) {
  Runtime* rt = src->rt;
  Ref<Session> hold_src = Ref<Session>::up(src);  // callbacks below may drop the caller's
  Ref<Session> copy = session_alloc(rt);          // one reference; not cached, no links
  if (!copy) return copy;
  Session* d = copy.get();
  d->ssl_version = src->ssl_version;
  d->id_len = src->id_len;
  memcpy(d->id, src->id, sizeof d->id);
  d->sid_ctx_len = src->sid_ctx_len;
  memcpy(d->sid_ctx, src->sid_ctx, sizeof d->sid_ctx);
  d->not_resumable = src->not_resumable;  // resumable exactly as the source
  d->time = src->time;
  d->timeout = src->timeout;
  d->calculate_expiry();
  d->fields = src->fields;
  bool ok = d->fields.copy_ok() && session_set1_master_key(d, src->master_key_bytes(), src->master_key_len);
  // CRYPTO_new_ex_data, then CRYPTO_dup_ex_data over the indexes src can have.
  ex_data_new(d);
  for (size_t i = 0; ok && i < rt->ex_indexes(Kind::Session).size() && static_cast<int>(i) < src->ex.count();
       i++) {
    // A callback may register indexes; read the entry afresh each time.
    const ExIndex e = rt->ex_indexes(Kind::Session)[i];
    void* ptr = src->ex.get(static_cast<int>(i));
    if (e.dup_fn) {
      // The dup function leaves in ptr a value d owns (or null).
      if (!callout_allowed(rt))
        ptr = nullptr;
      else if (!e.dup_fn(&d->ex, &src->ex, &ptr, static_cast<int>(i), e.argl, e.argp))
        ok = false;
    } else if (ptr != nullptr) {
      ptr = retain ? retain(ptr, retain_arg) : nullptr;
    }
    if (!ok) break;
    void* old = d->ex.get(static_cast<int>(i));  // a new callback may have set it
    if (!d->ex.set(static_cast<int>(i), ptr)) {
      rt->release(ptr);
      ok = false;
      break;
    }
    if (old != ptr) rt->release(old);
  }
  if (!ok) {
    err_push(kErrLibSsl, kReasonMallocFailure);  // as OpenSSL reports any failure here
    return Ref<Session>();                       // frees the half-made copy (free callbacks)
  }
  return copy;
}

int session_set1_hostname(Session* s, const uint8_t* name, size_t len) {
  bool ok;
  if (name == nullptr) {
    ok = s->fields.clear(SessionFields::kHostname);
  } else {
    const void* nul = len ? memchr(name, 0, len) : nullptr;
    if (nul != nullptr) len = static_cast<size_t>(static_cast<const uint8_t*>(nul) - name);
    ok = s->fields.set(SessionFields::kHostname, name, len);
  }
  if (!ok) err_push(kErrLibSsl, kReasonMallocFailure);
  return ok ? 1 : 0;
}

int session_set1_optional_blob(Session* s, SessionFields::Blob b, const uint8_t* data, size_t len) {
  const bool ok = data == nullptr || len == 0 ? s->fields.clear(b) : s->fields.set(b, data, len);
  if (!ok) err_push(kErrLibSsl, kReasonMallocFailure);
  return ok ? 1 : 0;
}

int session_get_max_fragment_length(const Session* s) {
  return s->fields.max_fragment_len_mode == 255 ? 0 : s->fields.max_fragment_len_mode;
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
    case DerError::kUnknownCipher:
      return {kErrLibSsl, 249};  // SSL_R_UNKNOWN_CIPHER_TYPE
    case DerError::kSessionIdTooLong:
      return {kErrLibSsl, kReasonSessionIdTooLong};
    case DerError::kSidCtxTooLong:
      return {kErrLibSsl, kReasonSessionIdContextTooLong};
    case DerError::kMasterKeyTooLong:
      return {kErrLibSsl, 404};  // SSL_R_LENGTH_TOO_LONG
    default:
      return der_error_reason(e);
  }
}

}  // namespace

size_t session_der_length(const Session* s) { return der_encoded_length(session_view(s)); }

size_t session_to_der(const Session* s, uint8_t* out, size_t out_len) {
  return der_encode(session_view(s), out, out_len);
}

namespace {

// Decodes in[0..len) into core and fields; false with the reason queued.
bool decode(Runtime* rt, const uint8_t* in, size_t len, DecodedCore* core, SessionFields* fields,
            size_t* consumed) {
  DerDecodeOptions options;
  options.now = rt->now();
  options.compression = false;  // as Node's OpenSSL (no-comp): [11] is ignored
  DerDecodeResult r;
  try {
    r = der_decode(in, len, options, core, fields);
  } catch (const std::bad_alloc&) {  // joining BER constructed strings
    r.error = DerError::kOutOfMemory;
  }
  if (r.error != DerError::kOk) {
    secure_zero(core->master_key, sizeof core->master_key);
    const DerReason why = d2i_reason(r.error);
    err_push(why.lib, why.reason);
    return false;
  }
  *consumed = r.consumed;
  return true;
}

// Writes what was decoded into s (the caller holds a reference on it). The
// master key goes first: it is the one step that can fail (out of memory),
// and s is then unchanged.
bool apply(Session* s, DecodedCore& core, SessionFields& fields) {
  const bool keyed = session_set1_master_key(s, core.master_key, core.master_key_length) == 1;
  secure_zero(core.master_key, sizeof core.master_key);
  if (!keyed) return false;
  s->sid_ctx_len = core.sid_ctx_length;
  memcpy(s->sid_ctx, core.sid_ctx, core.sid_ctx_length);
  s->fields = std::move(fields);
  session_set_times(s, core.time, core.timeout);  // re-sorts a cached session
  // Last: re-keying a cached session may free a displaced one (callbacks).
  session_set_key(s, core.ssl_version, core.session_id, core.session_id_length);
  return true;
}

}  // namespace

Ref<Session> session_from_der(Runtime* rt, const uint8_t* in, size_t len, size_t* consumed) {
  DecodedCore core;
  SessionFields fields;
  if (!decode(rt, in, len, &core, &fields, consumed)) return Ref<Session>();
  Ref<Session> s = session_new(rt);  // ex_data new callbacks run here
  if (!s || !apply(s.get(), core, fields)) {
    secure_zero(core.master_key, sizeof core.master_key);
    return Ref<Session>();
  }
  return s;
}

bool session_decode_into(Session* into, const uint8_t* in, size_t len, size_t* consumed) {
  DecodedCore core;
  SessionFields fields;
  if (!decode(into->rt, in, len, &core, &fields, consumed)) return false;
  Ref<Session> hold = Ref<Session>::up(into);  // a displaced session's callbacks may free the caller's
  return apply(into, core, fields);
}

}  // namespace osc
