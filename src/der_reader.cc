// Header and INTEGER reading shared by the session codec and the
// certificate check; see der_reader.h.
#include "der_reader.h"

#include <climits>

namespace osc {

namespace {

// c2i_ibuf: a leading 00, or a leading FF followed by any non-zero byte, is
// a padding byte (len > 1).
bool padded(const uint8_t* c, size_t len) {
  if (c[0] == 0) return true;
  if (c[0] != 0xff) return false;
  for (size_t i = 1; i < len; i++) {
    if (c[i] != 0) return true;
  }
  return false;
}

}  // namespace

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
    // OpenSSL 3.0.19 (Node 20's) wants one byte more than the length bytes;
    // later 3.0 releases (the system's 3.0.22) want only the length bytes.
    // We follow the OpenSSL inside Node.
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

bool int_padding_ok(const uint8_t* c, size_t len) {
  if (len < 2 || !padded(c, len)) return true;
  // The padding byte must be needed: the next byte's top bit differs from
  // the sign.
  return ((c[0] & 0x80) != 0) != ((c[1] & 0x80) != 0);
}

DerError read_int(const uint8_t* c, size_t len, uint64_t* mag, bool* neg) {
  *mag = 0;
  *neg = false;
  if (len == 0) return DerError::kOk;
  const bool n = (c[0] & 0x80) != 0;
  if (!int_padding_ok(c, len)) return DerError::kIllegalPadding;
  if (len > 1 && padded(c, len)) {
    c++;
    len--;
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

DerError collect_string(const uint8_t* p, size_t len, std::string* out, int depth) {
  while (len != 0) {
    if (at_eoc(p, len)) return DerError::kUnexpectedEoc;
    Tlv t;
    DerError e = read_tlv(p, len, &t);
    if (e != DerError::kOk) return e;
    if (!t.cons) {
      out->append(reinterpret_cast<const char*>(t.content), t.length);
    } else if (depth >= 5) {
      return DerError::kNestedString;
    } else if ((e = collect_string(t.content, t.length, out, depth + 1)) != DerError::kOk) {
      return e;
    }
    len -= static_cast<size_t>(t.end() - p);
    p = t.end();
  }
  return DerError::kOk;
}

}  // namespace osc
