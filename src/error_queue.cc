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
    case kErrLibSsl: return "SSL routines";
    case kErrLibAsn1: return "asn1 encoding routines";
    default: return nullptr;
  }
}

const char* reason_name(int lib, int reason) {
  switch (reason) {  // the reasons every library shares
    case kReasonMallocFailure: return "malloc failure";
    case kReasonInternalError: return "internal error";
  }
  if (lib != kErrLibSsl) return nullptr;
  switch (reason) {
    case kReasonSessionIdTooLong: return "ssl session id too long";
    case kReasonSessionIdContextTooLong: return "ssl session id context too long";
    case kReasonSessionIdContextUninitialized: return "session id context uninitialized";
    case kReasonSessionIdCallbackFailed: return "ssl session id callback failed";
    case kReasonSessionIdConflict: return "ssl session id conflict";
    case kReasonSessionIdHasBadLength: return "ssl session id has bad length";
    case kReasonConnectionTypeNotSet: return "connection type not set";
    case kReasonLengthMismatch: return "length mismatch";
    case kReasonSessionVersionMismatch: return "ssl session version mismatch";
    case kReasonUnsupportedSslVersion: return "unsupported ssl version";
    case kReasonReuseInDifferentContext: return "attempt to reuse session in different context";
    case kReasonUninitialized: return "uninitialized";
    case kReasonShutdownWhileInInit: return "shutdown while in init";
    default: return nullptr;
  }
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
