#!/usr/bin/env bash
# The playground in one command: installs what is missing (Emscripten, Node.js, CMake, Ninja,
# Python), builds the engine with the WebAssembly build (scripts/wasm.sh: build-wasm), gathers the
# static page into build-wasm/playground-site and serves it on loopback.
#   scripts/playground.sh [--port P]   build, then serve on http://127.0.0.1:P/ (default 8000)
#   scripts/playground.sh --build      build only; prints the folder last (publish it as is: any
#                                      static file server will do)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=8000
serve=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --build) serve=0; shift ;;
    *) echo "usage: scripts/playground.sh [--port P] [--build]" >&2; exit 2 ;;
  esac
done

missing=()
for pair in em++:emscripten node:nodejs cmake:cmake ninja:ninja-build python3:python3; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
# The host's nlohmann/json headers serve the WebAssembly build too (cmake/wasm.cmake).
[ -f /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "playground: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  echo "playground: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The library's WebAssembly build (build-wasm), then the engine's module in it.
scripts/wasm.sh >&2
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
cmake --build build-wasm --target playground_engine >&2

site=build-wasm/playground-site
mkdir -p "$site/primer/zh"
cp playground/web/*.html playground/web/*.js playground/web/*.css "$site/"
cp build-wasm/playground/engine.js build-wasm/playground/engine.wasm "$site/"
cp docs/primer/README.md "$site/primer/README.md"
cp docs/primer/zh/README.md "$site/primer/zh/README.md"
site="$root/$site"

if [ "$serve" = 0 ]; then
  echo "$site"
  exit 0
fi
echo "playground: serving $site"
echo "http://127.0.0.1:$port/"
cd "$site"
exec python3 -m http.server "$port" --bind 127.0.0.1
