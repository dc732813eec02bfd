#!/usr/bin/env bash
# The main job on the bundled sample upload: install, build, then run the product on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product agritrace
bin=.build/release/agritrace
sample=Fixtures/uploads/sample

"$bin" --version
"$bin" inspect "$sample"/*/*.jpg
