# Sourced by the CLI's process tests: failing with a message, reading JSON
# output, checking exit statuses, and a scratch directory ($work) removed on
# exit together with the live server (lib/live_server.sh) the test starts.

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
work=$(mktemp -d)
cleanup_pids=()  # helpers a test starts (listeners), stopped on exit
cli_checks_cleanup() {
  live_server_stop
  if [ ${#cleanup_pids[@]} -gt 0 ]; then
    kill "${cleanup_pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cli_checks_cleanup EXIT

# json FILE EXPR: evaluates a Python expression over the parsed JSON `j`.
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
# expect_status N CMD...: runs CMD, which must exit with N (its stdout in
# $work/out, its stderr in $work/err).
expect_status() {
  local want=$1 rc=0
  shift
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "$* exited $rc, expected $want: $(cat "$work/err")"
}
