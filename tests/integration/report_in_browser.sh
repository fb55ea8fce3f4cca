#!/usr/bin/env bash
# The report of a real `plexus train --report` run, loaded from disk by headless Chromium: every
# figure present and drawn, no error logged, the headline above the figures and the details
# folded below them (tests/browser/check_report.mjs). A classifier on two features, so the page
# has its decision regions too, a regressor for its own plots, and `plexus explain --report`.
# Exits 77 (skipped, for ctest) where Chromium or Node.js is missing.
# Usage: report_in_browser.sh PLEXUS WORK_DIR
set -euo pipefail
browser=$(cd "$(dirname "$0")/../browser" && pwd)
plexus=${1:?usage: report_in_browser.sh PLEXUS WORK_DIR}
work=${2:?usage: report_in_browser.sh PLEXUS WORK_DIR}
mkdir -p "$work" && cd "$work"
"$browser/setup.sh" "$work"

awk 'BEGIN { srand(3); print "x,y,label";
  for (i = 0; i < 400; i++) { x = rand() * 4 - 2; y = rand() * 4 - 2;
    printf "%.4f,%.4f,%s\n", x, y, (x * x + y * y < 1.5 ? "inside" : "outside") } }' > circles.csv
awk 'BEGIN { srand(5); print "a,b,kind,price";
  for (i = 0; i < 400; i++) { a = rand() * 4 - 2; b = rand() * 4 - 2; k = int(rand() * 2);
    printf "%.4f,%.4f,%s,%.3f\n", a, b, (k ? "new" : "old"), 50 + 10 * a - 5 * b + (k ? 8 : -8) } }' \
  > prices.csv

rm -rf classification regression
"$plexus" train --data circles.csv --report classification --epochs 40 --diagnostics --quiet \
  --save circles.plx > /dev/null
"$plexus" train --data prices.csv --report regression --epochs 40 --quiet > /dev/null
# plexus explain's page: the importance bars and the partial dependence with ICE curves.
rm -rf explained
"$plexus" explain --model circles.plx --data circles.csv --report explained > /dev/null 2>&1
for page in classification regression explained; do
  PLEXUS_NODE_PREFIX="$work" node "$browser/check_report.mjs" "$work/$page/index.html"
done
# The page leads with the headline scores (checked above to sit above every figure).
grep -q '<table class="headline">' classification/index.html ||
  { echo "no headline scores" >&2; exit 1; }
grep -q '<details>' regression/index.html || { echo "no folded details" >&2; exit 1; }
for figure in importance pdp_0 pdp_1; do
  [ -s "explained/$figure.svg" ] || { echo "explain --report drew no $figure" >&2; exit 1; }
done
# The classifier on two features draws its decision regions.
grep -q 'class="mark region' classification/*.svg || { echo "no decision regions drawn" >&2; exit 1; }
# A classifier's test probabilities get their reliability diagram.
[ -s classification/reliability.svg ] || { echo "no reliability diagram" >&2; exit 1; }
# --diagnostics adds the per-layer plots.
for figure in gradient_norms units; do
  [ -s "classification/$figure.svg" ] || { echo "--diagnostics drew no $figure" >&2; exit 1; }
done
