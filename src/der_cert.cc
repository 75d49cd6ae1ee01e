// The peer certificate check of d2i_SSL_SESSION; see der_cert.h. Each
// function mirrors one ASN.1 item of OpenSSL 3.0 (crypto/x509/x_x509.c,
// x_name.c, x_algor.c, x_pubkey.c, x_exten.c) as crypto/asn1/tasn_dec.c
// decodes it.
#include "der_cert.h"

#include <cstddef>
#include <string>

namespace osc {

namespace {

// Tag numbers an MSTRING of each kind accepts (bit n = universal tag n), from
// tasn_dec.c's tag2bit table and asn1.h's B_ASN1_PRINTABLE and B_ASN1_TIME.
constexpr uint32_t bit(uint32_t tag) { return uint32_t{1} << tag; }
// B_ASN1_UNKNOWN covers tags 7-9, 11, 13-15 and 29.
constexpr uint32_t kPrintableTags = bit(kTagBitString) | bit(7) | bit(8) | bit(9) | bit(11) |
                                    bit(kTagUtf8String) | bit(13) | bit(14) | bit(15) | bit(kTagSequence) |
                                    bit(18) | bit(19) | bit(20) | bit(22) | bit(kTagUniversalString) |
                                    bit(29) | bit(kTagBmpString);
constexpr uint32_t kTimeTags = bit(kTagUtcTime) | bit(kTagGeneralizedTime);

constexpr size_t kMaxName = 1024 * 1024;  // X509_NAME_MAX

// The elements of one definite-length constructed encoding, in order.
struct Cursor {
  const uint8_t* p;
  size_t left;

