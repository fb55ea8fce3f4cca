#!/usr/bin/env bash
# Installs what the build needs (scripts/install-deps.sh), then configures and builds the plexus
# library and the plexus command in Release into build/ (tests and examples are configured but
# built only when asked for: test.sh builds them). Run as root on Debian 12; its output goes to
# standard error, so a command's own output stays clean.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh "$@" >&2

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPLEXUS_WERROR=ON >/dev/null
cmake --build build --target plexus_cli >&2
