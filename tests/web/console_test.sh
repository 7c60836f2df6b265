#!/usr/bin/env bash
# The browser console against a live server, in a real browser: starts a
# private PostgreSQL (scripts/lib/pg.sh), a real `controlroomd serve
# --port=0 --media-port=0`, and runs tests/web/console_test.mjs, which
# drives the headless browser (tests/web/browsers.mjs: Debian's chromium
# through playwright-core, or Debian's firefox-esr through puppeteer-core
# over WebDriver BiDi) and the engineer's SDK client (console_peer).
# Everything it started is stopped on exit, pass or fail.
#
#   console_test.sh PATH/TO/controlroomd PATH/TO/console_peer ARTIFACT_DIR [chromium|firefox]
#
# Screenshots and the server's log are left in ARTIFACT_DIR. A missing
# browser or npm package fails the test (never skips it).
set -euo pipefail

bin=$1
peer=$2
artifacts=$3
browser=${4:-chromium}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/pg.sh
source "$repo/scripts/lib/pg.sh"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

command -v node >/dev/null || fail "node is not installed (scripts/install-deps.sh)"
case $browser in
  chromium) exe=/usr/bin/chromium driver=playwright-core ;;
  firefox) exe=/usr/bin/firefox-esr driver=puppeteer-core ;;
  *) fail "unknown browser $browser (chromium or firefox)" ;;
esac
[ -x "$exe" ] || fail "$exe is not installed (scripts/install-deps.sh)"
[ -d "$repo/web/node_modules/$driver" ] || fail "web/node_modules/$driver is missing (scripts/web-deps.sh)"

tmp=$(mktemp -d /tmp/crweb-console-test.XXXXXX)
pid=
cleanup() {
  local rc=$?
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    timeout 10 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  if [ -n "$PG_DATADIR" ]; then
    pg_cluster_stop >/dev/null 2>&1 || true
  fi
  mkdir -p "$artifacts"
  [ -f "$tmp/log" ] && cp "$tmp/log" "$artifacts/controlroomd.log"
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$tmp"
fi
pg_cluster_init "$tmp/pg" "$tmp/sock" 5432 >/dev/null 2>&1 || fail "initdb"
pg_cluster_start >/dev/null 2>&1 || fail "the private PostgreSQL did not start"
pg_cluster_createdb console >/dev/null
url=$(pg_cluster_url console)

"$bin" migrate --database-url="$url" >/dev/null
engineer=$("$bin" admin-token --database-url="$url" --user eddie)
producer=$("$bin" admin-token --database-url="$url" --user pia)

"$bin" serve --database-url="$url" --port=0 --media-port=0 --workers=1 --log-level=info \
  --recordings-dir="$tmp/recordings" \
  >"$tmp/out" 2>"$tmp/log" &
pid=$!
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's|^controlroomd ready: http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/out")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "server exited: $(cat "$tmp/log")"
  sleep 0.05
done
[ -n "$port" ] || fail "no ready banner"

mkdir -p "$artifacts"
timeout 150 node "$repo/tests/web/console_test.mjs" --base="http://127.0.0.1:$port" \
  --browser="$browser" --peer="$peer" --engineer="$engineer" --producer="$producer" \
  --artifacts="$artifacts" --tmp="$tmp"
