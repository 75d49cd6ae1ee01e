// The segment lock on its own (src/shm_lock.cc), built with the robust
// mutex and with -DOSC_SHM_PID_LOCK (the macOS fallback):
// - a holder that exits without unlocking: the next locker gets kOwnerDied
//   at once, then the lock works normally;
// - a live holder: a waiter gives up after its timeout (bounded wait);
// - pid lock only: an acquisition older than kStaleMs whose pid is alive
//   (the pid reused by an unrelated process) is taken over; a fresh one is
//   not; only the owner can release.
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "../../src/shm_format.h"
#include "../../src/shm_lock.h"
#include "../../src/shm_os.h"
#include "common.h"

namespace {

unsigned char* new_area() {
  void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED, "mmap");
  unsigned char* a = static_cast<unsigned char*>(p);
  CHECK(shm::lock_init(a), "lock_init");
  return a;
}

// A child that takes the lock, then either exits holding it or sleeps.
pid_t holder(unsigned char* area, bool sleep_forever) {
  int pipefd[2];
  CHECK(pipe(pipefd) == 0, "pipe");
  pid_t p = fork();
  if (p == 0) {
    if (shm::lock_acquire(area, 1000) != shm::LockStatus::kAcquired) _exit(2);
    char c = 1;
    if (write(pipefd[1], &c, 1) != 1) _exit(3);
    if (sleep_forever)
      for (;;) pause();
    _exit(0);  // dies holding the lock
  }
  char c;
  CHECK(read(pipefd[0], &c, 1) == 1, "holder started");
  close(pipefd[0]);
  close(pipefd[1]);
  return p;
}

double ms_since(std::chrono::steady_clock::time_point t0) { return seconds_since(t0) * 1000; }

void test_owner_died() {
  unsigned char* a = new_area();
  pid_t p = holder(a, false);
  waitpid(p, nullptr, 0);
  auto t0 = std::chrono::steady_clock::now();
  shm::LockStatus s = shm::lock_acquire(a, 5000);
  double ms = ms_since(t0);
  CHECK(s == shm::LockStatus::kOwnerDied, "dead holder: status %d", static_cast<int>(s));
  CHECK(ms < 100, "dead holder noticed after %.1f ms", ms);
  shm::lock_consistent(a);
  CHECK(shm::lock_release(a), "release after recovery");
  CHECK(shm::lock_acquire(a, 100) == shm::LockStatus::kAcquired, "normal again");
  CHECK(shm::lock_release(a), "release");
  std::printf("owner died: recovered in %.2f ms\n", ms);
}

void test_timeout() {
  unsigned char* a = new_area();
  pid_t p = holder(a, true);
  auto t0 = std::chrono::steady_clock::now();
  shm::LockStatus s = shm::lock_acquire(a, 150);
  double ms = ms_since(t0);
  CHECK(s == shm::LockStatus::kTimeout, "live holder: status %d", static_cast<int>(s));
  CHECK(ms >= 140 && ms < 1000, "timed out after %.1f ms (wanted 150)", ms);
  kill(p, SIGKILL);
  waitpid(p, nullptr, 0);
  s = shm::lock_acquire(a, 1000);
  CHECK(s == shm::LockStatus::kOwnerDied, "killed holder: status %d", static_cast<int>(s));
  shm::lock_consistent(a);
  shm::lock_release(a);
  std::printf("live holder: waiter gave up after %.1f ms (timeout 150)\n", ms);
}

#if defined(OSC_SHM_PID_LOCK)
void test_stale() {
  unsigned char* a = new_area();
  pid_t p = holder(a, true);  // alive: stands for an unrelated process that got a dead owner's pid
  uint64_t word;
  std::memcpy(&word, a, 8);
  CHECK(static_cast<uint32_t>(word) == static_cast<uint32_t>(p), "the word holds the owner's pid");
  // A fresh acquisition by a live pid is waited for...
  CHECK(shm::lock_acquire(a, 100) == shm::LockStatus::kTimeout, "fresh live holder waited for");
  CHECK(!shm::lock_release(a), "a non-owner cannot release");
  // ...one older than kStaleMs is taken over.
  uint32_t old = static_cast<uint32_t>(shm::os_now_ms()) - shm::kStaleMs - 10;
  word = (uint64_t{old} << 32) | static_cast<uint32_t>(p);
  std::memcpy(a, &word, 8);
  auto t0 = std::chrono::steady_clock::now();
  shm::LockStatus s = shm::lock_acquire(a, 1000);
  CHECK(s == shm::LockStatus::kOwnerDied, "stale: status %d", static_cast<int>(s));
  CHECK(ms_since(t0) < 100, "stale lock taken over after %.1f ms", ms_since(t0));
  CHECK(shm::lock_release(a), "thief releases");
  kill(p, SIGKILL);
  waitpid(p, nullptr, 0);
  std::printf("pid lock: stale acquisition taken over, fresh one respected\n");
}
#endif

}  // namespace

int main() {
  std::printf("lock kind %d\n", static_cast<int>(shm::lock_kind()));
  test_owner_died();
  test_timeout();
#if defined(OSC_SHM_PID_LOCK)
  CHECK(shm::lock_kind() == shm::LockKind::kPidLock, "pid lock built");
  test_stale();
#else
  CHECK(shm::lock_kind() == shm::LockKind::kRobustMutex, "robust mutex built");
#endif
  return finish("shm_lock_test");
}
