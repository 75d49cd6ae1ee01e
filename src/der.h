// The DER form of SSL_SESSION (i2d_SSL_SESSION / d2i_SSL_SESSION), byte
// compatible with OpenSSL 3.0.
//
// The codec does not know the cache's Session class: it encodes from a
// SessionView (pointers to the core fields plus a SessionFields) and decodes
// into a DecodedCore plus a SessionFields. Pure C++: no Node and no OpenSSL
// headers.
//
// What OpenSSL writes (SEQUENCE, fields in this order):
//   version INTEGER (1), ssl_version INTEGER, cipher OCTET STRING (2 bytes),
//   session_id OCTET STRING, master_key OCTET STRING,
//   [1] time and [2] timeout INTEGER (omitted when 0),
//   [3] peer certificate, [4] sid_ctx (always, even empty),
//   [5] verify_result (omitted when 0), [6] hostname, [7] psk identity hint,
//   [8] psk identity, [9] ticket lifetime hint (omitted when 0), [10] ticket,
//   [11] compression id (omitted when 0), [12] srp username, [13] flags,
//   [14] ticket age add, [15] max early data (omitted when 0),
//   [16] ALPN, [17] max fragment length mode (omitted when 0),
//   [18] ticket appdata, [19] key exchange group (always, even 0).
//   Byte strings are written when present, even empty.
#ifndef OSC_DER_H_
#define OSC_DER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "session_fields.h"

