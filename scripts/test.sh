#!/usr/bin/env bash
# The whole test suite: set up and build (warnings are errors), check formatting, run every test
# (unit, gradient checks, PyTorch references, end-to-end, the installed package used through
# find_package), then the unit tests again as WebAssembly under Node.js (scripts/wasm.sh), then
# rebuild with AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
# and run the test binary again (every test of plexus_tests, the fuzz corpora and regressions
# included; ctest's install, browser, PyTorch and MPI checks only run in Release, since OpenMPI
# keeps memory at exit): any leak, memory error or undefined behaviour fails the run. The fuzzers
# themselves run outside CI: scripts/fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

echo "== format"
unformatted=$(git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run 2>&1 | grep -c warning || true)
if [ "$unformatted" != "0" ]; then
  git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run 2>&1 | grep warning | head -20
  echo "test: $unformatted formatting differences; run clang-format -i on the files above" >&2
  exit 1
fi

echo "== build (Release, warnings are errors)"
scripts/setup.sh --test
cmake --build build

echo "== tests (Release)"
ctest --test-dir build --output-on-failure -j2

echo "== tests (WebAssembly: the unit tests built with em++, run under Node.js)"
scripts/wasm.sh --test

echo "== tests (AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPLEXUS_SANITIZE=ON \
      -DPLEXUS_WERROR=ON -DPLEXUS_BUILD_EXAMPLES=OFF -DPLEXUS_BUILD_TOOLS=OFF -DPLEXUS_MPI=OFF \
      >/dev/null
cmake --build build-asan --target plexus_tests -j2
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
  ./build-asan/tests/plexus_tests
echo "test: all passed"
