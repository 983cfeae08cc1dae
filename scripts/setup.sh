#!/usr/bin/env bash
# Installs what ca2eca needs to build and test (Debian 12 packages), then
# configures and builds one CMake preset (default: release).
#
#   scripts/setup.sh [release|dev|asan]
set -euo pipefail

preset="${1:-release}"
cd "$(dirname "$0")/.."

packages=(
  gcc make cmake pkg-config ca-certificates git
  libcurl4-openssl-dev libssl-dev libxml2-dev libsqlite3-dev
  python3 python3-cryptography   # the simulated org used by the tests
  groff-base clang-format        # man page and formatting checks in the tests
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "setup: missing packages (${missing[*]}) and no root or sudo to install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q >&2
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

cmake --preset "$preset" >&2
cmake --build --preset "$preset" -j "$(nproc)" >&2
