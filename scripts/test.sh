#!/usr/bin/env bash
# The whole test suite: set up and build (warnings are errors), check formatting, run every test
# (unit, gradient checks, PyTorch references, end-to-end, the installed package used through
# find_package), then rebuild with AddressSanitizer/LeakSanitizer and run the tests again to
# catch leaks and memory errors in building and freeing graphs.
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

echo "== tests (AddressSanitizer + LeakSanitizer)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPLEXUS_SANITIZE=ON \
      -DPLEXUS_WERROR=ON -DPLEXUS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-asan --target plexus_tests
ASAN_OPTIONS=detect_leaks=1 ./build-asan/tests/plexus_tests
echo "test: all passed"
