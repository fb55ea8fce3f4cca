#!/usr/bin/env bash
# `plexus export` end to end: a model the command trained (a categorical column, batch norm)
# exported as C, compiled strictly with gcc and run on raw rows (the colour as its category's
# index), gives `plexus predict --proba`'s probabilities (tests/export/driver.c, <= 1e-5); the
# ONNX export is written; bad requests get the documented exit codes.
# Usage: export_command.sh PLEXUS WORK_DIR
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
plexus=${1:?usage: export_command.sh PLEXUS WORK_DIR}
work=${2:?usage: export_command.sh PLEXUS WORK_DIR}
command -v gcc >/dev/null || { echo "skipped: gcc is not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"

make() {  # make FILE SEED ROWS
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "id,colour,x1,x2,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; c = int(rand() * 3);
      col = (c == 0 ? "red" : (c == 1 ? "green" : "blue")); s = x1 + x2 + (c == 2 ? 1.5 : 0);
      printf "r%d,%s,%.4f,%.4f,%s\n", i, col, x1, x2, (s < -0.7 ? "alpha" : (s < 1.2 ? "beta" : "gamma")) } }' > "$1"
}
make train.csv 7 400
make rows.csv 11 200
"$plexus" train --data train.csv --ignore id --batch-norm --epochs 15 --save model.plx --quiet > /dev/null
"$plexus" predict --model model.plx --data rows.csv --proba --output plexus.csv
"$plexus" export --model model.plx --format c --output c --name model > /dev/null
grep -q 'colour' c/model.h || { echo "the header does not document the colour column" >&2; exit 1; }

# The driver's inputs: "rows cols" then one row per line, colour as its index in sorted order.
awk -F, 'NR > 1 { n++; c = ($2 == "blue" ? 0 : ($2 == "green" ? 1 : 2)); line[n] = c " " $3 " " $4 }
         END { print n, 3; for (i = 1; i <= n; i++) print line[i] }' rows.csv > rows.txt
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^proba_/) col[++k] = i; next }
         { n++; s = ""; for (j = 1; j <= k; j++) s = s (j > 1 ? " " : "") $col[j]; line[n] = s }
         END { print n, k; for (i = 1; i <= n; i++) print line[i] }' plexus.csv > expected.txt
gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -I c -DMODEL_HEADER='"model.h"' \
    -DPREDICT=model_predict -DFEATURES=MODEL_FEATURES -DOUTPUTS=MODEL_OUTPUTS \
    -DPREDICT_CLASS=model_predict_class "$src/export/driver.c" c/model.c -o driver -lm
./driver rows.txt expected.txt

if "$plexus" export --model model.plx --format onnx --output model.onnx > onnx.log 2>&1; then
  [ -s model.onnx ] || { echo "export --format onnx wrote nothing" >&2; exit 1; }
else
  grep -q "install libprotobuf-dev" onnx.log || { cat onnx.log >&2; exit 1; }
fi

expect() {  # expect CODE ARGS...: the command exits CODE
  local code=$1; shift
  set +e; "$plexus" "$@" > /dev/null 2> err.txt; local rc=$?; set -e
  [ "$rc" = "$code" ] || { echo "plexus $* exited $rc, expected $code: $(cat err.txt)" >&2; exit 1; }
}
printf 'not a model' > bad.plx
expect 1 export --model bad.plx --format c --output c2
expect 1 export --model missing.plx --format onnx --output x.onnx
expect 2 export --model model.plx --format tflite --output x
expect 1 export --model model.plx --format c --output /proc/plexus-cannot-write-here
echo "export: C matches predict --proba; ONNX written; bad requests exit as documented"
