#!/usr/bin/env bash
# The playground's browser test: builds the page with the WebAssembly engine
# (scripts/playground.sh --build) and has headless Chromium drive it (check_playground.mjs), holding
# it against the native command and engine. Exits 77 (skipped, for ctest) where Emscripten,
# Chromium or Node.js is missing. Usage: run_playground.sh PLEXUS_COMMAND PLAYGROUND_NATIVE WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plexus=${1:?usage: run_playground.sh PLEXUS_COMMAND PLAYGROUND_NATIVE WORK_DIR}
native=${2:?usage: run_playground.sh PLEXUS_COMMAND PLAYGROUND_NATIVE WORK_DIR}
work=${3:?usage: run_playground.sh PLEXUS_COMMAND PLAYGROUND_NATIVE WORK_DIR}
if ! command -v em++ >/dev/null; then
  echo "playground test skipped: em++ is not installed (Debian: emscripten)"
  exit 77
fi
"$here/setup.sh" "$work"
site=$("$here/../../scripts/playground.sh" --build | tail -n 1)
PLEXUS_NODE_PREFIX="$work" node "$here/check_playground.mjs" "$site" "$plexus" "$native" \
  "$work/playground"
