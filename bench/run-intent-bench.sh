#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
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
# shellcheck source=lib/controlroomd.sh
source "$repo/bench/lib/controlroomd.sh"

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONTROLROOM_BUILD_BENCH=ON >/dev/null
cmake --build build --target controlroomd intent_load

tmp=$(mktemp -d /tmp/controlroom-bench.XXXXXX)
# shellcheck disable=SC2317  # reached through the trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  controlroomd_stop || rc=1
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

controlroomd_start build

mkdir -p build/bench
build/bench/intent_load --url "$crd_ws" --token "$crd_token" --sessions 50 --window 64 --seconds 10 \
  --rate 1000 --json build/bench/intent_load.json "$@"
echo "wrote build/bench/intent_load.json"
