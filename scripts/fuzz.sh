#!/usr/bin/env bash
# Fuzzes every reader for SECONDS each (default 60): builds the libFuzzer targets of fuzz/ with
# clang, ASan and UBSan into build-fuzz/, then runs each, one process at a time, starting from its
# seeds in fuzz/corpus/<target>/. New inputs go to build-fuzz/corpus/<target>/ and crashes to
# build-fuzz/crashes/<target>/; keep a fixed crash's input under fuzz/regressions/<target>/, where
# the normal test suite replays it. Exits non-zero when any target crashed.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv idx npy safetensors model)

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPLEXUS_BUILD_FUZZERS=ON -DPLEXUS_WERROR=ON -DPLEXUS_BUILD_TESTS=OFF \
      -DPLEXUS_BUILD_EXAMPLES=OFF -DPLEXUS_BUILD_TOOLS=OFF >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/#/fuzz_}"

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
failed=()
for target in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$target" "build-fuzz/crashes/$target"
  echo "== fuzz $target for ${seconds}s"
  # The memory limits turn an allocation sized by an unchecked field into a reported crash.
  status=0
  "build-fuzz/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/crashes/$target/" \
      "build-fuzz/corpus/$target" "fuzz/corpus/$target" >"build-fuzz/$target.log" 2>&1 || status=$?
  grep -E '^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|SUMMARY)' \
      "build-fuzz/$target.log" || true
  [ "$status" = 0 ] || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}; inputs in build-fuzz/crashes/, logs in build-fuzz/*.log" >&2
  exit 1
fi
echo "fuzz: no crashes"
