#!/bin/sh
# Calibration end to end. A binary classifier trained to be overconfident keeps a temperature
# (T != 1), and predict --proba, the C export (gcc) and the ONNX export (onnxruntime) give the same
# tempered probabilities; --threshold-for f1 stores a threshold that predict, eval and the C
# export's predict_class and serve use; --calibration none stores none; a regressor's predict --interval
# gives conformal bounds around its predictions and eval their coverage; bad rules are usage
# errors.
#   calibration_test.sh PLEXUS WORKDIR EXPORT_SOURCE_DIR NPM_PREFIX
# A part whose tool is missing (gcc, node with onnxruntime-node) is skipped with a note.
set -u
PLEXUS=$1
WORK=$2
EXPORT_SRC=$3
NPM_PREFIX=$4
. "$(dirname "$0")/lib.sh" # before the cd: $0 may be relative
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# binary FILE SEED ROWS: "yes" where x1 + x2 + noise > 1.2 (about one row in five), one label in
# six flipped, so that a network trained long without smoothing is overconfident.
binary() {
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "x1,x2,x3,label";
    for (i = 0; i < n; i++) { a = rand() * 4 - 2; b = rand() * 4 - 2; c = rand() * 2 - 1;
      y = (a + b + (rand() - 0.5) > 1.2) ? "yes" : "no";
      if (rand() < 1 / 6) y = (y == "yes" ? "no" : "yes");
      printf "%.4f,%.4f,%.4f,%s\n", a, b, c, y } }' > "$1"
}
binary train.csv 3 800
binary rows.csv 5 200
TRAIN="--data train.csv --epochs 60 --early-stopping 0 --label-smoothing 0 --hidden 64,64 --dropout 0"

# --- temperature ----------------------------------------------------------------------------
"$PLEXUS" train $TRAIN --save t.plx > train_t.txt 2>&1 || { echo "FAIL: train: $(tail -n 5 train_t.txt)"; exit 1; }
grep -q "^calibration: temperature .* fitted on .* held-out rows, kept: their log-loss" train_t.txt &&
  grep -q "^  log-loss .*   Brier .*   ECE .* (15 equal-width bins)$" train_t.txt &&
  ok "train: $(grep '^calibration:' train_t.txt | cut -c1-80)" ||
  fail "train's calibration lines: $(grep -A3 '^calibration\|^test' train_t.txt)"
"$PLEXUS" inspect t.plx --json > inspect_t.json 2>&1
grep -q '"calibration":{"temperature":' inspect_t.json && ok "the model file holds the temperature" ||
  fail "inspect: no temperature: $(grep -o '"calibration[^}]*}' inspect_t.json)"

"$PLEXUS" predict --model t.plx --data rows.csv --proba --output t.csv || fail "predict --proba"
awk -F, 'NR > 1 { n++; line[n] = $1 " " $2 " " $3 } END { print n, 3; for (i = 1; i <= n; i++) print line[i] }' \
  rows.csv > model.rows
awk -F, 'NR > 1 { n++; line[n] = $2 " " $3 } END { print n, 2; for (i = 1; i <= n; i++) print line[i] }' \
  t.csv > model.expected
check_c_export t.plx "C, tempered" "the calibration's temperature" -DPREDICT_CLASS=model_predict_class
check_onnx_export t.plx "ONNX, tempered" "model 1 0.001"

"$PLEXUS" train $TRAIN --calibration none --save n.plx > train_n.txt 2>&1 || fail "train --calibration none"
"$PLEXUS" inspect n.plx --json > inspect_n.json 2>&1
! grep -q '"calibration":{' inspect_n.json && ! grep -q "^calibration:" train_n.txt &&
  ok "--calibration none fits and stores no temperature" || fail "--calibration none: $(grep '^calibration' train_n.txt)"

# An ensemble fits on its out-of-fold outputs.
"$PLEXUS" train --data train.csv --epochs 5 --ensemble 3 --threshold-for balanced_accuracy > train_e.txt 2>&1 &&
  grep -q "^calibration: temperature .* fitted on 640 held-out rows" train_e.txt &&
  grep -q "^threshold: .* chosen on 640 held-out rows for balanced_accuracy" train_e.txt &&
  ok "an ensemble calibrates on its 640 out-of-fold rows" || fail "ensemble: $(tail -n 12 train_e.txt)"

