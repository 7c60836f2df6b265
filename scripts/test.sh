#!/usr/bin/env bash
# Builds everything with tests (Release, build/) and runs the whole test suite
# against a throwaway private PostgreSQL 15 cluster.
#
#   scripts/test.sh [EXTRA CTEST ARGS...]      e.g. scripts/test.sh -R store
#
# Tests get CONTROLROOM_TEST_DATABASE_URL, a libpq URL of database `postgres`
# on that cluster as its superuser; each test creates the databases it needs.
# The cluster and its directory are removed at the end, pass or fail.
#
# Environment:
#   CONTROLROOM_TEST_TIMEOUT   per-test ctest timeout in seconds for tests that set
#                              none themselves (default 600)
#   CI=true                    report the failing step in a banner
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
# shellcheck source-path=SCRIPTDIR source=lib/pg.sh
source "$repo/scripts/lib/pg.sh"

say() { printf 'test: %s\n' "$*" >&2; }

step=starting
t_start=$(date +%s)
t_build=
t_tests=
tmp=
counts=

# shellcheck disable=SC2317  # only reached through the traps
timings() {
  local now
  now=$(date +%s)
  printf 'test: timings: build %s, tests %s, total %ss\n' \
    "${t_build:-n/a}" "${t_tests:-n/a}" "$((now - t_start))" >&2
}

# shellcheck disable=SC2317  # only reached through the traps
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$tmp" ]; then
    if [ -n "$PG_DATADIR" ]; then
      pg_cluster_stop || true
    fi
    rm -rf "$tmp"
  fi
  timings
  if [ "$rc" -ne 0 ]; then
    if [ "${CI:-}" = true ]; then
      printf '\n=====================================================\n' >&2
      printf 'test: FAILED at step: %s (exit status %s)\n' "$step" "$rc" >&2
      printf '=====================================================\n' >&2
    else
      printf 'test: FAILED at step: %s (exit status %s)\n' "$step" "$rc" >&2
    fi
  fi
  if [ -n "$counts" ]; then
    printf '%s\n' "$counts"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step="install dependencies (scripts/install-deps.sh)"
say "$step"
bash scripts/install-deps.sh

step="configure (cmake)"
t0=$(date +%s)
if [ -f build/CMakeCache.txt ] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' build/CMakeCache.txt; then
  say "build/ was configured with another generator than Ninja: remove build/ and run again"
  exit 1
fi
say "$step"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONTROLROOM_BUILD_TESTS=ON

step="build (cmake --build)"
say "$step"
cmake --build build -j"$(nproc)"
t_build="$(($(date +%s) - t0))s"

step="start the test PostgreSQL cluster"
say "$step"
tmp=$(mktemp -d /tmp/controlroom-test.XXXXXX)
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$tmp"
fi
pg_cluster_init "$tmp/pg" "$tmp/sock" 5432
pg_cluster_start
CONTROLROOM_TEST_DATABASE_URL=$(pg_cluster_url postgres)
export CONTROLROOM_TEST_DATABASE_URL
say "CONTROLROOM_TEST_DATABASE_URL=$CONTROLROOM_TEST_DATABASE_URL"

step="tests (ctest)"
say "$step"
t0=$(date +%s)
set +e
ctest --test-dir build --output-on-failure -j2 --no-tests=error \
  --timeout "${CONTROLROOM_TEST_TIMEOUT:-600}" "$@" 2>&1 | tee "$tmp/ctest.log"
status=${PIPESTATUS[0]}
set -e
t_tests="$(($(date +%s) - t0))s"
# "NN% tests passed, F tests failed out of N": repeated as the very last line.
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$tmp/ctest.log" | tail -n 1 || true)
if [ -n "$summary" ]; then
  n_failed=$(printf '%s\n' "$summary" | sed -E 's/.*passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
  n_total=$(printf '%s\n' "$summary" | sed -E 's/.*failed out of ([0-9]+).*/\1/')
  counts="tests: $((n_total - n_failed)) passed, $n_failed failed"
fi
exit "$status"
