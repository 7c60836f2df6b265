#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The media relay's figures on this machine: builds controlroomd and
# bench/media_load (Release, in build-bench/), starts a throwaway PostgreSQL
# 15 cluster and a server on loopback, and runs the scenarios of
# docs/benchmarks.md ("Media relay"):
#
#   1. search: two-party sessions (an engineer publishing 5 ms stereo program
#      frames to one receiver), more each step, until a step loses a datagram;
#   2. half load: the highest zero-loss session count halved, for p99;
#   3. 500 two-party stereo sessions at 5 ms frames;
#   4. search and half load again with MEDIA_BENCH_FANOUT_PARTICIPANTS per
#      session (default 5: the engineer, a producer and three listeners; 0
#      skips it);
#   5. the WebSocket fallback at a fixed load (MEDIA_BENCH_WEBSOCKET_SESSIONS,
#      default 100; 0 skips it).
#
#   bench/run-media-bench.sh [media_load options for the UDP suite, e.g. --participants 4]
#
# On a machine shared with other work, the tables show how much CPU
# everything else took meanwhile (other%). (nice does not help there: with
# autogroup scheduling, nice only ranks processes of one session.)
#
# Prints the tables, the server's media counters (/metrics), and writes
# build-bench/bench/media_load.json (and media_load_websocket.json).
# Everything it starts is stopped on exit, also on failure or Ctrl-C.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
# shellcheck source=../scripts/lib/pg.sh
source "$repo/scripts/lib/pg.sh"
# shellcheck source=lib/controlroomd.sh
source "$repo/bench/lib/controlroomd.sh"

build=${MEDIA_BENCH_BUILD_DIR:-build-bench}
ws_sessions=${MEDIA_BENCH_WEBSOCKET_SESSIONS:-100}
fanout=${MEDIA_BENCH_FANOUT_PARTICIPANTS:-5}

bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONTROLROOM_BUILD_BENCH=ON \
  -DCONTROLROOM_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target controlroomd media_load

tmp=$(mktemp -d /tmp/controlroom-media-bench.XXXXXX)
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
# Thousands of connections and media sockets on both sides of loopback.
ulimit -n "$(ulimit -Hn)"

controlroomd_start "$build"
ws=$crd_ws
http=$crd_http
token=$crd_token
server_pid=$crd_pid

mkdir -p "$build/bench"
echo "== UDP: search for the highest zero-loss rate, half load, 500 two-party sessions"
"$build/bench/media_load" --url "$ws" --token "$token" --server-pid "$server_pid" \
  --mode suite --json "$build/bench/media_load.json" "$@"
echo "wrote $build/bench/media_load.json"

if [ "$fanout" -gt 0 ]; then
  echo
  echo "== UDP: search and half load with $fanout participants per session (1 publisher, $((fanout - 1)) receivers)"
  "$build/bench/media_load" --url "$ws" --token "$token" --server-pid "$server_pid" \
    --mode suite --participants "$fanout" --start-sessions 50 --pair-sessions 0 \
    --json "$build/bench/media_load_fanout.json"
  echo "wrote $build/bench/media_load_fanout.json"
fi

if [ "$ws_sessions" -gt 0 ]; then
  echo
  echo "== WebSocket fallback: $ws_sessions two-party sessions"
  "$build/bench/media_load" --url "$ws" --token "$token" --server-pid "$server_pid" \
    --transport websocket --mode fixed --sessions "$ws_sessions" --seconds 10 \
    --json "$build/bench/media_load_websocket.json"
  echo "wrote $build/bench/media_load_websocket.json"
fi

if [ -n "$http" ]; then
  echo
  echo "== server media counters (/metrics)"
  curl -fs "${http%/}/metrics" | grep -E '^controlroom_media' || true
fi
# The server prints its configuration to stderr first; what follows it is news.
if grep -qv -e '^  ' -e 'configuration:$' "$tmp/server.err"; then
  echo
  echo "== server warnings (last 20 lines)"
  grep -v -e '^  ' -e 'configuration:$' "$tmp/server.err" | tail -n 20
fi
