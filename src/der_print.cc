// SSL_SESSION_print: OpenSSL 3.0's text layout (ssl/ssl_txt.c), from a
// SessionView. Pure C++.
#include <cinttypes>
#include <cstdio>
#include <string>

#include "cipher_table.h"
#include "der.h"

namespace osc {

namespace {

// X509_verify_cert_error_string of OpenSSL 3.0.19 (generated from the live
// library; every code it names).
struct VerifyText {
  int32_t code;
  const char* text;
};
constexpr VerifyText kVerifyTexts[] = {
    {0, "ok"},
    {1, "unspecified certificate verification error"},
    {2, "unable to get issuer certificate"},
    {3, "unable to get certificate CRL"},
    {4, "unable to decrypt certificate's signature"},
    {5, "unable to decrypt CRL's signature"},
    {6, "unable to decode issuer public key"},
    {7, "certificate signature failure"},
    {8, "CRL signature failure"},
    {9, "certificate is not yet valid"},
    {10, "certificate has expired"},
    {11, "CRL is not yet valid"},
    {12, "CRL has expired"},
    {13, "format error in certificate's notBefore field"},
    {14, "format error in certificate's notAfter field"},
    {15, "format error in CRL's lastUpdate field"},
    {16, "format error in CRL's nextUpdate field"},
    {17, "out of memory"},
    {18, "self-signed certificate"},
    {19, "self-signed certificate in certificate chain"},
    {20, "unable to get local issuer certificate"},
    {21, "unable to verify the first certificate"},
    {22, "certificate chain too long"},
    {23, "certificate revoked"},
    {24, "issuer certificate doesn't have a public key"},
    {25, "path length constraint exceeded"},
    {26, "unsuitable certificate purpose"},
    {27, "certificate not trusted"},
    {28, "certificate rejected"},
    {29, "subject issuer mismatch"},
    {30, "authority and subject key identifier mismatch"},
    {31, "authority and issuer serial number mismatch"},
    {32, "key usage does not include certificate signing"},
    {33, "unable to get CRL issuer certificate"},
    {34, "unhandled critical extension"},
    {35, "key usage does not include CRL signing"},
    {36, "unhandled critical CRL extension"},
    {37, "invalid non-CA certificate (has CA markings)"},
    {38, "proxy path length constraint exceeded"},
    {39, "key usage does not include digital signature"},
    {40, "proxy certificates not allowed, please set the appropriate flag"},
    {41, "invalid or inconsistent certificate extension"},
    {42, "invalid or inconsistent certificate policy extension"},
    {43, "no explicit policy"},
    {44, "different CRL scope"},
    {45, "unsupported extension feature"},
    {46, "RFC 3779 resource not subset of parent's resources"},
    {47, "permitted subtree violation"},
    {48, "excluded subtree violation"},
    {49, "name constraints minimum and maximum not supported"},
    {50, "application verification failure"},
    {51, "unsupported name constraint type"},
    {52, "unsupported or invalid name constraint syntax"},
    {53, "unsupported or invalid name syntax"},
    {54, "CRL path validation error"},
    {55, "path loop"},
    {56, "Suite B: certificate version invalid"},
    {57, "Suite B: invalid public key algorithm"},
    {58, "Suite B: invalid ECC curve"},
    {59, "Suite B: invalid signature algorithm"},
    {60, "Suite B: curve not allowed for this LOS"},
    {61, "Suite B: cannot sign P-384 with P-256"},
    {62, "hostname mismatch"},
    {63, "email address mismatch"},
    {64, "IP address mismatch"},
    {65, "no matching DANE TLSA records"},
    {66, "EE certificate key too weak"},
    {67, "CA certificate key too weak"},
    {68, "CA signature digest algorithm too weak"},
    {69, "invalid certificate verification context"},
    {70, "issuer certificate lookup error"},
    {71, "Certificate Transparency required, but no valid SCTs found"},
    {72, "proxy subject name violation"},
    {73, "OCSP verification needed"},
    {74, "OCSP verification failed"},
    {75, "OCSP unknown cert"},
    {76, "Cannot find certificate signature algorithm"},
    {77, "subject signature algorithm and issuer public key algorithm mismatch"},
    {78, "cert info signature and signature algorithm mismatch"},
    {79, "invalid CA certificate"},
    {80, "Path length invalid for non-CA cert"},
    {81, "Path length given without key usage keyCertSign"},
    {82, "Key usage keyCertSign invalid for non-CA cert"},
    {83, "Issuer name empty"},
    {84, "Subject name empty"},
    {85, "Missing Authority Key Identifier"},
    {86, "Missing Subject Key Identifier"},
    {87, "Empty Subject Alternative Name extension"},
    {88, "Subject empty and Subject Alt Name extension not critical"},
    {89, "Basic Constraints of CA cert not marked critical"},
    {90, "Authority Key Identifier marked critical"},
    {91, "Subject Key Identifier marked critical"},
    {92, "CA cert does not include key usage extension"},
    {93, "Using cert extension requires at least X509v3"},
    {94, "Certificate public key has explicit ECC parameters"},
};

const char* verify_text(int64_t code) {
  for (const VerifyText& v : kVerifyTexts) {
    if (v.code == code) return v.text;
  }
  return "unknown certificate verification error";
}

// ssl_protocol_to_string.
const char* protocol_text(int32_t version) {
  switch (version) {
    case 0x0304:
      return "TLSv1.3";
    case 0x0303:
      return "TLSv1.2";
    case 0x0302:
      return "TLSv1.1";
    case 0x0301:
      return "TLSv1";
    case 0x0300:
      return "SSLv3";
    case 0x0100:
      return "DTLSv0.9";
    case 0xfeff:
      return "DTLSv1";
    case 0xfefd:
      return "DTLSv1.2";
    default:
      return "unknown";
  }
}

void hex_upper(std::string* out, const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    out->push_back(kDigits[p[i] >> 4]);
    out->push_back(kDigits[p[i] & 15]);
  }
}

// A C string field as printf's %s shows it ("None" when absent). Returns
// false for an empty string: BIO_printf then returns 0, which OpenSSL takes
// for a failure (the text stops there and SSL_SESSION_print returns 0).
bool c_string(std::string* out, const SessionFields& f, SessionFields::Blob b) {
  if (!f.has(b)) {
    out->append("None");
    return true;
  }
  ByteView v = f.get(b);
  out->append(reinterpret_cast<const char*>(v.data), v.size);
  return v.size != 0;
}

// BIO_dump_indent(bp, data, len, 4): 16 bytes a row.
void dump_indent4(std::string* out, const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  char head[16];
  for (size_t row = 0; row * 16 < n; row++) {
    std::snprintf(head, sizeof head, "    %04x - ", static_cast<unsigned>(row * 16));
    out->append(head);
    for (size_t j = 0; j < 16; j++) {
      const size_t k = row * 16 + j;
      if (k >= n) {
        out->append("   ");
      } else {
        out->push_back(kDigits[p[k] >> 4]);
        out->push_back(kDigits[p[k] & 15]);
        out->push_back(j == 7 ? '-' : ' ');
      }
    }
    out->append("  ");
    for (size_t j = 0; j < 16 && row * 16 + j < n; j++) {
      const uint8_t c = p[row * 16 + j];
      out->push_back(c >= ' ' && c <= '~' ? static_cast<char>(c) : '.');
    }
    out->push_back('\n');
  }
}

}  // namespace

