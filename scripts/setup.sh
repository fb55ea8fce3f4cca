#!/usr/bin/env bash
# Installs the Debian packages plexus builds with (a no-op when they are present), then configures
# and builds plexus in Release into build/. Used by demo.sh and test.sh; run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build pkg-config libopenblas-dev libgtest-dev libgmock-dev
          nlohmann-json3-dev zlib1g-dev clang-format dataset-fashion-mnist)
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

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPLEXUS_WERROR=ON >/dev/null
cmake --build build
