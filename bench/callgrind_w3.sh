#!/usr/bin/env bash
# Instructions per W3 step (2-8-1 XOR net, one full-batch SGD step), counted by callgrind, which is
# exact and unaffected by other load. Runs plexus_bench under callgrind for N and 2N timed steps
# and divides the difference by N, so set-up, warm-up and printing cancel out.
#   bench/callgrind_w3.sh [BUILD_DIR] [N]      (default build-bench, 2000)
# Set PROFILE=1 to keep the 2N run's callgrind.out file for callgrind_annotate, THREADS=T to run
# at --threads T (default 1; every thread's instructions are counted).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
n=${2:-2000}
threads=${THREADS:-1}
bench=$build/bench/plexus_bench
[ -x "$bench" ] || { echo "callgrind_w3.sh: $bench not built (target plexus_bench)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

collected() {  # total instructions of one run of $1 steps
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$1" "$bench" --workload W3 \
    --threads "$threads" --steps "$1" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
small=$(collected "$n")
large=$(collected $((2 * n)))
echo "W3 instructions per step: $(((large - small) / n))  (callgrind, $n vs $((2 * n)) steps," \
  "--threads $threads)"
if [ "${PROFILE:-0}" = 1 ]; then
  cp "$out/callgrind.$((2 * n))" "$build/callgrind.w3.out"
  echo "profile: $build/callgrind.w3.out (callgrind_annotate --inclusive=yes $build/callgrind.w3.out)"
fi
