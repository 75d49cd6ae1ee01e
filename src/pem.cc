#include "pem.h"

namespace osc {
namespace {

const char kPemBegin[] = "-----BEGIN SSL SESSION PARAMETERS-----";
const char kPemEnd[] = "-----END SSL SESSION PARAMETERS-----";
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// The line starting at *pos (without its "\n" or "\r\n"); advances *pos
// past it.
std::string next_line(const std::string& t, size_t* pos) {
  size_t eol = t.find('\n', *pos);
  if (eol == std::string::npos) eol = t.size();
  std::string l = t.substr(*pos, eol - *pos);
  if (!l.empty() && l.back() == '\r') l.pop_back();
  *pos = eol + 1;
  return l;
}

}  // namespace

std::string pem_encode(const uint8_t* p, size_t n) {
  std::string b64;
  b64.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = static_cast<uint32_t>(p[i]) << 16;
    if (i + 1 < n) v |= static_cast<uint32_t>(p[i + 1]) << 8;
    if (i + 2 < n) v |= p[i + 2];
    b64.push_back(kB64[(v >> 18) & 63]);
    b64.push_back(kB64[(v >> 12) & 63]);
    b64.push_back(i + 1 < n ? kB64[(v >> 6) & 63] : '=');
    b64.push_back(i + 2 < n ? kB64[v & 63] : '=');
  }
  std::string out = std::string(kPemBegin) + "\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out.push_back('\n');
  }
  out += kPemEnd;
  out.push_back('\n');
  return out;
}

int pem_decode(const char* text, size_t n, std::string* der, size_t* end) {
  const std::string t(text, n);
  size_t pos = 0;
  bool begun = false;
  while (pos < n && !begun) begun = next_line(t, &pos) == kPemBegin;
  *end = n;
  if (!begun) return kPemNoStartLine;
  uint32_t acc = 0;
  int bits = 0, pad = 0;
  der->clear();
  while (pos < n) {
    const std::string l = next_line(t, &pos);
    if (l == kPemEnd) {
      if (bits >= 6 && pad == 0) return kPemBadBase64Decode;  // a dangling partial quantum
      *end = pos > n ? n : pos;
      return 0;
    }
    for (char c : l) {
      if (c == ' ' || c == '\t') continue;
      if (c == '=') {
        if (++pad > 2) return kPemBadBase64Decode;
        continue;
      }
      const int v = b64_value(c);
      if (v < 0 || pad) return kPemBadBase64Decode;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        der->push_back(static_cast<char>((acc >> bits) & 0xff));
      }
    }
  }
  return kPemBadEndLine;
}

}  // namespace osc