  // Reads the next element's header: false when none is left, the header is
  // malformed, or it is an end-of-contents marker (which tasn_dec refuses
  // inside a definite length). `max` caps the bytes the element may use.
  bool next(Tlv* t, size_t max = SIZE_MAX) const {
    return !at_eoc(p, left) && read_tlv(p, left < max ? left : max, t) == DerError::kOk;
  }
  void skip(const Tlv& t) {
    left -= static_cast<size_t>(t.end() - p);
    p = t.end();
  }
  // Reads the next element, which must have universal tag number `tag`
  // (asn1_check_tlen compares class and number, not constructedness).
  bool take(uint32_t tag, Tlv* t, size_t max = SIZE_MAX) {
    if (!next(t, max) || t->cls != kUniversal || t->tag != tag) return false;
    skip(*t);
    return true;
  }
};

Cursor inside(const Tlv& t) { return Cursor{t.content, t.length}; }

// True when t's header at p is in canonical DER form (one tag byte, minimal
// length), as OpenSSL writes every header it encodes afresh.
bool canonical_header(const uint8_t* p, const Tlv& t) {
  const size_t n = t.length;
  const size_t lol = n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffff ? 4 : 5;
  return (p[0] & 0x1f) != 0x1f && static_cast<size_t>(t.content - p) == 1 + lol;
}

bool unicode_valid(uint32_t v) { return v <= 0x10ffff && (v < 0xd800 || v > 0xdfff); }

// UTF8_getc's rules (no overlong forms, continuation bytes checked) and
// is_unicode_valid on every character.
bool utf8_ok(const uint8_t* c, size_t n) {
  while (n != 0) {
    const uint8_t b = c[0];
    size_t k;
    uint32_t v, min;
    if (b < 0x80) {
      k = 1, v = b, min = 0;
    } else if ((b & 0xe0) == 0xc0) {
      k = 2, v = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
      k = 3, v = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
      k = 4, v = b & 0x07, min = 0x10000;
    } else {
      return false;  // 5- and 6-byte forms encode values past U+10FFFF
    }
    if (n < k) return false;
    for (size_t j = 1; j < k; j++) {
      if ((c[j] & 0xc0) != 0x80) return false;
      v = (v << 6) | (c[j] & 0x3f);
    }
    if (v < min || !unicode_valid(v)) return false;
    c += k;
    n -= k;
  }
  return true;
}

// x509_name_canon converts UTF8String, BMPString and UniversalString values
// to UTF-8 (ASN1_STRING_to_UTF8), which fails on anything that is not a
// sequence of Unicode scalar values. Other string types convert byte by byte.
bool canon_ok(uint32_t type, const uint8_t* c, size_t n) {
  switch (type) {
    case kTagUtf8String:
      return utf8_ok(c, n);
    case kTagBmpString:
      for (size_t i = 0; i + 1 < n; i += 2) {
        if (!unicode_valid(static_cast<uint32_t>(c[i] << 8 | c[i + 1]))) return false;
      }
      return true;
    case kTagUniversalString:
      for (size_t i = 0; i + 3 < n; i += 4) {
        const uint32_t v =
            uint32_t{c[i]} << 24 | uint32_t{c[i + 1]} << 16 | uint32_t{c[i + 2]} << 8 | c[i + 3];
        if (!unicode_valid(v)) return false;
      }
      return true;
    default:
      return true;
  }
}

// ossl_c2i_ASN1_OBJECT: not empty, the last byte ends a sub-identifier, no
// sub-identifier starts with 0x80 (a non-minimal encoding).
bool object_ok(const uint8_t* c, size_t n) {
  if (n == 0 || (c[n - 1] & 0x80)) return false;
  for (size_t i = 0; i < n; i++) {
    if (c[i] == 0x80 && (i == 0 || !(c[i - 1] & 0x80))) return false;
  }
  return true;
}

// asn1_ex_c2i's checks on the contents of universal type `type`.
bool content_ok(uint32_t type, const uint8_t* c, size_t n) {
  switch (type) {
    case kTagObject:
      return object_ok(c, n);
    case kTagNull:
      return n == 0;
    case kTagBoolean:
      return n == 1;
    case kTagBitString:
      return n >= 1 && c[0] <= 7;
    case kTagInteger:
    case kTagEnumerated:
      return n != 0 && int_padding_ok(c, n);
    case kTagBmpString:
      return n % 2 == 0;
    case kTagUniversalString:
      return n % 4 == 0;
    default:
      return true;
  }
}

// asn1_d2i_ex_primitive once the header matched: t read as universal type
// `type`. A SEQUENCE or SET is kept as it is, unread; a constructed string is
// gathered first; `canon` adds the Name value rule.
bool value_ok(const Tlv& t, uint32_t type, bool canon = false) {
  if (type == kTagSequence || type == kTagSet) return t.cons;
  if (!t.cons)
    return content_ok(type, t.content, t.length) && (!canon || canon_ok(type, t.content, t.length));
  if (type == kTagNull || type == kTagBoolean || type == kTagObject || type == kTagInteger ||
      type == kTagEnumerated) {
    return false;  // ASN1_R_TYPE_NOT_PRIMITIVE
  }
  std::string joined;  // only BER input gets here
  if (collect_string(t.content, t.length, &joined) != DerError::kOk) return false;
  const uint8_t* c = reinterpret_cast<const uint8_t*>(joined.data());
  return content_ok(type, c, joined.size()) && (!canon || canon_ok(type, c, joined.size()));
}

// ANY: a universal element is read as its own type; other classes are kept.
bool any_ok(const Tlv& t) { return t.cls != kUniversal || value_ok(t, t.tag); }

// An MSTRING (ASN1_PRINTABLE, ASN1_TIME): a universal tag from `tags`.
bool mstring_ok(const Tlv& t, uint32_t tags, bool canon) {
  if (t.cls != kUniversal || t.tag > 30 || !(tags & bit(t.tag))) return false;
  return value_ok(t, t.tag, canon);
}

bool take_value(Cursor& c, uint32_t tag) {
  Tlv t;
  return c.take(tag, &t) && value_ok(t, tag);
}

// X509_ALGOR: SEQUENCE { algorithm OBJECT, parameters ANY OPTIONAL }.
bool algorithm_ok(const Tlv& seq) {
  if (!seq.cons) return false;
  Cursor c = inside(seq);
  if (!take_value(c, kTagObject)) return false;
  if (c.left == 0) return true;
  Tlv param;
  if (!c.next(&param) || !any_ok(param)) return false;
  c.skip(param);
  return c.left == 0;
}

// X509_NAME_ENTRY: SEQUENCE { type OBJECT, value ASN1_PRINTABLE }.
bool name_entry_ok(const Tlv& seq) {
  if (!seq.cons) return false;
  Cursor c = inside(seq);
  Tlv value;
  if (!take_value(c, kTagObject) || !c.next(&value) || !mstring_ok(value, kPrintableTags, true)) {
    return false;
  }
  c.skip(value);
  return c.left == 0;
}

// A SEQUENCE OF or SET OF: every element has universal tag `tag` and passes
// `ok`. The template does not check the list's constructed bit.
template <typename Ok>
bool each_ok(const Tlv& list, uint32_t tag, Ok ok) {
  for (Cursor c = inside(list); c.left != 0;) {
    Tlv e;
    if (!c.take(tag, &e) || !ok(e)) return false;
  }
  return true;
}

// X509_NAME: SEQUENCE OF SET OF X509_NAME_ENTRY, read within X509_NAME_MAX.
bool take_name(Cursor& c) {
  Tlv seq;
  return c.take(kTagSequence, &seq, kMaxName) &&
         each_ok(seq, kTagSet, [](const Tlv& rdn) { return each_ok(rdn, kTagSequence, name_entry_ok); });
}

// X509_VAL: SEQUENCE { notBefore ASN1_TIME, notAfter ASN1_TIME }.
bool validity_ok(const Tlv& seq) {
  if (!seq.cons) return false;
  Cursor c = inside(seq);
  for (int i = 0; i < 2; i++) {
    Tlv time;
    if (!c.next(&time) || !mstring_ok(time, kTimeTags, false)) return false;
    c.skip(time);
  }
  return c.left == 0;
}

// X509_PUBKEY: SEQUENCE { algorithm X509_ALGOR, subjectPublicKey BIT STRING }.
bool public_key_ok(const Tlv& seq) {
  if (!seq.cons) return false;
  Cursor c = inside(seq);
  Tlv alg;
  return c.take(kTagSequence, &alg) && algorithm_ok(alg) && take_value(c, kTagBitString) && c.left == 0;
}

// X509_EXTENSION: SEQUENCE { extnID OBJECT, critical BOOLEAN OPTIONAL,
// extnValue OCTET STRING }.
bool extension_ok(const Tlv& seq) {
  if (!seq.cons) return false;
  Cursor c = inside(seq);
  if (!take_value(c, kTagObject)) return false;
  Tlv t;
  if (c.next(&t) && t.cls == kUniversal && t.tag == kTagBoolean) {
    if (!value_ok(t, kTagBoolean)) return false;
    c.skip(t);
  }
  return take_value(c, kTagOctetString) && c.left == 0;
}

// extensions [3] EXPLICIT SEQUENCE OF X509_EXTENSION.
bool extensions_ok(const Tlv& tagged) {
  if (!tagged.cons) return false;  // ASN1_R_EXPLICIT_TAG_NOT_CONSTRUCTED
  Cursor c = inside(tagged);
  Tlv seq;
  return c.take(kTagSequence, &seq) && c.left == 0 && each_ok(seq, kTagSequence, extension_ok);
}

// X509_CINF, the TBSCertificate.
bool tbs_ok(const Tlv& seq) {
  if (!seq.cons) return false;
  Cursor c = inside(seq);
  Tlv t;
  // version [0] EXPLICIT INTEGER OPTIONAL
  if (c.next(&t) && t.cls == kContext && t.tag == 0) {
    if (!t.cons) return false;
    Cursor v = inside(t);
    if (!take_value(v, kTagInteger) || v.left != 0) return false;
    c.skip(t);
  }
  Tlv part;
  if (!take_value(c, kTagInteger) ||                           // serialNumber
      !c.take(kTagSequence, &part) || !algorithm_ok(part) ||   // signature
      !take_name(c) ||                                         // issuer
      !c.take(kTagSequence, &part) || !validity_ok(part) ||    // validity
      !take_name(c) ||                                         // subject
      !c.take(kTagSequence, &part) || !public_key_ok(part)) {  // subjectPublicKeyInfo
    return false;
  }
  // issuerUniqueID [1] IMPLICIT BIT STRING, subjectUniqueID [2] IMPLICIT BIT
  // STRING, extensions [3]: each OPTIONAL, in this order.
  for (uint32_t tag = 1; tag <= 3 && c.left != 0; tag++) {
    if (!c.next(&t)) return false;
    if (t.cls != kContext || t.tag != tag) continue;
    if (!(tag == 3 ? extensions_ok(t) : value_ok(t, kTagBitString))) return false;
    c.skip(t);
  }
  return c.left == 0;
}

// What i2c_ASN1_BIT_STRING does to the last byte of a valid BIT STRING as an
// AND mask: it keeps the unused-bit count and clears those bits; with no data
// bytes it writes a count of 0.
uint8_t bit_string_mask(const Tlv& t) {
  return t.length == 1 ? 0 : static_cast<uint8_t>(0xff << t.content[0]);
}

// The signature algorithm, which OpenSSL re-encodes: we accept what that
// re-encoding writes back unchanged. Canonical headers; parameters absent,
// kept as read (a constructed SEQUENCE or SET, or an element of another class:
// V_ASN1_OTHER), or a canonical primitive whose value encodes to the same
// bytes (every type; a BIT STRING only when its unused bits are clear).
bool outer_algorithm_ok(const uint8_t* at, const Tlv& seq) {
  if (!seq.cons || !canonical_header(at, seq)) return false;
  Cursor c = inside(seq);
  const uint8_t* oid_at = c.p;
  Tlv oid;
  if (!c.take(kTagObject, &oid) || oid.cons || !canonical_header(oid_at, oid) ||
      !object_ok(oid.content, oid.length)) {
    return false;
  }
  if (c.left == 0) return true;
  const uint8_t* param_at = c.p;
  Tlv param;
  if (!c.next(&param)) return false;
  c.skip(param);
  if (c.left != 0) return false;
  if (param.cls != kUniversal) return true;
  if (param.cons) return param.tag == kTagSequence || param.tag == kTagSet;
  if (!canonical_header(param_at, param) || !value_ok(param, param.tag)) return false;
  const uint8_t last = param.content[param.length - 1];  // a valid BIT STRING is not empty
  return param.tag != kTagBitString || (last & bit_string_mask(param)) == last;
}

}  // namespace

bool check_certificate(const uint8_t* at, const Tlv& cert, uint8_t* last_byte_mask) {
  if (cert.cls != kUniversal || cert.tag != kTagSequence || !cert.cons || !canonical_header(at, cert)) {
    return false;
  }
  Cursor c = inside(cert);
  Tlv tbs, alg, sig;
  if (!c.take(kTagSequence, &tbs) || !tbs_ok(tbs)) return false;
  const uint8_t* alg_at = c.p;
  if (!c.take(kTagSequence, &alg) || !outer_algorithm_ok(alg_at, alg)) return false;
  const uint8_t* sig_at = c.p;
  if (!c.take(kTagBitString, &sig) || sig.cons || !canonical_header(sig_at, sig) ||
      !content_ok(kTagBitString, sig.content, sig.length) || c.left != 0) {
    return false;
  }
  *last_byte_mask = bit_string_mask(sig);
  return true;
}

}  // namespace osc
