#!/usr/bin/env bash
# Installs every Debian package Controlroom needs to build, test and run.
# Idempotent: packages already present are not touched, and apt is not even
# consulted when nothing is missing. Runs as root, or through sudo otherwise.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git curl ca-certificates openssl
  libboost1.81-dev libboost-json1.81-dev libssl-dev
  protobuf-compiler libprotobuf-dev
  libpqxx-dev libopus-dev libogg-dev libopusfile-dev
  libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql-15 postgresql-client-15
  clang-format python3-yaml
  # The fuzz targets: clang, and its libFuzzer and sanitizer runtimes (only a
  # Recommends of clang, which --no-install-recommends would skip).
  clang libclang-rt-14-dev
  # The controlroom CLI: argument parsing (header-only), audio files, devices.
  libcli11-dev libsndfile1-dev portaudio19-dev
  # The browser console: npm installs its JavaScript dependencies
  # (scripts/web-deps.sh), Chromium and Firefox run its tests.
  nodejs npm chromium firefox-esr
)

missing=()
for p in "${packages[@]}"; do
  # A Node.js from elsewhere (NodeSource) carries its own npm and conflicts
  # with Debian's package.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/web-deps.sh"
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and not root; no sudo to install them" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Installing postgresql-15 on Debian would create (and, where services run, start)
# a system-wide "main" cluster. Controlroom runs its own private clusters
# (scripts/lib/pg.sh), so switch that off before apt runs. postgresql-common's
# createcluster.conf includes every file in createcluster.d, and the package's
# postinst asks `pg_conftool createcluster.conf show create_main_cluster`, which
# follows that include; the drop-in also works when postgresql-common is not
# installed yet, because its createcluster.conf is only written at install time.
ccdir=/etc/postgresql-common/createcluster.d
ccfile=$ccdir/controlroom.conf
ccline='create_main_cluster = false'
if [ "$(cat "$ccfile" 2>/dev/null)" != "$ccline" ]; then
  "${sudo[@]}" mkdir -p "$ccdir"
  printf '%s\n' "$ccline" | "${sudo[@]}" tee "$ccfile" >/dev/null
fi
# A locally edited createcluster.conf may lack the include: then say it there.
cc=/etc/postgresql-common/createcluster.conf
if [ -f "$cc" ] && command -v pg_conftool >/dev/null 2>&1 &&
  [ "$(pg_conftool "$cc" show -bs create_main_cluster 2>/dev/null || true)" != off ]; then
  printf '\n# Added by Controlroom scripts/install-deps.sh: no system-wide cluster.\n%s\n' "$ccline" |
    "${sudo[@]}" tee -a "$cc" >/dev/null
fi

"${sudo[@]}" apt-get update -q -o Acquire::Retries=3
"${sudo[@]}" apt-get install -y -q -o Acquire::Retries=3 --no-install-recommends "${missing[@]}"

bash "$(dirname "${BASH_SOURCE[0]}")/web-deps.sh"
