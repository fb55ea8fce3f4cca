#!/usr/bin/env bash
# The primer's figures' page in the browser: runs every primer example with its fast settings,
# collects the figures with primer_index, then has headless Chromium check the page
# (check_report.mjs). Exits 77 (skipped, for ctest) where Chromium or Node.js is missing.
# Usage: run_primer.sh PRIMER_BIN_DIR WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: run_primer.sh PRIMER_BIN_DIR WORK_DIR}
work=${2:?usage: run_primer.sh PRIMER_BIN_DIR WORK_DIR}
"$here/setup.sh" "$work"
rm -rf "$work/primer"
for example in perceptron students activations decision_boundary loss_landscape backprop \
               vanishing_gradients gd_variants learning_rate optimizers fitting regularization \
               early_stopping init batchnorm; do
  "$bin/$example" --out "$work/primer" >/dev/null
done
"$bin/primer_index" "$work/primer"
PLEXUS_NODE_PREFIX="$work" node "$here/check_report.mjs" "$work/primer/index.html"
