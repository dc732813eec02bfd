#!/usr/bin/env bash
# Renders an HTML file (e.g. an `agritrace audit` report) in headless Chromium and saves a
# screenshot, failing when Chromium reports a page error or the page pulls anything from the
# network. Usage: render-html.sh REPORT.html SCREENSHOT.png [WIDTHxHEIGHT]
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: $0 REPORT.html SCREENSHOT.png [WIDTHxHEIGHT]" >&2; exit 2; fi
report=$(realpath "$1"); shot=$(realpath -m "$2"); size=${3:-1200x3000}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "render-html: no chromium found (Debian package chromium)" >&2; exit 2; }

log=$(mktemp); profile=$(mktemp -d); trap 'rm -rf "$log" "$profile"' EXIT
# No network: any fetch attempt fails and is logged; --enable-logging=stderr shows console errors.
"$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
  --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' \
  --enable-logging=stderr --v=0 --hide-scrollbars \
  --window-size="${size/x/,}" --screenshot="$shot" "file://$report" >"$log" 2>&1 || {
  cat "$log" >&2; echo "render-html: chromium failed" >&2; exit 1; }

[ -s "$shot" ] || { cat "$log" >&2; echo "render-html: no screenshot written" >&2; exit 1; }
if grep -E "Uncaught|CONSOLE.*(Error|error)|net::ERR_" "$log" >&2; then
  echo "render-html: the page reported errors or tried to load something (above)" >&2; exit 1
fi
echo "rendered $report -> $shot ($size)"
