#!/usr/bin/env bash
# Builds the core and the Node-API glue with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc) in a scratch copy of the tree, then runs
# the suites that drive the cache hardest under it: the random operation
# sequences against real OpenSSL, the DER fuzz, the cache, callback, misuse
# and handshake tests. Any sanitizer report fails the run.
#   bash scripts/sanitize.sh                    # the default set
#   bash scripts/sanitize.sh test/30-cache.ts   # chosen files
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/osc-sanitize.XXXXXX)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# The tracked and new (not ignored) files: a clean tree, no build/ or dist/.
(cd "$root" && git ls-files -co --exclude-standard -z -- . ':!node_modules' | xargs -0 tar cf -) | tar xf - -C "$work"
ln -s "$root/node_modules" "$work/node_modules"
cd "$work"

san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g -O1"
# gyp's Makefiles append CFLAGS/CXXFLAGS/LDFLAGS from the environment.
CFLAGS="$san" CXXFLAGS="$san" LDFLAGS="-fsanitize=address,undefined" \
  npx --no-install node-gyp rebuild >build.log 2>&1 || { cat build.log; exit 1; }
# Not grep -q: it would stop reading early, and ldd's SIGPIPE fails the
# pipeline under pipefail even when libasan is there.
ldd build/Release/openssl_session_cache.node | grep libasan >/dev/null || { echo "sanitize: the build is not instrumented"; exit 1; }
npx --no-install tsc -p tsconfig.json
if [ -f test/oracle/build.sh ]; then
  bash test/oracle/build.sh >oracle-build.log 2>&1 || { cat oracle-build.log; exit 1; }
fi

# node itself is not instrumented: preload the runtimes, and leave leak
# checking off (node does not free everything at exit).
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_odr_violation=0:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in test/30-cache.ts test/40-callbacks.ts test/45-misuse.ts test/46-lifetime-fuzz.ts test/47-lifetime.ts test/50-handshake.ts test/60-der-fuzz.ts test/80-conformance.ts; do
    [ -f "$f" ] && files+=("$f")
  done
fi
status=0
node scripts/test.js "${files[@]}" >sanitize.log 2>&1 || status=$?
if grep -qE "ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer" sanitize.log; then
  grep -E -B2 -A30 "ERROR: AddressSanitizer|runtime error:" sanitize.log | head -80
  echo "sanitize: sanitizer report found"
  exit 1
fi
grep -E "^    (not )?ok|^tests:" sanitize.log
[ "$status" -eq 0 ] || { echo "sanitize: tests failed under the sanitizers"; exit "$status"; }
echo "sanitize: no sanitizer report in ${files[*]}"

# The C++ suites on their own, each in a plain and an ASan+UBSan build: the
# core's ownership, pool and allocation-failure tests (with leak checking),
# the DER codec against the system libssl (100,000 mutated sessions), the
# shared-memory segment's model, crash and attach tests.
if [ $# -eq 0 ]; then
  (unset LD_PRELOAD; sh test/core/run.sh >core.log 2>&1) || { tail -n 40 core.log; echo "sanitize: core tests failed"; exit 1; }
  tail -n 1 core.log
  (unset LD_PRELOAD; sh test/der/run.sh all >der.log 2>&1) || { tail -n 40 der.log; echo "sanitize: DER fuzz failed"; exit 1; }
  tail -n 1 der.log
  (unset LD_PRELOAD; bash test/shm/run.sh >shm.log 2>&1) || { tail -n 40 shm.log; echo "sanitize: shared-memory tests failed"; exit 1; }
  tail -n 1 shm.log
fi
