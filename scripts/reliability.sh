#!/usr/bin/env bash
# The reliability suite (RELIABILITY.md says what each part shows and what
# it found): the long runs the default test suite leaves out, plus the fast
# parts that are in it, in one command.
#   scripts/reliability.sh [--quick] [--sanitize] [--fuzz SECONDS] [PART...]
# Parts (default: all, in this order):
#   reloads   100 rolling reloads under ab -r -c200, then under wrk -c100
#   chaos     60 s of random worker SIGKILLs under load; 60 s of store SIGKILLs under --store
#   leaks     1,000,000 connections and 10,000 control calls through one primary
#   hostile   a worker writing garbage, stray fds, floods on its channel
#   security  listening sockets, file modes, another user refused
#   fuzz      every libFuzzer target for --fuzz SECONDS (default 60) each
# --quick: 10 reloads, 15 s of chaos, 50,000 connections, 10 s of fuzzing.
# --sanitize: build and use the ASan+UBSan binary (build-asan/). COHORT_BIN
# runs the parts against another binary instead; an ASan one is recognised
# (memory figures are then reported, not checked).
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=""
SANITIZE=""
FUZZ_SECS=""
PARTS=()
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --sanitize) SANITIZE=1 ;;
    --fuzz) FUZZ_SECS="$2"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    reloads|chaos|leaks|hostile|security|fuzz) PARTS+=("$1") ;;
    *) echo "reliability.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
((${#PARTS[@]})) || PARTS=(reloads chaos leaks hostile security fuzz)

if [ -z "${COHORT_BIN:-}" ]; then
  if [ -n "$SANITIZE" ]; then
    scripts/setup.sh build-asan -DCOHORT_SANITIZE=ON
    COHORT_BIN="$PWD/build-asan/cohort"
  else
    scripts/setup.sh build
    COHORT_BIN="$PWD/build/cohort"
  fi
fi
export COHORT_BIN
if readelf -d "$COHORT_BIN" 2>/dev/null | grep -q 'libasan' || nm "$COHORT_BIN" 2>/dev/null | grep -q ' __asan_init$'; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  echo "== $COHORT_BIN is an ASan build: memory figures are reported, not checked"
fi

if [ -n "$QUICK" ]; then
  export COHORT_RELIABILITY_QUICK=1
  export COHORT_LEAK_CONNECTIONS="${COHORT_LEAK_CONNECTIONS:-50000}" COHORT_LEAK_CALLS="${COHORT_LEAK_CALLS:-1000}"
  FUZZ_SECS="${FUZZ_SECS:-10}"
else
  export COHORT_LEAK_CONNECTIONS="${COHORT_LEAK_CONNECTIONS:-1000000}" COHORT_LEAK_CALLS="${COHORT_LEAK_CALLS:-10000}"
  FUZZ_SECS="${FUZZ_SECS:-60}"
fi

echo "== $(date -u +%FT%TZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $COHORT_BIN"
failed=()
run_tests() {
  local part=$1; shift
  echo "== $part"
  node --test --test-concurrency=1 --test-reporter=spec "$@" || failed+=("$part")
}
for part in "${PARTS[@]}"; do
  case "$part" in
    reloads) run_tests reloads test/reliability/reloads.test.mjs ;;
    chaos) run_tests chaos test/reliability/chaos.test.mjs ;;
    leaks) run_tests leaks test/e2e/leaks.test.mjs ;;
    hostile) run_tests hostile test/e2e/hostile.test.mjs ;;
    security) run_tests security --test-name-pattern='listens on|other than the owner|another user|requirepass' \
                test/e2e/security.test.mjs test/e2e/control.test.mjs test/e2e/daemon.test.mjs test/e2e/store.test.mjs ;;
    fuzz) echo "== fuzz"; scripts/fuzz.sh "$FUZZ_SECS" || failed+=(fuzz) ;;
  esac
done
if ((${#failed[@]})); then
  echo "== failed: ${failed[*]}"
  exit 1
fi
echo "== all passed: ${PARTS[*]}"
