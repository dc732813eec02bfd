#!/usr/bin/env bash
# ProvinceBench against a throw-away PostgreSQL cluster (Debian's postgresql): initdb in a
# temporary folder, a loopback port, removed at the end. Arguments go to ProvinceBench
# (--cooperatives N --entries E --clients C --queries Q --concurrency K).
set -euo pipefail
cd "$(dirname "$0")"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
port=${PGPORT_BENCH:-55439}
as_owner=()
if [ "$(id -u)" -eq 0 ]; then chown nobody "$work"; as_owner=(runuser -u nobody --); fi
cleanup() { "${as_owner[@]}" "$bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
(cd / && "${as_owner[@]}" "$bin/initdb" -D "$work/pg" -A trust -U agritrace -E UTF8 --locale=C >/dev/null)
(cd / && "${as_owner[@]}" "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
   -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=512MB" start >/dev/null)
"$bin/createdb" -h 127.0.0.1 -p "$port" -U agritrace province
mkdir -p "$work/ledgers"
swift run -c release ProvinceBench --database "postgres://agritrace@127.0.0.1:$port/province" --work "$work/ledgers" "$@"
