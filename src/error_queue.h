// The error queue: OpenSSL's second error channel. Functions that fail the
// OpenSSL way return 0 and push a packed code here; ERR_get_error and friends
// read it. Like OpenSSL's, the queue is per thread and keeps the most recent
// 16 codes (older ones are dropped).
#pragma once

#include <cstdint>
#include <string>

namespace osc {

constexpr int kErrLibSsl = 20;   // ERR_LIB_SSL
constexpr int kErrLibAsn1 = 13;  // ERR_LIB_ASN1
constexpr int kErrLibPem = 9;    // ERR_LIB_PEM

// Reason codes (SSL_R_*) that the cache itself raises.
constexpr int kReasonSessionIdTooLong = 408;
constexpr int kReasonSessionIdContextTooLong = 273;
constexpr int kReasonSessionIdContextUninitialized = 277;
constexpr int kReasonSessionIdCallbackFailed = 301;
constexpr int kReasonSessionIdConflict = 302;
constexpr int kReasonSessionIdHasBadLength = 303;
constexpr int kReasonConnectionTypeNotSet = 144;
constexpr int kReasonLengthMismatch = 159;
constexpr int kReasonSessionVersionMismatch = 210;
constexpr int kReasonUnsupportedSslVersion = 259;
constexpr int kReasonReuseInDifferentContext = 272;
constexpr int kReasonUninitialized = 276;
constexpr int kReasonShutdownWhileInInit = 407;
// Reasons shared by every library carry ERR_RFLAG_COMMON (and _FATAL).
constexpr int kReasonFlagsCommonFatal = 3 << 18;
constexpr int kReasonMallocFailure = 256 | kReasonFlagsCommonFatal;  // ERR_R_MALLOC_FAILURE
constexpr int kReasonInternalError = 259 | kReasonFlagsCommonFatal;  // ERR_R_INTERNAL_ERROR
constexpr int kReasonAsn1Lib = kErrLibAsn1 | (2 << 18);              // ERR_R_ASN1_LIB

// ERR_PACK(lib, 0, reason) as OpenSSL 3.0 packs it.
constexpr unsigned long err_pack(int lib, int reason) {
  return (static_cast<unsigned long>(lib) & 0xFF) << 23 | (static_cast<unsigned long>(reason) & 0x7FFFFF);
}
constexpr int err_get_lib(unsigned long e) { return static_cast<int>((e >> 23) & 0xFF); }
constexpr int err_get_reason(unsigned long e) { return static_cast<int>(e & 0x7FFFFF); }

void err_push(int lib, int reason);
unsigned long err_get();   // oldest code, removed; 0 when empty
unsigned long err_peek();  // oldest code, kept; 0 when empty
void err_clear();
// ERR_error_string's text: "error:0A000198:SSL routines::ssl session id too long".
std::string err_string(unsigned long e);

}  // namespace osc
