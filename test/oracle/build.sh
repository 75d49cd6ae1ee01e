#!/usr/bin/env bash
# Builds the test-only OpenSSL oracle addon (test/oracle/build/Release/oracle.node)
# against the OpenSSL headers that ship with Node; the symbols come from the
# node binary at load time. Never part of the published package.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
exec npx --no-install node-gyp rebuild --directory "$here" "$@"
