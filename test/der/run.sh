#!/bin/sh
# Builds and runs the DER codec tests against the system OpenSSL (libssl-dev).
#   test/der/run.sh            normal build (-O2) + sanitizer build, 100k fuzz cases each
#   test/der/run.sh bench      normal build, with timings
#   test/der/run.sh gen        print the cipher table from the system libssl
# Extra arguments after the mode: the number of fuzz cases.
set -eu
cd "$(dirname "$0")/../.."
OUT=build/der-test
mkdir -p "$OUT"
CXX=${CXX:-g++}
SRC="test/der/der_test.cc src/alloc.cc src/der.cc src/der_cert.cc src/der_reader.cc src/der_print.cc src/cipher_table.cc"
FLAGS="-std=c++17 -Wall -Wextra -Wshadow -Isrc"
mode=${1:-all}
cases=${2:-100000}

case "$mode" in
  gen)
    ${CC:-cc} -O1 test/der/gen_cipher_table.c -o "$OUT/gen_cipher_table" -lssl -lcrypto
    "$OUT/gen_cipher_table"
    ;;
  bench)
    $CXX $FLAGS -O2 -DNDEBUG $SRC -o "$OUT/der_test" -lssl -lcrypto
    "$OUT/der_test" "$cases" --bench
    ;;
  all)
    $CXX $FLAGS -O2 $SRC -o "$OUT/der_test" -lssl -lcrypto
    echo "== normal build"
    "$OUT/der_test" "$cases"
    $CXX $FLAGS -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
      -fno-sanitize-recover=all $SRC -o "$OUT/der_test_asan" -lssl -lcrypto
    echo "== -fsanitize=address,undefined"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$OUT/der_test_asan" "$cases"
    ;;
  *)
    echo "usage: $0 [all|bench|gen] [fuzz_cases]" >&2
    exit 2
    ;;
esac
