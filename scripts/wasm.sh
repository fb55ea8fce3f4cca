#!/usr/bin/env bash
# The WebAssembly build of the library (Debian's emscripten): configures build-wasm with
# Emscripten's toolchain (cmake/wasm.cmake: PLEXUS_BLAS=none, no threads, no zlib; no command,
# MPI, examples or benchmarks) and builds the static library, build-wasm/src/libplexus.a.
#   wasm.sh          builds the library
#   wasm.sh --test   also builds the unit tests (tests/wasm) and runs them under Node.js
# Exits 77 (skipped) where em++ or node is missing: scripts/install-deps.sh --test installs them.
set -euo pipefail
cd "$(dirname "$0")/.."

run_tests=OFF
case "${1:-}" in
  --test) run_tests=ON ;;
  "") ;;
  *) echo "usage: scripts/wasm.sh [--test]" >&2; exit 2 ;;
esac
for tool in emcmake em++ node; do
  if ! command -v "$tool" >/dev/null; then
    echo "wasm: $tool not found (apt-get install emscripten nodejs); skipped" >&2
    exit 77
  fi
done
# Emscripten's JavaScript passes run on Debian's Node.js modules (acorn).
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O2: the tests' build costs a third less than at -O3, and the kernels vectorise alike.
emcmake cmake -S . -B build-wasm -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DPLEXUS_WERROR=ON -DPLEXUS_BUILD_TESTS=$run_tests \
  "${launcher[@]}" >/dev/null
if [ "$run_tests" = OFF ]; then
  cmake --build build-wasm --target plexus
  echo "wasm: build-wasm/src/libplexus.a"
  exit 0
fi
cmake --build build-wasm --target plexus_wasm_tests
# Node 18+ would fetch the .wasm over HTTP; Emscripten 3.1.6's loader reads it from disk instead.
# Left out here: a test that starts threads of its own (this build has none) and one of x86's
# flush-to-zero mode (WebAssembly has no such mode). Only failures and the summary are printed.
node --no-experimental-fetch build-wasm/tests/wasm/plexus_wasm_tests.js --gtest_brief=1 \
  --gtest_filter=-Workers.SeveralUserThreadsAtOnceGetCorrectResults:Optim.StepFlushesDenormalMomentsAndRestoresTheFloatEnvironment
