#!/usr/bin/env bash
# The browser test: writes the sample report, then has headless Chromium load it and check every
# figure (check_report.mjs). Exits 77 (skipped, for ctest) where Chromium or Node.js is missing.
# Usage: run.sh SAMPLE_REPORT_EXECUTABLE WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sample=${1:?usage: run.sh SAMPLE_REPORT WORK_DIR}
work=${2:?usage: run.sh SAMPLE_REPORT WORK_DIR}
"$here/setup.sh" "$work"
rm -rf "$work/report"
"$sample" "$work/report"
PLEXUS_NODE_PREFIX="$work" node "$here/check_report.mjs" "$work/report/index.html"

# The check must catch what it is there for: a figure with nothing drawn and a script error.
rm -rf "$work/broken"
"$sample" --with-empty-figure "$work/broken"
sed -i 's|</body>|<script>notDefined();</script></body>|' "$work/broken/index.html"
if PLEXUS_NODE_PREFIX="$work" node "$here/check_report.mjs" "$work/broken/index.html" \
     >"$work/broken.log" 2>&1; then
  echo "check_report.mjs passed a page with an empty figure and a script error" >&2
  exit 1
fi
if ! grep -q 'figure "empty" draws no marks' "$work/broken.log" ||
   ! grep -q 'page error: notDefined' "$work/broken.log"; then
  echo "check_report.mjs missed a fault of the broken page:" >&2
  cat "$work/broken.log" >&2
  exit 1
fi
echo "check_report.mjs rejects a page with an empty figure and a script error, as it should"
