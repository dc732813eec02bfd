#!/usr/bin/env bash
# Installs the Debian packages AgriTrace builds and tests against, only when some are missing.
set -euo pipefail

packages=(
  pkg-config
  libjpeg62-turbo-dev   # JPEG decoding (libjpeg API)
  libpng-dev            # PNG decoding and label writing
  libsqlite3-dev        # the ledger's storage
  sqlite3               # tests tamper with ledgers through the sqlite3 shell
  python3               # tests run the independent ledger checker, Tests/tools/c2sp_check.py
  zlib1g-dev            # inflating .zip uploads
  libqrencode-dev       # QR codes on lot labels
  zbar-tools            # tests decode the QR codes we print (zbarimg)
  libfreetype-dev       # label text: glyph rasterising
  libharfbuzz-dev       # label text: glyph positioning (kerning, marks)
  tesseract-ocr         # tests read printed labels back with OCR ...
  tesseract-ocr-vie     # ... in Vietnamese (diacritics must survive)
  tesseract-ocr-eng     # ... and English
  chromium              # tests open the audit report in a real browser (no script runs, nothing loads)
  qpdf                  # tests check the console's PDF label sheets (qpdf --check)
  poppler-utils         # ... and render them back (pdfinfo, pdftoppm)
  bsdutils              # tests run grade on a pseudo-terminal through /usr/bin/script
  postgresql            # the province aggregator's store; its tests start a throw-away cluster (initdb, pg_ctl)
  python3-jsonschema    # tests validate the province's EPCIS /events answers against GS1's JSON schema
  wrk                   # benchmarks only: Benchmarks/serve_bench.sh and province-bench.sh load the servers
  nginx                 # benchmarks only: serve_bench.sh's yardstick, the same tiles as static files
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing missing system packages: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
