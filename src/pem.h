// The PEM form of a session (PEM_write_bio_SSL_SESSION /
// PEM_read_bio_SSL_SESSION): the DER form in base64 between
// "-----BEGIN SSL SESSION PARAMETERS-----" and its END line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace osc {

// PEM_R_* reasons (ERR_LIB_PEM).
constexpr int kPemBadBase64Decode = 100;  // PEM_R_BAD_BASE64_DECODE
constexpr int kPemBadEndLine = 102;       // PEM_R_BAD_END_LINE
constexpr int kPemNoStartLine = 108;      // PEM_R_NO_START_LINE

// The PEM block for der[0..n): base64 in lines of 64 characters.
std::string pem_encode(const uint8_t* der, size_t n);

// Finds the first SSL SESSION PARAMETERS block in text[0..n) (other PEM
// blocks and text around them are skipped, as PEM_read_bio_SSL_SESSION
// does) and decodes its body into *der. Returns 0 and sets *end just past
// the END line, or returns a PEM_R_* reason (*end then is n).
int pem_decode(const char* text, size_t n, std::string* der, size_t* end);

}  // namespace osc
