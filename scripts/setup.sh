#!/usr/bin/env bash
# Installs what is missing (scripts/install-deps.sh), then configures and builds plexus in Release
# into build/. Used by demo.sh and test.sh; run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPLEXUS_WERROR=ON >/dev/null
cmake --build build
