#!/usr/bin/env bash
# Installs playwright-core (pinned) into PREFIX/node_modules for check_report.mjs; a quick no-op
# when that version is already there. Usage: setup.sh PREFIX
set -euo pipefail
version=1.49.1
prefix=${1:?usage: setup.sh PREFIX}
installed=$(node -p "require('$prefix/node_modules/playwright-core/package.json').version" \
            2>/dev/null || true)
if [ "$installed" != "$version" ]; then
  mkdir -p "$prefix"
  npm install --no-save --no-audit --no-fund --prefix "$prefix" "playwright-core@$version" >/dev/null
fi
