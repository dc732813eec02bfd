#!/usr/bin/env bash
# ProvinceBench against a throw-away PostgreSQL cluster (Debian's postgresql): initdb in a
# temporary folder, a loopback port, removed at the end. Arguments go to ProvinceBench
# (--cooperatives N --entries E --clients C --seconds S --concurrency K). The generated ledgers
# go to $PROVINCE_BENCH_LEDGERS when set (kept and reused by later runs), else into the
# temporary folder.
#
#   swift build -c release --package-path Benchmarks --product ProvinceBench
#   Benchmarks/province-bench.sh --cooperatives 200 --entries 1000000
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe=$here/.build/release/ProvinceBench
[ -x "$exe" ] || { echo "build it first: swift build -c release --package-path Benchmarks --product ProvinceBench" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL's server programs are missing (scripts/install-deps.sh installs postgresql)" >&2; exit 2; }
work=$(mktemp -d)
port=${PGPORT_BENCH:-55439}
as_owner=()
if [ "$(id -u)" -eq 0 ]; then chown nobody "$work"; as_owner=(runuser -u nobody --); fi
cleanup() { "${as_owner[@]}" "$bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
(cd / && "${as_owner[@]}" "$bin/initdb" -D "$work/pg" -A trust -U agritrace -E UTF8 --locale=C >/dev/null)
(cd / && "${as_owner[@]}" "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -t 120 \
   -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=512MB -c max_wal_size=4GB" start >/dev/null)
"$bin/createdb" -h 127.0.0.1 -p "$port" -U agritrace province
ledgers=${PROVINCE_BENCH_LEDGERS:-$work/ledgers}
mkdir -p "$ledgers"
stdbuf -oL "$exe" --database "postgres://agritrace@127.0.0.1:$port/province" --work "$ledgers" \
  --postmaster-pid "$(head -1 "$work/pg/postmaster.pid")" "$@"
