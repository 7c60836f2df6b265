#!/usr/bin/env bash
# The `controlroom` CLI against a real controlroomd and PostgreSQL: exit
# statuses, --json output parsed, and audio end to end — an engineer CLI
# records a take from a WAV, a producer CLI hears it into a WAV aligned to the
# timeline, and the two must correlate; then the producer's actions (marker,
# comment, rate, pick, songs) and the take file's listing and download; then
# sound cards: ALSA PCMs over raw files (alsa-lib's file plugin over a test
# plugin that a clock paces like a card), the engineer capturing from one,
# the producer playing to another and driving its session from stdin.
#
#   controlroom_cli_test.sh PATH/TO/controlroom PATH/TO/controlroomd SOURCE_DIR [ALSA_PLUGIN]
set -euo pipefail

cr=$1
server_bin=$2
src=$3
alsa_plugin=${4:-}
# shellcheck source=lib/live_server.sh
source "$src/tests/process/lib/live_server.sh"
# shellcheck source=lib/cli_checks.sh
source "$src/tests/process/lib/cli_checks.sh"

# Waits (5 s at most) until a background join says on stderr (file $1) that
# it is in; $2 names it in the failure.
wait_joined() {
  for _ in $(seq 1 100); do
    grep -q '^joined' "$1" && return 0
    sleep 0.05
  done
  fail "$2 did not join: $(cat "$1")"
}

# Help and usage, without a server.
for sub in "" join devices marker comment rate pick songs show session takes download whoami \
  users tokens studios sessions invites "invites redeem"; do
  # shellcheck disable=SC2086  # "" means the top-level help
  "$cr" $sub --help >"$work/help" || fail "controlroom $sub --help failed"
  grep -q "Usage" "$work/help" || fail "controlroom $sub --help printed no usage"
done
expect_status 2 "$cr"
expect_status 2 "$cr" join
expect_status 2 "$cr" rate http://127.0.0.1:1 s tk1 9 --token x
expect_status 2 "$cr" whoami ftp://nowhere --token x
expect_status 2 "$cr" whoami "https://[::1" --token x
expect_status 2 "$cr" whoami "https://[::1]x" --token x
expect_status 2 "$cr" whoami https://host:44x --token x
grep -q "not a server URL" "$work/err" || fail "no clear URL error: $(cat "$work/err")"
# Well-formed (an IPv6 literal, a default port): refused only for want of a server.
expect_status 1 "$cr" whoami "http://[::1]:1" --token x
grep -q "connect to" "$work/err" || fail "an IPv6 URL was not tried: $(cat "$work/err")"
expect_status 1 "$cr" whoami http://127.0.0.1:1 --token x
grep -q "connect to" "$work/err" || fail "no clear connection error: $(cat "$work/err")"

# `join` and the one-shot session commands name their session in the
# WebSocket upgrade (`?session=`, a placement hint: protocol §1). A
# listener that records the upgrade request and refuses it shows what was
# asked for.
upgrade_target() {  # upgrade_target CMD ARGS... (URL first): the request line CMD sent
  local port_file=$work/listener.port request=$work/upgrade.txt
  rm -f "$port_file" "$request"
  python3 - "$port_file" "$request" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
s.settimeout(10)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
c, _ = s.accept()
c.settimeout(10)
data = b""
while b"\r\n\r\n" not in data:
    chunk = c.recv(4096)
    if not chunk:
        break
    data += chunk
with open(sys.argv[2], "wb") as f:
    f.write(data)
c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
c.close()
PY
  local listener=$!
  for _ in $(seq 1 100); do
    [ -s "$port_file" ] && break
    sleep 0.05
  done
  local cmd=$1
  shift
  expect_status 1 "$cr" "$cmd" "http://127.0.0.1:$(cat "$port_file")" "$@" --token x
  wait "$listener" || fail "the recording listener failed"
  head -n 1 "$request"
}
hinted=0b8e4a52-1d2c-4e55-9a1f-3c7d2f1e9b10
[ "$(upgrade_target join "$hinted")" = "GET /v1/control?session=$hinted HTTP/1.1"$'\r' ] ||
  fail "join did not name its session: $(head -n 1 "$work/upgrade.txt")"
[ "$(upgrade_target marker "$hinted" --at 1 --label x)" = "GET /v1/control?session=$hinted HTTP/1.1"$'\r' ] ||
  fail "marker did not name its session: $(head -n 1 "$work/upgrade.txt")"
