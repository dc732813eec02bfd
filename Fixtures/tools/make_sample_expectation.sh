#!/usr/bin/env bash
# Records what the bundled default model and policy make of the sample upload, as the committed
# expectation the end-to-end test compares against (Fixtures/uploads/sample-expected.json).
# Re-run it when the default model or policy changes on purpose, and review the diff.
# Usage: bash Fixtures/tools/make_sample_expectation.sh [path/to/agritrace]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/debug/agritrace}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" keys generate --name expectation.example/ledger --out "$work/k" > /dev/null
"$bin" ledger init --ledger "$work/l.db" --key "$work/k" > /dev/null
status=0
"$bin" grade Fixtures/uploads/sample --ledger "$work/l.db" --key "$work/k" --register-origins --cooperative HTX-LAI-VUNG \
  --results "$work/r.jsonl" --json --quiet > "$work/s.json" || status=$?
[ "$status" -le 1 ] || exit "$status"
python3 - "$work/s.json" "$work/r.jsonl" > Fixtures/uploads/sample-expected.json <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
photos = [json.loads(line) for line in open(sys.argv[2])]
print(json.dumps({
    "model": summary["model"],
    "policy": summary["policy"],
    "lots": [{"lot": l["lot"], "grade": l["grade"], "held": l["held"], "needs_review": l["needs_review"],
              "distribution": {d["grade"]: d["count"] for d in l["distribution"]}} for l in summary["lots"]],
    "photos": [{"file": p["file"], "class": p.get("class"), "grade": p.get("grade")} for p in photos],
}, indent=1, ensure_ascii=False))
PY
echo "wrote Fixtures/uploads/sample-expected.json"
