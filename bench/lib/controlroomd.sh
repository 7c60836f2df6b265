# shellcheck shell=bash disable=SC2034,SC2154  # sets variables for, and reads $tmp of, the sourcing script
# Sourced by the bench scripts: a throwaway PostgreSQL cluster and a
# controlroomd on loopback, both stopped by controlroomd_stop. Needs
# scripts/lib/pg.sh sourced first, and $tmp (a directory the caller owns).
#
#   controlroomd_start BUILD_DIR [extra serve options...]
#     sets: crd_pid, crd_ws (ws:// URL), crd_http, crd_token (admin token),
#           crd_url (database URL)

crd_pid=

controlroomd_start() {
  local build=$1
  shift
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$tmp"
  fi
  pg_cluster_init "$tmp/pg" "$tmp/sock" 5432
  pg_cluster_start
  pg_cluster_createdb controlroom
  crd_url=$(pg_cluster_url controlroom)
  "$build/server/controlroomd" migrate --database-url="$crd_url" >/dev/null
  crd_token=$("$build/server/controlroomd" admin-token --database-url="$crd_url" --user bench |
    tail -n 1)
  "$build/server/controlroomd" serve --database-url="$crd_url" --port=0 \
    --max-requests-per-second=0 --max-connections-per-address=0 --media-port=0 \
    --recordings-dir="$tmp/recordings" --log-level=warn "$@" \
    >"$tmp/server.out" 2>"$tmp/server.err" &
  crd_pid=$!
  for _ in $(seq 1 100); do
    if grep -q 'ready:' "$tmp/server.out" 2>/dev/null; then
      break
    fi
    if ! kill -0 "$crd_pid" 2>/dev/null; then
      cat "$tmp/server.err" >&2
      return 1
    fi
    sleep 0.1
  done
  crd_ws=$(grep -o 'ws://[^ ]*' "$tmp/server.out" | head -n 1)
  crd_http=$(grep -o 'http://[^ ]*' "$tmp/server.out" | head -n 1)
  if [ -z "$crd_ws" ]; then
    echo "controlroomd printed no ws:// URL" >&2
    cat "$tmp/server.out" "$tmp/server.err" >&2
    return 1
  fi
}

# Stops the server (TERM, then KILL after 10 s) and the cluster.
controlroomd_stop() {
  if [ -n "$crd_pid" ] && kill -0 "$crd_pid" 2>/dev/null; then
    kill -TERM "$crd_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$crd_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$crd_pid" 2>/dev/null || true
    wait "$crd_pid" 2>/dev/null || true
  fi
  crd_pid=
  if [ -n "${PG_DATADIR:-}" ]; then
    pg_cluster_stop || return 1
  fi
}
