// Implementations of shm_lock.h: robust pthread mutex, pid lock, none.
#include "glibc_compat.h"  // first: binds the symbols below to old versions
#include "shm_lock.h"

#include "shm_format.h"
#include "shm_os.h"

#if defined(_WIN32)
#define OSC_SHM_LOCK_NONE 1
#elif defined(OSC_SHM_PID_LOCK) || !defined(__linux__)
#define OSC_SHM_LOCK_PID 1
#else
#define OSC_SHM_LOCK_ROBUST 1
#endif

#if defined(OSC_SHM_LOCK_ROBUST)
#include <errno.h>
#include <pthread.h>
#include <time.h>
#endif

namespace osc {
namespace shm {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Tries before blocking: a holder's critical section is well under a
// microsecond, so a short spin usually avoids a sleep and a wake-up.
#ifndef OSC_SHM_SPIN_TRIES
#define OSC_SHM_SPIN_TRIES 64
#endif
constexpr int kSpinTries = OSC_SHM_SPIN_TRIES;

}  // namespace

#if defined(OSC_SHM_LOCK_ROBUST)

// The mutex, then (same cache line) a hint that it is held: waiters spin
// reading the hint and only try the mutex when it reads free, so spinning
// does not keep taking the line from the holder. Only a hint: a holder that
// dies leaves it set, and waiters fall through to the mutex after the spin.
constexpr size_t kHintOffset = 56;
static_assert(sizeof(pthread_mutex_t) <= kHintOffset, "the mutex and the hint share one cache line");

namespace {
pthread_mutex_t* mutex_of(unsigned char* area) { return reinterpret_cast<pthread_mutex_t*>(area); }
uint32_t* hint_of(unsigned char* area) { return reinterpret_cast<uint32_t*>(area + kHintOffset); }
}  // namespace

LockKind lock_kind() { return LockKind::kRobustMutex; }

bool lock_init(unsigned char* area) {
  pthread_mutexattr_t a;
  if (pthread_mutexattr_init(&a) != 0) return false;
  bool ok = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0 &&
            pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0 &&
            pthread_mutex_init(mutex_of(area), &a) == 0;
  pthread_mutexattr_destroy(&a);
  return ok;
}

LockStatus lock_acquire(unsigned char* area, uint32_t timeout_ms) {
  pthread_mutex_t* m = mutex_of(area);
  uint32_t* hint = hint_of(area);
  int rc = EBUSY;
  for (int i = 0; i < kSpinTries && rc == EBUSY; i++) {
    if (__atomic_load_n(hint, __ATOMIC_RELAXED) == 0) rc = pthread_mutex_trylock(m);
    if (rc == EBUSY) cpu_relax();
  }
  if (rc == EBUSY) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += static_cast<long>(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }
    rc = pthread_mutex_timedlock(m, &deadline);
  }
  if (rc == 0 || rc == EOWNERDEAD) __atomic_store_n(hint, 1u, __ATOMIC_RELAXED);
  switch (rc) {
    case 0:
      return LockStatus::kAcquired;
    case EOWNERDEAD:
      return LockStatus::kOwnerDied;
    case ETIMEDOUT:
      return LockStatus::kTimeout;
    default:  // ENOTRECOVERABLE (someone unlocked without repairing), EINVAL
      return LockStatus::kError;
  }
}

void lock_consistent(unsigned char* area) { pthread_mutex_consistent(mutex_of(area)); }
void lock_heartbeat(unsigned char*) {}
bool lock_release(unsigned char* area) {
  __atomic_store_n(hint_of(area), 0u, __ATOMIC_RELAXED);
  return pthread_mutex_unlock(mutex_of(area)) == 0;
}

#elif defined(OSC_SHM_LOCK_PID)

// The lock word: 0 when free, else (acquire time in monotonic ms, low 32
// bits) << 32 | owner pid. One 64-bit compare-and-swap takes, steals or
// releases it, so a waiter can never pair a pid with another acquisition's
// time.
namespace {

uint64_t* word_of(unsigned char* area) { return reinterpret_cast<uint64_t*>(area); }

uint64_t make_word(uint32_t pid) { return (uint64_t{static_cast<uint32_t>(os_now_ms())} << 32) | pid; }

}  // namespace

LockKind lock_kind() { return LockKind::kPidLock; }

bool lock_init(unsigned char* area) {
  __atomic_store_n(word_of(area), uint64_t{0}, __ATOMIC_RELEASE);
  return true;
}

LockStatus lock_acquire(unsigned char* area, uint32_t timeout_ms) {
  uint64_t* w = word_of(area);
  const uint32_t me = os_pid();
  const uint64_t start = os_now_ms();
  for (uint32_t round = 0;; round++) {
    uint64_t cur = __atomic_load_n(w, __ATOMIC_ACQUIRE);
    if (cur == 0) {
      if (__atomic_compare_exchange_n(w, &cur, make_word(me), false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return LockStatus::kAcquired;
      continue;
    }
    if (round < static_cast<uint32_t>(kSpinTries)) {
      cpu_relax();
      continue;
    }
    // Held: is the holder gone, or has this acquisition lasted implausibly long?
    uint32_t owner = static_cast<uint32_t>(cur);
    uint32_t since = static_cast<uint32_t>(cur >> 32);
    uint32_t held = static_cast<uint32_t>(os_now_ms()) - since;
    if ((round % 16 == 0 && !os_process_alive(owner)) || held > kStaleMs) {
      if (__atomic_compare_exchange_n(w, &cur, make_word(me), false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return LockStatus::kOwnerDied;
      continue;
    }
    if (os_now_ms() - start >= timeout_ms) return LockStatus::kTimeout;
    if (round < 256)
      os_yield();
    else
      os_sleep_us(50);
  }
}

void lock_consistent(unsigned char*) {}

void lock_heartbeat(unsigned char* area) {
  uint64_t* w = word_of(area);
  uint64_t cur = __atomic_load_n(w, __ATOMIC_RELAXED);
  if (static_cast<uint32_t>(cur) == os_pid())
    __atomic_compare_exchange_n(w, &cur, make_word(os_pid()), false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

bool lock_release(unsigned char* area) {
  uint64_t* w = word_of(area);
  uint64_t cur = __atomic_load_n(w, __ATOMIC_RELAXED);
  if (static_cast<uint32_t>(cur) != os_pid()) return false;  // taken over: not ours to release
  return __atomic_compare_exchange_n(w, &cur, uint64_t{0}, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

#else  // no lock: Windows

LockKind lock_kind() { return LockKind::kUnsupported; }
bool lock_init(unsigned char*) { return false; }
LockStatus lock_acquire(unsigned char*, uint32_t) { return LockStatus::kError; }
void lock_consistent(unsigned char*) {}
void lock_heartbeat(unsigned char*) {}
bool lock_release(unsigned char*) { return false; }

#endif

}  // namespace shm
}  // namespace osc
