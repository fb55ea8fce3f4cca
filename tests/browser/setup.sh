#!/usr/bin/env bash
# Installs playwright-core (pinned) into PREFIX/node_modules for check_report.mjs; a quick no-op
# when that version is already there. Exits 77 (ctest's "skipped", which the browser tests pass
# on) where Chromium, Node.js or npm is missing. Usage: setup.sh PREFIX
set -euo pipefail
version=1.49.1
prefix=${1:?usage: setup.sh PREFIX}
for tool in chromium node; do
  if ! command -v "$tool" >/dev/null; then
    echo "browser test skipped: $tool is not installed (scripts/install-deps.sh --test installs it)"
    exit 77
  fi
done
if ! command -v npm >/dev/null && [ ! -d "$prefix/node_modules/playwright-core" ]; then
  echo "browser test skipped: npm is not installed to fetch playwright-core"
  exit 77
fi
installed=$(node -p "require('$prefix/node_modules/playwright-core/package.json').version" \
            2>/dev/null || true)
if [ "$installed" != "$version" ]; then
  mkdir -p "$prefix"
  npm install --no-save --no-audit --no-fund --prefix "$prefix" "playwright-core@$version" >/dev/null
fi