[ "$(upgrade_target whoami)" = "GET /v1/control HTTP/1.1"$'\r' ] ||
  fail "whoami named a session: $(head -n 1 "$work/upgrade.txt")"

# Sound cards for the device tests: a private ~/.asoundrc naming a playback
# PCM that writes raw float frames to a file and a capture PCM that reads
# them from one, both paced by the test plugin's clock. Only the commands
# given HOME=$alsa see them.
alsa=
if [ -n "$alsa_plugin" ]; then
  alsa=$work/alsa
  alsa_plugin=$(realpath "$alsa_plugin")  # alsa-lib resolves no relative library paths
  mkdir -p "$alsa"
  cat >"$alsa/.asoundrc" <<ASOUNDRC
pcm_type.crpaced { lib "$alsa_plugin" }
pcm.crclock { type crpaced }
pcm.speakers { type file slave.pcm "crclock" file "$alsa/played.raw" format "raw" }
pcm.mic { type file slave.pcm "crclock" file "/dev/null" infile "$alsa/mic.raw" format "raw" }
ASOUNDRC
  HOME=$alsa "$cr" devices --json >"$work/devices.json"
  [ "$(json "$work/devices.json" 'sorted(d["name"] for d in j["devices"] if d["name"] in ("speakers", "mic"))')" = "['mic', 'speakers']" ] ||
    fail "devices: $(cat "$work/devices.json")"
  # A device that is not there fails before connecting, naming it.
  expect_status 4 env HOME="$alsa" "$cr" join http://127.0.0.1:1 s --token x --play-device nosuch
  grep -q "no playback device 'nosuch'" "$work/err" || fail "no clear device error: $(cat "$work/err")"
  expect_status 4 env HOME="$alsa" "$cr" join http://127.0.0.1:1 s --token x --capture-device nosuch
  grep -q "no capture device 'nosuch'" "$work/err" || fail "no clear device error: $(cat "$work/err")"
  expect_status 2 "$cr" join http://127.0.0.1:1 s --token x --play-device speakers --out "$work/x.wav"
else
  echo "controlroom CLI: no ALSA test plugin built (libasound2-dev missing): devices not tested" >&2
fi

live_server_start "$server_bin" "$work"
url=$LIVE_HTTP
eng=$LIVE_ADMIN_TOKEN
prod=$("$server_bin" admin-token --database-url="$LIVE_DB_URL" --user pia)

expect_status 3 "$cr" whoami "$url" --token crt_not_a_token
"$cr" whoami "$url" --token "$prod" --json >"$work/pia.json"
pia=$(json "$work/pia.json" 'j["id"]')
"$cr" session create "$url" --token "$eng" --title "CLI test" --at 2030-01-02T03:04:05Z \
  --member "$pia=producer" --json >"$work/session.json"
sid=$(json "$work/session.json" 'j["id"]')
[ "$(json "$work/session.json" 'j["scheduled_start_unix_ms"]')" = 1893553445000 ] ||
  fail "schedule not kept: $(cat "$work/session.json")"
expect_status 4 "$cr" show "$url" 00000000-0000-0000-0000-000000000000 --token "$eng"
# An engineer-only user may not set songs: refused as not allowed.
expect_status 3 "$cr" songs "$url" "$sid" --token "$eng" --add "Nope"

"$cr" songs "$url" "$sid" --token "$prod" --set "Song A,Song B" --json >"$work/songs.json"
[ "$(json "$work/songs.json" '[s["title"] for s in j["songs"]]')" = "['Song A', 'Song B']" ] ||
  fail "songs: $(cat "$work/songs.json")"

# WAV in -> session -> WAV out.
python3 "$src/tests/process/make_test_wav.py" "$work/source.wav" 3
"$cr" join "$url" "$sid" --token "$prod" --role producer --out "$work/heard.wav" --align \
  --seconds 5 --marker 2=chorus --json >"$work/producer.json" 2>"$work/producer.err" &
producer=$!
# The producer is in (it says so on stderr) before the engineer starts.
wait_joined "$work/producer.err" "the producer"
"$cr" join "$url" "$sid" --token "$eng" --role engineer --in "$work/source.wav" \
  --transport record --song "Song A" --json >"$work/engineer.json" ||
  fail "engineer join: $(cat "$work/engineer.json")"
