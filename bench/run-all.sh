#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The whole benchmark suite in one command (docs/benchmarks.md):
#
#   bench/run-all.sh [OUT_DIR]        (default: build-bench/results/<UTC time>)
#
#   1. join storm and memory per participant (join_load), on a fresh server;
#   2. durable intents/s and intent -> broadcast latency (intent_load);
#   3. media relay: the highest zero-loss rate (search), half load, 500
#      two-party stereo sessions, fan-out 1 -> 4, the WebSocket fallback,
#      and fan-out at half load with realtime network workers (media_load;
#      shorter steps than bench/run-media-bench.sh);
#   4. microbenchmarks (micro_bench, Google Benchmark);
#   5. the peer comparison with Mumble's server (bench/run-peer-bench.sh),
#      then again with controlroomd on one network worker (OUT_DIR/one_worker),
#      then at loads past Mumble's saturation (OUT_DIR/high_load), then
#      both worker counts again with both generators' listeners polling
#      instead of blocking in epoll (OUT_DIR/polling, OUT_DIR/polling/one_worker).
#
# Builds everything once (Release, build-bench/), prints every table, and
# writes every JSON into OUT_DIR with the machine's description and how
# busy the rest of the machine was (other%). About 20 minutes on 2 cores.
# Everything it starts is stopped on exit, also on failure or Ctrl-C.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
# shellcheck source=../scripts/lib/pg.sh
source "$repo/scripts/lib/pg.sh"
# shellcheck source=lib/controlroomd.sh
source "$repo/bench/lib/controlroomd.sh"

build=${MEDIA_BENCH_BUILD_DIR:-build-bench}
out=$(realpath -m "${1:-$build/results/$(date -u +%Y%m%dT%H%M%SZ)}")
mkdir -p "$out"

bash scripts/install-deps.sh
bash bench/lib/bench-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONTROLROOM_BUILD_BENCH=ON \
  -DCONTROLROOM_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target controlroomd intent_load media_load mumble_load join_load \
  micro_bench

tmp=$(mktemp -d /tmp/controlroom-bench-all.XXXXXX)
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
ulimit -n "$(ulimit -Hn)"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpus: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "memory: $(grep MemTotal /proc/meminfo | awk '{print $2 / 1048576 " GiB"}')"
  echo "kernel: $(uname -r)"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "net.core.rmem_max: $(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo unknown)"
} | tee "$out/machine.txt"

controlroomd_start "$build"

echo
echo "== 1. join storm and memory per participant"
"$build/bench/join_load" --url "$crd_ws" --token "$crd_token" --server-pid "$crd_pid" \
  --sessions 20 --joins "${JOIN_BENCH_JOINS:-2000}" --concurrency 64 --json "$out/join_load.json"

echo
echo "== 2. durable intents (saturated, then steady 1,000/s)"
"$build/bench/intent_load" --url "$crd_ws" --token "$crd_token" --sessions 50 --window 64 \
  --seconds 5 --rate 1000 --json "$out/intent_load.json"

echo
echo "== 3. media relay (UDP): search, half load, 500 two-party sessions"
"$build/bench/media_load" --url "$crd_ws" --token "$crd_token" --server-pid "$crd_pid" \
  --mode suite --step-seconds 3 --seconds 5 --refine 1 --json "$out/media_load.json"
echo
echo "== 3b. media relay (UDP): fan-out 1 -> 4"
"$build/bench/media_load" --url "$crd_ws" --token "$crd_token" --server-pid "$crd_pid" \
  --mode suite --participants 5 --start-sessions 50 --pair-sessions 0 --step-seconds 3 \
  --seconds 5 --refine 1 --json "$out/media_load_fanout.json"
echo
echo "== 3c. media relay: WebSocket fallback, 100 two-party sessions"
"$build/bench/media_load" --url "$crd_ws" --token "$crd_token" --server-pid "$crd_pid" \
  --transport websocket --mode fixed --sessions 100 --seconds 5 \
  --json "$out/media_load_websocket.json"
