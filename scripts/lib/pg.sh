# shellcheck shell=bash
# Private PostgreSQL 15 clusters for development and tests.
#
# Source this file, then:
#   pg_cluster_init DATADIR SOCKDIR PORT   initdb DATADIR unless it already holds a
#                                          cluster; (re)write its connection settings;
#                                          remember the cluster for the calls below
#   pg_cluster_start                       start it (no-op if it is already running)
#   pg_cluster_stop                        fast shutdown, waits (no-op if not running)
#   pg_cluster_url DBNAME                  print a libpq URL for DBNAME
#   pg_cluster_createdb NAME               create database NAME unless it exists
#   pg_cluster_psql [PSQL ARGS...]         psql on the cluster as its superuser
#
# The cluster listens on a Unix socket only (listen_addresses = ''), in SOCKDIR,
# a directory of mode 0700 owned by the cluster's OS user, so authentication is
# `trust` for the superuser role `controlroom`: only that OS user (and root) can
# reach the socket at all. fsync and synchronous_commit stay on: the product's
# durability is tested against this cluster.
#
# As root, initdb refuses to run, so the cluster belongs to the `postgres` system
# user (created by the postgresql-15 package) and every server-side command runs
# through `runuser -u postgres --`. DATADIR and SOCKDIR must then be reachable by
# that user: not under /root; /tmp or /var/tmp work. A normal user owns and runs
# the cluster as itself.
#
# Environment: PG_BINDIR (default /usr/lib/postgresql/15/bin),
#              PG_SHARED_BUFFERS (default 128MB), PG_MAX_CONNECTIONS (default 200).

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PG_SUPERUSER=controlroom
PG_DATADIR=
PG_SOCKDIR=
PG_PORT=
PG_LOGFILE=

_pg_err() {
  printf 'pg: error: %s\n' "$*" >&2
}

_pg_info() {
  printf 'pg: %s\n' "$*" >&2
}

# The OS user that owns and runs the cluster.
_pg_os_user() {
  if [ "$(id -u)" -eq 0 ]; then
    printf 'postgres\n'
  else
    id -un
  fi
}

# Runs a command as the cluster's OS user, from / so that an unreadable current
# directory (root's home) does not bother the PostgreSQL tools.
_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

_pg_need_cluster() {
  if [ -z "$PG_DATADIR" ]; then
    _pg_err "no cluster selected: call pg_cluster_init DATADIR SOCKDIR PORT first"
    return 1
  fi
}

_pg_check_tools() {
  local tool
  for tool in initdb pg_ctl postgres psql; do
    if [ ! -x "$PG_BINDIR/$tool" ]; then
      _pg_err "$PG_BINDIR/$tool not found: PostgreSQL 15 is not installed (run scripts/install-deps.sh)"
      return 1
    fi
  done
  if [ "$(id -u)" -eq 0 ]; then
    if ! id -u postgres >/dev/null 2>&1; then
      _pg_err "running as root but there is no 'postgres' system user (install postgresql-15: scripts/install-deps.sh)"
      return 1
    fi
    if ! command -v runuser >/dev/null 2>&1; then
      _pg_err "running as root but runuser (util-linux) is missing"
      return 1
    fi
  fi
}

# Prints the last lines of the server log, to explain a failure.
_pg_log_tail() {
  if [ -n "$PG_LOGFILE" ] && [ -s "$PG_LOGFILE" ]; then
    printf 'pg: last lines of %s:\n' "$PG_LOGFILE" >&2
    tail -n "${1:-30}" "$PG_LOGFILE" | sed 's/^/  | /' >&2
  elif [ -n "$PG_LOGFILE" ]; then
    printf 'pg: (server log %s is empty or missing)\n' "$PG_LOGFILE" >&2
  fi
}

# Absolute path without requiring it to exist.
_pg_abspath() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
  esac
}

# Value quoted for postgresql.conf.
_pg_conf_quote() {
  printf "'%s'" "${1//\'/\'\'}"
}

# Percent-encodes $1 for a URL, leaving unreserved characters and '/'.
_pg_urlencode() {
  local s=$1 out='' c i
  local LC_ALL=C
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~/-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s\n' "$out"
}

