#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2119  # controlroomd_restart takes serve options, not ours
# Side by side with Mumble (docs/benchmarks.md): the same voice load on
# controlroomd and on Mumble's server (murmurd 1.3.x, Debian's
# mumble-server), in one run. Both servers run on loopback for the whole
# run; each is measured in turn, with rising load:
#
#   rooms of PEER_BENCH_PARTICIPANTS (default 5: one speaker, four
#   listeners): a controlroomd session (engineer publishing, the others
#   receiving) or a Mumble channel (one user talking, the others in the
#   channel); every speaker sends 5 ms frames of 322 Opus bytes (media_load's
#   default stream: 256 kbit/s stereo with the previous frame repeated);
#
#   1. UDP: controlroomd's media plane (AES-256-GCM sealed datagrams) vs Mumble's
#      OCB2-AES128 voice, PEER_BENCH_UDP_LADDER rooms (default 10,25,50,100);
#   2. TCP: controlroomd's WebSocket fallback over wss:// (TLS 1.3, like
#      Mumble's tunnel) vs Mumble's UDPTunnel over TLS, PEER_BENCH_TCP_LADDER
#      rooms (default 5,10,25,50). controlroomd is restarted on the same
#      database with a throwaway self-signed certificate (bench/lib/
#      controlroomd.sh, CONTROLROOM_BENCH_TLS); media_load trusts it with
#      --ca-file. PEER_BENCH_TCP_TLS=0 runs this row over plain ws:// instead
#      (the method before the TLS option: not like for like).
#      Before it, the same fallback over plain ws:// (what TLS costs us),
#      into peer_controlroom_websocket_plain.json, which peer_compare.py
#      shows as a table of its own, apart from the TCP comparison;
#      PEER_BENCH_TCP_PLAIN=0 skips it.
#
#   PEER_BENCH_RECEIVE_WAIT (default block) is how both load generators'
#   listeners wait for packets, the same on both sides: block (in epoll
#   until a packet arrives, as a client blocked in poll(2) is: on loopback
#   the server's write wakes the listener and the server pays for that
#   wake-up) or poll (a look every tick / 2 and a sleep in between: a
#   server's write never wakes a listener, as it would not wake a client on
#   another machine; but the generators' polling costs CPU the servers then
#   lack on a 2-core machine, and TCP latency includes up to 100 us of it).
#
#   PEER_BENCH_WORKERS=N serves with N network workers instead of the
#   server's default of one per core (Mumble relays UDP on one thread and
#   serves TLS on one).
#
#   PEER_BENCH_ROUNDS (default 3) measures each path that many times,
#   alternating the servers (ours, Mumble; Mumble, ours; ours, Mumble ...),
#   so that a machine whose speed drifts during the run (a VM's does:
#   docs/benchmarks.md, run 6) weighs on both alike. Round r writes
#   peer_*_rR.json; peer_compare.py pools the rounds and shows each.
#
#   bench/run-peer-bench.sh
#
# Prints each server's table, then the comparison (bench/peer_compare.py),
# and writes peer_*.json into BENCH_OUT_DIR (default build-bench/bench).
# Everything it starts is stopped on exit, also on failure or Ctrl-C.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
# shellcheck source=../scripts/lib/pg.sh
source "$repo/scripts/lib/pg.sh"
# shellcheck source=lib/controlroomd.sh
source "$repo/bench/lib/controlroomd.sh"
# shellcheck source=lib/murmur.sh
source "$repo/bench/lib/murmur.sh"

build=${MEDIA_BENCH_BUILD_DIR:-build-bench}
out=${BENCH_OUT_DIR:-$build/bench}
participants=${PEER_BENCH_PARTICIPANTS:-5}
udp_ladder=${PEER_BENCH_UDP_LADDER:-10,25,50,100}
tcp_ladder=${PEER_BENCH_TCP_LADDER:-5,10,25,50}
tcp_tls=${PEER_BENCH_TCP_TLS:-1}
tcp_plain=${PEER_BENCH_TCP_PLAIN:-1}
seconds=${PEER_BENCH_SECONDS:-5}
receive_wait=${PEER_BENCH_RECEIVE_WAIT:-block}
# controlroomd's network workers (default: the server's, one per core).
crd_opts=()
if [ -n "${PEER_BENCH_WORKERS:-}" ]; then
  crd_opts=(--workers="$PEER_BENCH_WORKERS")
