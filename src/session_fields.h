// SessionFields: the SSL_SESSION fields that OpenSSL's DER form carries beyond
// the cache's core fields (version, id, sid_ctx, master key, time, timeout).
//
// Layout goal: a cached session should cost about 350 bytes in total, so the
// fixed-size fields are stored inline (40 bytes) and every variable-length
// field (peer certificate, hostname, ticket, ALPN, ...) lives in ONE lazily
// allocated block, sized exactly, shared by all of them. A session without
// variable-length fields (a typical TLS 1.2 server session) allocates nothing.
//
// Pure C++: no Node and no OpenSSL headers.
#ifndef OSC_SESSION_FIELDS_H_
#define OSC_SESSION_FIELDS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "common.h"

namespace osc {

// A non-owning byte range. data may be nullptr when size is 0.
struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

class SessionFields {
 public:
  // The variable-length fields. Each is either absent or present with
  // 0..n bytes: OpenSSL distinguishes "no hostname" from "empty hostname"
  // (both in i2d and d2i), so presence is tracked separately from length.
  enum Blob : uint8_t {
    kPeer = 0,         // [3]  peer certificate, DER bytes of the X509 (parsed on demand)
    kHostname,         // [6]  SNI hostname (no NUL; d2i truncates at the first NUL)
    kPskIdentityHint,  // [7]  (no NUL, truncated like hostname)
    kPskIdentity,      // [8]  (no NUL, truncated like hostname)
    kTicket,           // [10] session ticket bytes
    kSrpUsername,      // [12] (no NUL, truncated like hostname)
    kAlpnSelected,     // [16] selected ALPN protocol bytes
    kTicketAppdata,    // [18] SSL_SESSION_set1_ticket_appdata bytes
    kBlobCount
  };

  // Defaults are those of a fresh SSL_SESSION_new(); d2i overwrites all of
  // them (absent DER fields read as 0).
  uint64_t tick_lifetime_hint = 0;      // [9]  ZUINT64 (OpenSSL: unsigned long)
  uint32_t cipher_id = 0;               // 0x0300XXXX; 0 = no cipher (i2d returns 0)
  int32_t verify_result = 1;            // [5]  ZINT32; SSL_SESSION_new sets 1 (X509_V_ERR_UNSPECIFIED)
  uint32_t kex_group = 0;               // [19] UINT32, always encoded (even 0)
  uint32_t flags = 0;                   // [13] ZUINT64 on the wire, 32 bits kept (as OpenSSL)
  uint32_t tick_age_add = 0;            // [14] ZUINT32
  uint32_t max_early_data = 0;          // [15] ZUINT32
  uint8_t max_fragment_len_mode = 255;  // [17] ZUINT32 on the wire, 8 bits kept
                                        // (as OpenSSL); 255 = unspecified
  uint8_t compress_meth = 0;            // [11] 1-byte OCTET STRING when non-zero

  SessionFields() = default;
  ~SessionFields() { release(); }
  SessionFields(const SessionFields& o) { copy_from(o); }
  SessionFields& operator=(const SessionFields& o) {
    if (this != &o) {
      release();
      copy_from(o);
    }
    return *this;
  }
  SessionFields(SessionFields&& o) noexcept { move_from(o); }
  SessionFields& operator=(SessionFields&& o) noexcept {
    if (this != &o) {
      release();
      move_from(o);
    }
    return *this;
  }

  // copy_ok is false when the deep copy of a copy-construction/assignment
  // could not allocate; the object then holds no variable-length fields.
  bool copy_ok() const { return !copy_failed_; }

  bool has(Blob b) const { return (present_ & (1u << b)) != 0; }
  // The bytes of field b ({nullptr, 0} when absent; {p, 0} or {nullptr, 0}
  // when present but empty). Valid until the next mutation of this object.
  ByteView get(Blob b) const {
    if (!has(b) || !blob_) return ByteView{};
    uint32_t start = b == 0 ? 0 : end_of(b - 1);
    uint32_t end = end_of(b);
    return ByteView{blob_.get() + kHeader + start, end - start};
  }

  // Writable bytes of field b (nullptr when absent or empty).
  uint8_t* mutable_data(Blob b) {
    ByteView v = get(b);
    return v.size == 0 ? nullptr : const_cast<uint8_t*>(v.data);
  }

