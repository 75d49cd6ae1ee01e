// Results of the shared-memory store's operations (issue 16). Every
// operation returns one; none throws. Callers treat anything but kOk from a
// lookup as a miss.
#pragma once

namespace osc {
namespace shm {

enum class Result : int {
  kOk = 0,
  kMiss,              // lookup, remove: no entry with that key
  kExpired,           // lookup: the entry had expired (now removed): a miss.
                      // store: expiry already past: nothing stored, an old entry removed
  kCorrupt,           // lookup: the entry failed validation and was dropped: a miss.
                      // store: the structure was found damaged (rebuilt); nothing stored
  kTooLarge,          // store: can never fit (DER over kMaxDer, or more blocks than the segment has)
  kBufferTooSmall,    // lookup: *out_len is the size needed; nothing copied
  kContextTableFull,  // store: kCtxSlots other id contexts are in use
  kInvalidArgument,   // lengths out of range, null pointers, a bad name
  kLockTimeout,       // the lock was not obtained in time: nothing done
  kBadSegment,        // attach: wrong owner or mode, truncated, bad magic, version or layout
  kNotFound,          // attach, unlink: no segment by that name
  kExists,            // create: the name is taken
  kNotSupported,      // the platform has no implementation (Windows)
  kSystemError,       // an OS call failed (see the errno it left)
};

const char* result_name(Result r);

}  // namespace shm
}  // namespace osc
