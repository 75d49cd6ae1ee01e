#include "error_queue.h"

#include <cstdio>

namespace osc {
namespace {

constexpr int kQueueSize = 16;  // ERR_NUM_ERRORS

struct Queue {
  unsigned long codes[kQueueSize];
  int bottom = 0;  // index of the oldest entry
  int count = 0;
};

thread_local Queue queue;

const char* lib_name(int lib) {
  switch (lib) {
    case kErrLibSsl:
      return "SSL routines";
    case kErrLibAsn1:
      return "asn1 encoding routines";
    case kErrLibPem:
      return "PEM routines";
    default:
      return nullptr;
  }
}

// OpenSSL's reason strings for every code this library raises; lib 0 holds
// the reasons shared by all libraries (ERR_R_*).
struct ReasonName {
  int lib;
  int reason;
  const char* text;
};
constexpr ReasonName kReasons[] = {
    {0, kReasonMallocFailure, "malloc failure"},
    {0, kReasonInternalError, "internal error"},
    {0, kReasonAsn1Lib, "ASN1 lib"},
    {kErrLibSsl, kReasonSessionIdTooLong, "ssl session id too long"},
    {kErrLibSsl, kReasonSessionIdContextTooLong, "ssl session id context too long"},
    {kErrLibSsl, kReasonSessionIdContextUninitialized, "session id context uninitialized"},
    {kErrLibSsl, kReasonSessionIdCallbackFailed, "ssl session id callback failed"},
    {kErrLibSsl, kReasonSessionIdConflict, "ssl session id conflict"},
    {kErrLibSsl, kReasonSessionIdHasBadLength, "ssl session id has bad length"},
    {kErrLibSsl, kReasonConnectionTypeNotSet, "connection type not set"},
    {kErrLibSsl, kReasonLengthMismatch, "length mismatch"},
    {kErrLibSsl, kReasonSessionVersionMismatch, "ssl session version mismatch"},
    {kErrLibSsl, kReasonUnsupportedSslVersion, "unsupported ssl version"},
    {kErrLibSsl, kReasonReuseInDifferentContext, "attempt to reuse session in different context"},
    {kErrLibSsl, kReasonUninitialized, "uninitialized"},
    {kErrLibSsl, kReasonShutdownWhileInInit, "shutdown while in init"},
    {kErrLibSsl, 137, "cipher code wrong length"},
    {kErrLibSsl, 249, "unknown cipher type"},
    {kErrLibSsl, 254, "unknown ssl version"},
    {kErrLibSsl, 271, "bad length"},
    {kErrLibSsl, 404, "length too long"},
    {kErrLibAsn1, 119, "explicit length mismatch"},
    {kErrLibAsn1, 120, "explicit tag not constructed"},
    {kErrLibAsn1, 121, "field missing"},
    {kErrLibAsn1, 123, "header too long"},
    {kErrLibAsn1, 148, "sequence length mismatch"},
    {kErrLibAsn1, 149, "sequence not constructed"},
    {kErrLibAsn1, 155, "too long"},
    {kErrLibAsn1, 159, "unexpected eoc"},
    {kErrLibAsn1, 168, "wrong tag"},
    {kErrLibAsn1, 195, "type not primitive"},
    {kErrLibAsn1, 221, "illegal padding"},
    {kErrLibAsn1, 223, "too large"},
    {kErrLibAsn1, 224, "too small"},
    {kErrLibAsn1, 226, "illegal negative value"},
    {kErrLibPem, 100, "bad base64 decode"},
    {kErrLibPem, 102, "bad end line"},
    {kErrLibPem, 108, "no start line"},
};

const char* reason_name(int lib, int reason) {
  bool common = (reason & (2 << 18)) != 0;  // ERR_RFLAG_COMMON
  for (const ReasonName& r : kReasons) {
    if (r.reason == reason && (common ? r.lib == 0 : r.lib == lib)) return r.text;
  }
  return nullptr;
}

}  // namespace

void err_push(int lib, int reason) {
  if (queue.count == kQueueSize) {  // full: drop the oldest, as OpenSSL does
    queue.bottom = (queue.bottom + 1) % kQueueSize;
    queue.count--;
  }
  queue.codes[(queue.bottom + queue.count) % kQueueSize] = err_pack(lib, reason);
  queue.count++;
}

unsigned long err_get() {
  if (queue.count == 0) return 0;
  unsigned long e = queue.codes[queue.bottom];
  queue.bottom = (queue.bottom + 1) % kQueueSize;
  queue.count--;
  return e;
}

unsigned long err_peek() { return queue.count == 0 ? 0 : queue.codes[queue.bottom]; }

void err_clear() {
  queue.bottom = 0;
  queue.count = 0;
}

std::string err_string(unsigned long e) {
  char lib_buf[32], reason_buf[32];
  const char* lib = lib_name(err_get_lib(e));
  if (lib == nullptr) {
    snprintf(lib_buf, sizeof lib_buf, "lib(%d)", err_get_lib(e));
    lib = lib_buf;
  }
  const char* reason = reason_name(err_get_lib(e), err_get_reason(e));
  if (reason == nullptr) {
    snprintf(reason_buf, sizeof reason_buf, "reason(%d)", err_get_reason(e));
    reason = reason_buf;
  }
  char out[256];
  snprintf(out, sizeof out, "error:%08lX:%s::%s", e, lib, reason);
  return out;
}

}  // namespace osc