  // Sets field b to a copy of data[0..len) (present, possibly empty).
  // Returns false (nothing changed) on allocation failure or len > 2^31.
  bool set(Blob b, const uint8_t* data, size_t len) {
    ByteView v[kBlobCount];
    for (int i = 0; i < kBlobCount; i++) v[i] = get(static_cast<Blob>(i));
    v[b] = ByteView{data, len};
    return assign(v, static_cast<uint8_t>(present_ | (1u << b)));
  }
  // Makes field b absent. Returns false only on allocation failure.
  bool clear(Blob b) {
    if (!has(b)) return true;
    ByteView v[kBlobCount];
    for (int i = 0; i < kBlobCount; i++) v[i] = get(static_cast<Blob>(i));
    v[b] = ByteView{};
    return assign(v, static_cast<uint8_t>(present_ & ~(1u << b)));
  }

  // Replaces all variable-length fields at once (one allocation): field i is
  // present iff bit i of present is set, with bytes views[i]. The views may
  // point into this object's current block. Returns false on allocation
  // failure or a total over 2^31 bytes (nothing changed then).
  bool assign(const ByteView (&views)[kBlobCount], uint8_t present) {
    size_t total = 0;
    for (int i = 0; i < kBlobCount; i++) {
      if (present & (1u << i)) total += views[i].size;
      if (total > kMaxTotal) return false;
    }
    std::unique_ptr<uint8_t[]> nb;
    if (present != 0 && total > 0) {
      nb.reset(core_new_array<uint8_t>(kHeader + total));
      if (!nb) return false;
      uint32_t off = 0;
      for (int i = 0; i < kBlobCount; i++) {
        if ((present & (1u << i)) && views[i].size > 0) {
          std::memcpy(nb.get() + kHeader + off, views[i].data, views[i].size);
          off += static_cast<uint32_t>(views[i].size);
        }
        std::memcpy(nb.get() + 4 * i, &off, 4);
      }
    }
    release();
    blob_ = std::move(nb);
    present_ = present;
    return true;
  }

  // Bytes of the variable-length block (0 when none is allocated).
  size_t heap_bytes() const { return blob_ ? kHeader + end_of(kBlobCount - 1) : 0; }

  // Resets every field to the SSL_SESSION_new() defaults.
  void reset() { *this = SessionFields(); }

 private:
  static constexpr size_t kHeader = 4 * kBlobCount;  // uint32_t end offsets
  static constexpr size_t kMaxTotal = size_t{1} << 31;

  uint32_t end_of(int i) const {
    if (!blob_) return 0;
    uint32_t e;
    std::memcpy(&e, blob_.get() + 4 * i, 4);
    return e;
  }
  void release() {
    if (blob_) secure_zero(blob_.get(), heap_bytes());
    blob_.reset();
    present_ = 0;
  }
  void copy_scalars(const SessionFields& o) {
    tick_lifetime_hint = o.tick_lifetime_hint;
    cipher_id = o.cipher_id;
    verify_result = o.verify_result;
    kex_group = o.kex_group;
    flags = o.flags;
    tick_age_add = o.tick_age_add;
    max_early_data = o.max_early_data;
    max_fragment_len_mode = o.max_fragment_len_mode;
    compress_meth = o.compress_meth;
  }
  void copy_from(const SessionFields& o) {
    copy_scalars(o);
    present_ = o.present_;
    copy_failed_ = false;
    if (o.blob_) {
      size_t n = o.heap_bytes();
      blob_.reset(core_new_array<uint8_t>(n));
      if (blob_) {
        std::memcpy(blob_.get(), o.blob_.get(), n);
      } else {
        present_ = 0;
        copy_failed_ = true;
      }
    }
  }
  void move_from(SessionFields& o) {
    copy_scalars(o);
    present_ = o.present_;
    copy_failed_ = o.copy_failed_;
    blob_ = std::move(o.blob_);
    o.present_ = 0;
  }

  uint8_t present_ = 0;  // bit i: Blob i present
  bool copy_failed_ = false;
  std::unique_ptr<uint8_t[]> blob_;  // [uint32_t end[kBlobCount]][bytes...]
};

}  // namespace osc

#endif  // OSC_SESSION_FIELDS_H_
