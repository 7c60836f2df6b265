#!/usr/bin/env bash
# Durable intents per second and intent -> broadcast latency on this machine:
# builds controlroomd and bench/intent_load (Release), starts a throwaway
# PostgreSQL 15 cluster (synchronous_commit on) and a server on loopback, runs
# the load, prints the table and writes build/bench/intent_load.json.
#
#   bench/run-intent-bench.sh [intent_load options, e.g. --sessions 100 --rate 2000]
#
# Everything it starts is stopped on exit, also on failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
# shellcheck source=../scripts/lib/pg.sh
source "$repo/scripts/lib/pg.sh"

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONTROLROOM_BUILD_BENCH=ON >/dev/null
cmake --build build --target controlroomd intent_load

tmp=$(mktemp -d /tmp/controlroom-bench.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$PG_DATADIR" ]; then
    pg_cluster_stop || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$tmp"
fi
pg_cluster_init "$tmp/pg" "$tmp/sock" 5432
pg_cluster_start
pg_cluster_createdb controlroom
url=$(pg_cluster_url controlroom)

build/server/controlroomd migrate --database-url="$url" >/dev/null
token=$(build/server/controlroomd admin-token --database-url="$url" --user bench | tail -n 1)
build/server/controlroomd serve --database-url="$url" --port=0 \
  --max-requests-per-second=0 --max-connections-per-address=0 --log-level=warn \
  >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
  if grep -q 'ready:' "$tmp/server.out" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$tmp/server.err" >&2
    exit 1
  fi
  sleep 0.1
done
ws=$(grep -o 'ws://[^ ]*' "$tmp/server.out")

mkdir -p build/bench
build/bench/intent_load --url "$ws" --token "$token" --sessions 50 --window 64 --seconds 10 \
  --rate 1000 --json build/bench/intent_load.json "$@"
echo "wrote build/bench/intent_load.json"
