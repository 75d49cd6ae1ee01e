// The segment's process-shared lock, which must survive a process killed
// while holding it.
//
// - Linux (glibc, musl): a pthread mutex with PTHREAD_PROCESS_SHARED and
//   PTHREAD_MUTEX_ROBUST. The kernel releases it when its owner dies and the
//   next locker gets EOWNERDEAD (kOwnerDied here): it repairs the structure,
//   then calls lock_consistent. Waiting is bounded (pthread_mutex_timedlock).
// - macOS and the other POSIX systems (FreeBSD has robust mutexes, but its
//   process-shared ones are untested here), and Linux builds with
//   -DOSC_SHM_PID_LOCK (how the tests exercise this fallback): a lock word
//   holding the owner's pid and the monotonic millisecond it took the lock.
//   A waiter takes the lock over (kOwnerDied) when kill(pid, 0) says the
//   owner no longer exists, or when the same acquisition has lasted more
//   than kStaleMs (the owner's pid reused by another process after it died:
//   hold times are microseconds; a long repair refreshes the stamp with
//   lock_heartbeat). Weaker than a robust mutex: a holder stopped (SIGSTOP,
//   a debugger) for longer than kStaleMs loses the lock while it may still
//   write, and processes in different pid namespaces cannot see each other
//   die (use robust mutexes there). A dead-but-unreaped process counts as
//   alive until its parent reaps it.
// - Windows: not supported; lock_init fails, so no segment is ever created.
#pragma once

#include <cstdint>

namespace osc {
namespace shm {

enum class LockKind : uint32_t { kUnsupported = 0, kRobustMutex = 1, kPidLock = 2 };
enum class LockStatus { kAcquired, kOwnerDied, kTimeout, kError };

constexpr uint32_t kStaleMs = 2000;

// The kind this build uses (recorded in the segment: two builds with
// different kinds must not share one).
LockKind lock_kind();
// Initialises the lock in area (kLockBytes, 64-aligned, zeroed). Creator only,
// before the segment is published.
bool lock_init(unsigned char* area);
// Waits at most timeout_ms. kOwnerDied: the caller now holds the lock, and
// must repair what the dead owner may have left half-done, then call
// lock_consistent before lock_release.
LockStatus lock_acquire(unsigned char* area, uint32_t timeout_ms);
void lock_consistent(unsigned char* area);
// Long operations under the lock call this now and then (pid lock: proves
// the holder alive; robust mutex: nothing).
void lock_heartbeat(unsigned char* area);
// false when the lock was no longer ours (pid lock taken over as stale).
bool lock_release(unsigned char* area);

}  // namespace shm
}  // namespace osc