wait "$producer" || fail "producer join failed: $(cat "$work/producer.json")"
take=$(json "$work/engineer.json" 'j["takes"][0]')
[ "$(json "$work/engineer.json" 'j["sent"]["frames"]')" -ge 290 ] || fail "engineer sent too little"
[ "$(json "$work/producer.json" 'j["received"]')" -gt 100 ] ||
  fail "producer heard too little: $(cat "$work/producer.json")"
python3 "$src/tests/process/wav_compare.py" "$work/source.wav" "$work/heard.wav" 0.9 2.0 ||
  fail "what the producer recorded is not what the engineer sent"
marker=$(json "$work/producer.json" 'j["markers"][0]["id"]')

# Ctrl-C ends a join cleanly (the report is written) with status 130.
"$cr" join "$url" "$sid" --token "$prod" --role producer --seconds 60 --no-controls --json \
  >"$work/interrupted.json" 2>"$work/interrupted.err" &
listener=$!
wait_joined "$work/interrupted.err" "the listener"
kill -INT "$listener"
status=0
wait "$listener" || status=$?
[ "$status" = 130 ] || fail "Ctrl-C: exit status $status, not 130: $(cat "$work/interrupted.err")"
[ "$(json "$work/interrupted.json" 'j["interrupted"]')" = True ] ||
  fail "Ctrl-C: no report: $(cat "$work/interrupted.json")"
grep -q '^controlroom: interrupted$' "$work/interrupted.err" || fail "Ctrl-C was not reported"

# Producer actions, one-shot.
"$cr" comment "$url" "$sid" --token "$prod" --marker "$marker" "pitchy here" --json >"$work/c.json"
"$cr" rate "$url" "$sid" --token "$prod" "$take" 4 --json >/dev/null
"$cr" pick "$url" "$sid" --token "$prod" "$take" --json >/dev/null
"$cr" marker "$url" "$sid" --token "$prod" --at 1.5 --label bridge --json >"$work/m.json"
expect_status 4 "$cr" comment "$url" "$sid" --token "$prod" --take tk999999 "no such take"
"$cr" show "$url" "$sid" --token "$prod" --json >"$work/state.json"
check=$(json "$work/state.json" '(j["songs"][0]["picked_take_id"], j["takes"][0]["rating"], len(j["markers"]), j["comments"][0]["text"])')
[ "$check" = "('$take', 4, 2, 'pitchy here')" ] || fail "state after producer actions: $check"

# The take file: listed over HTTP and downloaded whole, then resumed.
"$cr" takes "$url" "$sid" --token "$prod" --json >"$work/takes.json"
file_id=$(json "$work/takes.json" '[f["id"] for t in j["takes"] for f in t["files"] if f["stream"] == "program"][0]')
size=$(json "$work/takes.json" '[f["size_bytes"] for t in j["takes"] for f in t["files"]][0]')
"$cr" download "$url" "$file_id" --token "$prod" -o "$work/take.opus" --json >"$work/dl.json"
[ "$(head -c 4 "$work/take.opus")" = OggS ] || fail "the download is not Ogg"
[ "$(stat -c %s "$work/take.opus")" = "$size" ] || fail "download size differs from the listing"
head -c 1000 "$work/take.opus" >"$work/part.opus"
"$cr" download "$url" "$file_id" --token "$prod" -o "$work/part.opus" --resume --json >/dev/null
cmp -s "$work/take.opus" "$work/part.opus" || fail "a resumed download differs"
expect_status 4 "$cr" download "$url" 00000000-0000-0000-0000-000000000000 --token "$prod" -o "$work/x"

# Devices and live commands: the engineer records a take from the capture
# PCM (fed the source as raw float frames), the producer hears it on the
# playback PCM and, with commands on stdin, drops a marker at what it hears,
# rates the take being recorded and talks.
if [ -n "$alsa" ]; then
  python3 - "$work/source.wav" "$alsa/mic.raw" <<'PY'
import array, sys, wave
with wave.open(sys.argv[1]) as w:
    pcm = array.array('h', w.readframes(w.getnframes()))
