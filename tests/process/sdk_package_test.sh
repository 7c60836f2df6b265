#!/usr/bin/env bash
# The SDK as an application developer gets it: `cmake --install` of the build
# tree into a temporary prefix, then client-sdk/examples configured and built
# against that prefix with find_package(controlroom) (never the build tree),
# the same program compiled once more through pkg-config, and both run: --help,
# and a real session against a live controlroomd.
#
#   sdk_package_test.sh BUILD_DIR SOURCE_DIR PATH/TO/controlroomd
set -euo pipefail

build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
server_bin=$3
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# shellcheck source=lib/live_server.sh
source "$src/tests/process/lib/live_server.sh"

# Inside the build directory, as a build artefact; removed at the end.
work=$(mktemp -d "$build/sdk-package-test.XXXXXX")
cleanup() {
  live_server_stop
  rm -rf "$work"
}
trap cleanup EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" --component sdk >"$work/install.log" ||
  fail "cmake --install: $(cat "$work/install.log")"
for f in include/controlroom/controlroom.hpp include/controlroom/client.hpp \
  lib/cmake/controlroom/controlroomConfig.cmake lib/pkgconfig/controlroom.pc; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
lib=$(find "$prefix/lib" -name 'libcontrolroom_client.so.*' -type f | head -n 1)
[ -n "$lib" ] || fail "no libcontrolroom_client.so installed"
# The installed headers must stand alone: no Boost, protobuf or Opus.
if grep -rlE '#include <(boost|google|opus)' "$prefix/include"; then
  fail "a public header includes a private dependency"
fi
# Only namespace controlroom is exported: no Boost or protobuf symbol leaks.
leaked=$(nm -D --defined-only -C "$lib" | awk '{ $1 = ""; $2 = ""; print }' |
  grep -E '^ *(boost|google)::' | head -n 3 || true)
[ -z "$leaked" ] || fail "the shared library exports private symbols: $leaked"

# find_package(controlroom) from the installed prefix only.
cmake -S "$src/client-sdk/examples" -B "$work/example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -Dcontrolroom_DIR="$prefix/lib/cmake/controlroom" \
  >"$work/configure.log" 2>&1 || fail "configure the example: $(cat "$work/configure.log")"
cmake --build "$work/example" >"$work/build.log" 2>&1 || fail "build the example: $(cat "$work/build.log")"
grep -q "$build/client-sdk" "$work/example/build.ninja" &&
  fail "the example was built against the build tree, not the installed package"

# pkg-config, without CMake.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046  # pkg-config's output is a list of flags
c++ -std=c++20 -O1 -o "$work/tone_session_pc" "$src/client-sdk/examples/tone_session.cpp" \
  $(pkg-config --cflags --libs controlroom) || fail "pkg-config build"

"$work/example/tone_session" --help | grep -q "usage: tone_session" || fail "--help"
set +e
"$work/example/tone_session" --url ws://127.0.0.1:1 >/dev/null 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "a missing --token exited $rc, expected 2"

live_server_start "$server_bin" "$work"
"$work/example/tone_session" --url "$LIVE_WS" --token "$LIVE_ADMIN_TOKEN" --seconds 0.5 \
  >"$work/run1.out" || fail "the CMake-built example against the server: $(cat "$work/run1.out")"
grep -qE '^sent [1-9][0-9]* frames' "$work/run1.out" || fail "no audio sent: $(cat "$work/run1.out")"
LD_LIBRARY_PATH="$(dirname "$lib")" "$work/tone_session_pc" --url "$LIVE_WS" \
  --token "$LIVE_ADMIN_TOKEN" --seconds 0.2 >"$work/run2.out" ||
  fail "the pkg-config-built example: $(cat "$work/run2.out")"
set +e
"$work/example/tone_session" --url "$LIVE_WS" --token crt_wrong --seconds 0.1 >/dev/null 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "a bad token exited $rc, expected 1"
grep -q "connect" "$work/err" || fail "no clear error for a bad token: $(cat "$work/err")"
echo "SDK package: ok ($(basename "$lib"))"