std::string der_print(const SessionView& s, bool* complete) {
  *complete = false;
  using B = SessionFields;
  const CoreView& c = s.core;
  const SessionFields& f = *s.fields;
  const bool tls13 = c.ssl_version == 0x0304;
  std::string out;
  char buf[96];
  out.append("SSL-Session:\n    Protocol  : ");
  out.append(protocol_text(c.ssl_version));
  out.append("\n    Cipher    : ");
  const CipherInfo* cipher = cipher_by_openssl_id(f.cipher_id);
  if (cipher != nullptr) {
    out.append(cipher->name);
  } else {
    std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(f.cipher_id & 0xffff));
    out.append(buf);
  }
  out.append("\n    Session-ID: ");
  hex_upper(&out, c.session_id, c.session_id_length);
  out.append("\n    Session-ID-ctx: ");
  hex_upper(&out, c.sid_ctx, c.sid_ctx_length);
  out.append(tls13 ? "\n    Resumption PSK: " : "\n    Master-Key: ");
  hex_upper(&out, c.master_key, c.master_key_length);
  out.append("\n    PSK identity: ");
  if (!c_string(&out, f, B::kPskIdentity)) return out;
  out.append("\n    PSK identity hint: ");
  if (!c_string(&out, f, B::kPskIdentityHint)) return out;
  out.append("\n    SRP username: ");
  if (!c_string(&out, f, B::kSrpUsername)) return out;
  if (f.tick_lifetime_hint != 0) {
    std::snprintf(buf, sizeof buf, "\n    TLS session ticket lifetime hint: %" PRId64 " (seconds)",
                  static_cast<int64_t>(f.tick_lifetime_hint));
    out.append(buf);
  }
  if (f.has(B::kTicket)) {
    out.append("\n    TLS session ticket:\n");
    ByteView t = f.get(B::kTicket);
    if (t.size == 0) return out;  // BIO_dump_indent writes nothing: a failure
    dump_indent4(&out, t.data, t.size);
  }
  if (f.compress_meth != 0) {
    std::snprintf(buf, sizeof buf, "\n    Compression: %d", f.compress_meth);
    out.append(buf);
  }
  if (c.time != 0) {
    std::snprintf(buf, sizeof buf, "\n    Start Time: %" PRId64, c.time);
    out.append(buf);
  }
  if (c.timeout != 0) {
    std::snprintf(buf, sizeof buf, "\n    Timeout   : %" PRId64 " (sec)", c.timeout);
    out.append(buf);
  }
  out.append("\n    Verify return code: ");
  std::snprintf(buf, sizeof buf, "%" PRId32 " (", f.verify_result);
  out.append(buf);
  out.append(verify_text(f.verify_result));
  out.append(")\n    Extended master secret: ");
  out.append((f.flags & 1) ? "yes\n" : "no\n");  // SSL_SESS_FLAG_EXTMS
  if (tls13) {
    std::snprintf(buf, sizeof buf, "    Max Early Data: %" PRIu32 "\n", f.max_early_data);
    out.append(buf);
  }
  *complete = true;
  return out;
}

}  // namespace osc
