#!/usr/bin/env bash
# serve benchmark: wrk (100 connections) against the public server and against nginx serving the
# same full tiles as static files, in one run, on loopback, while a writer appends what `grade`
# records. Prints requests/s and p50/p99 latency per target and the ratios against the goals
# (tiles >= 0.5x nginx, lot pages >= 2,000 requests/s, p99 < 50 ms).
#
#   swift build -c release --package-path Benchmarks --product ServeBench
#   Benchmarks/serve_bench.sh [--entries 1000000] [--work DIR] [--seconds 20] [--connections 100] [--ports 18080]
#   (--ports P: serve on P, nginx on P+1)
set -euo pipefail
entries=1000000 work=${TMPDIR:-/tmp}/servebench seconds=20 connections=100 serve_port=18080
while [ $# -gt 0 ]; do
  case "$1" in
    --entries) entries=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --ports) serve_port=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/.build/release/ServeBench
[ -x "$bin" ] || { echo "build it first: swift build -c release --package-path Benchmarks --product ServeBench" >&2; exit 2; }
for tool in wrk nginx; do command -v $tool >/dev/null || { echo "$tool is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }; done
mkdir -p "$work"
ledger=$work/ledger-$entries.db
[ -f "$ledger" ] || "$bin" make --entries "$entries" --out "$ledger"
[ -f "$work/tile-paths.txt" ] && [ "$work/tile-paths.txt" -nt "$ledger" ] || "$bin" paths --ledger "$ledger" --out "$work"

nginx_port=$((serve_port + 1))
# Another server already on a port would be measured instead (and answer every path 404).
for port in $serve_port $nginx_port; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "port $port is in use: choose others with --ports" >&2; exit 2; fi
done
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx-tmp; proxy_temp_path $work/nginx-tmp; fastcgi_temp_path $work/nginx-tmp;
  uwsgi_temp_path $work/nginx-tmp; scgi_temp_path $work/nginx-tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    location /tile/ { default_type application/octet-stream; add_header Cache-Control "public, max-age=31536000, immutable";
                      add_header Access-Control-Allow-Origin "*"; }
  }
}
CONF
mkdir -p "$work/nginx-tmp"
cat > "$work/paths.lua" <<'LUA'
local paths = {}
init = function(args) for line in io.lines(args[1]) do paths[#paths + 1] = line end end
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
LUA

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
nginx -c "$work/nginx.conf" & pids+=($!)
"$bin" serve --ledger "$ledger" --port $serve_port > "$work/serve.log" 2>&1 & pids+=($!)
"$bin" append --ledger "$ledger" --per-second 20 > "$work/append.log" 2>&1 & pids+=($!); append_pid=$!
for port in $serve_port $nginx_port; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
done

# One wrk run: prints "requests/s p50_ms p99_ms non2xx". A 3 s warm-up with the same paths comes
# first, unmeasured, for every target alike (nginx reads its files from the page cache; serve's
# caches start empty): the figures are the steady state, not the first pass over the paths.
run() {
  local out
  wrk -t2 -c"$connections" -d3s -s "$work/paths.lua" "http://127.0.0.1:$1" -- "$2" > /dev/null
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/paths.lua" "http://127.0.0.1:$1" -- "$2")
  echo "$out" > "$work/wrk-$3.txt"
  local rps p50 p99 bad
  rps=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
  p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
  bad=$(awk '/Non-2xx/ {print $5}' <<< "$out")
  echo "$rps $(ms "$p50") $(ms "$p99") ${bad:-0}"
}
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

echo "serve benchmark: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ledger $ledger ($(sqlite3 "$ledger" 'SELECT count(*) FROM entries') entries at start), $connections connections, ${seconds}s per target, appends running"
read -r t_rps t_p50 t_p99 t_bad <<< "$(run $serve_port "$work/tile-paths.txt" serve-tiles)"
read -r n_rps n_p50 n_p99 n_bad <<< "$(run $nginx_port "$work/tile-paths.txt" nginx-tiles)"
read -r l_rps l_p50 l_p99 l_bad <<< "$(run $serve_port "$work/lot-paths.txt" serve-lots)"
printf '%-22s %10s %9s %9s %8s\n' target requests/s p50_ms p99_ms non-2xx
printf '%-22s %10s %9s %9s %8s\n' "serve tiles" "$t_rps" "$t_p50" "$t_p99" "$t_bad"
printf '%-22s %10s %9s %9s %8s\n' "nginx tiles (static)" "$n_rps" "$n_p50" "$n_p99" "$n_bad"
printf '%-22s %10s %9s %9s %8s\n' "serve lot pages" "$l_rps" "$l_p50" "$l_p99" "$l_bad"
awk -v t="$t_rps" -v n="$n_rps" -v l="$l_rps" -v tp="$t_p99" -v lp="$l_p99" 'BEGIN {
  printf "tiles vs nginx: %.2fx (goal >= 0.5x); lot pages %.0f requests/s (goal >= 2000); p99 tiles %.1f ms, lot pages %.1f ms (goal < 50 ms)\n", t / n, l, tp, lp }'
# The figures hold only for a server read while entries were appended.
kill -0 "$append_pid" 2>/dev/null || { echo "the appender stopped during the run (see $work/append.log): figures not comparable" >&2; exit 1; }
echo "appended during the run: $(tail -1 "$work/append.log")"
