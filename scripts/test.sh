#!/usr/bin/env bash
# The test suite: installs what is missing, builds, and runs every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/swift-build.sh --build-tests
# Every test uses Swift Testing; without XCTest the output starts with the tests, not "Executed 0 tests".
# The province suites alone (PostgreSQL): bash scripts/test.sh --province
if [ "${1:-}" = "--province" ]; then
  swift test --skip-build --disable-xctest --filter '^ProvinceTests\.'
  exit
fi
swift test --skip-build --disable-xctest
