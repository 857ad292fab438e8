#!/usr/bin/env bash
# The main job on a fresh machine: install and build everything, then run the
# seed app (a CPU-bound, single-process Node server) first alone, then under
# cohort on every core, each under the same quick `ab` load, and compare.
#   scripts/demo.sh [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build >/dev/null
SECONDS_PER_RUN=${1:-8}
APP=test/apps/server.js
export COHORT_HOME; COHORT_HOME=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$COHORT_HOME"; }
trap cleanup EXIT

wait_http() {  # polls until the server answers (or 15 s pass)
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done
  echo "demo: nothing answered on port $1" >&2; return 1
}
measure() {  # prints requests per second
  ab -r -q -c 200 -t "$SECONDS_PER_RUN" -n 10000000 "http://127.0.0.1:$1/" 2>/dev/null \
    | awk '/Requests per second/ {print $4} /Failed requests/ {f=$3} END {if (f > 0) print "(failed: " f ")" > "/dev/stderr"}'
}

echo "== one node process: node $APP"
PORT=18181 node "$APP" & pids+=($!)
wait_http 18181
single=$(measure 18181)
kill "${pids[-1]}"; echo "   $single req/s"

cpus=$(nproc)
echo "== cohort: build/cohort run $APP -i max ($cpus workers)"
PORT=18182 build/cohort run "$APP" -i max --quiet & pids+=($!)
wait_http 18182
curl -s "http://127.0.0.1:18182/"; echo
clustered=$(measure 18182)
echo "   $clustered req/s"
build/cohort ls
awk -v a="$clustered" -v b="$single" 'BEGIN { printf "\ncohort on %d cores: %.2fx the single process\n", '"$cpus"', a / b }'
