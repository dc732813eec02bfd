#!/usr/bin/env bash
# The test suite: installs what is missing, builds, and runs every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
# Every test uses Swift Testing; without XCTest the output starts with the tests, not "Executed 0 tests".
swift test --skip-build --disable-xctest
