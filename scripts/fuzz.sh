#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for a
# while on its committed seed corpus (fuzz/corpus/<target>/); new inputs go to
# build-fuzz/corpus/<target>/. Crashes leave a reproducer in build-fuzz/.
#   scripts/fuzz.sh [seconds-per-target, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
if ! command -v clang++ >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang libclang-rt-dev >/dev/null
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCOHORT_FUZZ=ON -DCOHORT_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target fuzz_targets
status=0
for target in build-fuzz/*_fuzz; do
  name=$(basename "$target")
  mkdir -p "build-fuzz/corpus/$name" "fuzz/corpus/$name"
  echo "== $name for ${SECS}s"
  (cd build-fuzz && "./$name" -max_total_time="$SECS" -timeout=5 -rss_limit_mb=1024 -print_final_stats=0 \
      "corpus/$name" "../fuzz/corpus/$name" 2>&1 | tail -3) || status=1
done
exit $status
