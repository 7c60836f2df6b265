# shellcheck shell=bash disable=SC2034,SC2154  # sets variables for, and reads $tmp of, the sourcing script
# Sourced by the bench scripts: Mumble's server (murmurd 1.3.x) on loopback
# with a generated configuration in a temporary directory of its own
# (murmurd started as root drops to the mumble-server user, which must own
# it; removed by murmur_stop): a private port, an SQLite
# database in that directory, no public registration, limits out of the
# way of a load test (users, bandwidth for 5 ms stereo frames at 256 kbit/s
# with redundancy, message rate, no autoban of the one loopback address all
# users come from), Opus for everyone (opusthreshold=0), and a random
# SuperUser password (the load generator creates one channel per room).
#
#   murmur_start      sets murmur_pid, murmur_port, murmur_password
#   murmur_stop

murmur_pid=
murmur_dir=

murmur_start() {
  murmur_dir=$(mktemp -d /tmp/controlroom-murmur.XXXXXX)
  local dir=$murmur_dir
  if [ "$(id -u)" -eq 0 ] && id mumble-server >/dev/null 2>&1; then
    chown mumble-server: "$dir"
  fi
  murmur_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  murmur_password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  cat >"$dir/murmur.ini" <<INI
database=$dir/murmur.sqlite
logfile=$dir/murmur.log
pidfile=
host=127.0.0.1
port=$murmur_port
users=100000
usersperchannel=0
bandwidth=1000000
opusthreshold=0
autobanAttempts=0
messageburst=1000000
messagelimit=1000000
allowping=false
channelcountlimit=100000
timeout=60
welcometext=
registerName=
certrequired=false
INI
  murmurd -ini "$dir/murmur.ini" -supw "$murmur_password" >"$dir/supw.out" 2>&1 || {
    cat "$dir/supw.out" >&2
    return 1
  }
  murmurd -fg -ini "$dir/murmur.ini" >"$dir/murmur.out" 2>&1 &
  murmur_pid=$!
  for _ in $(seq 1 100); do
    # The last line of a start: after the port is bound and the server's
    # certificate generated.
    if grep -q 'Not registering server as public' "$dir/murmur.log" "$dir/murmur.out" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$murmur_pid" 2>/dev/null; then
      cat "$dir/murmur.out" "$dir/murmur.log" >&2 2>/dev/null
      return 1
    fi
    sleep 0.1
  done
  echo "murmurd did not start listening" >&2
  return 1
}

murmur_stop() {
  if [ -n "$murmur_pid" ] && kill -0 "$murmur_pid" 2>/dev/null; then
    kill -TERM "$murmur_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$murmur_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$murmur_pid" 2>/dev/null || true
    wait "$murmur_pid" 2>/dev/null || true
  fi
  murmur_pid=
  if [ -n "$murmur_dir" ]; then
    rm -rf "$murmur_dir"
  fi
  murmur_dir=
}
