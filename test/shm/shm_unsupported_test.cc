// The Windows story, checked on Linux: the core built with -D_WIN32 (and
// without __linux__ and __GNUC__, so none of the POSIX or GCC-only paths)
// compiles, and every entry point says kNotSupported instead of failing.
#include "common.h"

int main() {
  std::unique_ptr<shm::Cache> c;
  CHECK(shm::Cache::create(1 << 20, &c) == shm::Result::kNotSupported && !c, "create");
  CHECK(shm::Cache::create_named("/osc-x", 1 << 20, &c) == shm::Result::kNotSupported && !c, "create_named");
  CHECK(shm::Cache::attach("/osc-x", &c) == shm::Result::kNotSupported && !c, "attach");
  CHECK(shm::Cache::unlink("/osc-x") == shm::Result::kNotSupported, "unlink");
  CHECK(shm::lock_kind() == shm::LockKind::kUnsupported, "no lock");
  return finish("shm_unsupported_test (Windows paths)");
}
