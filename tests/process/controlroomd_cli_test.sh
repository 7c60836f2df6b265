#!/usr/bin/env bash
# The real controlroomd binary, as an operator meets it: configuration errors
# exit 2 with a message, migrate is idempotent, admin-token prints a token that
# authenticates, serve answers /healthz and exits 0 on SIGTERM.
#
#   controlroomd_cli_test.sh PATH/TO/controlroomd
# Needs CONTROLROOM_TEST_DATABASE_URL (scripts/test.sh sets it); creates and
# drops its own database.
set -euo pipefail

bin=$1
: "${CONTROLROOM_TEST_DATABASE_URL:?run through scripts/test.sh: the test database URL is missing}"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

db="crtest_cli_$$"
base=${CONTROLROOM_TEST_DATABASE_URL%%\?*}
query=${CONTROLROOM_TEST_DATABASE_URL#"$base"}
url="${base%/*}/$db$query"
psql -q "$CONTROLROOM_TEST_DATABASE_URL" -c "CREATE DATABASE $db"
tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  psql -q "$CONTROLROOM_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Bad configuration: exit status 2 and a message naming the problem.
set +e
"$bin" serve --database-url="$url" --no-such-key=1 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown key exited $rc, expected 2"
grep -q "unknown configuration key 'no_such_key'" "$tmp/err" || fail "no clear message: $(cat "$tmp/err")"
set +e
"$bin" serve 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "missing database_url exited $rc, expected 2"
grep -q "database_url is required" "$tmp/err" || fail "no clear message: $(cat "$tmp/err")"
set +e
"$bin" serve --database-url="$url" --log-levels=media=debug,sesion=info 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown log subsystem exited $rc, expected 2"
grep -q "log_levels: unknown subsystem 'sesion'" "$tmp/err" || fail "no clear message: $(cat "$tmp/err")"

# Migrations: applied once, then nothing to do.
"$bin" migrate --database-url="$url" >"$tmp/m1"
grep -q "applied 0001_initial" "$tmp/m1" || fail "first migrate: $(cat "$tmp/m1")"
"$bin" migrate --database-url="$url" >"$tmp/m2"
grep -q "nothing to do" "$tmp/m2" || fail "second migrate: $(cat "$tmp/m2")"

token=$("$bin" admin-token --database-url="$url" --user ops)
[[ "$token" =~ ^crt_[A-Za-z0-9_-]{43}$ ]] || fail "admin-token printed '$token'"

# Serve on a free port, find it in the banner, check health, then SIGTERM.
"$bin" serve --database-url="$url" --port=0 --media-port=0 --log-level=info >"$tmp/out" 2>"$tmp/log" &
pid=$!
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's|^controlroomd ready: http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/out")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "server exited: $(cat "$tmp/log")"
  sleep 0.05
done
[ -n "$port" ] || fail "no ready banner"
curl -fsS "http://127.0.0.1:$port/healthz" | grep -q '"ok"' || fail "healthz"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/api/v1/sessions/00000000-0000-0000-0000-000000000000/state")
[ "$status" = 404 ] || fail "the admin token did not authenticate (HTTP $status)"

kill -TERM "$pid"
set +e
timeout 10 tail --pid="$pid" -f /dev/null
wait "$pid"
rc=$?
set -e
pid=
[ "$rc" -eq 0 ] || fail "SIGTERM exit status $rc"
grep -q "stopped" "$tmp/log" || fail "no clean shutdown in the log: $(cat "$tmp/log")"
# Log lines are logfmt with the ids (docs/operations.md, Logs).
grep -Eq '^ts=[0-9T:.-]+Z level=info logger=app session=- conn=- msg="listening on ' "$tmp/log" ||
  fail "no structured start line: $(cat "$tmp/log")"
echo "controlroomd CLI: ok"