open(sys.argv[2], 'wb').write(array.array('f', [v / 32768.0 for v in pcm]).tobytes())
PY
  mkfifo "$work/commands"
  HOME=$alsa "$cr" join "$url" "$sid" --token "$prod" --role producer --play-device speakers \
    --json <"$work/commands" >"$work/dev_producer.json" 2>"$work/dev_producer.err" &
  devproducer=$!
  exec 3>"$work/commands"
  wait_joined "$work/dev_producer.err" "producer (device)"
  HOME=$alsa "$cr" join "$url" "$sid" --token "$eng" --role engineer --capture-device mic \
    --transport record --song "Song B" --seconds 4 --json >"$work/dev_engineer.json" \
    2>"$work/dev_engineer.err" &
  deveng=$!
  heard=
  for _ in $(seq 1 200); do
    heard=$(sed -n 's/.*hearing the session timeline at sample \(-\{0,1\}[0-9]*\)$/\1/p' "$work/dev_producer.err")
    [ -n "$heard" ] && break
    sleep 0.05
  done
  [ -n "$heard" ] || fail "the producer never heard the timeline: $(cat "$work/dev_producer.err")"
  printf 'marker x\nrate 3\ntalk on\ntalk off\nbogus\n' >&3
  wait "$deveng" || fail "engineer (device) join: $(cat "$work/dev_engineer.err")"
  echo quit >&3
  exec 3>&-
  wait "$devproducer" || fail "producer (device) join: $(cat "$work/dev_producer.err")"
  [ "$(json "$work/dev_engineer.json" '(j["devices"]["capture"]["name"], j["sent"]["kind"], j["sent"]["frames"] >= 300)')" = "('mic', 'program', True)" ] ||
    fail "engineer (device): $(cat "$work/dev_engineer.json")"
  [ "$(json "$work/dev_producer.json" '(j["devices"]["playback"]["name"], j["received"] > 200, j["interrupted"])')" = "('speakers', True, False)" ] ||
    fail "producer (device): $(cat "$work/dev_producer.json")"
  python3 "$src/tests/process/raw_compare.py" "$work/source.wav" "$alsa/played.raw" 2 0.9 2.0 ||
    fail "what the playback device played is not what the capture device sent"
  grep -q "unknown command 'bogus'" "$work/dev_producer.err" || fail "a bad command line went unreported"
  [ "$(json "$work/dev_producer.json" '[e for e in j["events"] if e.startswith("talkback") or e.startswith("rated")]')" = \
    "['rated $(json "$work/dev_engineer.json" 'j["takes"][0]'): 3 of 5', 'talkback on (latched)', 'talkback off']" ] ||
    fail "live commands: $(cat "$work/dev_producer.json")"
  # The marker: where the producer heard the take, as everyone's replica has it.
  devtake=$(json "$work/dev_engineer.json" 'j["takes"][0]')
  at=$(json "$work/dev_producer.json" '[m["position_samples"] for m in j["markers"] if m["label"] == "x"][0]')
  ((at >= heard && at < heard + 48000 && at < 144000)) || fail "marker at $at, heard from $heard"
  "$cr" show "$url" "$sid" --token "$eng" --json >"$work/dev_state.json"
  [ "$(json "$work/dev_state.json" '([m["position_samples"] for m in j["markers"] if m["label"] == "x"], [t["rating"] for t in j["takes"] if t["id"] == "'"$devtake"'"])')" = "([$at], [3])" ] ||
    fail "state after live commands: $(cat "$work/dev_state.json")"
fi

# Admin commands over the HTTP API: users, tokens, studios, sessions, invites.
# (`controlroomd admin-token` makes admins: ops and pia both are; ari is not.)
"$cr" users create "$url" --token "$eng" ari --json >"$work/ari.json"
ari=$(json "$work/ari.json" 'j["id"]')
expect_status 1 "$cr" users create "$url" --token "$eng" ari
grep -q "exists already" "$work/err" || fail "no clear error for a taken name: $(cat "$work/err")"
expect_status 4 "$cr" users show "$url" 00000000-0000-0000-0000-000000000000 --token "$eng"
"$cr" users list "$url" --token "$eng" --json >"$work/users.json"
[ "$(json "$work/users.json" 'sorted(u["name"] for u in j["users"])')" = "['ari', 'ops', 'pia']" ] ||
  fail "users list: $(cat "$work/users.json")"
"$cr" tokens issue "$url" --token "$eng" --user "$ari" --label cli --expires 3600 \
  --json >"$work/ari_token.json"