echo
echo "== 3d. media relay (UDP): fan-out at half load again, network workers under SCHED_FIFO"
# The same half load as 3b's, on a server restarted with realtime_priority
# (docs/operations.md, "Realtime scheduling"): what the relay's latency tail
# is when the workers do not queue behind the load generator's threads.
half=$(python3 -c 'import json, sys
print(max(1, json.load(open(sys.argv[1]))["summary"]["max_zero_loss"]["sessions"] // 2))' \
  "$out/media_load_fanout.json")
controlroomd_restart --realtime-priority="${MEDIA_BENCH_REALTIME_PRIORITY:-20}"
python3 -c 'import sys, urllib.request
for line in urllib.request.urlopen(sys.argv[1].rstrip("/") + "/metrics").read().decode().splitlines():
    if line.startswith("controlroom_workers_realtime "):
        print("network workers under SCHED_FIFO:", line.split()[1])' "$crd_http"
"$build/bench/media_load" --url "$crd_ws" --token "$crd_token" --server-pid "$crd_pid" \
  --mode fixed --participants 5 --sessions "$half" --seconds 10 \
  --json "$out/media_load_fanout_realtime.json"
controlroomd_stop

echo
echo "== 4. microbenchmarks"
"$build/bench/micro_bench" --benchmark_min_time=0.2 --benchmark_out="$out/micro_bench.json" \
  --benchmark_out_format=json

echo
echo "== 5. side by side with Mumble"
BENCH_SKIP_BUILD=1 BENCH_OUT_DIR="$out" MEDIA_BENCH_BUILD_DIR="$build" bash bench/run-peer-bench.sh

# Step 5 alternates the servers over PEER_BENCH_ROUNDS rounds (default 3);
# the passes below, one round each unless PEER_BENCH_EXTRA_ROUNDS says more.
extra_rounds=${PEER_BENCH_EXTRA_ROUNDS:-1}

echo
echo "== 5b. side by side with Mumble, controlroomd with one network worker"
# Mumble relays UDP on one thread and serves TLS on one; our default is a
# worker per core, which spreads a session's connections over both and
# makes every WebSocket media frame cross threads (docs/benchmarks.md).
# PEER_BENCH_ONE_WORKER=0 skips this pass.
if [ "${PEER_BENCH_ONE_WORKER:-1}" = 1 ]; then
  mkdir -p "$out/one_worker"
  PEER_BENCH_ROUNDS=$extra_rounds PEER_BENCH_WORKERS=1 BENCH_SKIP_BUILD=1 BENCH_OUT_DIR="$out/one_worker" \
    MEDIA_BENCH_BUILD_DIR="$build" bash bench/run-peer-bench.sh
fi

echo
echo "== 5c. side by side with Mumble, past Mumble's saturation"
# Rooms enough for Mumble's one voice thread (UDP) and one TLS thread (TCP)
# to fall behind: where its queues grow, and whether ours stay bounded.
# PEER_BENCH_HIGH_LOAD=0 skips this pass.
if [ "${PEER_BENCH_HIGH_LOAD:-1}" = 1 ]; then
  mkdir -p "$out/high_load"
  PEER_BENCH_ROUNDS=$extra_rounds PEER_BENCH_UDP_LADDER=100,150,200 PEER_BENCH_TCP_LADDER=50,75,100 PEER_BENCH_TCP_PLAIN=0 \
    BENCH_SKIP_BUILD=1 BENCH_OUT_DIR="$out/high_load" MEDIA_BENCH_BUILD_DIR="$build" \
    bash bench/run-peer-bench.sh
fi

echo
echo "== 5d. side by side with Mumble, both generators' listeners polling"
# The same as 5 and 5b, with every listener of both load generators looking
# for packets every 100 us and sleeping in between instead of blocking in
# epoll (bench/run-peer-bench.sh, PEER_BENCH_RECEIVE_WAIT): neither server
# then pays, on loopback, for waking the listeners it writes to.
# PEER_BENCH_POLLING=0 skips this pass.
if [ "${PEER_BENCH_POLLING:-1}" = 1 ]; then
  mkdir -p "$out/polling/one_worker"
  PEER_BENCH_ROUNDS=$extra_rounds PEER_BENCH_RECEIVE_WAIT=poll PEER_BENCH_TCP_PLAIN=0 BENCH_SKIP_BUILD=1 \
    BENCH_OUT_DIR="$out/polling" MEDIA_BENCH_BUILD_DIR="$build" bash bench/run-peer-bench.sh
  PEER_BENCH_ROUNDS=$extra_rounds PEER_BENCH_RECEIVE_WAIT=poll PEER_BENCH_TCP_PLAIN=0 PEER_BENCH_WORKERS=1 BENCH_SKIP_BUILD=1 \
    BENCH_OUT_DIR="$out/polling/one_worker" MEDIA_BENCH_BUILD_DIR="$build" \
    bash bench/run-peer-bench.sh
fi

echo
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
echo "wrote $out"