# --- threshold --------------------------------------------------------------------------------
"$PLEXUS" train $TRAIN --threshold-for f1 --save f.plx > train_f.txt 2>&1 || fail "train --threshold-for f1"
grep -q "^threshold: P(class 1) >= 0\.[0-9]* chosen on .* held-out rows for f1" train_f.txt &&
  ok "train: $(grep '^threshold:' train_f.txt)" || fail "train's threshold line: $(tail -n 12 train_f.txt)"
threshold=$(sed -n 's/^threshold: P(class 1) >= \([0-9.]*\) .*/\1/p' train_f.txt)
"$PLEXUS" predict --model f.plx --data rows.csv --proba --output f.csv 2> predict_f.txt || fail "predict with a threshold"
grep -q "predicting yes where its probability is >= .* (the model's threshold, chosen for f1)" predict_f.txt &&
  ok "predict says: $(cat predict_f.txt)" || fail "predict's note: $(cat predict_f.txt)"
# Every row: yes exactly where P(yes) reaches the threshold (the printed one, rounded to 4
# places: rows that close to it are not judged).
awk -F, -v t="$threshold" 'NR > 1 { d = $3 - t; if (d * d < 1e-8) next; n++;
    if (($1 == "yes") != ($3 >= t)) bad++ }
  END { if (bad || n < 150) { print bad " of " n " rows disagree"; exit 1 } }' f.csv > awk.txt &&
  ok "predict uses the threshold on every row" || fail "predict's labels: $(cat awk.txt)"
"$PLEXUS" eval --model f.plx --data rows.csv --json > eval_f.txt 2>&1 &&
  tail -n 1 eval_f.txt | grep -q '"threshold":0\.' && grep -q "threshold 0\." eval_f.txt &&
  ok "eval scores with the threshold" || fail "eval: $(tail -n 3 eval_f.txt)"
if command -v gcc > /dev/null; then
  "$PLEXUS" export --model f.plx --format c --output cf --name model > /dev/null
  cat > classes.c << 'EOF_C'
#include <stdio.h>
#include "model.h"
int main(void) {
  int rows, cols;
  if (scanf("%d %d", &rows, &cols) != 2) return 2;
  for (int r = 0; r < rows; ++r) {
    float x[MODEL_FEATURES];
    for (int i = 0; i < MODEL_FEATURES; ++i) if (scanf("%f", &x[i]) != 1) return 2;
    printf("%d\n", model_predict_class(x));
  }
  return 0;
}
EOF_C
  gcc -std=c99 -O2 -I cf classes.c cf/model.c -o classes -lm && ./classes < model.rows > c_classes.txt &&
    awk -F, 'NR > 1 { print ($1 == "yes") ? 1 : 0 }' f.csv | cmp -s - c_classes.txt &&
    ok "the C export's predict_class uses the threshold" ||
    fail "C predict_class and predict differ: $(awk -F, 'NR > 1 { print ($1 == "yes") ? 1 : 0 }' f.csv | diff - c_classes.txt | head -n 4)"
fi
# serve: the tempered probabilities and the thresholded classes of predict.
if command -v curl > /dev/null && command -v python3 > /dev/null; then
  port=$((20000 + ($$ + 4931) % 20000))
  "$PLEXUS" serve --model f.plx --port "$port" 2> serve.log &
  server=$!
  for i in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
    kill -0 "$server" 2> /dev/null || break
    sleep 0.1
  done
  python3 -c 'import csv, json
rows = [{k: float(v) for k, v in r.items() if k != "label"} for r in csv.DictReader(open("rows.csv"))]
json.dump({"rows": rows, "proba": True}, open("rows.req", "w"))'
  if curl -s -o served.json -H 'Content-Type: application/json' --data-binary @rows.req \
      "http://127.0.0.1:$port/predict"; then
    python3 - << 'EOF_PY' && ok "serve: predict's classes and tempered probabilities" || fail "serve"