ari_token=$(json "$work/ari_token.json" 'j["token"]')
"$cr" whoami "$url" --token "$ari_token" --json >"$work/ari_who.json"
[ "$(json "$work/ari_who.json" 'j["name"]')" = ari ] || fail "the issued token is not ari's"
expect_status 3 "$cr" users list "$url" --token "$ari_token"
expect_status 3 "$cr" studios create "$url" "Ari's" --token "$ari_token"
expect_status 3 "$cr" tokens issue "$url" --token "$ari_token" --user "$pia"
"$cr" tokens list "$url" --token "$ari_token" --json >"$work/ari_tokens.json"
[ "$(json "$work/ari_tokens.json" 'len([t for t in j["tokens"] if "token" not in t])')" = 1 ] ||
  fail "tokens list: $(cat "$work/ari_tokens.json")"
grep -q "$ari_token" "$work/ari_tokens.json" && fail "tokens list shows a secret"
"$cr" studios create "$url" --token "$eng" "Studio B" --json >/dev/null
"$cr" studios list "$url" --token "$ari_token" --json >"$work/studios.json"
[ "$(json "$work/studios.json" 'len(j["studios"])')" = 2 ] || fail "studios: $(cat "$work/studios.json")"
"$cr" sessions list "$url" --token "$prod" --json >"$work/sessions.json"
[ "$(json "$work/sessions.json" '[s["id"] for s in j["sessions"]]')" = "['$sid']" ] ||
  fail "sessions list: $(cat "$work/sessions.json")"
"$cr" sessions list "$url" --token "$ari_token" --json >"$work/ari_sessions.json"
[ "$(json "$work/ari_sessions.json" 'len(j["sessions"])')" = 0 ] ||
  fail "a non-member sees sessions: $(cat "$work/ari_sessions.json")"

# Invites: created by the engineer, redeemed by a guest who joins as artist;
# used up, revoked and mistyped ones refused with clear errors.
expect_status 3 "$cr" invites create "$url" "$sid" --token "$ari_token" --role artist
expect_status 2 "$cr" invites create "$url" "$sid" --token "$eng" --role drummer
"$cr" invites create "$url" "$sid" --token "$eng" --role artist --uses 1 --label Sam \
  --json >"$work/invite.json"
code=$(json "$work/invite.json" 'j["code"]')
"$cr" invites list "$url" "$sid" --token "$eng" --json >"$work/invites.json"
[ "$(json "$work/invites.json" '[(i["role"], i["status"]) for i in j["invites"]]')" = "[('artist', 'active')]" ] ||
  fail "invites list: $(cat "$work/invites.json")"
grep -q "$code" "$work/invites.json" && fail "invites list shows a code"
"$cr" invites redeem "$url" "$code" --name sam --json >"$work/sam.json"
[ "$(json "$work/sam.json" '(j["role"], j["session_id"], j["user"]["name"])')" = "('artist', '$sid', 'sam')" ] ||
  fail "redeem: $(cat "$work/sam.json")"
sam_token=$(json "$work/sam.json" 'j["token"]')
"$cr" show "$url" "$sid" --token "$sam_token" --role artist --json >/dev/null ||
  fail "the guest could not join as artist"
expect_status 3 "$cr" show "$url" "$sid" --token "$sam_token" --role engineer
expect_status 1 "$cr" invites redeem "$url" "$code"
grep -q "used" "$work/err" || fail "no clear error for a used-up invite: $(cat "$work/err")"
"$cr" invites create "$url" "$sid" --token "$eng" --role listener --json >"$work/invite2.json"
"$cr" invites revoke "$url" "$(json "$work/invite2.json" 'j["id"]')" --token "$eng" --json >/dev/null
expect_status 1 "$cr" invites redeem "$url" "$(json "$work/invite2.json" 'j["code"]')" --json
grep -q "revoked" "$work/err" || fail "no clear error for a revoked invite: $(cat "$work/err")"
expect_status 4 "$cr" invites redeem "$url" cri_no_such_code
expect_status 2 "$cr" invites redeem "$url" "$code" --token "$prod" --name x

# Revoking a token and disabling a user end their access.
"$cr" tokens revoke "$url" "$(json "$work/ari_token.json" 'j["id"]')" --token "$eng" --json >/dev/null
expect_status 3 "$cr" whoami "$url" --token "$ari_token"
"$cr" users disable "$url" "$(json "$work/sam.json" 'j["user"]["id"]')" --token "$eng" --json \
  >"$work/disabled.json"
[ "$(json "$work/disabled.json" 'j["disabled"]')" = True ] || fail "disable: $(cat "$work/disabled.json")"
expect_status 3 "$cr" whoami "$url" --token "$sam_token"
echo "controlroom CLI: ok"
