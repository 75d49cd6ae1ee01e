// Segment creation and attach (src/shm_os.cc, Cache::create/attach): what a
// process refuses to trust. A segment that is truncated or extended, has a
// bad magic, version, lock kind, seed or layout, belongs to another user or
// is readable by group or others, is refused (kBadSegment); names are
// random, created with O_EXCL and mode 0600 whatever the umask.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <functional>

#include "common.h"

namespace {

// Opens the object by name, maps it, runs fn on the bytes, unmaps.
void tamper(const char* name, const std::function<void(unsigned char*, size_t)>& fn) {
  int fd = shm_open(name, O_RDWR, 0);
  struct stat st;
  fstat(fd, &st);
  void* p = mmap(nullptr, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  CHECK(p != MAP_FAILED, "tamper mapping");
  if (p == MAP_FAILED) return;
  fn(static_cast<unsigned char*>(p), st.st_size);
  munmap(p, st.st_size);
}

shm::Result try_attach(const char* name) {
  std::unique_ptr<shm::Cache> c;
  shm::Result r = shm::Cache::attach(name, &c);
  CHECK((r == shm::Result::kOk) == (c != nullptr), "a handle only on success");
  return r;
}

// Changes one header field, expects attach to refuse, restores it.
template <typename T>
void expect_refused_with(const char* name, size_t offset, T value, const char* what) {
  T saved;
  tamper(name, [&](unsigned char* p, size_t) {
    std::memcpy(&saved, p + offset, sizeof saved);
    std::memcpy(p + offset, &value, sizeof value);
  });
  shm::Result r = try_attach(name);
  CHECK(r == shm::Result::kBadSegment, "%s: attach gave %s", what, rn(r));
  tamper(name, [&](unsigned char* p, size_t) { std::memcpy(p + offset, &saved, sizeof saved); });
  CHECK(try_attach(name) == shm::Result::kOk, "%s: restored", what);
}

void test_create_attach() {
  umask(0);  // creation must still give 0600
  std::unique_ptr<shm::Cache> a, b, c2;
  shm::Result r = shm::Cache::create(1 << 20, &a);
  CHECK(r == shm::Result::kOk, "create: %s", rn(r));
  if (!a) return;
  const char* name = a->name();
  CHECK(std::strlen(name) == 21 && std::strncmp(name, "/osc-", 5) == 0, "name %s", name);
  CHECK(shm::Cache::create(1 << 20, &c2) == shm::Result::kOk && std::strcmp(c2->name(), name) != 0,
        "names differ");
  shm::Cache::unlink(c2->name());

  int fd = shm_open(name, O_RDONLY, 0);
  struct stat st;
  CHECK(fd >= 0 && fstat(fd, &st) == 0, "stat");
  CHECK((st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
  CHECK(st.st_uid == geteuid(), "owner");
  CHECK(static_cast<size_t>(st.st_size) == (1u << 20), "size %lld", (long long)st.st_size);

  // A second handle (as another process would have) sees the same entries.
  r = shm::Cache::attach(name, &b);
  CHECK(r == shm::Result::kOk, "attach: %s", rn(r));
  if (!b) return;
  Bytes ctx(32, 7), id(32, 9), der(158, 0x30), out(shm::kMaxDer);
  size_t len = 0;
  CHECK(a->store(key_of(ctx, id), der.data(), der.size(), 2000, 1000) == shm::Result::kOk, "store");
  CHECK(b->lookup(key_of(ctx, id), 1000, out.data(), out.size(), &len) == shm::Result::kOk && len == 158 &&
            std::memcmp(out.data(), der.data(), len) == 0,
        "lookup through the other handle");
  CHECK(std::memcmp(&a->layout(), &b->layout(), sizeof(shm::Layout)) == 0, "same layout");

  // Owner and mode.
  fchmod(fd, 0640);
  CHECK(try_attach(name) == shm::Result::kBadSegment, "group-readable refused");
  fchmod(fd, 0602);
  CHECK(try_attach(name) == shm::Result::kBadSegment, "other-writable refused");
  fchmod(fd, 0600);
  CHECK(try_attach(name) == shm::Result::kOk, "0600 accepted");
  {
    std::unique_ptr<shm::Cache> x;
    CHECK(shm::Cache::attach_as(name, geteuid() + 1, &x) == shm::Result::kBadSegment,
          "expected another owner");
  }
  if (geteuid() == 0) {
    // Really another user's object (we are root here, so we can open it).
    CHECK(fchown(fd, 65534, 65534) == 0, "chown");
    CHECK(try_attach(name) == shm::Result::kBadSegment, "another user's segment refused");
    std::unique_ptr<shm::Cache> x;
    CHECK(shm::Cache::attach_as(name, 65534, &x) == shm::Result::kOk, "accepted when that owner is expected");
    CHECK(fchown(fd, 0, 0) == 0, "chown back");
  } else {
    std::printf("(not root: the chown case ran as attach_as with another uid only)\n");
  }
  close(fd);

  // Header fields, one at a time.
  expect_refused_with<uint64_t>(name, offsetof(shm::Header, magic), shm::kMagic ^ 1, "magic");
  expect_refused_with<uint32_t>(name, offsetof(shm::Header, version), shm::kVersion + 1, "version");
  expect_refused_with<uint32_t>(name, offsetof(shm::Header, header_bytes), 64, "header size");
  expect_refused_with<uint64_t>(name, offsetof(shm::Header, total_bytes), (1 << 20) - 64, "total size");
  expect_refused_with<uint32_t>(name, offsetof(shm::Header, block_bytes), 32, "block size");
  expect_refused_with<uint32_t>(name, offsetof(shm::Header, nblocks), a->layout().nblocks + 1, "block count");
  expect_refused_with<uint32_t>(name, offsetof(shm::Header, nbuckets), a->layout().nbuckets * 2,
                                "bucket count");
  expect_refused_with<uint32_t>(name, offsetof(shm::Header, nctx), 64, "context slots");
  expect_refused_with<uint64_t>(name, offsetof(shm::Header, blocks_off), a->layout().blocks_off - 64,
                                "blocks offset");
  expect_refused_with<uint32_t>(name, offsetof(shm::Header, lock_kind), 3, "lock kind");
  expect_refused_with<uint64_t>(name, offsetof(shm::Header, seed), a->layout().seed + 1,
                                "seed (layout checksum)");

  // Truncated, extended, emptied.
  for (off_t size :
       {off_t{(1 << 20) / 2}, off_t{(1 << 20) + 4096}, off_t{sizeof(shm::Header) - 1}, off_t{0}}) {
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "/osc-test-%d", static_cast<int>(getpid()));
    std::unique_ptr<shm::Cache> t;
    CHECK(shm::Cache::create_named(tmp, 1 << 20, &t) == shm::Result::kOk, "create_named");
    int tfd = shm_open(tmp, O_RDWR, 0);
    CHECK(ftruncate(tfd, size) == 0, "truncate");
    close(tfd);
    shm::Result tr = try_attach(tmp);
    CHECK(tr == shm::Result::kBadSegment, "size %lld: attach gave %s", (long long)size, rn(tr));
    shm::Cache::unlink(tmp);
  }

  // Random bytes of the right size, and all zeros (created, never filled in).
  for (int fill = 0; fill < 2; fill++) {
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "/osc-junk-%d", static_cast<int>(getpid()));
    int jfd = shm_open(tmp, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(jfd >= 0 && ftruncate(jfd, 1 << 20) == 0, "junk object");
    close(jfd);
    if (fill == 0)
      tamper(tmp, [](unsigned char* p, size_t n) {
        for (size_t i = 0; i < n; i++) p[i] = static_cast<unsigned char>(i * 2654435761u >> 13);
      });
    CHECK(try_attach(tmp) == shm::Result::kBadSegment, "junk %d refused", fill);
    // O_EXCL: a name somebody already created is never taken over.
    std::unique_ptr<shm::Cache> t;
    CHECK(shm::Cache::create_named(tmp, 1 << 20, &t) == shm::Result::kExists && !t, "existing name refused");
    shm::Cache::unlink(tmp);
  }

  // Names and sizes.
  std::unique_ptr<shm::Cache> t;
  for (const char* bad : {"", "osc", "/", "/a/b", "/osc-0123456789abcdef0123456789abcdef", "/sp ace"})
    CHECK(shm::Cache::attach(bad, &t) == shm::Result::kInvalidArgument, "bad name '%s'", bad);
  CHECK(shm::Cache::attach("/osc-nonexistent0000", &t) == shm::Result::kNotFound, "missing");
  CHECK(shm::Cache::create(shm::kMinBytes - 1, &t) == shm::Result::kInvalidArgument, "too small");
  CHECK(shm::Cache::create(shm::kMaxBytes + 1, &t) == shm::Result::kInvalidArgument, "too large");
  CHECK(!t, "no handle on failure");

  // Unlink: the name goes, mapped handles keep working.
  CHECK(shm::Cache::unlink(name) == shm::Result::kOk, "unlink");
  CHECK(shm::Cache::unlink(name) == shm::Result::kNotFound, "unlink twice");
  CHECK(try_attach(name) == shm::Result::kNotFound, "gone");
  CHECK(b->lookup(key_of(ctx, id), 1000, out.data(), out.size(), &len) == shm::Result::kOk, "still mapped");
}

}  // namespace

int main() {
  test_create_attach();
  return finish("shm_attach_test");
}
