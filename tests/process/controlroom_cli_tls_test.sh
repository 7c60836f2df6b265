#!/usr/bin/env bash
# The `controlroom` CLI against a controlroomd serving TLS: https:// for the
# HTTP API (JSON requests and a take download, resumed) and wss:// for the
# control plane and audio, with the server's certificate trusted through
# --ca-file or CONTROLROOM_CA_FILE; a certificate nobody vouches for, or one
# that names another host, refused with a clear message; --insecure. And a
# server that stops answering: every HTTP step (TLS handshake, reply, the
# rest of a download) gives up after --timeout with a clear message.
#
#   controlroom_cli_tls_test.sh PATH/TO/controlroom PATH/TO/controlroomd SOURCE_DIR
set -euo pipefail

cr=$1
server_bin=$2
src=$3
# shellcheck source=lib/live_server.sh
source "$src/tests/process/lib/live_server.sh"
# shellcheck source=lib/cli_checks.sh
source "$src/tests/process/lib/cli_checks.sh"

# The server's certificate names 127.0.0.1 only; an unrelated one names
# another host.
certificate() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=controlroom-test -addext "subjectAltName=$2" \
    -keyout "$work/$1.key" -out "$work/$1.pem" 2>"$work/$1.log" ||
    fail "openssl req: $(cat "$work/$1.log")"
}
certificate server IP:127.0.0.1
certificate other DNS:elsewhere.invalid

