#!/usr/bin/env bash
# The test suite: installs what is missing, builds, and runs every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/swift-build.sh --build-tests
# Foundation's Process.run on Linux copies each /proc/self/fd entry's whole 256-byte name, reading
# past the end of glibc's directory buffer once the test process holds about 1,300 descriptors
# (its tests run in parallel): at the top of a thread's malloc arena those bytes are unmapped and
# the run dies with SIGSEGV. With one arena the buffer comes from the main heap, whose top is padded.
export MALLOC_ARENA_MAX=1
# Every test uses Swift Testing; without XCTest the output starts with the tests, not "Executed 0 tests".
# The province suites alone (PostgreSQL): bash scripts/test.sh --province
if [ "${1:-}" = "--province" ]; then
  swift test --skip-build --disable-xctest --filter '^ProvinceTests\.'
  exit
fi
swift test --skip-build --disable-xctest