fi
opus_bytes=322

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  bash scripts/install-deps.sh
  bash bench/lib/bench-deps.sh
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONTROLROOM_BUILD_BENCH=ON \
    -DCONTROLROOM_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target controlroomd media_load mumble_load
fi

tmp=$(mktemp -d /tmp/controlroom-peer-bench.XXXXXX)
# shellcheck disable=SC2317  # reached through the trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  murmur_stop || rc=1
  controlroomd_stop || rc=1
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ulimit -n "$(ulimit -Hn)"
mkdir -p "$out"

# UDP media is sealed by the datagram AEAD, not TLS: the UDP run's control
# plane stays on plain ws://.
CONTROLROOM_BENCH_TLS=0 controlroomd_start "$build" "${crd_opts[@]}"
echo "controlroomd pid $crd_pid ($crd_ws), $(murmurd -version 2>&1 | grep -o 'murmurd -- .*')"
echo "both load generators' listeners: --receive-wait $receive_wait"

common=(--participants "$participants" --seconds "$seconds" --frame-ms 5
  --receive-wait "$receive_wait")
rounds=${PEER_BENCH_ROUNDS:-3}

ours_udp() {
  echo
  echo "== UDP, round $1: controlroomd (AES-256-GCM sealed media), rooms $udp_ladder"
  "$build/bench/media_load" --url "$crd_ws" --token "$crd_token" --server-pid "$crd_pid" \
    --mode ladder --ladder "$udp_ladder" "${common[@]}" --opus-bytes 160 --redundancy 1 \
    --json "$out/peer_controlroom_udp_r$1.json"
}
# murmurd is restarted for every run: each one starts from an empty server.
mumble_run() {
  local round=$1 transport=$2 ladder=$3
  murmur_stop
  murmur_start
  "$build/bench/mumble_load" --port "$murmur_port" --superuser-password "$murmur_password" \
    --server-pid "$murmur_pid" --transport "$transport" --rooms "$ladder" "${common[@]}" \
    --opus-bytes "$opus_bytes" --json "$out/peer_mumble_${transport}_r$round.json" ||
    echo "run-peer-bench: mumble_load ($transport, round $round) failed; the comparison lacks its steps" >&2
}
mumble_udp() {
  echo
  echo "== UDP, round $1: Mumble (OCB2-AES128), rooms $udp_ladder"
  mumble_run "$1" udp "$udp_ladder"
}
tcp_fallback() {
  local json=$1
  shift
  "$build/bench/media_load" --url "$crd_ws" --token "$crd_token" --server-pid "$crd_pid" "$@" \
    --transport websocket --mode ladder --ladder "$tcp_ladder" "${common[@]}" --opus-bytes 160 \
    --redundancy 1 --json "$json"
}
ours_tcp() {
  echo
  if [ "$tcp_tls" = 1 ]; then
    echo "== TCP, round $1: controlroomd WebSocket fallback over wss:// ($crd_ws), rooms $tcp_ladder"
    tcp_fallback "$out/peer_controlroom_websocket_r$1.json" --ca-file "$crd_ca"
  else
    echo "== TCP, round $1: controlroomd WebSocket fallback over plain ws:// (PEER_BENCH_TCP_TLS=0), rooms $tcp_ladder"
    tcp_fallback "$out/peer_controlroom_websocket_r$1.json"
  fi
}
mumble_tcp() {
  echo
  echo "== TCP, round $1: Mumble UDPTunnel over TLS, rooms $tcp_ladder"
  mumble_run "$1" tcp "$tcp_ladder"
}
# Odd rounds measure ours first, even rounds Mumble first.
alternate() {
  local path=$1 r
  for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) = 1 ]; then
      "ours_$path" "$r"
      "mumble_$path" "$r"
    else
      "mumble_$path" "$r"
      "ours_$path" "$r"
    fi
  done
}

rm -f "$out"/peer_*.json
alternate udp
if [ "$tcp_tls" = 1 ] && [ "$tcp_plain" = 1 ]; then
  CONTROLROOM_BENCH_TLS=0 controlroomd_restart "${crd_opts[@]}"
  echo
  echo "== TCP (not compared): controlroomd WebSocket fallback over plain ws://, rooms $tcp_ladder"
  tcp_fallback "$out/peer_controlroom_websocket_plain.json"
fi
CONTROLROOM_BENCH_TLS=$tcp_tls controlroomd_restart "${crd_opts[@]}"
alternate tcp

echo
python3 bench/peer_compare.py "$out" | tee "$out/peer_comparison.txt"
