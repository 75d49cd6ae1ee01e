// DER codec for SSL_SESSION, mirroring OpenSSL 3.0's i2d_SSL_SESSION and
// d2i_SSL_SESSION (ssl/ssl_asn1.c on top of crypto/asn1's template decoder).
//
// Decoding mirrors OpenSSL's acceptance rules where they are cheap to mirror:
// long-form and non-minimal lengths, high-tag-number tags, zero-length
// INTEGERs read as 0, OpenSSL's INTEGER padding and range rules, fields in
// template order with optional ones skipped, BER constructed strings joined.
// It refuses one BER form no encoder produces: indefinite lengths.
// The peer certificate is checked against OpenSSL's X509 parse (der_cert.h).
#include "der.h"

#include <climits>
#include <cstring>
#include <string>

#include "cipher_table.h"
#include "der_cert.h"
#include "der_reader.h"

namespace osc {

namespace {

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
  fVersion,
  fSslVersion,
  fCipher,
  fSessionId,
  fMasterKey,
  fKeyArg,
  fTime,
  fTimeout,
  fPeer,
  fSidCtx,
  fVerifyResult,
  fHostname,
  fPskIdentityHint,
  fPskIdentity,
  fTickLifetimeHint,
  fTicket,
  fCompId,
  fSrpUsername,
  fFlags,
  fTickAgeAdd,
  fMaxEarlyData,
  fAlpnSelected,
  fMaxFragmentLenMode,
  fTicketAppdata,
  fKexGroup,
  kFieldCount
};

constexpr Field kFields[kFieldCount] = {
    {kUniversal, kTagInteger, false, false, Kind::kInt, IntType::kU32},        // version
    {kUniversal, kTagInteger, false, false, Kind::kInt, IntType::kI32},        // ssl_version
    {kUniversal, kTagOctetString, false, false, Kind::kOctet, IntType::kU32},  // cipher
    {kUniversal, kTagOctetString, false, false, Kind::kOctet, IntType::kU32},  // session_id
    {kUniversal, kTagOctetString, false, false, Kind::kOctet, IntType::kU32},  // master_key
    {kContext, 0, true, false, Kind::kImplicitOctet, IntType::kU32},           // [0] key_arg
    {kContext, 1, true, true, Kind::kInt, IntType::kI64},                      // [1] time
    {kContext, 2, true, true, Kind::kInt, IntType::kI64},                      // [2] timeout
    {kContext, 3, true, true, Kind::kCert, IntType::kU32},                     // [3] peer
    {kContext, 4, true, true, Kind::kOctet, IntType::kU32},                    // [4] sid_ctx
    {kContext, 5, true, true, Kind::kInt, IntType::kI32},                      // [5] verify_result
    {kContext, 6, true, true, Kind::kOctet, IntType::kU32},                    // [6] hostname
    {kContext, 7, true, true, Kind::kOctet, IntType::kU32},                    // [7] psk_identity_hint
    {kContext, 8, true, true, Kind::kOctet, IntType::kU32},                    // [8] psk_identity
    {kContext, 9, true, true, Kind::kInt, IntType::kU64},                      // [9] tick_lifetime_hint
    {kContext, 10, true, true, Kind::kOctet, IntType::kU32},                   // [10] ticket
    {kContext, 11, true, true, Kind::kOctet, IntType::kU32},                   // [11] comp_id
    {kContext, 12, true, true, Kind::kOctet, IntType::kU32},                   // [12] srp_username
    {kContext, 13, true, true, Kind::kInt, IntType::kU64},                     // [13] flags
    {kContext, 14, true, true, Kind::kInt, IntType::kU32},                     // [14] tick_age_add
    {kContext, 15, true, true, Kind::kInt, IntType::kU32},                     // [15] max_early_data
    {kContext, 16, true, true, Kind::kOctet, IntType::kU32},                   // [16] alpn_selected
    {kContext, 17, true, true, Kind::kInt, IntType::kU32},                     // [17] max_fragment_len_mode
    {kContext, 18, true, true, Kind::kOctet, IntType::kU32},                   // [18] ticket_appdata
    {kContext, 19, true, true, Kind::kInt, IntType::kU32},                     // [19] kex_group
};

struct Parsed {
  uint32_t present = 0;  // bit per FieldIndex
  uint64_t ints[kFieldCount];
  ByteView bytes[kFieldCount];
  size_t input_length = 0;        // of the whole DER input
  std::string joined;             // contents of BER constructed strings, when any
  uint8_t cert_last_mask = 0xff;  // what OpenSSL's re-encoding does to the certificate's last byte
  bool has(FieldIndex f) const { return (present >> f) & 1; }
};

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
      if (fd.kind == Kind::kOctet && (t.cls != kUniversal || t.tag != kTagOctetString)) {
        return DerError::kWrongTag;
      }
      if (!t.cons) {
        out->bytes[f] = ByteView{t.content, t.length};
        return DerError::kOk;
      }
      // A BER constructed string: its chunks joined, as asn1_collect does.
      // `joined` holds at most the input's length, reserved up front so the
      // views into it stay valid.
      std::string& joined = out->joined;
      if (joined.capacity() < out->input_length) joined.reserve(out->input_length);
      const size_t from = joined.size();
      DerError e = collect_string(t.content, t.length, &joined);
      if (e != DerError::kOk) return e;
      out->bytes[f] = ByteView{reinterpret_cast<const uint8_t*>(joined.data()) + from, joined.size() - from};
      return DerError::kOk;
    }
    case Kind::kCert: {
      if (!check_certificate(at, t, &out->cert_last_mask)) {
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

inline IntBytes int_unsigned(uint64_t v) { return int_bytes(v, v == 0 ? 0 : 64 - __builtin_clzll(v)); }

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
  const uint8_t cipher[2] = {static_cast<uint8_t>(f.cipher_id >> 8), static_cast<uint8_t>(f.cipher_id)};
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

size_t der_encode_sized(const SessionView& s, uint8_t* out, size_t total) {
  if (s.fields == nullptr || s.fields->cipher_id == 0 || out == nullptr) return 0;
  // The content length whose SEQUENCE is `total` bytes long (the header is
  // 2 to 9 bytes).
  size_t n = 0;
  bool found = false;
  for (size_t h = 2; h <= 9 && h < total; h++) {
    if (tlv_size(total - h) == total) {
      n = total - h;
      found = true;
      break;
    }
  }
  if (!found) return 0;
  Writer w{out};
  w.header(0x30, n);
  emit_fields(w, s.core, *s.fields);
  return total;
}

DerDecodeResult der_decode(const uint8_t* in, size_t in_len, const DerDecodeOptions& options,
                           DecodedCore* core, SessionFields* fields) {
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
  pf.input_length = in_len;
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
  if (pf.cert_last_mask != 0xff) {
    // The signature's unused bits, which OpenSSL clears when it re-encodes.
    ByteView cert = fields->get(B::kPeer);
    uint8_t* last = fields->mutable_data(B::kPeer) + cert.size - 1;
    *last = static_cast<uint8_t>(*last & pf.cert_last_mask);
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
    case DerError::kOk:
      return {0, 0};
    case DerError::kHeaderTooLong:
      return {kAsn1, 123};
    case DerError::kTooLong:
      return {kAsn1, 155};
    case DerError::kWrongTag:
      return {kAsn1, 168};
    case DerError::kNotConstructed:
      return {kAsn1, 149};
    case DerError::kExplicitNotConstructed:
      return {kAsn1, 120};
    case DerError::kTypeNotPrimitive:
      return {kAsn1, 195};
    case DerError::kSequenceLengthMismatch:
      return {kAsn1, 148};
    case DerError::kExplicitLengthMismatch:
      return {kAsn1, 119};
    case DerError::kFieldMissing:
      return {kAsn1, 121};
    case DerError::kUnexpectedEoc:
      return {kAsn1, 159};
    case DerError::kIllegalPadding:
      return {kAsn1, 221};
    case DerError::kIntegerTooLarge:
      return {kAsn1, 223};
    case DerError::kIntegerTooSmall:
      return {kAsn1, 224};
    case DerError::kIntegerNegative:
      return {kAsn1, 226};
    case DerError::kIndefiniteLength:
      return {kAsn1, 123};
    case DerError::kNestedString:
      return {kAsn1, 197};
    case DerError::kBadCertificate:
      return {kAsn1, 168};
    case DerError::kUnknownSessionVersion:
      return {kSsl, 254};
    case DerError::kUnsupportedSslVersion:
      return {kSsl, 259};
    case DerError::kCipherWrongLength:
      return {kSsl, 137};
    case DerError::kUnknownCipher:
    case DerError::kSessionIdTooLong:
    case DerError::kMasterKeyTooLong:
    case DerError::kSidCtxTooLong:
      return {0, 0};
    case DerError::kCompressionIdLength:
      return {kSsl, 271};
    case DerError::kOutOfMemory:
      return {kSsl, 256 | (3 << 18) /* ERR_R_MALLOC_FAILURE */};
  }
  return {0, 0};
}

const char* der_error_name(DerError e) {
  switch (e) {
    case DerError::kOk:
      return "ok";
    case DerError::kHeaderTooLong:
      return "header too long";
    case DerError::kTooLong:
      return "too long";
    case DerError::kWrongTag:
      return "wrong tag";
    case DerError::kNotConstructed:
      return "sequence not constructed";
    case DerError::kExplicitNotConstructed:
      return "explicit tag not constructed";
    case DerError::kTypeNotPrimitive:
      return "type not primitive";
    case DerError::kSequenceLengthMismatch:
      return "sequence length mismatch";
    case DerError::kExplicitLengthMismatch:
      return "explicit length mismatch";
    case DerError::kFieldMissing:
      return "field missing";
    case DerError::kUnexpectedEoc:
      return "unexpected eoc";
    case DerError::kIllegalPadding:
      return "illegal padding";
    case DerError::kIntegerTooLarge:
      return "too large";
    case DerError::kIntegerTooSmall:
      return "too small";
    case DerError::kIntegerNegative:
      return "illegal negative value";
    case DerError::kIndefiniteLength:
      return "indefinite length not supported";
    case DerError::kNestedString:
      return "constructed string nested too deep";
    case DerError::kBadCertificate:
      return "bad peer certificate";
    case DerError::kUnknownSessionVersion:
      return "unknown ssl version";
    case DerError::kUnsupportedSslVersion:
      return "unsupported ssl version";
    case DerError::kCipherWrongLength:
      return "cipher code wrong length";
    case DerError::kUnknownCipher:
      return "unknown cipher";
    case DerError::kSessionIdTooLong:
      return "session id too long";
    case DerError::kMasterKeyTooLong:
      return "master key too long";
    case DerError::kSidCtxTooLong:
      return "session id context too long";
    case DerError::kCompressionIdLength:
      return "bad length";
    case DerError::kOutOfMemory:
      return "malloc failure";
  }
  return "unknown";
}

}  // namespace osc
