// Linux with glibc: the prebuilt binaries promise glibc 2.28, as Node's own.
// glibc 2.34 moved the pthread and POSIX shared-memory functions into libc
// under new symbol versions, so a build on a newer glibc would need 2.34.
// Included first by the files that call them, this binds each to the version
// every glibc of the architecture provides (newer ones keep it as a
// compatibility symbol: the same function). scripts/check-glibc.js checks
// the result with objdump.
#pragma once

#include <limits.h>  // defines __GLIBC__ on glibc

#if defined(__linux__) && defined(__GLIBC__)
#if defined(__x86_64__)
#define OSC_GLIBC_BASE "GLIBC_2.2.5"
#define OSC_GLIBC_ROBUST "GLIBC_2.12"
#elif defined(__aarch64__)
#define OSC_GLIBC_BASE "GLIBC_2.17"
#define OSC_GLIBC_ROBUST "GLIBC_2.17"
#endif
#endif

#if defined(OSC_GLIBC_BASE)
#define OSC_GLIBC_SYMVER(sym, ver) __asm__(".symver " #sym "," #sym "@" ver)
OSC_GLIBC_SYMVER(shm_open, OSC_GLIBC_BASE);
OSC_GLIBC_SYMVER(shm_unlink, OSC_GLIBC_BASE);
OSC_GLIBC_SYMVER(pthread_mutexattr_init, OSC_GLIBC_BASE);
OSC_GLIBC_SYMVER(pthread_mutexattr_destroy, OSC_GLIBC_BASE);
OSC_GLIBC_SYMVER(pthread_mutexattr_setpshared, OSC_GLIBC_BASE);
OSC_GLIBC_SYMVER(pthread_mutex_trylock, OSC_GLIBC_BASE);
OSC_GLIBC_SYMVER(pthread_mutex_timedlock, OSC_GLIBC_BASE);
OSC_GLIBC_SYMVER(pthread_mutexattr_setrobust, OSC_GLIBC_ROBUST);
OSC_GLIBC_SYMVER(pthread_mutex_consistent, OSC_GLIBC_ROBUST);
#undef OSC_GLIBC_SYMVER
#endif
