// Keeps the Linux prebuild loadable with the C++ runtime of the oldest systems
// the README promises ("built against glibc 2.28": RHEL/Alma 8, Debian 10,
// whose libstdc++.so.6 stops at GLIBCXX_3.4.25; manylinux_2_28 allows 3.4.24).
//
// GCC 11+'s std::allocator<T>::allocate (every std::vector) calls
// std::__throw_bad_array_new_length(), which libstdc++.so.6 exports only from
// GLIBCXX_3.4.29 (GCC 11) on. Built with a newer GCC than the target system's
// (Debian 12's g++ and its aarch64 cross compiler), the addon then fails to
// load there: "version `GLIBCXX_3.4.29' not found". This local definition
// satisfies that reference at link time, so the .node imports no GLIBCXX_3.4.29
// symbol. Weak: a toolchain that links the function statically anyway (the
// manylinux gcc-toolset's libstdc++_nonshared.a) keeps working with no
// duplicate definition. Hidden (and binding.map exports only the Node-API
// entry points): it never interposes on the process's own libstdc++.
// scripts/check-glibc.js checks the symbol versions of each glibc prebuild.
#include <new>

#if defined(__linux__) && defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE >= 11
namespace std {
__attribute__((weak, visibility("hidden"), noreturn)) void __throw_bad_array_new_length() {
  throw std::bad_array_new_length();
}
}  // namespace std
#endif