# Creates directory $1 (mode 0700) for the cluster's OS user, or checks that an
# existing one belongs to that user; fails clearly when that user can't reach it.
_pg_owned_dir() {
  local dir=$1 what=$2 owner
  owner=$(_pg_os_user)
  if [ ! -d "$dir" ]; then
    if ! mkdir -p "$dir"; then
      _pg_err "cannot create $what directory $dir"
      return 1
    fi
  fi
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
  elif [ "$(stat -c %U "$dir")" != "$owner" ]; then
    _pg_err "$what directory $dir belongs to $(stat -c %U "$dir"), not to $owner"
    return 1
  fi
  chmod 0700 "$dir"
  if ! _pg_as_owner test -w "$dir" -a -x "$dir"; then
    local hint="is a parent directory closed to it?"
    if [ "$(id -u)" -eq 0 ]; then
      hint="$hint As root, put the cluster under /tmp or /var/tmp, in directories postgres can traverse."
    fi
    _pg_err "$what directory $dir is not reachable by OS user '$owner': $hint"
    return 1
  fi
}

_pg_running() {
  [ -f "$PG_DATADIR/postmaster.pid" ] &&
    _pg_as_owner "$PG_BINDIR/pg_ctl" status -D "$PG_DATADIR" >/dev/null 2>&1
}

# pg_cluster_init DATADIR SOCKDIR PORT
pg_cluster_init() {
  if [ $# -ne 3 ]; then
    _pg_err "usage: pg_cluster_init DATADIR SOCKDIR PORT"
    return 1
  fi
  local datadir sockdir port=$3
  datadir=$(_pg_abspath "$1")
  sockdir=$(_pg_abspath "$2")
  case $port in
    '' | *[!0-9]*)
      _pg_err "port '$port' is not a number"
      return 1
      ;;
  esac
  if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    _pg_err "port $port is out of range"
    return 1
  fi
  # sun_path holds 108 bytes, including the terminating NUL.
  local sockpath="$sockdir/.s.PGSQL.$port"
  if [ "${#sockpath}" -gt 107 ]; then
    _pg_err "socket path $sockpath is longer than 107 bytes: use a shorter socket directory"
    return 1
  fi
  _pg_check_tools || return 1

  PG_DATADIR=$datadir
  PG_SOCKDIR=$sockdir
  PG_PORT=$port
  PG_LOGFILE=$datadir/log/server.log

  _pg_owned_dir "$sockdir" socket || return 1

  if [ ! -f "$datadir/PG_VERSION" ]; then
    if [ -d "$datadir" ] && [ -n "$(ls -A "$datadir")" ]; then
      _pg_err "$datadir is not empty but holds no PostgreSQL cluster (no PG_VERSION): refusing to touch it"
      return 1
    fi
    _pg_owned_dir "$datadir" data || return 1
    local locale=C.UTF-8 out
    if ! locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
      locale=C
    fi
    _pg_info "initdb $datadir (superuser $PG_SUPERUSER, UTF8, locale $locale)"
    if ! out=$(_pg_as_owner "$PG_BINDIR/initdb" -D "$datadir" -U "$PG_SUPERUSER" \
      --auth=trust --encoding=UTF8 --locale="$locale" 2>&1); then
      _pg_err "initdb failed for $datadir:"
      printf '%s\n' "$out" | tail -n 30 | sed 's/^/  | /' >&2
      return 1
    fi
    printf "\n# Connection and resource settings written by Controlroom's scripts/lib/pg.sh.\ninclude_if_exists = 'controlroom.conf'\n" |
      _pg_as_owner tee -a "$datadir/postgresql.conf" >/dev/null
    _pg_as_owner mkdir -p "$datadir/log"
  else
    local version
    version=$(cat "$datadir/PG_VERSION")
    if [ "$version" != 15 ]; then
      _pg_err "$datadir holds a PostgreSQL $version cluster, expected 15"
      return 1
    fi
    if [ "$(id -u)" -ne 0 ] && [ "$(stat -c %U "$datadir")" != "$(id -un)" ]; then
      _pg_err "$datadir belongs to $(stat -c %U "$datadir"), not to $(id -un)"
      return 1
    fi
    if [ "$(id -u)" -eq 0 ] && [ "$(stat -c %U "$datadir")" != postgres ]; then
      _pg_err "$datadir belongs to $(stat -c %U "$datadir"), not to postgres (was it made by a normal user?)"
      return 1
    fi
    _pg_as_owner mkdir -p "$datadir/log"
  fi

  # Rewritten on every init so that a kept cluster follows the current port and
  # socket directory. Takes effect at the next start.
  {
    printf '# Written by scripts/lib/pg.sh on every pg_cluster_init; edits are lost.\n'
    printf "listen_addresses = ''\n"
    printf 'port = %s\n' "$port"
    printf 'unix_socket_directories = %s\n' "$(_pg_conf_quote "$sockdir")"
    printf 'unix_socket_permissions = 0700\n'
    printf 'max_connections = %s\n' "${PG_MAX_CONNECTIONS:-200}"
    printf 'shared_buffers = %s\n' "${PG_SHARED_BUFFERS:-128MB}"
    printf 'fsync = on\n'
    printf 'synchronous_commit = on\n'
    printf 'full_page_writes = on\n'
    printf 'logging_collector = off\n'
    printf "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n"
    printf "timezone = 'UTC'\n"
    printf "log_timezone = 'UTC'\n"
  } | _pg_as_owner tee "$datadir/controlroom.conf" >/dev/null
}

