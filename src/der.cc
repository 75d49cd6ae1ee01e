// DER codec for SSL_SESSION, mirroring OpenSSL 3.0's i2d_SSL_SESSION and
// d2i_SSL_SESSION (ssl/ssl_asn1.c on top of crypto/asn1's template decoder).
//
// Decoding mirrors OpenSSL's acceptance rules where they are cheap to mirror:
// long-form and non-minimal lengths, high-tag-number tags, zero-length
// INTEGERs read as 0, OpenSSL's INTEGER padding and range rules, fields in
// template order with optional ones skipped. It deliberately rejects BER-only
// forms no encoder produces (indefinite lengths, constructed OCTET STRINGs)
// and parses the peer certificate only down to its outer three elements.
#include "der.h"

#include <climits>
#include <cstring>

#include "cipher_table.h"

namespace osc {

namespace {

// ---------------------------------------------------------------- reading

struct Tlv {
  uint8_t cls = 0;  // 0x00 universal, 0x40 application, 0x80 context, 0xc0 private
  bool cons = false;
  uint32_t tag = 0;
  const uint8_t* content = nullptr;
  size_t length = 0;
  const uint8_t* end() const { return content + length; }
};

constexpr uint8_t kUniversal = 0x00;
constexpr uint8_t kContext = 0x80;
constexpr uint32_t kTagInteger = 2;
constexpr uint32_t kTagBitString = 3;
constexpr uint32_t kTagOctetString = 4;
constexpr uint32_t kTagSequence = 16;

// Reads one tag+length header from p[0..max), following ASN1_get_object's
// rules: high-tag-number form allowed, long-form lengths with leading zeros
// allowed (but a long form needs one byte after it, as in OpenSSL), the
// content must fit in max. Indefinite lengths are refused.
DerError read_tlv(const uint8_t* p, size_t max, Tlv* t) {
  const uint8_t* const start = p;
  const size_t omax = max;
  if (max == 0) return DerError::kHeaderTooLong;
  const uint8_t b = *p;
  t->cons = (b & 0x20) != 0;
  t->cls = b & 0xc0;
  uint32_t num = b & 0x1f;
  p++;
  if (--max == 0) return DerError::kHeaderTooLong;
  if (num == 0x1f) {
    uint64_t l = 0;
    while (*p & 0x80) {
      l = (l << 7) | (*p++ & 0x7f);
      if (--max == 0) return DerError::kHeaderTooLong;
      if (l > (INT_MAX >> 7)) return DerError::kHeaderTooLong;
    }
    l = (l << 7) | (*p++ & 0x7f);
    num = static_cast<uint32_t>(l);
    if (--max == 0) return DerError::kHeaderTooLong;
  }
  t->tag = num;
  // max >= 1 here: the length byte exists.
  const uint8_t lb = *p++;
  max--;
  size_t len;
  if (lb == 0x80) return DerError::kIndefiniteLength;
  if (lb & 0x80) {
    size_t i = lb & 0x7f;
    if (max < i + 1) return DerError::kHeaderTooLong;
    while (i > 0 && *p == 0) {
      p++;
      i--;
    }
    if (i > sizeof(long)) return DerError::kHeaderTooLong;
    uint64_t r = 0;
    while (i > 0) {
      r = (r << 8) | *p++;
      i--;
    }
    if (r > static_cast<uint64_t>(LONG_MAX)) return DerError::kHeaderTooLong;
    len = static_cast<size_t>(r);
  } else {
    len = lb;
  }
  const size_t hdr = static_cast<size_t>(p - start);
  if (len > omax - hdr) return DerError::kTooLong;
  t->content = p;
  t->length = len;
  return DerError::kOk;
}

// An INTEGER's value as OpenSSL's c2i_ibuf sees it: magnitude and sign.
// Zero-length content reads as 0 (OpenSSL's backward-compatible rule).
DerError read_int(const uint8_t* c, size_t len, uint64_t* mag, bool* neg) {
  *mag = 0;
  *neg = false;
  if (len == 0) return DerError::kOk;
  const bool n = (c[0] & 0x80) != 0;
  if (len > 1) {
    bool pad = false;
    if (c[0] == 0) {
      pad = true;
    } else if (c[0] == 0xff) {
      for (size_t i = 1; i < len; i++) {
        if (c[i] != 0) {
          pad = true;
          break;
        }
      }
    }
    if (pad && n == ((c[1] & 0x80) != 0)) return DerError::kIllegalPadding;
    if (pad) {
      c++;
      len--;
    }
  }
  if (len > 8) return DerError::kIntegerTooLarge;
  uint64_t raw = 0;
  for (size_t i = 0; i < len; i++) raw = (raw << 8) | c[i];
  if (n) {
    raw = ~raw + 1;  // two's complement over len bytes
    if (len < 8) raw &= (uint64_t{1} << (8 * len)) - 1;
  }
  *mag = raw;
  *neg = n;
  return DerError::kOk;
}

enum class IntType : uint8_t { kU32, kI32, kU64, kI64 };

// Range rules of OpenSSL's INT32/UINT32/INT64/UINT64 primitives (x_int64.c).
DerError int_value(const uint8_t* c, size_t len, IntType type, uint64_t* out) {
  uint64_t mag;
  bool neg;
  DerError e = read_int(c, len, &mag, &neg);
  if (e != DerError::kOk) return e;
  const bool is_signed = type == IntType::kI32 || type == IntType::kI64;
  if (neg && !is_signed) return DerError::kIntegerNegative;
  if (type == IntType::kU64 || type == IntType::kI64) {
    if (is_signed && !neg && mag > static_cast<uint64_t>(INT64_MAX)) {
      return DerError::kIntegerTooLarge;
    }
    *out = neg ? 0 - mag : mag;
    return DerError::kOk;
  }
  if (neg) {
    if (mag > uint64_t{0x80000000}) return DerError::kIntegerTooSmall;
    *out = static_cast<uint32_t>(0 - static_cast<uint32_t>(mag));
    return DerError::kOk;
  }
  if ((is_signed && mag > static_cast<uint64_t>(INT32_MAX)) ||
      (!is_signed && mag > static_cast<uint64_t>(UINT32_MAX))) {
    return DerError::kIntegerTooLarge;
  }
  *out = mag;
  return DerError::kOk;
}

// The SSL_SESSION_ASN1 template of OpenSSL 3.0, in order.
enum class Kind : uint8_t { kInt, kOctet, kImplicitOctet, kCert };

struct Field {
  uint8_t cls;       // class of the outer tag
  uint8_t tag;       // tag number
  bool optional;     // OPTIONAL (all explicit and implicit fields)
  bool is_explicit;  // EXPLICIT [tag] wrapper around a universal element
  Kind kind;
  IntType int_type;
};

enum FieldIndex : uint8_t {
  fVersion, fSslVersion, fCipher, fSessionId, fMasterKey, fKeyArg,
  fTime, fTimeout, fPeer, fSidCtx, fVerifyResult, fHostname,
  fPskIdentityHint, fPskIdentity, fTickLifetimeHint, fTicket, fCompId,
  fSrpUsername, fFlags, fTickAgeAdd, fMaxEarlyData, fAlpnSelected,
  fMaxFragmentLenMode, fTicketAppdata, fKexGroup, kFieldCount
};

constexpr Field kFields[kFieldCount] = {
    {kUniversal, kTagInteger, false, false, Kind::kInt, IntType::kU32},      // version
    {kUniversal, kTagInteger, false, false, Kind::kInt, IntType::kI32},      // ssl_version
    {kUniversal, kTagOctetString, false, false, Kind::kOctet, IntType::kU32},  // cipher
    {kUniversal, kTagOctetString, false, false, Kind::kOctet, IntType::kU32},  // session_id
    {kUniversal, kTagOctetString, false, false, Kind::kOctet, IntType::kU32},  // master_key
    {kContext, 0, true, false, Kind::kImplicitOctet, IntType::kU32},         // [0] key_arg
    {kContext, 1, true, true, Kind::kInt, IntType::kI64},     // [1] time
    {kContext, 2, true, true, Kind::kInt, IntType::kI64},     // [2] timeout
    {kContext, 3, true, true, Kind::kCert, IntType::kU32},    // [3] peer
    {kContext, 4, true, true, Kind::kOctet, IntType::kU32},   // [4] sid_ctx
    {kContext, 5, true, true, Kind::kInt, IntType::kI32},     // [5] verify_result
    {kContext, 6, true, true, Kind::kOctet, IntType::kU32},   // [6] hostname
    {kContext, 7, true, true, Kind::kOctet, IntType::kU32},   // [7] psk_identity_hint
    {kContext, 8, true, true, Kind::kOctet, IntType::kU32},   // [8] psk_identity
    {kContext, 9, true, true, Kind::kInt, IntType::kU64},     // [9] tick_lifetime_hint
    {kContext, 10, true, true, Kind::kOctet, IntType::kU32},  // [10] ticket
    {kContext, 11, true, true, Kind::kOctet, IntType::kU32},  // [11] comp_id
    {kContext, 12, true, true, Kind::kOctet, IntType::kU32},  // [12] srp_username
    {kContext, 13, true, true, Kind::kInt, IntType::kU64},    // [13] flags
    {kContext, 14, true, true, Kind::kInt, IntType::kU32},    // [14] tick_age_add
    {kContext, 15, true, true, Kind::kInt, IntType::kU32},    // [15] max_early_data
    {kContext, 16, true, true, Kind::kOctet, IntType::kU32},  // [16] alpn_selected
    {kContext, 17, true, true, Kind::kInt, IntType::kU32},    // [17] max_fragment_len_mode
    {kContext, 18, true, true, Kind::kOctet, IntType::kU32},  // [18] ticket_appdata
    {kContext, 19, true, true, Kind::kInt, IntType::kU32},    // [19] kex_group
};

struct Parsed {
  uint32_t present = 0;  // bit per FieldIndex
  uint64_t ints[kFieldCount];
  ByteView bytes[kFieldCount];
  uint8_t cert_unused_bits = 0;  // of the peer certificate's signature
  bool has(FieldIndex f) const { return (present >> f) & 1; }
};

// True when t's header at p is in canonical DER form (one tag byte, minimal
// length). OpenSSL re-encodes these headers when it writes a certificate back,
// so only canonical ones survive its round trip unchanged.
bool canonical_header(const uint8_t* p, const Tlv& t) {
  const size_t n = t.length;
  const size_t lol = n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffff ? 4 : 5;
  return (p[0] & 0x1f) != 0x1f && static_cast<size_t>(t.content - p) == 1 + lol;
}

// True when p[0..len) is a run of well-formed definite-length TLVs filling it
// exactly, descending into constructed elements (at most `depth` levels);
// with `canonical`, every header must also be canonical.
bool well_formed(const uint8_t* p, size_t len, int depth, bool canonical) {
  while (len != 0) {
    Tlv t;
    if (read_tlv(p, len, &t) != DerError::kOk) return false;
    if (canonical && !canonical_header(p, t)) return false;
    if (t.cons && (depth == 0 || !well_formed(t.content, t.length, depth - 1, canonical))) {
      return false;
    }
    len -= static_cast<size_t>(t.end() - p);
    p = t.end();
  }
  return true;
}

// The signature algorithm: { OBJECT IDENTIFIER, parameters NULL or SEQUENCE,
// optional }. OpenSSL re-encodes other ANY parameter types (a BOOLEAN, a BIT
// STRING...) in its own way, so we refuse them rather than keep bytes that
// OpenSSL would change; the OID must pass OpenSSL's encoding check.
bool plausible_algorithm(const Tlv& alg) {
  const uint8_t* p = alg.content;
  size_t left = alg.length;
  Tlv oid;
  if (read_tlv(p, left, &oid) != DerError::kOk) return false;
  if (oid.cls != kUniversal || oid.tag != 6 || oid.cons || oid.length == 0) return false;
  if (oid.content[oid.length - 1] & 0x80) return false;
  for (size_t i = 0; i < oid.length; i++) {
    // A sub-identifier may not start with 0x80 (a non-minimal encoding).
    if (oid.content[i] == 0x80 && (i == 0 || !(oid.content[i - 1] & 0x80))) return false;
  }
  left -= static_cast<size_t>(oid.end() - p);
  p = oid.end();
  if (left == 0) return true;
  Tlv param;
  if (read_tlv(p, left, &param) != DerError::kOk) return false;
  const bool null_param = param.cls == kUniversal && param.tag == 5 && !param.cons &&
                          param.length == 0;
  const bool seq_param = param.cls == kUniversal && param.tag == kTagSequence && param.cons;
  return (null_param || seq_param) && param.end() == alg.end();
}

// Checks the shape of a certificate at p: SEQUENCE { tbs SEQUENCE,
// algorithm SEQUENCE, signature BIT STRING } filling it exactly, every
// constructed element inside well formed (30 levels at most, as OpenSSL's
// ASN1_MAX_CONSTRUCTED_NEST). OpenSSL parses the whole X509 here; we keep the
// bytes and leave their meaning to an on-demand parse. OpenSSL writes a
// certificate back as the saved tbs bytes plus a fresh encoding of the rest,
// so outside the tbs we require canonical headers, and report the unused-bit
// count of the signature (OpenSSL clears those bits; so does der_decode).
bool plausible_certificate(const uint8_t* p, const Tlv& cert, uint8_t* unused_bits) {
  if (cert.cls != kUniversal || cert.tag != kTagSequence || !cert.cons) return false;
  if (!canonical_header(p, cert)) return false;
  p = cert.content;
  size_t left = cert.length;
  static constexpr uint32_t kParts[3] = {kTagSequence, kTagSequence, kTagBitString};
  for (int i = 0; i < 3; i++) {
    const uint32_t want = kParts[i];
    Tlv t;
    if (read_tlv(p, left, &t) != DerError::kOk) return false;
    if (t.cls != kUniversal || t.tag != want || t.cons != (want == kTagSequence)) {
      return false;
    }
    if (i > 0 && !canonical_header(p, t)) return false;
    if (t.cons && !well_formed(t.content, t.length, 28, i > 0)) return false;
    if (i == 1 && !plausible_algorithm(t)) return false;
    if (want == kTagBitString) {
      if (t.length < 1 || t.content[0] > 7) return false;
      *unused_bits = t.length > 1 ? t.content[0] : 0;
    }
    left -= static_cast<size_t>(t.end() - p);
    p = t.end();
  }
  return left == 0;
}

// Decodes the universal element (INTEGER, OCTET STRING or certificate) of
// field f whose header is t.
DerError decode_inner(FieldIndex f, const uint8_t* at, const Tlv& t, Parsed* out) {
  const Field& fd = kFields[f];
  switch (fd.kind) {
    case Kind::kInt: {
      if (t.cls != kUniversal || t.tag != kTagInteger) return DerError::kWrongTag;
      if (t.cons) return DerError::kTypeNotPrimitive;
      return int_value(t.content, t.length, fd.int_type, &out->ints[f]);
    }
    case Kind::kOctet:
    case Kind::kImplicitOctet: {
      if (fd.kind == Kind::kOctet &&
          (t.cls != kUniversal || t.tag != kTagOctetString)) {
        return DerError::kWrongTag;
      }
      if (t.cons) return DerError::kConstructedString;
      out->bytes[f] = ByteView{t.content, t.length};
      return DerError::kOk;
    }
    case Kind::kCert: {
      if (!plausible_certificate(at, t, &out->cert_unused_bits)) {
        return DerError::kBadCertificate;
      }
      // The certificate is the whole TLV, header included.
      return DerError::kOk;
    }
  }
  return DerError::kWrongTag;
}

// Parses the SEQUENCE's fields following tasn_dec's template walk.
DerError parse_fields(const uint8_t* p, size_t len, Parsed* out) {
  int i = 0;
  for (; i < kFieldCount; i++) {
    if (len == 0) break;
    if (len >= 2 && p[0] == 0 && p[1] == 0) return DerError::kUnexpectedEoc;
    const Field& fd = kFields[i];
    const bool opt = i == kFieldCount - 1 ? false : fd.optional;
    Tlv t;
    DerError e = read_tlv(p, len, &t);
    if (e != DerError::kOk) return e;
    if (t.cls != fd.cls || t.tag != fd.tag) {
      if (opt) continue;
      return DerError::kWrongTag;
    }
    const FieldIndex f = static_cast<FieldIndex>(i);
    if (fd.is_explicit) {
      if (!t.cons) return DerError::kExplicitNotConstructed;
      Tlv inner;
      e = read_tlv(t.content, t.length, &inner);
      if (e != DerError::kOk) return e;
      e = decode_inner(f, t.content, inner, out);
      if (e != DerError::kOk) return e;
      if (fd.kind == Kind::kCert) {
        out->bytes[f] = ByteView{t.content, static_cast<size_t>(inner.end() - t.content)};
      }
      if (inner.end() != t.end()) return DerError::kExplicitLengthMismatch;
    } else {
      e = decode_inner(f, p, t, out);
      if (e != DerError::kOk) return e;
    }
    out->present |= uint32_t{1} << i;
    len -= static_cast<size_t>(t.end() - p);
    p = t.end();
  }
  if (len != 0) return DerError::kSequenceLengthMismatch;
  for (; i < kFieldCount; i++) {
    if (!kFields[i].optional) return DerError::kFieldMissing;
  }
  return DerError::kOk;
}

// A C string field: d2i keeps the bytes up to the first NUL (strndup).
ByteView c_string(ByteView v) {
  if (v.size == 0) return v;
  const void* nul = std::memchr(v.data, 0, v.size);
  if (nul != nullptr) v.size = static_cast<size_t>(static_cast<const uint8_t*>(nul) - v.data);
  return v;
}

// ---------------------------------------------------------------- writing

// Minimal two's-complement content of an INTEGER (as ossl_i2c_uint64_int).
struct IntBytes {
  uint8_t b[9];
  uint8_t n;
};

// Big-endian bytes of v, n of them (n <= 9; a 9th leading byte is the sign pad).
inline IntBytes int_bytes(uint64_t v, int bits) {
  IntBytes r;
  r.n = static_cast<uint8_t>(bits / 8 + 1);
  for (int i = 0; i < r.n; i++) {
    const int shift = 8 * (r.n - 1 - i);
    r.b[i] = shift >= 64 ? 0 : static_cast<uint8_t>(v >> shift);
  }
  return r;
}

inline IntBytes int_unsigned(uint64_t v) {
  return int_bytes(v, v == 0 ? 0 : 64 - __builtin_clzll(v));
}

inline IntBytes int_signed(int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  const uint64_t m = v < 0 ? ~u : u;  // the bits that must be shown below the sign
  return int_bytes(u, m == 0 ? 0 : 64 - __builtin_clzll(m));
}

constexpr size_t len_of_len(size_t n) {
  return n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffff ? 4 : n <= 0xffffffffu ? 5 : 9;
}
constexpr size_t tlv_size(size_t content) { return 1 + len_of_len(content) + content; }

// A sink that only counts.
struct Counter {
  size_t n = 0;
  void header(uint8_t, size_t len) { n += 1 + len_of_len(len); }
  void bytes(const uint8_t*, size_t len) { n += len; }
};

// A sink that writes (capacity checked by the caller beforehand).
struct Writer {
  uint8_t* p;
  void header(uint8_t tag, size_t len) {
    *p++ = tag;
    if (len < 0x80) {
      *p++ = static_cast<uint8_t>(len);
      return;
    }
    const size_t ll = len_of_len(len) - 1;
    *p++ = static_cast<uint8_t>(0x80 | ll);
    for (size_t i = ll; i-- > 0;) *p++ = static_cast<uint8_t>(len >> (8 * i));
  }
  void bytes(const uint8_t* d, size_t len) {
    if (len != 0) std::memcpy(p, d, len);
    p += len;
  }
};

template <class Sink>
void put_int(Sink& s, const IntBytes& v) {
  s.header(0x02, v.n);
  s.bytes(v.b, v.n);
}
template <class Sink>
void put_octets(Sink& s, const uint8_t* d, size_t len) {
  s.header(0x04, len);
  s.bytes(d, len);
}
template <class Sink>
void put_exp_int(Sink& s, uint8_t tag, const IntBytes& v) {
  s.header(static_cast<uint8_t>(0xa0 | tag), tlv_size(v.n));
  put_int(s, v);
}
template <class Sink>
void put_exp_octets(Sink& s, uint8_t tag, ByteView v) {
  s.header(static_cast<uint8_t>(0xa0 | tag), tlv_size(v.size));
  put_octets(s, v.data, v.size);
}

// The SEQUENCE's content, in template order, with OpenSSL's omission rules.
template <class Sink>
void emit_fields(Sink& s, const CoreView& c, const SessionFields& f) {
  using B = SessionFields;
  put_int(s, int_unsigned(1));  // SSL_SESSION_ASN1_VERSION
  put_int(s, int_signed(c.ssl_version));
  const uint8_t cipher[2] = {static_cast<uint8_t>(f.cipher_id >> 8),
                             static_cast<uint8_t>(f.cipher_id)};
  put_octets(s, cipher, 2);
  put_octets(s, c.session_id, c.session_id_length);
  put_octets(s, c.master_key, c.master_key_length);
  if (c.time != 0) put_exp_int(s, 1, int_signed(c.time));
  if (c.timeout != 0) put_exp_int(s, 2, int_signed(c.timeout));
  if (f.has(B::kPeer)) {
    ByteView v = f.get(B::kPeer);
    s.header(0xa3, v.size);
    s.bytes(v.data, v.size);
  }
  put_exp_octets(s, 4, ByteView{c.sid_ctx, c.sid_ctx_length});
  if (f.verify_result != 0) put_exp_int(s, 5, int_signed(f.verify_result));
  if (f.has(B::kHostname)) put_exp_octets(s, 6, f.get(B::kHostname));
  if (f.has(B::kPskIdentityHint)) put_exp_octets(s, 7, f.get(B::kPskIdentityHint));
  if (f.has(B::kPskIdentity)) put_exp_octets(s, 8, f.get(B::kPskIdentity));
  if (f.tick_lifetime_hint != 0) put_exp_int(s, 9, int_unsigned(f.tick_lifetime_hint));
  if (f.has(B::kTicket)) put_exp_octets(s, 10, f.get(B::kTicket));
  if (f.compress_meth != 0) put_exp_octets(s, 11, ByteView{&f.compress_meth, 1});
  if (f.has(B::kSrpUsername)) put_exp_octets(s, 12, f.get(B::kSrpUsername));
  if (f.flags != 0) put_exp_int(s, 13, int_unsigned(f.flags));
  if (f.tick_age_add != 0) put_exp_int(s, 14, int_unsigned(f.tick_age_add));
  if (f.max_early_data != 0) put_exp_int(s, 15, int_unsigned(f.max_early_data));
  if (f.has(B::kAlpnSelected)) put_exp_octets(s, 16, f.get(B::kAlpnSelected));
  if (f.max_fragment_len_mode != 0) put_exp_int(s, 17, int_unsigned(f.max_fragment_len_mode));
  if (f.has(B::kTicketAppdata)) put_exp_octets(s, 18, f.get(B::kTicketAppdata));
  put_exp_int(s, 19, int_unsigned(f.kex_group));
}

}  // namespace

size_t der_encoded_length(const SessionView& s) {
  if (s.fields == nullptr || s.fields->cipher_id == 0) return 0;
  Counter c;
  emit_fields(c, s.core, *s.fields);
  return tlv_size(c.n);
}

size_t der_encode(const SessionView& s, uint8_t* out, size_t out_len) {
  if (s.fields == nullptr || s.fields->cipher_id == 0 || out == nullptr) return 0;
  Counter c;
  emit_fields(c, s.core, *s.fields);
  const size_t total = tlv_size(c.n);
  if (out_len < total) return 0;
  Writer w{out};
  w.header(0x30, c.n);
  emit_fields(w, s.core, *s.fields);
  return total;
}

DerDecodeResult der_decode(const uint8_t* in, size_t in_len,
                           const DerDecodeOptions& options, DecodedCore* core,
                           SessionFields* fields) {
  DerDecodeResult res;
  auto fail = [&res](DerError e) {
    res.error = e;
    res.consumed = 0;
    return res;
  };
  if (in == nullptr) in_len = 0;

  Tlv seq;
  DerError e = read_tlv(in, in_len, &seq);
  if (e != DerError::kOk) return fail(e);
  if (seq.cls != kUniversal || seq.tag != kTagSequence) return fail(DerError::kWrongTag);
  if (!seq.cons) return fail(DerError::kNotConstructed);

  Parsed pf;
  e = parse_fields(seq.content, seq.length, &pf);
  if (e != DerError::kOk) return fail(e);
  auto num = [&pf](FieldIndex f) { return pf.has(f) ? pf.ints[f] : 0; };
  auto bytes = [&pf](FieldIndex f) { return pf.has(f) ? pf.bytes[f] : ByteView{}; };

  // The checks d2i_SSL_SESSION makes, in its order.
  if (num(fVersion) != 1) return fail(DerError::kUnknownSessionVersion);
  const int32_t ssl_version = static_cast<int32_t>(static_cast<uint32_t>(num(fSslVersion)));
  if (!(ssl_version >= 0 && ((ssl_version >> 8) == 0x03 || (ssl_version >> 8) == 0xfe)) &&
      ssl_version != 0x0100) {
    return fail(DerError::kUnsupportedSslVersion);
  }
  const ByteView cipher = bytes(fCipher);
  if (cipher.size != 2) return fail(DerError::kCipherWrongLength);
  const uint16_t cipher_id = static_cast<uint16_t>((cipher.data[0] << 8) | cipher.data[1]);
  if (cipher_by_id(cipher_id) == nullptr) return fail(DerError::kUnknownCipher);
  const ByteView session_id = bytes(fSessionId);
  if (session_id.size > kDerMaxSessionIdLength) return fail(DerError::kSessionIdTooLong);
  const ByteView master_key = bytes(fMasterKey);
  if (master_key.size > kDerMaxMasterKeyLength) return fail(DerError::kMasterKeyTooLong);
  const ByteView sid_ctx = bytes(fSidCtx);
  if (sid_ctx.size > kDerMaxSidCtxLength) return fail(DerError::kSidCtxTooLong);
  const ByteView comp = bytes(fCompId);
  const bool keep_comp = options.compression && pf.has(fCompId);
  if (keep_comp && comp.size != 1) return fail(DerError::kCompressionIdLength);

  // Variable-length fields: one allocation for all of them.
  using B = SessionFields;
  ByteView views[B::kBlobCount];
  uint8_t present = 0;
  auto take = [&](B::Blob b, FieldIndex f, bool is_string) {
    if (!pf.has(f)) return;
    views[b] = is_string ? c_string(pf.bytes[f]) : pf.bytes[f];
    present = static_cast<uint8_t>(present | (1u << b));
  };
  take(B::kPeer, fPeer, false);
  take(B::kHostname, fHostname, true);
  take(B::kPskIdentityHint, fPskIdentityHint, true);
  take(B::kPskIdentity, fPskIdentity, true);
  take(B::kTicket, fTicket, false);
  take(B::kSrpUsername, fSrpUsername, true);
  take(B::kAlpnSelected, fAlpnSelected, false);
  take(B::kTicketAppdata, fTicketAppdata, false);
  if (!fields->assign(views, present)) return fail(DerError::kOutOfMemory);
  if (pf.cert_unused_bits != 0) {
    // The signature's last byte: clear its unused bits as OpenSSL does.
    ByteView cert = fields->get(B::kPeer);
    uint8_t* last = fields->mutable_data(B::kPeer) + cert.size - 1;
    *last = static_cast<uint8_t>(*last & (0xff << pf.cert_unused_bits));
  }

  fields->cipher_id = 0x03000000u | cipher_id;
  fields->verify_result = static_cast<int32_t>(static_cast<uint32_t>(num(fVerifyResult)));
  fields->kex_group = static_cast<uint32_t>(num(fKexGroup));
  fields->flags = static_cast<uint32_t>(num(fFlags));
  fields->tick_age_add = static_cast<uint32_t>(num(fTickAgeAdd));
  fields->max_early_data = static_cast<uint32_t>(num(fMaxEarlyData));
  fields->tick_lifetime_hint = num(fTickLifetimeHint);
  fields->max_fragment_len_mode = static_cast<uint8_t>(num(fMaxFragmentLenMode));
  fields->compress_meth = keep_comp ? comp.data[0] : 0;

  core->ssl_version = ssl_version;
  core->session_id_length = static_cast<uint8_t>(session_id.size);
  if (session_id.size) std::memcpy(core->session_id, session_id.data, session_id.size);
  core->sid_ctx_length = static_cast<uint8_t>(sid_ctx.size);
  if (sid_ctx.size) std::memcpy(core->sid_ctx, sid_ctx.data, sid_ctx.size);
  core->master_key_length = static_cast<uint16_t>(master_key.size);
  if (master_key.size) std::memcpy(core->master_key, master_key.data, master_key.size);
  const int64_t time = static_cast<int64_t>(num(fTime));
  core->time_was_absent = time == 0;
  core->time = time != 0 ? time : options.now;
  const int64_t timeout = static_cast<int64_t>(num(fTimeout));
  core->timeout = timeout != 0 ? timeout : 3;

  res.error = DerError::kOk;
  res.consumed = static_cast<size_t>(seq.end() - in);
  return res;
}

DerReason der_error_reason(DerError e) {
  constexpr int kAsn1 = 13, kSsl = 20;
  switch (e) {
    case DerError::kOk: return {0, 0};
    case DerError::kHeaderTooLong: return {kAsn1, 123};
    case DerError::kTooLong: return {kAsn1, 155};
    case DerError::kWrongTag: return {kAsn1, 168};
    case DerError::kNotConstructed: return {kAsn1, 149};
    case DerError::kExplicitNotConstructed: return {kAsn1, 120};
    case DerError::kTypeNotPrimitive: return {kAsn1, 195};
    case DerError::kSequenceLengthMismatch: return {kAsn1, 148};
    case DerError::kExplicitLengthMismatch: return {kAsn1, 119};
    case DerError::kFieldMissing: return {kAsn1, 121};
    case DerError::kUnexpectedEoc: return {kAsn1, 159};
    case DerError::kIllegalPadding: return {kAsn1, 221};
    case DerError::kIntegerTooLarge: return {kAsn1, 223};
    case DerError::kIntegerTooSmall: return {kAsn1, 224};
    case DerError::kIntegerNegative: return {kAsn1, 226};
    case DerError::kIndefiniteLength: return {kAsn1, 123};
    case DerError::kConstructedString: return {kAsn1, 168};
    case DerError::kBadCertificate: return {kAsn1, 168};
    case DerError::kUnknownSessionVersion: return {kSsl, 254};
    case DerError::kUnsupportedSslVersion: return {kSsl, 259};
    case DerError::kCipherWrongLength: return {kSsl, 137};
    case DerError::kUnknownCipher:
    case DerError::kSessionIdTooLong:
    case DerError::kMasterKeyTooLong:
    case DerError::kSidCtxTooLong: return {0, 0};
    case DerError::kCompressionIdLength: return {kSsl, 271};
    case DerError::kOutOfMemory: return {kSsl, 256 | (3 << 18) /* ERR_R_MALLOC_FAILURE */};
  }
  return {0, 0};
}

const char* der_error_name(DerError e) {
  switch (e) {
    case DerError::kOk: return "ok";
    case DerError::kHeaderTooLong: return "header too long";
    case DerError::kTooLong: return "too long";
    case DerError::kWrongTag: return "wrong tag";
    case DerError::kNotConstructed: return "sequence not constructed";
    case DerError::kExplicitNotConstructed: return "explicit tag not constructed";
    case DerError::kTypeNotPrimitive: return "type not primitive";
    case DerError::kSequenceLengthMismatch: return "sequence length mismatch";
    case DerError::kExplicitLengthMismatch: return "explicit length mismatch";
    case DerError::kFieldMissing: return "field missing";
    case DerError::kUnexpectedEoc: return "unexpected eoc";
    case DerError::kIllegalPadding: return "illegal padding";
    case DerError::kIntegerTooLarge: return "too large";
    case DerError::kIntegerTooSmall: return "too small";
    case DerError::kIntegerNegative: return "illegal negative value";
    case DerError::kIndefiniteLength: return "indefinite length not supported";
    case DerError::kConstructedString: return "constructed string not supported";
    case DerError::kBadCertificate: return "bad peer certificate";
    case DerError::kUnknownSessionVersion: return "unknown ssl version";
    case DerError::kUnsupportedSslVersion: return "unsupported ssl version";
    case DerError::kCipherWrongLength: return "cipher code wrong length";
    case DerError::kUnknownCipher: return "unknown cipher";
    case DerError::kSessionIdTooLong: return "session id too long";
    case DerError::kMasterKeyTooLong: return "master key too long";
    case DerError::kSidCtxTooLong: return "session id context too long";
    case DerError::kCompressionIdLength: return "bad length";
    case DerError::kOutOfMemory: return "malloc failure";
  }
  return "unknown";
}

}  // namespace osc
