# Sourced by process tests that need a real controlroomd: a database of its
# own on the test cluster (CONTROLROOM_TEST_DATABASE_URL), an admin token, and
# `controlroomd serve` on free ports. Everything started is stopped by
# live_server_stop, which the caller's EXIT trap runs, pass or fail.
#
#   live_server_start PATH/TO/controlroomd WORKDIR
#   -> LIVE_PORT, LIVE_HTTP (http://127.0.0.1:PORT), LIVE_WS (ws://...),
#      LIVE_ADMIN_TOKEN, LIVE_DB_URL
#
# With LIVE_TLS_CERT and LIVE_TLS_KEY set (PEM files) the server serves TLS
# instead, and LIVE_HTTP and LIVE_WS are https:// and wss:// URLs.

live_server_pid=
live_server_db=

live_server_start() {
  local bin=$1 work=$2
  : "${CONTROLROOM_TEST_DATABASE_URL:?run through scripts/test.sh: the test database URL is missing}"
  live_server_db="crtest_$(basename "$0" .sh | tr -c 'a-z0-9_\n' _)_$$"
  local base=${CONTROLROOM_TEST_DATABASE_URL%%\?*}
  local query=${CONTROLROOM_TEST_DATABASE_URL#"$base"}
  LIVE_DB_URL="${base%/*}/$live_server_db$query"
  psql -q "$CONTROLROOM_TEST_DATABASE_URL" -c "CREATE DATABASE $live_server_db"
  "$bin" migrate --database-url="$LIVE_DB_URL" >/dev/null
  LIVE_ADMIN_TOKEN=$("$bin" admin-token --database-url="$LIVE_DB_URL" --user ops)
  mkdir -p "$work/recordings"
  local tls=() scheme=http
  if [ -n "${LIVE_TLS_CERT:-}" ]; then
    tls=(--tls-cert-file="$LIVE_TLS_CERT" --tls-key-file="$LIVE_TLS_KEY")
    scheme=https
  fi
  "$bin" serve --database-url="$LIVE_DB_URL" --port=0 --media-port=0 --workers=1 "${tls[@]}" \
    --recordings-dir="$work/recordings" --log-level=warn >"$work/server.out" 2>"$work/server.log" &
  live_server_pid=$!
  LIVE_PORT=
  for _ in $(seq 1 200); do
    LIVE_PORT=$(sed -n "s|^controlroomd ready: $scheme://127.0.0.1:\([0-9]*\)/.*|\1|p" "$work/server.out")
    [ -n "$LIVE_PORT" ] && break
    kill -0 "$live_server_pid" 2>/dev/null || {
      echo "FAIL: controlroomd exited: $(cat "$work/server.log")" >&2
      return 1
    }
    sleep 0.05
  done
  [ -n "$LIVE_PORT" ] || {
    echo "FAIL: controlroomd printed no ready banner" >&2
    return 1
  }
  LIVE_HTTP="$scheme://127.0.0.1:$LIVE_PORT"
  LIVE_WS="${scheme/http/ws}://127.0.0.1:$LIVE_PORT"
}

live_server_stop() {
  if [ -n "$live_server_pid" ]; then
    kill -TERM "$live_server_pid" 2>/dev/null || true
    timeout 10 tail --pid="$live_server_pid" -f /dev/null 2>/dev/null ||
      kill -KILL "$live_server_pid" 2>/dev/null || true
    live_server_pid=
  fi
  if [ -n "$live_server_db" ]; then
    psql -q "$CONTROLROOM_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $live_server_db WITH (FORCE)" ||
      true
    live_server_db=
  fi
}
