#!/usr/bin/env bash
# The deployment files (deploy/: Dockerfile, compose, Kubernetes, systemd)
# checked against the built controlroomd, as far as a machine without a Docker
# engine or a cluster allows. See deploy_check.py for what each part proves.
#
#   deploy_check.sh PATH/TO/controlroomd BUILD_DIR
# Needs python3 with PyYAML (Debian python3-yaml, from scripts/install-deps.sh),
# readelf, dpkg, cmake and ninja; uses systemd-analyze when it is there.
set -euo pipefail

bin=$(realpath "$1")
build_dir=$2
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Debian's python3 is the one python3-yaml installs for; another python3 on
# PATH (pyenv, a virtualenv) may lack PyYAML.
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3) || fail "no python3"
"$python" -c 'import yaml' 2>/dev/null ||
  fail "$python has no PyYAML: install python3-yaml (scripts/install-deps.sh)"

status=0
"$python" "$src/tests/process/deploy_check.py" "$src" "$build_dir" "$bin" || status=1

# systemd's own reading of the unit, with ExecStart pointed at the built binary
# (verify insists that it exists). It exits 0 on unknown keys and bad values
# and only prints them, so any line it prints is a failure.
if command -v systemd-analyze >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  sed "s|^ExecStart=/usr/local/bin/controlroomd |ExecStart=$bin |" \
    "$src/deploy/controlroomd.service" >"$tmp/controlroomd.service"
  grep -q "^ExecStart=$bin " "$tmp/controlroomd.service" ||
    { echo "FAIL: deploy/controlroomd.service: ExecStart does not run /usr/local/bin/controlroomd" >&2; status=1; }
  set +e
  (cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$tmp/controlroomd.service") >"$tmp/out" 2>&1
  rc=$?
  set -e
  if [ "$rc" -ne 0 ] || grep -q 'controlroomd.service' "$tmp/out"; then
    echo "FAIL: deploy/controlroomd.service: systemd-analyze verify (exit $rc):" >&2
    sed 's/^/  /' "$tmp/out" >&2
    status=1
  else
    echo "ok: deploy/controlroomd.service: systemd-analyze verify"
  fi
else
  echo "skip: systemd-analyze is not installed; the unit was only parsed"
fi

[ "$status" -eq 0 ] || fail "deploy check found problems (above)"
echo "deploy check: all ok"