import csv, json
got = json.load(open("served.json"))
want = list(csv.DictReader(open("f.csv")))
assert got["predictions"] == [r["prediction"] for r in want], "predictions differ"
for r, p in zip(want, got["probabilities"]):
    assert abs(float(r["proba_yes"]) - p[1]) <= 1e-6, "%s vs %s" % (r["proba_yes"], p[1])
EOF_PY
  elif grep -q "without cpp-httplib" serve.log; then
    echo "skip: serve ($(cat serve.log))"
  else
    fail "serve did not answer: $(cat serve.log)"
  fi
  kill -TERM "$server" 2> /dev/null
  wait "$server" 2> /dev/null
  server=""
else
  echo "skip: serve (no curl or python3)"
fi
"$PLEXUS" train $TRAIN --cost-matrix fp=1,fn=5 > train_c.txt 2>&1 &&
  grep -q "^threshold: .* for cost fp=1,fn=5 (mean cost " train_c.txt &&
  ok "a cost matrix: $(grep '^threshold:' train_c.txt)" || fail "--cost-matrix: $(tail -n 8 train_c.txt)"

# --- usage errors -----------------------------------------------------------------------------
awk -F, 'NR == 1 { print; next } { $4 = ($1 > 0.7 ? "c" : $1 > -0.7 ? "b" : "a"); print }' OFS=, \
  train.csv > three.csv
"$PLEXUS" train --data three.csv --epochs 1 --threshold-for f1 > three.txt 2>&1
[ $? -eq 2 ] && grep -q "needs a binary classifier" three.txt && ok "a threshold on three classes is refused" ||
  fail "three classes: $(tail -n 2 three.txt)"
"$PLEXUS" train --data train.csv --epochs 1 --threshold-for accuracy > rule.txt 2>&1
[ $? -eq 2 ] && grep -q 'unknown rule "accuracy"; known: f1, balanced_accuracy, precision@R' rule.txt &&
  ok "an unknown rule names the known ones" || fail "unknown rule: $(tail -n 2 rule.txt)"

# --- intervals --------------------------------------------------------------------------------
awk 'BEGIN { srand(9); print "a,b,y"; for (i = 0; i < 900; i++) { a = rand() * 4 - 2; b = rand() * 4 - 2;
  printf "%.4f,%.4f,%.4f\n", a, b, 2 * a - b + (rand() - 0.5) * 2 } }' > reg.csv
head -n 701 reg.csv > reg_train.csv
{ head -n 1 reg.csv; tail -n 200 reg.csv; } > reg_rows.csv
"$PLEXUS" train --data reg_train.csv --epochs 30 --save r.plx > train_r.txt 2>&1 || fail "train a regressor"
# 700 rows: 560 for training and validation, 56 of them validation rows, too few for split conformal.
grep -q "^intervals: 560 cross-fitted residuals (10 folds" train_r.txt && ok "train: $(grep '^intervals:' train_r.txt)" ||
  fail "train's intervals line: $(tail -n 8 train_r.txt)"
"$PLEXUS" predict --model r.plx --data reg_rows.csv --interval 0.9 --output r.csv 2> predict_r.txt || fail "predict --interval: $(cat predict_r.txt)"
head -n 1 r.csv | grep -q "^prediction,lower,upper$" &&
  awk -F, 'NR > 1 { n++; if (!($2 <= $1 && $1 <= $3)) bad++; w = $3 - $2; if (n > 1 && (w - w0) * (w - w0) > 1e-6) bad++; w0 = w }
    END { exit (bad || n != 200) }' r.csv && ok "predict --interval: prediction,lower,upper, one width" ||
  fail "predict --interval: $(head -n 3 r.csv)"
"$PLEXUS" eval --model r.plx --data reg_rows.csv > eval_r.txt 2>&1 &&
  grep -q "^  90% conformal intervals: cover [0-9.]*% of rows, width " eval_r.txt &&
  ok "eval: $(grep conformal eval_r.txt)" || fail "eval's coverage: $(cat eval_r.txt)"
"$PLEXUS" predict --model t.plx --data rows.csv --interval 0.9 > /dev/null 2> interval_c.txt
[ $? -eq 2 ] && grep -q "intervals need a regressor" interval_c.txt && ok "--interval on a classifier is refused" ||
  fail "--interval on a classifier: $(cat interval_c.txt)"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "calibration: all passed"
