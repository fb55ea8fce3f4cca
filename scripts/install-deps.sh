#!/usr/bin/env bash
# Installs the Debian packages plexus needs; a no-op when they are present. Run as root on
# Debian 12.
#   install-deps.sh          what the library and the plexus command build with (and the data set);
#                            cpp-httplib is for `plexus serve`, OpenMPI for `plexus train
#                            --distributed` (both optional: without them the rest builds)
#   install-deps.sh --test   also what the test suite checks with: GoogleTest, Chromium and Node.js
#                            for the report pages, PyTorch for the model-file interop test, clang
#                            and protobuf with ONNX's schema for the exports (ONNX export is built
#                            where protobuf is found; without it the command says what to install),
#                            curl for the plexus serve test, Emscripten and GoogleTest's source
#                            for the WebAssembly build's unit tests (scripts/wasm.sh --test)
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libopenblas-dev nlohmann-json3-dev zlib1g-dev
          libcli11-dev libcpp-httplib-dev libopenmpi-dev openmpi-bin dataset-fashion-mnist)
if [ "${1:-}" = "--test" ]; then
  packages+=(libgtest-dev libgmock-dev clang-format chromium nodejs python3-torch clang
             libclang-rt-14-dev libprotobuf-dev protobuf-compiler libonnx-dev python3-onnx curl
             emscripten googletest)
  # npm fetches playwright-core for the browser test; some nodejs builds ship it (and conflict
  # with Debian's npm package), so it is installed only where missing.
  command -v npm >/dev/null || packages+=(npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
