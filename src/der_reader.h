// Reading DER/BER headers and INTEGER contents the way OpenSSL 3.0's ASN.1
// decoder does (ASN1_get_object, c2i_ibuf). Shared by the session codec
// (der.cc) and the certificate check (der_cert.cc).
#ifndef OSC_DER_READER_H_
#define OSC_DER_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "der.h"

namespace osc {

// One element: its header, decoded, and where its content lies.
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
constexpr uint32_t kTagBoolean = 1;
constexpr uint32_t kTagInteger = 2;
constexpr uint32_t kTagBitString = 3;
constexpr uint32_t kTagOctetString = 4;
constexpr uint32_t kTagNull = 5;
constexpr uint32_t kTagObject = 6;
constexpr uint32_t kTagEnumerated = 10;
constexpr uint32_t kTagUtf8String = 12;
constexpr uint32_t kTagSequence = 16;
constexpr uint32_t kTagSet = 17;
constexpr uint32_t kTagUtcTime = 23;
constexpr uint32_t kTagGeneralizedTime = 24;
constexpr uint32_t kTagUniversalString = 28;
constexpr uint32_t kTagBmpString = 30;

// Reads one tag+length header from p[0..max), following ASN1_get_object's
// rules: high-tag-number form allowed, long-form lengths with leading zeros
// allowed (a long form needs a byte after its length bytes, as in the
// OpenSSL 3.0.19 inside Node), the
// content must fit in max. Indefinite lengths are refused (kIndefiniteLength).
DerError read_tlv(const uint8_t* p, size_t max, Tlv* t);

// An INTEGER's value as OpenSSL's c2i_ibuf sees it: magnitude and sign, at
// most 8 bytes of magnitude. Zero-length content reads as 0 (the rule of
// OpenSSL's fixed-size integer types; ASN1_INTEGER itself refuses it).
DerError read_int(const uint8_t* c, size_t len, uint64_t* mag, bool* neg);

// c2i_ibuf's padding rule: a leading 00 or FF byte must be needed.
bool int_padding_ok(const uint8_t* c, size_t len);

// True when the two bytes at p (of `left`) are an end-of-contents marker,
// which OpenSSL refuses wherever an element of a definite-length constructed
// encoding may start (ASN1_R_UNEXPECTED_EOC).
inline bool at_eoc(const uint8_t* p, size_t left) { return left >= 2 && p[0] == 0 && p[1] == 0; }

// asn1_collect: appends the contents of a constructed string's chunks in
// p[0..len) to *out. Chunks may have any tag; constructed ones are descended
// into, five levels at most (ASN1_MAX_STRING_NEST).
DerError collect_string(const uint8_t* p, size_t len, std::string* out, int depth = 0);

}  // namespace osc

#endif  // OSC_DER_READER_H_