# Does the server answer on the socket the URL points to?
_pg_ready() {
  "$PG_BINDIR/pg_isready" -q -t 5 -h "$PG_SOCKDIR" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres
}

pg_cluster_start() {
  _pg_need_cluster || return 1
  if _pg_running; then
    if _pg_ready; then
      _pg_info "cluster $PG_DATADIR is already running; using it"
      return 0
    fi
    # Left running by an earlier run with another port or socket directory.
    _pg_info "cluster $PG_DATADIR runs with other settings; restarting it"
    pg_cluster_stop || return 1
  fi
  _pg_info "starting PostgreSQL (data $PG_DATADIR, socket $PG_SOCKDIR, port $PG_PORT)"
  local out
  if ! out=$(_pg_as_owner "$PG_BINDIR/pg_ctl" start -D "$PG_DATADIR" -l "$PG_LOGFILE" -w -t 60 2>&1); then
    _pg_err "PostgreSQL failed to start (data $PG_DATADIR):"
    printf '%s\n' "$out" | sed 's/^/  | /' >&2
    _pg_log_tail 30
    return 1
  fi
  if ! _pg_ready; then
    _pg_err "PostgreSQL (data $PG_DATADIR) started but does not answer on socket $PG_SOCKDIR port $PG_PORT"
    _pg_log_tail 30
    return 1
  fi
}

pg_cluster_stop() {
  _pg_need_cluster || return 1
  if ! _pg_running; then
    return 0
  fi
  _pg_info "stopping PostgreSQL (data $PG_DATADIR)"
  local out
  if out=$(_pg_as_owner "$PG_BINDIR/pg_ctl" stop -D "$PG_DATADIR" -m fast -w -t 60 2>&1); then
    return 0
  fi
  _pg_err "fast shutdown failed; trying immediate shutdown:"
  printf '%s\n' "$out" | sed 's/^/  | /' >&2
  _pg_log_tail 20
  if _pg_as_owner "$PG_BINDIR/pg_ctl" stop -D "$PG_DATADIR" -m immediate -w -t 30 >/dev/null 2>&1; then
    return 0
  fi
  _pg_err "PostgreSQL (data $PG_DATADIR) could not be stopped"
  return 1
}

# pg_cluster_url DBNAME: postgresql://controlroom@/DBNAME?host=SOCKDIR&port=PORT
pg_cluster_url() {
  _pg_need_cluster || return 1
  if [ $# -ne 1 ] || [ -z "$1" ]; then
    _pg_err "usage: pg_cluster_url DBNAME"
    return 1
  fi
  local db host
  db=$(_pg_urlencode "$1")
  db=${db//\//%2F}
  host=$(_pg_urlencode "$PG_SOCKDIR")
  printf 'postgresql://%s@/%s?host=%s&port=%s\n' "$PG_SUPERUSER" "$db" "$host" "$PG_PORT"
}

# pg_cluster_psql [ARGS...]: psql as the superuser, database postgres unless
# ARGS name another (-d), stopping on the first error.
pg_cluster_psql() {
  _pg_need_cluster || return 1
  PGCONNECT_TIMEOUT=10 "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$PG_SOCKDIR" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres "$@"
}

# pg_cluster_createdb NAME: creates database NAME (owner controlroom) unless it exists.
pg_cluster_createdb() {
  _pg_need_cluster || return 1
  if [ $# -ne 1 ] || [ -z "$1" ]; then
    _pg_err "usage: pg_cluster_createdb NAME"
    return 1
  fi
  local out
  if ! out=$(pg_cluster_psql -v "dbname=$1" 2>&1 <<'SQL'
SELECT format('CREATE DATABASE %I', :'dbname')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dbname')
\gexec
SQL
  ); then
    _pg_err "could not create database '$1':"
    printf '%s\n' "$out" | sed 's/^/  | /' >&2
    _pg_log_tail 10
    return 1
  fi
}