LIVE_TLS_CERT=$work/server.pem LIVE_TLS_KEY=$work/server.key live_server_start "$server_bin" "$work"
url=$LIVE_HTTP
[[ $url == https://* ]] || fail "the server is not on https: $url"
eng=$LIVE_ADMIN_TOKEN
ca=(--ca-file "$work/server.pem")

# The HTTP API over https (`users list`) and the control plane over wss
# (`whoami`, through the SDK), each trusting the server through --ca-file.
"$cr" users list "$url" --token "$eng" "${ca[@]}" --json >"$work/users.json"
[ "$(json "$work/users.json" '[u["name"] for u in j["users"]]')" = "['ops']" ] ||
  fail "users list: $(cat "$work/users.json")"
"$cr" whoami "$url" --token "$eng" "${ca[@]}" --json >"$work/me.json"
[ "$(json "$work/me.json" 'j["name"]')" = ops ] || fail "whoami: $(cat "$work/me.json")"

# Not trusted, on both paths: the system's authorities do not vouch for a
# self-signed certificate, nor does another authority; a trusted
# certificate that names another host is refused too. Each says so.
for cmd in "users list" whoami; do
  # shellcheck disable=SC2086  # $cmd is a subcommand and its verb
  {
    expect_status 1 "$cr" $cmd "$url" --token "$eng"
    grep -q "certificate.* was refused: self-signed certificate" "$work/err" ||
      fail "$cmd: no clear refusal: $(cat "$work/err")"
    expect_status 1 "$cr" $cmd "$url" --token "$eng" --ca-file "$work/other.pem"
    grep -q "was refused" "$work/err" || fail "$cmd: no clear refusal: $(cat "$work/err")"
    expect_status 1 "$cr" $cmd "https://localhost:$LIVE_PORT" --token "$eng" "${ca[@]}"
    grep -q "was refused: hostname mismatch" "$work/err" ||
      fail "$cmd: no name check: $(cat "$work/err")"
    expect_status 1 "$cr" $cmd "$url" --token "$eng" --ca-file "$work/missing.pem"
    grep -q "$work/missing.pem" "$work/err" || fail "$cmd: no clear error: $(cat "$work/err")"
    # --insecure skips every check.
    "$cr" $cmd "https://localhost:$LIVE_PORT" --token "$eng" --insecure --json >/dev/null ||
      fail "$cmd --insecure did not connect"
  }
done
# Plain http:// to the TLS port: no reply, and a hint at why.
expect_status 1 "$cr" users list "http://127.0.0.1:$LIVE_PORT" --token "$eng"
grep -q "if the server serves TLS, use https://" "$work/err" || fail "no hint: $(cat "$work/err")"

# The control plane over wss:// (the SDK), trusted through the environment;
# refused without it, with the SDK's own message.
export CONTROLROOM_CA_FILE=$work/server.pem
prod=$("$server_bin" admin-token --database-url="$LIVE_DB_URL" --user pia)
"$cr" whoami "$url" --token "$prod" --json >"$work/pia.json"
"$cr" session create "$url" --token "$eng" --title "TLS test" --json \
  --member "$(json "$work/pia.json" 'j["id"]')=producer" >"$work/session.json"
sid=$(json "$work/session.json" 'j["id"]')
"$cr" songs "$url" "$sid" --token "$prod" --set "Song A" --json >/dev/null
expect_status 1 env -u CONTROLROOM_CA_FILE "$cr" show "$url" "$sid" --token "$eng"
grep -q "was refused" "$work/err" || fail "no clear refusal over wss: $(cat "$work/err")"

# Audio over wss: the engineer records a take from a WAV.
python3 "$src/tests/process/make_test_wav.py" "$work/source.wav" 1
"$cr" join "wss://127.0.0.1:$LIVE_PORT" "$sid" --token "$eng" --role engineer \
  --in "$work/source.wav" --transport record --song "Song A" --json >"$work/engineer.json" ||
  fail "engineer join over wss: $(cat "$work/engineer.json")"
[ "$(json "$work/engineer.json" 'j["sent"]["frames"]')" -ge 90 ] || fail "engineer sent too little"
"$cr" show "$url" "$sid" --token "$eng" --json >"$work/state.json"
[ "$(json "$work/state.json" 'len(j["takes"])')" = 1 ] || fail "no take: $(cat "$work/state.json")"

# The take file downloaded over https, whole and then resumed.
"$cr" takes "$url" "$sid" --token "$eng" --json >"$work/takes.json"
file_id=$(json "$work/takes.json" '[f["id"] for t in j["takes"] for f in t["files"] if f["stream"] == "program"][0]')
size=$(json "$work/takes.json" '[f["size_bytes"] for t in j["takes"] for f in t["files"] if f["id"] == "'"$file_id"'"][0]')
"$cr" download "$url" "$file_id" --token "$eng" -o "$work/take.opus" --json >/dev/null
[ "$(head -c 4 "$work/take.opus")" = OggS ] || fail "the download is not Ogg"
[ "$(stat -c %s "$work/take.opus")" = "$size" ] || fail "download size differs from the listing"
head -c 1000 "$work/take.opus" >"$work/part.opus"
"$cr" download "$url" "$file_id" --token "$eng" -o "$work/part.opus" --resume --json >/dev/null
cmp -s "$work/take.opus" "$work/part.opus" || fail "a resumed download differs"
# A server that stops answering. The listener reads each request and then
# says nothing, except to a download, where it sends the headers and the
# first kilobyte of a 100 kB body and then nothing more; to a TLS
# ClientHello it never answers.
python3 - "$work/silent.port" <<'PY' &
import os, socket, sys, threading
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
s.settimeout(60)  # gone on its own if the test forgets it
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
def serve(c):
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                return
            data += chunk
        if b"/audio " in data:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
        c.recv(1)  # until the client goes
    except OSError:
        pass
while True:
    c, _ = s.accept()
    held.append(c)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
cleanup_pids+=($!)
for _ in $(seq 1 100); do
  [ -s "$work/silent.port" ] && break
  sleep 0.05
done
silent=127.0.0.1:$(cat "$work/silent.port")
expect_status 1 timeout 20 "$cr" users list "http://$silent" --token x --timeout 1
grep -q "no answer from http://$silent within 1 s; --timeout" "$work/err" ||
  fail "no clear timeout for a silent server: $(cat "$work/err")"
expect_status 1 timeout 20 env CONTROLROOM_TIMEOUT=0.5 "$cr" users list "https://$silent" --token x
grep -q "TLS handshake with https://$silent: no answer within 500 ms (--timeout)" "$work/err" ||
  fail "no clear timeout for a silent TLS handshake: $(cat "$work/err")"
expect_status 1 timeout 20 "$cr" download "http://$silent" tf1 --token x -o "$work/stalled.opus" --timeout 1
grep -q "run again with --resume" "$work/err" ||
  fail "no clear error for a stalled download: $(cat "$work/err")"
[ "$(stat -c %s "$work/stalled.opus")" = 1000 ] || fail "what arrived before the stall was not kept"
expect_status 2 "$cr" users list "http://$silent" --token x --timeout -1

echo "controlroom CLI over TLS: ok"
