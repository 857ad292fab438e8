#!/usr/bin/env bash
# Runs every test: unit tests (GoogleTest, build/cohort_test) and end-to-end tests
# (node --test driving the real binary with node, curl and ab).
#   scripts/test.sh              normal build in build/
#   scripts/test.sh --sanitize   the same suite against an ASan+UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=build
CMAKE_ARGS=()
if [ "${1:-}" = "--sanitize" ]; then
  BUILD_DIR=build-asan
  CMAKE_ARGS=(-DCOHORT_SANITIZE=ON)
  # Long e2e tests that add little under the sanitizers skip themselves (they say so).
  export COHORT_SANITIZE=1
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
scripts/setup.sh "$BUILD_DIR" "${CMAKE_ARGS[@]}"

echo "== unit tests"
# One process for all of them (ctest runs one per test: 400 ASan start-ups
# cost half a minute); --gtest_brief prints only failures and the summary.
"$BUILD_DIR/cohort_test" --gtest_brief=1

echo "== end-to-end tests"
COHORT_BIN="$PWD/$BUILD_DIR/cohort" node --test --test-concurrency=1 test/e2e/
