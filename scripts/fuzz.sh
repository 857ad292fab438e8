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
# One target per core at a time (-max_total_time is wall-clock time); each
# leaves its exit status in build-fuzz/<target>.rc.
fuzz_one() {
  local name=$1 rc=0
  mkdir -p "build-fuzz/corpus/$name" "fuzz/corpus/$name"
  (cd build-fuzz && "./$name" -max_total_time="$SECS" -timeout=5 -rss_limit_mb=1024 -print_final_stats=0 \
      "corpus/$name" "../fuzz/corpus/$name" >"$name.log" 2>&1) || rc=1
  echo "== $name for ${SECS}s$([ $rc = 0 ] || echo ': FAILED')"
  tail -3 "build-fuzz/$name.log"
  echo $rc >"build-fuzz/$name.rc"
}
jobs_max=$(nproc)
rm -f build-fuzz/*_fuzz.rc
for target in build-fuzz/*_fuzz; do
  while (($(jobs -rp | wc -l) >= jobs_max)); do wait -n || true; done
  fuzz_one "$(basename "$target")" &
done
wait
status=0
for target in build-fuzz/*_fuzz; do
  [ "$(cat "build-fuzz/$(basename "$target").rc" 2>/dev/null)" = 0 ] || status=1
done
exit $status
