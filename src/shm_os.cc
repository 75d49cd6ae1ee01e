// POSIX implementation of shm_os.h (Linux, macOS, the BSDs); Windows stubs.
#include "glibc_compat.h"  // first: binds the symbols below to old versions
#include "shm_os.h"

#include <cstring>

#include "shm_format.h"
#include "system_random.h"

#if defined(_WIN32)

namespace osc {
namespace shm {

bool valid_name(const char*) { return false; }
bool random_name(char* name) {
  name[0] = 0;
  return false;
}
Result os_create(const char*, size_t, Mapping*) { return Result::kNotSupported; }
Result os_attach(const char*, uint32_t, Mapping*) { return Result::kNotSupported; }
void os_unmap(Mapping* m) { *m = Mapping(); }
Result os_unlink(const char*) { return Result::kNotSupported; }
uint32_t os_euid() { return 0; }
uint32_t os_pid() { return 0; }
bool os_process_alive(uint32_t) { return true; }
uint64_t os_now_ms() { return 0; }
void os_yield() {}
void os_sleep_us(unsigned) {}

}  // namespace shm
}  // namespace osc

#else

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

namespace osc {
namespace shm {
namespace {

// Maps the whole object. Linux: page tables filled at once (MAP_POPULATE),
// so no operation takes a page fault while it holds the lock, and huge pages
// requested where the system allows them for shared memory (best effort).
void* map_shared(int fd, size_t bytes) {
  int flags = MAP_SHARED;
#if defined(MAP_POPULATE)
  flags |= MAP_POPULATE;
#endif
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, fd, 0);
#if defined(MADV_HUGEPAGE)
  if (p != MAP_FAILED) madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return p;
}

// Linux: allocates the object's pages now. Without it a tmpfs (/dev/shm)
// with less room than the segment (a container's 64 MiB default) accepts the
// size and then kills the process with SIGBUS at the first write it cannot
// back; with it the creation fails with ENOSPC. Elsewhere (and on a file
// system without fallocate) the pages come at first touch, as before.
bool reserve(int fd, size_t bytes) {
#if defined(__linux__)
  int r;
  do {
    r = posix_fallocate(fd, 0, static_cast<off_t>(bytes));
  } while (r == EINTR);
  if (r == 0 || r == EOPNOTSUPP || r == EINVAL) return true;
  errno = r;
  return false;
#else
  (void)fd;
  (void)bytes;
  return true;
#endif
}

// The owner, mode and size of an open object. glibc: statx (2.28), since
// fstat binds to fstat64@GLIBC_2.33 when built on a newer glibc.
bool object_stat(int fd, uint32_t* uid, uint32_t* mode, int64_t* size) {
#if defined(__GLIBC__)
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_UID | STATX_MODE | STATX_SIZE, &sx) != 0) return false;
  *uid = sx.stx_uid;
  *mode = sx.stx_mode;
  *size = static_cast<int64_t>(sx.stx_size);
#else
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  *uid = static_cast<uint32_t>(st.st_uid);
  *mode = static_cast<uint32_t>(st.st_mode);
  *size = static_cast<int64_t>(st.st_size);
#endif
  return true;
}

}  // namespace

bool valid_name(const char* name) {
  if (!name || name[0] != '/') return false;
  size_t n = std::strlen(name);
  if (n < 2 || n > kNameMax) return false;
  for (size_t i = 1; i < n; i++) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  // "/." and "/..": not names of objects (shm_open refuses them).
  return std::strspn(name + 1, ".") != n - 1;
}

bool random_name(char* name) {
  unsigned char r[8];
  if (!system_random(r, sizeof r)) return false;
  static const char hex[] = "0123456789abcdef";
  std::memcpy(name, "/osc-", 5);
  for (int i = 0; i < 8; i++) {
    name[5 + 2 * i] = hex[r[i] >> 4];
    name[6 + 2 * i] = hex[r[i] & 15];
  }
  name[21] = 0;
  return true;
}

Result os_create(const char* name, size_t bytes, Mapping* out) {
  if (!valid_name(name)) return Result::kInvalidArgument;
  int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return errno == EEXIST ? Result::kExists : Result::kSystemError;
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0 || !reserve(fd, bytes)) {
    int e = errno;
    close(fd);
    shm_unlink(name);
    errno = e;
    return Result::kSystemError;
  }
  void* p = map_shared(fd, bytes);
  int e = errno;
  close(fd);  // the mapping keeps the object
  if (p == MAP_FAILED) {
    shm_unlink(name);
    errno = e;
    return Result::kSystemError;
  }
  out->base = static_cast<unsigned char*>(p);
  out->bytes = bytes;
  return Result::kOk;
}

Result os_attach(const char* name, uint32_t expect_uid, Mapping* out) {
  if (!valid_name(name)) return Result::kInvalidArgument;
  int fd = shm_open(name, O_RDWR, 0);
  if (fd < 0) return errno == ENOENT ? Result::kNotFound : Result::kSystemError;
  uint32_t uid, mode;
  int64_t size;
  if (!object_stat(fd, &uid, &mode, &size)) {
    int e = errno;
    close(fd);
    errno = e;
    return Result::kSystemError;
  }
  // Someone else's object, or one others may read or write: never ours.
  bool refused = uid != expect_uid || (mode & 077) != 0 || size < 0 ||
                 static_cast<uint64_t>(size) < sizeof(Header) ||
                 static_cast<uint64_t>(size) > kMaxBytes + 65536;
  if (refused) {
    close(fd);
    return Result::kBadSegment;
  }
  size_t bytes = static_cast<size_t>(size);
  void* p = map_shared(fd, bytes);
  int e = errno;
  close(fd);
  if (p == MAP_FAILED) {
    errno = e;
    return Result::kSystemError;
  }
  out->base = static_cast<unsigned char*>(p);
  out->bytes = bytes;
  return Result::kOk;
}

void os_unmap(Mapping* m) {
  if (m->base) munmap(m->base, m->bytes);
  *m = Mapping();
}

Result os_unlink(const char* name) {
  if (!valid_name(name)) return Result::kInvalidArgument;
  if (shm_unlink(name) == 0) return Result::kOk;
  return errno == ENOENT ? Result::kNotFound : Result::kSystemError;
}

uint32_t os_euid() { return static_cast<uint32_t>(geteuid()); }
uint32_t os_pid() { return static_cast<uint32_t>(getpid()); }

bool os_process_alive(uint32_t pid) {
  if (pid == 0 || pid > 0x7FFFFFFF) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

uint64_t os_now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

void os_yield() { sched_yield(); }

void os_sleep_us(unsigned us) {
  struct timespec ts = {0, static_cast<long>(us) * 1000};
  nanosleep(&ts, nullptr);
}

}  // namespace shm
}  // namespace osc

#endif
