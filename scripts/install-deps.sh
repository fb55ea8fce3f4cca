#!/usr/bin/env bash
# Installs the Debian packages plexus builds and tests with; a no-op when they are present.
# Run as root on Debian 12. clang and its runtime libraries build the fuzzers (scripts/fuzz.sh).
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libopenblas-dev libgtest-dev libgmock-dev
          nlohmann-json3-dev zlib1g-dev libcli11-dev clang-format dataset-fashion-mnist chromium nodejs
          python3-torch clang libclang-rt-14-dev)
# npm fetches playwright-core for the browser test; some nodejs builds ship it (and conflict with
# Debian's npm package), so it is installed only where missing.
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
