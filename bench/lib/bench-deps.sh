#!/usr/bin/env bash
# Packages only the benchmarks need, kept out of scripts/install-deps.sh
# (which CI and the image build run): Mumble's server for the peer
# comparison. Idempotent; apt-get only when something is missing.
set -euo pipefail

if ! command -v murmurd >/dev/null 2>&1; then
  sudo=
  if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mumble-server
fi
