#!/usr/bin/env bash
# Installs what cohort needs to build, test and benchmark on Debian 12, then builds it.
# Idempotent: skips what is already there. Usage: scripts/setup.sh [build-dir] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libuv1-dev nlohmann-json3-dev libcli11-dev libfmt-dev libyaml-cpp-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev
  liblua5.1-0-dev libmd-dev libxxhash-dev libncurses-dev zlib1g-dev
  nodejs npm curl apache2-utils wrk procps iproute2 util-linux redis-server redis-tools python3 gnuplot-nox tmux
  haproxy nginx-light
)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node may come from elsewhere than Debian (e.g. nodesource); do not fight it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

BUILD_DIR=${1:-build}
shift || true
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR"
echo "setup: built $BUILD_DIR/cohort"
