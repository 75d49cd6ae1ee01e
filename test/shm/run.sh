#!/bin/sh
# Builds and runs the shared-memory store's tests (src/shm_*.cc, issue 16).
#   test/shm/run.sh            normal build (-O2) + ASan/UBSan build: model and
#                              damage tests, attach refusals, lock tests and
#                              the crash test, with the robust mutex and with
#                              the pid lock (about a minute, builds included)
#   test/shm/run.sh long       the same with longer runs and 1000 kills
#   test/shm/run.sh bench      the benchmark (bench/native/shm_bench.cc); extra
#                              arguments go to it (--short, --json)
set -eu
cd "$(dirname "$0")/../.."
OUT=build/shm-test
mkdir -p "$OUT"
CXX=${CXX:-g++}
CORE="src/shm_format.cc src/shm_os.cc src/shm_lock.cc src/shm_cache.cc src/shm_repair.cc src/system_random.cc"
FLAGS="-std=c++17 -Wall -Wextra -Wshadow -Isrc"
TEST="-DOSC_SHM_DEBUG"  # abort on any unchecked block index (src/shm_engine.h)
SAN="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
mode=${1:-all}
[ $# -gt 0 ] && shift

build() {  # build <name> <source> <flags...>
  name=$1; src=$2; shift 2
  $CXX $FLAGS $TEST "$@" "$src" $CORE -o "$OUT/$name" -lpthread -lrt
}

case "$mode" in
  all|long)
    if [ "$mode" = long ]; then secs=60; kills=1000; else secs=4; kills=200; fi
    build model test/shm/shm_model_test.cc -O2
    build attach test/shm/shm_attach_test.cc -O2
    build crash test/shm/shm_crash_test.cc -O2
    build lock test/shm/shm_lock_test.cc -O2
    build crash_pid test/shm/shm_crash_test.cc -O2 -DOSC_SHM_PID_LOCK
    build lock_pid test/shm/shm_lock_test.cc -O2 -DOSC_SHM_PID_LOCK
    build model_asan test/shm/shm_model_test.cc $SAN
    # Windows paths: the core without POSIX or GCC-only code.
    build unsupported test/shm/shm_unsupported_test.cc -O1 -D_WIN32 -U__linux__ -U__GNUC__
    build attach_asan test/shm/shm_attach_test.cc $SAN
    build crash_asan test/shm/shm_crash_test.cc $SAN
    echo "== normal build"
    "$OUT/model" "$secs"
    "$OUT/attach"
    "$OUT/lock"
    "$OUT/crash" --kills "$kills"
    "$OUT/unsupported"
    echo "== pid lock (the macOS fallback, built on Linux)"
    "$OUT/lock_pid"
    "$OUT/crash_pid" --kills "$((kills / 2))"
    echo "== -fsanitize=address,undefined"
    export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
    "$OUT/model_asan" "$secs"
    "$OUT/attach_asan"
    "$OUT/crash_asan" --kills "$((kills / 4))"
    ;;
  bench)
    $CXX $FLAGS -O2 -DNDEBUG bench/native/shm_bench.cc $CORE -o "$OUT/shm_bench" -lpthread -lrt
    "$OUT/shm_bench" "$@"
    ;;
  *)
    echo "usage: $0 [all|long|bench] [bench options]" >&2
    exit 2
    ;;
esac
