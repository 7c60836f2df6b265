# shellcheck shell=bash disable=SC2034,SC2154  # sets variables for, and reads $tmp of, the sourcing script
# Sourced by the bench scripts: a throwaway PostgreSQL cluster and a
# controlroomd on loopback, both stopped by controlroomd_stop. Needs
# scripts/lib/pg.sh sourced first, and $tmp (a directory the caller owns).
#
#   controlroomd_start BUILD_DIR [extra serve options...]
#     sets: crd_pid, crd_ws (ws:// or wss:// URL), crd_http, crd_token (admin
#           token), crd_url (database URL), crd_ca (with TLS: the certificate
#           a client must trust, for media_load's --ca-file; else empty)
#   controlroomd_restart [extra serve options...]
#     stops the server only and serves the same database again (crd_token
#     stays valid), e.g. to turn TLS on between two runs
#
# CONTROLROOM_BENCH_TLS=1, read at every start and restart, serves https and
# wss:// with a throwaway self-signed certificate (P-256, for localhost and
# 127.0.0.1, valid one day) made in $tmp/tls by the openssl command.

crd_pid=
crd_build=
crd_ca=

controlroomd_start() {
  crd_build=$1
  shift
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$tmp"
  fi
  pg_cluster_init "$tmp/pg" "$tmp/sock" 5432
  pg_cluster_start
  pg_cluster_createdb controlroom
  crd_url=$(pg_cluster_url controlroom)
  "$crd_build/server/controlroomd" migrate --database-url="$crd_url" >/dev/null
  crd_token=$("$crd_build/server/controlroomd" admin-token --database-url="$crd_url" \
    --user bench | tail -n 1)
  controlroomd_serve "$@"
}

controlroomd_restart() {
  controlroomd_stop_server
  controlroomd_serve "$@"
}

# Made once per $tmp; a restart with TLS reuses it.
controlroomd_make_certificate() {
  if [ -s "$tmp/tls/cert.pem" ] && [ -s "$tmp/tls/key.pem" ]; then
    return 0
  fi
  mkdir -p "$tmp/tls"
  chmod 0700 "$tmp/tls"
  if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 1 -nodes \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$tmp/tls/key.pem" -out "$tmp/tls/cert.pem" 2>"$tmp/tls/openssl.err"; then
    echo "openssl could not make a self-signed certificate in $tmp/tls" >&2
    cat "$tmp/tls/openssl.err" >&2
    return 1
  fi
}

controlroomd_serve() {
  local tls=()
  crd_ca=
  if [ "${CONTROLROOM_BENCH_TLS:-0}" = 1 ]; then
    controlroomd_make_certificate || return 1
    tls=(--tls-cert-file="$tmp/tls/cert.pem" --tls-key-file="$tmp/tls/key.pem")
    crd_ca=$tmp/tls/cert.pem
  fi
  "$crd_build/server/controlroomd" serve --database-url="$crd_url" --port=0 \
    --max-requests-per-second=0 --max-connections-per-address=0 --media-port=0 \
    --recordings-dir="$tmp/recordings" --log-level=warn "${tls[@]}" "$@" \
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
  crd_ws=$(grep -o 'wss\?://[^ ]*' "$tmp/server.out" | head -n 1)
  crd_http=$(grep -o 'https\?://[^ ]*' "$tmp/server.out" | head -n 1)
  if [ -z "$crd_ws" ]; then
    echo "controlroomd printed no ws:// or wss:// URL" >&2
    cat "$tmp/server.out" "$tmp/server.err" >&2
    return 1
  fi
}

# Stops the server (TERM, then KILL after 10 s) and the cluster.
controlroomd_stop() {
  controlroomd_stop_server
  if [ -n "${PG_DATADIR:-}" ]; then
    pg_cluster_stop || return 1
  fi
}

controlroomd_stop_server() {
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
}
