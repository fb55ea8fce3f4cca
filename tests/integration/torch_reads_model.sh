#!/usr/bin/env bash
# PyTorch alone reads a model the plexus command trained — batch norm, dropout, a categorical
# column, gaps filled by imputation (most-frequent; then auto, with robust scaling); then an
# ensemble of three; then one with FeatureScale and PeriodicEmbedding — rebuilds it as
# torch.nn.Sequential with load_state_dict(strict=True), applies the preprocessing the file
# describes to raw CSV rows and gets `plexus predict --proba`'s probabilities (tests/interop/torch_predict.py, <= 1e-5).
# Exits 77 (skipped) without PyTorch.
# Usage: torch_reads_model.sh PLEXUS PYTHON WORK_DIR
set -euo pipefail
interop=$(cd "$(dirname "$0")/../interop" && pwd)
plexus=${1:?usage: torch_reads_model.sh PLEXUS PYTHON WORK_DIR}
python=${2:?usage: torch_reads_model.sh PLEXUS PYTHON WORK_DIR}
work=${3:?usage: torch_reads_model.sh PLEXUS PYTHON WORK_DIR}
"$python" -c "import torch" 2>/dev/null || { echo "skipped: no torch for $python"; exit 77; }
mkdir -p "$work" && cd "$work"

make() {  # make FILE SEED ROWS: three classes from two numbers and a colour, some cells empty
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "id,colour,x1,x2,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; c = int(rand() * 3);
      col = (c == 0 ? "red" : (c == 1 ? "green" : "blue")); s = x1 + x2 + (c == 2 ? 1.5 : 0);
      lab = (s < -0.7 ? "alpha" : (s < 1.2 ? "beta" : "gamma"));
      printf "r%d,%s,%s,%.4f,%s\n", i, (rand() < 0.05 ? "" : col),
        (rand() < 0.05 ? "" : sprintf("%.4f", x1)), x2, lab } }' > "$1"
}
make train.csv 7 500
make rows.csv 11 300
"$plexus" train --data train.csv --ignore id --impute most-frequent --batch-norm --dropout 0.2 \
  --activation gelu --epochs 20 --save model.plx --quiet > /dev/null
"$plexus" predict --model model.plx --data rows.csv --proba --output plexus.csv
"$python" "$interop/torch_predict.py" model.plx rows.csv plexus.csv
# An ensemble of three: the documented Ensemble module averages the members' logits.
"$plexus" train --data train.csv --ignore id --impute most-frequent --batch-norm --epochs 10 \
  --ensemble 3 --save ensemble.plx --quiet > /dev/null
"$plexus" predict --model ensemble.plx --data rows.csv --proba --output ensemble.csv
"$python" "$interop/torch_predict.py" ensemble.plx rows.csv ensemble.csv
# The default imputation (a missing indicator for x1, a missing category for colour) with robust
# scaling.
"$plexus" train --data train.csv --ignore id --scaling robust --epochs 5 --save auto.plx \
  --quiet > /dev/null
"$plexus" predict --model auto.plx --data rows.csv --proba --output plexus_auto.csv
"$python" "$interop/torch_predict.py" auto.plx rows.csv plexus_auto.csv
# The tabular recipe's layers, through their documented modules (tests/interop/plexus_modules.py).
"$plexus" train --data train.csv --ignore id --impute most-frequent --embedding periodic \
  --feature-scale --epochs 20 --save embedded.plx --quiet > /dev/null
"$plexus" predict --model embedded.plx --data rows.csv --proba --output embedded.csv
"$python" "$interop/torch_predict.py" embedded.plx rows.csv embedded.csv