namespace osc {

// Limits d2i_SSL_SESSION enforces (OpenSSL 3.0).
constexpr size_t kDerMaxSessionIdLength = 32;  // SSL3_MAX_SSL_SESSION_ID_LENGTH
constexpr size_t kDerMaxSidCtxLength = 32;     // SSL_MAX_SID_CTX_LENGTH
// TLS13_MAX_RESUMPTION_PSK_LENGTH: OpenSSL 3.0 accepts master keys up to 512
// bytes in d2i_SSL_SESSION and in SSL_SESSION_set1_master_key (not 48).
constexpr size_t kDerMaxMasterKeyLength = 512;

// The core fields, as the cache's Session holds them, for encoding.
struct CoreView {
  int32_t ssl_version = 0;
  const uint8_t* session_id = nullptr;
  size_t session_id_length = 0;
  const uint8_t* sid_ctx = nullptr;
  size_t sid_ctx_length = 0;
  const uint8_t* master_key = nullptr;
  size_t master_key_length = 0;
  int64_t time = 0;     // seconds; 0 is not written
  int64_t timeout = 0;  // seconds; 0 is not written
};

struct SessionView {
  CoreView core;
  const SessionFields* fields = nullptr;  // required
};

// der_encoded_length returns the length of the DER form of s, or 0 when s has
// no cipher (fields->cipher_id == 0), as i2d_SSL_SESSION returns 0 then.
size_t der_encoded_length(const SessionView& s);

// der_encode writes the DER form of s into out[0..out_len) and returns the
// number of bytes written: der_encoded_length(s), or 0 (nothing written) when
// s has no cipher or out_len is too small.
size_t der_encode(const SessionView& s, uint8_t* out, size_t out_len);

// der_encode_sized writes the DER form of s into out[0..total), where total is
// der_encoded_length(s) (non-zero) as the caller measured it with nothing
// changed since: one pass instead of der_encode's two. Returns total, or 0
// (nothing written) when total is not the session's length.
size_t der_encode_sized(const SessionView& s, uint8_t* out, size_t total);

// The core fields as decoded (sizes are within the kDerMax* limits).
struct DecodedCore {
  int32_t ssl_version = 0;
  uint8_t session_id_length = 0;
  uint8_t sid_ctx_length = 0;
  uint16_t master_key_length = 0;
  uint8_t session_id[kDerMaxSessionIdLength];
  uint8_t sid_ctx[kDerMaxSidCtxLength];
  uint8_t master_key[kDerMaxMasterKeyLength];
  int64_t time = 0;              // already defaulted: `now` when absent or 0
  int64_t timeout = 0;           // already defaulted: 3 when absent or 0
  bool time_was_absent = false;  // time came from DerDecodeOptions::now
};

// Why a decode failed. The first group are ASN.1 (structure) errors, the
// second the checks d2i_SSL_SESSION makes on the decoded values.
enum class DerError : uint8_t {
  kOk = 0,
  // ASN.1 structure (OpenSSL: ERR_LIB_ASN1).
  kHeaderTooLong,           // truncated tag/length header     ASN1_R_HEADER_TOO_LONG
  kTooLong,                 // length runs past its container   ASN1_R_TOO_LONG
  kWrongTag,                // unexpected tag                   ASN1_R_WRONG_TAG
  kNotConstructed,          // SEQUENCE sent primitive          ASN1_R_SEQUENCE_NOT_CONSTRUCTED
  kExplicitNotConstructed,  // [n] sent primitive            ASN1_R_EXPLICIT_TAG_NOT_CONSTRUCTED
  kTypeNotPrimitive,        // INTEGER sent constructed         ASN1_R_TYPE_NOT_PRIMITIVE
  kSequenceLengthMismatch,  // unparsed bytes in the SEQUENCE ASN1_R_SEQUENCE_LENGTH_MISMATCH
  kExplicitLengthMismatch,  // unparsed bytes in an [n]     ASN1_R_EXPLICIT_LENGTH_MISMATCH
  kFieldMissing,            // SEQUENCE ends early              ASN1_R_FIELD_MISSING
  kUnexpectedEoc,           // 00 00 inside a definite SEQUENCE ASN1_R_UNEXPECTED_EOC
  kIllegalPadding,          // non-minimal INTEGER              ASN1_R_ILLEGAL_PADDING
  kIntegerTooLarge,         //                                  ASN1_R_TOO_LARGE
  kIntegerTooSmall,         //                                  ASN1_R_TOO_SMALL
  kIntegerNegative,         // negative unsigned field          ASN1_R_ILLEGAL_NEGATIVE_VALUE
  kIndefiniteLength,        // BER 0x80 length (OpenSSL accepts on constructed
                            // types; we do not)                ASN1_R_HEADER_TOO_LONG
  kNestedString,            // BER constructed string nested too deep ASN1_R_NESTED_ASN1_STRING
  kBadCertificate,          // [3] fails OpenSSL's X509 parse    ASN1_R_WRONG_TAG
  // Semantic checks (OpenSSL: ERR_LIB_SSL, or no error pushed at all).
  kUnknownSessionVersion,  // version != 1                   SSL_R_UNKNOWN_SSL_VERSION
  kUnsupportedSslVersion,  // ssl_version major not 3/0xFE   SSL_R_UNSUPPORTED_SSL_VERSION
  kCipherWrongLength,      // cipher not 2 bytes             SSL_R_CIPHER_CODE_WRONG_LENGTH
  kUnknownCipher,          // OpenSSL pushes nothing
  kSessionIdTooLong,       // > 32, OpenSSL pushes nothing
  kMasterKeyTooLong,       // > 512, OpenSSL pushes nothing
  kSidCtxTooLong,          // > 32, OpenSSL pushes nothing
  kCompressionIdLength,    // [11] not 1 byte (only with DerDecodeOptions::compression)
                           //                                SSL_R_BAD_LENGTH
  kOutOfMemory,            //                                ERR_R_MALLOC_FAILURE
};

// The OpenSSL error d2i_SSL_SESSION puts first on the error queue for a
// failure of this kind: lib (ERR_LIB_ASN1 = 13, ERR_LIB_SSL = 20) and reason.
// {0, 0} means OpenSSL pushes no error at all for it.
struct DerReason {
  int lib;
  int reason;
};
DerReason der_error_reason(DerError e);
const char* der_error_name(DerError e);

struct DerDecodeOptions {
  // Written to DecodedCore::time when the DER has no time (or time 0),
  // as OpenSSL uses time(NULL) then.
  int64_t now = 0;
  // OpenSSL built with compression support (the system libssl) checks that
  // [11] is exactly one byte and keeps it; OpenSSL built with no-comp (Node's)
  // accepts any [11] OCTET STRING and ignores it. Default: Node's behaviour.
  bool compression = false;
};

struct DerDecodeResult {
  DerError error = DerError::kOk;
  // Bytes of the one SEQUENCE consumed (d2i advances *pp by this much); bytes
  // after it are not looked at. 0 on failure.
  size_t consumed = 0;
};

// der_decode parses one DER SSL_SESSION from in[0..in_len) into core and
// fields (fields is fully overwritten, as d2i overwrites every field; on
// failure core and fields are unspecified but valid). Never reads outside
// in[0..in_len); allocates at most one block no larger than the input.
DerDecodeResult der_decode(const uint8_t* in, size_t in_len, const DerDecodeOptions& options,
                           DecodedCore* core, SessionFields* fields);

// der_print returns SSL_SESSION_print's text for s, in OpenSSL 3.0's layout
// (a build with PSK and SRP: the "PSK identity", "PSK identity hint" and
// "SRP username" lines are always there). *complete is false when OpenSSL's
// printer stops early and returns 0 (it takes an empty PSK identity, hint,
// SRP username or ticket for a write failure); the text is then cut where
// OpenSSL's is. src/der_print.cc.
std::string der_print(const SessionView& s, bool* complete);

}  // namespace osc

#endif  // OSC_DER_H_
