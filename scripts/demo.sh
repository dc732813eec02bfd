#!/usr/bin/env bash
# The main job on the bundled sample upload: install, build, then grade the sample upload into a
# fresh ledger signed with a fresh key, print the summary, and verify the ledger.
# Usage: bash scripts/demo.sh [MODEL.agmodel]   (default: the model bundled with AgriTrace)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/swift-build.sh -c release --product agritrace
bin=.build/release/agritrace
sample=Fixtures/uploads/sample
work=$(mktemp -d "${TMPDIR:-/tmp}/agritrace-demo.XXXXXX")
model_option=()
[ $# -ge 1 ] && model_option=(--model "$1")

"$bin" --version
echo "== A fresh cooperative key and ledger in $work"
"$bin" keys generate --name htx-lai-vung.example/ledger --out "$work/coop.key" > "$work/coop.vkey"
"$bin" ledger init --ledger "$work/coop.db" --key "$work/coop.key"

echo "== Grading the sample upload ($sample)"
status=0
"$bin" grade "$sample" --ledger "$work/coop.db" --key "$work/coop.key" --cooperative HTX-LAI-VUNG \
  --register-origins --results "$work/results.jsonl" "${model_option[@]}" || status=$?
# 1 = graded and recorded, but some photos unreadable or lots held for review; anything else is a failure.
[ "$status" -le 1 ] || exit "$status"

echo "== Grading it again records nothing new"
"$bin" grade "$sample" --ledger "$work/coop.db" --key "$work/coop.key" --cooperative HTX-LAI-VUNG \
  --quiet "${model_option[@]}" || [ $? -le 1 ]

echo "== Verifying the ledger"
"$bin" ledger verify --ledger "$work/coop.db" --vkey "$work/coop.vkey"
echo "Results: $work/results.jsonl   Ledger: $work/coop.db"
