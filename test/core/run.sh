#!/bin/sh
# The core's C++ tests (test/core/core_test.cc): a plain build, then
# AddressSanitizer + UndefinedBehaviorSanitizer with leak checking.
#   sh test/core/run.sh
set -eu
cd "$(dirname "$0")/../.."
out="${TMPDIR:-/tmp}/osc-core-test"
mkdir -p "$out"
SRC="test/core/core_test.cc $(ls src/*.cc | tr '\n' ' ')"
FLAGS="-std=c++17 -Wall -Wextra -Wno-unused-parameter"
g++ $FLAGS -O2 -o "$out/core_test" $SRC
"$out/core_test"
g++ $FLAGS -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
  -o "$out/core_test_san" $SRC
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$out/core_test_san"
echo "core tests passed (plain and sanitized)"
