#!/usr/bin/env bash
# Runs Controlroom locally: installs dependencies, builds controlroomd (Release),
# starts a private PostgreSQL 15 cluster whose data is kept across runs, applies
# migrations, prints an admin token and serves on 127.0.0.1 until Ctrl-C.
#
#   scripts/run.sh [EXTRA controlroomd serve FLAGS...]
#
# Environment:
#   CONTROLROOM_PORT      HTTP/WebSocket port on 127.0.0.1 (default 7700)
#   CONTROLROOM_PG_PORT   port number of the private cluster's Unix socket (default 5432;
#                         it listens on no TCP port)
#
# Where the cluster lives: as a normal user, in the checkout at .controlroom/pg;
# as root (initdb refuses root, so the cluster runs as the postgres user, which
# cannot enter e.g. /root), in /var/tmp/controlroom-<hash of the checkout path>/pg.
# Delete that directory to start from an empty database.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
# shellcheck source-path=SCRIPTDIR source=lib/pg.sh
source "$repo/scripts/lib/pg.sh"

port=${CONTROLROOM_PORT:-7700}
pg_port=${CONTROLROOM_PG_PORT:-5432}
server=build/server/controlroomd

say() { printf 'run: %s\n' "$*" >&2; }
die() {
  printf 'run: error: %s\n' "$*" >&2
  exit 1
}

case $port in
  '' | *[!0-9]*) die "CONTROLROOM_PORT='$port' is not a port number" ;;
esac

# Something else answering on the port would pass the health check below.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  die "127.0.0.1:$port is already in use: stop what listens there or set CONTROLROOM_PORT"
fi

server_pid=
cluster_started=

# shellcheck disable=SC2317  # only reached through the traps
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    say "stopping controlroomd (pid $server_pid)"
    kill -TERM "$server_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 150; i++)); do # up to 15 s
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      say "controlroomd did not stop within 15 s; killing it"
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$cluster_started" ]; then
    pg_cluster_stop || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "installing dependencies"
bash scripts/install-deps.sh

if [ -f build/CMakeCache.txt ] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' build/CMakeCache.txt; then
  die "build/ was configured with another generator than Ninja: remove build/ and run again"
fi
say "configuring and building controlroomd (Release, build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONTROLROOM_BUILD_TESTS=OFF
cmake --build build --target controlroomd
[ -x "$server" ] || die "the build produced no $server"

# The private cluster, kept across runs.
if [ "$(id -u)" -eq 0 ]; then
  state=/var/tmp/controlroom-$(printf '%s' "$repo" | sha256sum | cut -c1-12)
  mkdir -p "$state"
  chmod 0755 "$state"
  pg_data=$state/pg
  pg_sock=$state/sock
else
  state=$repo/.controlroom
  mkdir -p "$state"
  pg_data=$state/pg
  pg_sock=$state/sock
  # A Unix socket path holds at most 107 bytes: fall back to a short private directory.
  if [ $((${#pg_sock} + 16)) -gt 107 ]; then
    pg_sock=${TMPDIR:-/tmp}/controlroom-$(id -u)-$(printf '%s' "$repo" | sha256sum | cut -c1-12)
  fi
fi

recordings=$state/recordings  # take files, kept across runs like the database
mkdir -p "$recordings"

# A self-signed certificate for local TLS, made once and kept with the data.
# CONTROLROOM_TLS=1 serves https/wss with it (clients then need its
# certificate as their CA file: $state/tls/cert.pem).
tls_dir=$state/tls
if [ ! -s "$tls_dir/cert.pem" ] || [ ! -s "$tls_dir/key.pem" ]; then
  mkdir -p "$tls_dir"
  chmod 0700 "$tls_dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 825 -nodes \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$tls_dir/key.pem" -out "$tls_dir/cert.pem" 2>/dev/null ||
    die "openssl could not make a self-signed certificate in $tls_dir"
fi
tls_flags=()
scheme=http
ws_scheme=ws
curl_tls=()
if [ "${CONTROLROOM_TLS:-0}" = 1 ]; then
  tls_flags=(--tls-cert-file="$tls_dir/cert.pem" --tls-key-file="$tls_dir/key.pem")
  scheme=https
  ws_scheme=wss
  curl_tls=(--cacert "$tls_dir/cert.pem")
fi

pg_cluster_init "$pg_data" "$pg_sock" "$pg_port"
cluster_started=1
pg_cluster_start
pg_cluster_createdb controlroom
db_url=$(pg_cluster_url controlroom)

say "applying migrations"
"$server" migrate --database-url="$db_url" || die "controlroomd migrate failed"

token=$("$server" admin-token --database-url="$db_url" --user admin) ||
  die "controlroomd admin-token failed"
token=$(printf '%s\n' "$token" | sed '/^[[:space:]]*$/d' | tail -n 1)
[ -n "$token" ] || die "controlroomd admin-token printed no token"

say "starting controlroomd on 127.0.0.1:$port"
"$server" serve --database-url="$db_url" --listen-address=127.0.0.1 --port="$port" \
  --media-port="$port" --recordings-dir="$recordings" "${tls_flags[@]}" "$@" &
server_pid=$!

healthy=
for ((i = 0; i < 120; i++)); do # up to ~30 s
  if ! kill -0 "$server_pid" 2>/dev/null; then
    status=0
    wait "$server_pid" || status=$?
    server_pid=
    die "controlroomd exited (status $status) before answering /healthz"
  fi
  if curl -fs --max-time 2 "${curl_tls[@]}" -o /dev/null "$scheme://127.0.0.1:$port/healthz"; then
    healthy=1
    break
  fi
  sleep 0.25
done
[ -n "$healthy" ] || die "controlroomd did not answer $scheme://127.0.0.1:$port/healthz within 30 s"

base=$scheme://127.0.0.1:$port
cat <<EOF

Controlroom is running (controlroomd pid $server_pid).

  health          $base/healthz
  readiness       $base/readyz
  metrics         $base/metrics
  control plane   $ws_scheme://127.0.0.1:$port/v1/control
  console         $base/console/
  UDP media       ports $port.. (one per worker)
  recordings      $recordings
  TLS certificate $tls_dir/cert.pem (CONTROLROOM_TLS=1 serves https/wss with it;
                  the CLI trusts it with CONTROLROOM_CA_FILE=$tls_dir/cert.pem)
  database        $db_url
  data            $pg_data (kept across runs)

  admin token     $token
  session state   $base/api/v1/sessions/SESSION_ID/state  (Authorization: Bearer TOKEN)

Press Ctrl-C to stop.
EOF

# Ctrl-C or SIGTERM interrupts this wait and the traps above stop everything.
status=0
wait "$server_pid" || status=$?
server_pid=
say "controlroomd exited on its own (status $status)"
exit "$status"
