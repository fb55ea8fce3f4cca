#!/usr/bin/env bash
# The side-by-side benchmark in one command (issue 5): configures and builds build-bench in
# Release with -DPLEXUS_BUILD_BENCH=ON, then bench/run.py runs every program on every workload,
# alternating them, and prints the Markdown table. Options go to run.py:
#   bench/run.sh [--reps N] [--threads 1,2] [--quick] [--epochs E] [--workloads W1,W3] [--impls ...]
# If plexus_bench does not build (yet), the peers still run, and the reason is printed. The
# plexus command is built too: run.py times it at 1 and 2 threads on an idle and a busy machine.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p build-bench
log=build-bench/bench-build.log
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPLEXUS_BUILD_BENCH=ON \
      -DPLEXUS_BUILD_TESTS=OFF -DPLEXUS_BUILD_EXAMPLES=OFF -DPLEXUS_BUILD_TOOLS=ON >"$log" 2>&1 ||
  { cat "$log" >&2; exit 1; }
cmake --build build-bench --target sgemm_ceiling weight_stream dlib_bench fann_bench >"$log" 2>&1 ||
  { tail -40 "$log" >&2; exit 1; }

skip=()
if [ -f bench/plexus_bench.cpp ] &&
   ! cmake --build build-bench --target plexus_bench plexus_cli >"$log" 2>&1; then
  echo "run.sh: plexus_bench does not build; running the peers only. First errors:" >&2
  grep -m 10 -E "error|undefined reference" "$log" >&2 || tail -20 "$log" >&2
  skip=(--skip plexus)
fi

exec python3 bench/run.py --build build-bench "${skip[@]}" "$@"
