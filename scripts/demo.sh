#!/usr/bin/env bash
# A scripted session against a running server, through the controlroom CLI:
# an engineer streams a synthesized piece (bass, chords, click) and records
# two takes of a song; a producer listens the whole time, talks back between
# the takes, drops markers where it heard things, comments, rates both takes
# and picks one. Prints what happened, latency and loss, and where the take
# files are.
#
#   scripts/demo.sh [URL [ADMIN_TOKEN]]
#
# URL and token default to CONTROLROOM_URL / CONTROLROOM_TOKEN, then to
# http://127.0.0.1:${CONTROLROOM_PORT:-7700} and the token scripts/run.sh
# printed (pass it). The engineer and the producer are the token's user, on
# two connections (the server has no user administration over HTTP yet).
# Audio lands in .controlroom/demo/ (what the producer heard, aligned to the timeline).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
url=${1:-${CONTROLROOM_URL:-http://127.0.0.1:${CONTROLROOM_PORT:-7700}}}
token=${2:-${CONTROLROOM_TOKEN:-}}
if [ -z "$token" ]; then
  echo "usage: scripts/demo.sh URL ADMIN_TOKEN   (scripts/run.sh prints both)" >&2
  exit 2
fi
say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }

cr=${CONTROLROOM_CLI:-}
if [ -z "$cr" ]; then
  for b in "$repo/build/cli/controlroom" "$repo/build-cli/cli/controlroom"; do
    [ -x "$b" ] && cr=$b && break
  done
fi
if [ -z "$cr" ]; then
  say "building the controlroom CLI (build/)"
  bash "$repo/scripts/install-deps.sh"
  cmake -S "$repo" -B "$repo/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$repo/build" -j"$(nproc)" --target controlroom
  cr=$repo/build/cli/controlroom
fi
# An https:// server with scripts/run.sh's self-signed certificate: the CLI
# and curl trust it through CONTROLROOM_CA_FILE (run.sh prints it).
curl -fsS ${CONTROLROOM_CA_FILE:+--cacert "$CONTROLROOM_CA_FILE"} "$url/healthz" >/dev/null || {
  echo "demo: no server at $url (start it with scripts/run.sh)" >&2
  exit 1
}

out=${CONTROLROOM_DEMO_DIR:-$repo/.controlroom/demo}
mkdir -p "$out"
field() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

say "synthesizing the piece (bass, chords, click: 8 s) and the producer's voice"
python3 "$repo/tests/process/make_test_wav.py" "$out/piece.wav" 8
python3 - "$out/voice.wav" <<'EOF'
import math, struct, sys, wave
# A spoken-ish burst: a gliding tone with a syllable envelope, 1.5 s mono.
rate, frames = 48000, bytearray()
for n in range(int(1.5 * rate)):
    t = n / rate
    env = max(0.0, math.sin(math.pi * (t * 4 % 1.0)))
    frames += struct.pack('<h', int(12000 * env * math.sin(2 * math.pi * (180 + 60 * t) * t)))
with wave.open(sys.argv[1], 'wb') as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate); w.writeframes(bytes(frames))
EOF

"$cr" session create "$url" --token "$token" --title "Demo $(date +%H:%M:%S)" \
  --roles engineer,producer --json >"$out/session.json"
sid=$(field "$out/session.json" 'j["id"]')
say "session $sid created"
"$cr" songs "$url" "$sid" --token "$token" --set "Night Drive,Morning Light" >/dev/null
say "producer set the song list: Night Drive, Morning Light"

say "producer joins and listens (markers at 3 s and 14 s of listening)"
"$cr" join "$url" "$sid" --token "$token" --role producer --out "$out/heard.wav" --align \
  --seconds 24 --marker "3=kick drum too loud" --marker "14=lovely fill" --json \
  >"$out/producer.json" 2>"$out/producer.log" &
producer=$!
trap 'kill "$producer" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^joined' "$out/producer.log" && break
  sleep 0.1
done

say "engineer records take 1 of Night Drive (8 s)"
"$cr" join "$url" "$sid" --token "$token" --role engineer --in "$out/piece.wav" \
  --transport record --song "Night Drive" --json >"$out/take1.json" 2>"$out/take1.log" || { cat "$out/take1.log" >&2; exit 1; }
take1=$(field "$out/take1.json" 'j["takes"][0]')

say "producer talks back: \"once more, with feeling\" (momentary, 1.5 s)"
"$cr" join "$url" "$sid" --token "$token" --role producer --in "$out/voice.wav" --json \
  >"$out/talkback.json" 2>"$out/talkback.log" || { cat "$out/talkback.log" >&2; exit 1; }

say "engineer records take 2"
"$cr" join "$url" "$sid" --token "$token" --role engineer --in "$out/piece.wav" \
  --transport record --song "Night Drive" --json >"$out/take2.json" 2>"$out/take2.log" || { cat "$out/take2.log" >&2; exit 1; }
take2=$(field "$out/take2.json" 'j["takes"][0]')
wait "$producer"
trap - EXIT

say "producer rates, comments and picks"
"$cr" rate "$url" "$sid" --token "$token" "$take1" 3 >/dev/null
"$cr" rate "$url" "$sid" --token "$token" "$take2" 5 >/dev/null
"$cr" comment "$url" "$sid" --token "$token" --take "$take2" "that's the one" >/dev/null
"$cr" pick "$url" "$sid" --token "$token" "$take2" >/dev/null

echo
say "what happened"
"$cr" show "$url" "$sid" --token "$token"
echo
say "latency and loss, as the producer heard it"
python3 - "$out/producer.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  transport {r['transport']}, round trip to the server {r['rtt_ms']:.2f} ms")
for s in r['streams']:
    print(f"  {s['kind']:9} {s['received']:6} packets, {s['lost']} lost, "
          f"{s['recovered_by_redundancy']} healed, jitter {s['jitter_ms']:.2f} ms, "
          f"playout buffer {s['buffer_ms']:.0f} ms")
print(f"  unhealed loss {r['loss_percent']:.2f} %")
for m in r['markers']:
    print(f"  marker {m['id']} '{m['label']}' at {m['position_samples'] / 48000:.2f} s of the timeline")
EOF
echo
say "take files (Ogg Opus; download: $(basename "$cr") download URL FILE_ID --token T)"
"$cr" takes "$url" "$sid" --token "$token"
say "what the producer heard: $out/heard.wav"
