// The cipher suites OpenSSL 3.0 knows, by two-byte id.
//
// d2i_SSL_SESSION rejects a session whose cipher id is not in OpenSSL's own
// table (ssl3_get_cipher_by_id), so the table holds every id that OpenSSL
// 3.0.19's SSL_CIPHER_find accepts (174 suites, SCSVs included), generated
// from the live library by test/der/gen_cipher_table.c and checked against it
// by test/der/run.sh. Pure C++: no Node and no OpenSSL headers.
#ifndef OSC_CIPHER_TABLE_H_
#define OSC_CIPHER_TABLE_H_

#include <cstddef>
#include <cstdint>

namespace osc {

struct CipherInfo {
  // The protocol version string of SSL_CIPHER_get_version.
  enum Version : uint8_t { kUnknown, kSsl3, kTls10, kTls12, kTls13 };

  uint16_t id;  // two-byte wire id; SSL_CIPHER_get_id is 0x03000000 | id
  Version version;
  const char* name;           // SSL_CIPHER_get_name, e.g. "ECDHE-RSA-AES128-GCM-SHA256"
  const char* standard_name;  // SSL_CIPHER_standard_name (RFC name); nullptr for some GOST suites

  uint32_t openssl_id() const { return 0x03000000u | id; }
  const char* version_string() const;  // "TLSv1.3", "TLSv1.2", "TLSv1.0", "SSLv3", "unknown"
};

// cipher_by_id returns the suite with two-byte id `id`, or nullptr when
// OpenSSL 3.0 does not know it (then d2i_SSL_SESSION fails).
const CipherInfo* cipher_by_id(uint16_t id);

// cipher_by_openssl_id accepts OpenSSL's 32-bit id (0x0300XXXX); any other
// high half gives nullptr.
const CipherInfo* cipher_by_openssl_id(uint32_t id);

// cipher_by_name finds a suite by its OpenSSL name (exact, case-sensitive).
const CipherInfo* cipher_by_name(const char* name);

// The whole table, sorted by id.
const CipherInfo* cipher_table(size_t* count);

}  // namespace osc

#endif  // OSC_CIPHER_TABLE_H_
