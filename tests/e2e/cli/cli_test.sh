#!/bin/sh
# End-to-end tests of the plexus command, one flow per call:
#   cli_test.sh PLEXUS MAKE_IDX WORKDIR FLOW
# FLOW: classification, regression, config, errors, idx. The data are made here (awk, make_idx).
set -u
PLEXUS=$1
MAKE_IDX=$2
WORK=$3
FLOW=$4
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# expect CODE PATTERN -- command...: the exit code, and PATTERN in stderr (when not empty).
expect() {
  code=$1 pattern=$2
  shift 3
  "$@" > out.txt 2> err.txt
  rc=$?
  if [ "$rc" -ne "$code" ]; then
    fail "$* exited $rc, expected $code; stderr: $(head -c 400 err.txt)"
  elif [ -n "$pattern" ] && ! grep -q -- "$pattern" err.txt; then
    fail "$* did not say '$pattern'; stderr: $(head -c 400 err.txt)"
  else
    ok "$* -> $rc"
  fi
}

# json_number KEY FILE: the number after "KEY": on the last line of FILE.
json_number() { tail -n 1 "$2" | grep -o "\"$1\":[-0-9.eE+]*" | head -n 1 | cut -d: -f2; }
# above VALUE LIMIT: whether VALUE > LIMIT.
above() { awk -v v="$1" -v l="$2" 'BEGIN { exit !(v != "" && v + 0 > l + 0) }'; }

# Three string classes from two numbers and a colour; an id column the model must not use.
make_classification() {
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "id,colour,x1,x2,x3,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand(); c = int(rand() * 3);
      col = (c == 0 ? "red" : (c == 1 ? "green" : "blue")); s = x1 + x2 + (c == 2 ? 1.5 : 0);
      lab = (s < -0.7 ? "alpha" : (s < 1.2 ? "beta" : "gamma"));
      printf "id%04d,%s,%.4f,%.4f,%.4f,%s\n", i, col, x1, x2, x3, lab } }' > "$1"
}

make_regression() {
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "a,b,kind,c,price";
    for (i = 0; i < n; i++) { a = rand() * 4 - 2; b = rand() * 4 - 2; c = rand(); k = int(rand() * 2);
      y = 100 + 30 * a - 20 * b + 15 * c * c + (k ? 25 : -25) + (rand() - 0.5) * 4;
      printf "%.4f,%.4f,%s,%.4f,%.3f\n", a, b, (k ? "new" : "old"), c, y } }' > "$1"
}

case "$FLOW" in
classification)
  make_classification train.csv 7 600
  make_classification new.csv 11 200
  expect 0 "" -- "$PLEXUS" train --data train.csv --ignore id --save model.plx --report report \
    --json --quiet --epochs 60
  grep -q "task: classification" out.txt || fail "train did not print the inferred task"
  grep -q "colour: categorical" out.txt || fail "train did not print the column kinds"
  grep -q "alpha, beta, gamma" out.txt || fail "train did not print the classes"
  grep -q "20% of train.csv" out.txt || fail "train did not say it held out a test set"
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.85 && ok "test accuracy $acc" || fail "test accuracy '$acc' <= 0.85"
  tail -n 1 out.txt | grep -q '"test_macro_f1"' || fail "no test_macro_f1 in --json"
  tail -n 1 out.txt | grep -q '"model":"model.plx"' || fail "no model in --json"
  [ -f report/index.html ] || fail "no report/index.html"
  for figure in loss accuracy confusion per_class; do
    [ -f "report/$figure.svg" ] || fail "no $figure figure in the report"
  done
  grep -q 'class="mark vline"' report/loss.svg || fail "the loss curve has no best-epoch line"
  expect 0 "" -- "$PLEXUS" eval --model model.plx --data new.csv --json
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.85 && ok "eval accuracy $acc" || fail "eval accuracy '$acc' <= 0.85"
  tail -n 1 out.txt | grep -q '"confusion_matrix":\[\[' || fail "eval --json has no confusion matrix"
  grep -q "confusion matrix" out.txt || fail "eval printed no confusion matrix"
  expect 0 "" -- "$PLEXUS" predict --model model.plx --data new.csv --proba --id id --output p1.csv
  head -n 1 p1.csv | grep -qx "id,prediction,proba_alpha,proba_beta,proba_gamma" ||
    fail "predict header: $(head -n 1 p1.csv)"
  [ "$(wc -l < p1.csv)" -eq 201 ] || fail "predict wrote $(wc -l < p1.csv) lines, expected 201"
  # The same model in a fresh process, reading standard input, predicts byte for byte the same.
  "$PLEXUS" predict --model model.plx --data - --proba --id id < new.csv > p2.csv 2> err.txt ||
    fail "predict from stdin failed: $(cat err.txt)"
  cmp -s p1.csv p2.csv && ok "a fresh process predicts identically" || fail "predictions differ"
  # Without the target column, with columns reordered and one extra: one warning.
  awk -F, -v OFS=, '{ print $5, $4, $3, $2, $1, "extra" }' new.csv > reordered.csv
  expect 0 "" -- "$PLEXUS" predict --model model.plx --data reordered.csv
  [ "$(grep -c warning err.txt)" -eq 1 ] || fail "expected one warning, got: $(cat err.txt)"
  cut -d, -f2 p1.csv | tail -n +2 > a.txt
  tail -n +2 out.txt > b.txt
  cmp -s a.txt b.txt && ok "columns are matched by name" || fail "reordered columns predict otherwise"
  cut -d, -f1,2,3 new.csv > missing.csv
  expect 1 "x2" -- "$PLEXUS" predict --model model.plx --data missing.csv
  expect 0 "" -- "$PLEXUS" inspect model.plx
  for word in Linear alpha colour "format version" parameters date; do
    grep -q "$word" out.txt || fail "inspect does not show '$word'"
  done
  expect 0 "" -- "$PLEXUS" inspect model.plx --json
  grep -q '"format_version":1' out.txt || fail "inspect --json has no format_version"
  # Exactly two features: the report draws decision regions.
  cut -d, -f3,4,6 train.csv > two.csv
  expect 0 "" -- "$PLEXUS" train --data two.csv --report two --quiet --epochs 20
  grep -q 'class="mark region' two/regions.svg 2> /dev/null && ok "decision regions drawn" ||
    fail "no decision regions in two/regions.svg"
  # SIGINT stops training cleanly with exit code 130.
  "$PLEXUS" train --data train.csv --epochs 1000000 --early-stopping 0 --quiet > /dev/null 2>&1 &
  pid=$!
  sleep 1
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  [ "$rc" -eq 130 ] && ok "SIGINT -> 130" || fail "SIGINT gave exit code $rc"
  ;;
regression)
  make_regression train.csv 3 600
  expect 0 "" -- "$PLEXUS" train --data train.csv --save reg.plx --report report --json --quiet
  grep -q "task: regression" out.txt || fail "train did not infer regression"
  r2=$(json_number test_r2 out.txt)
  above "$r2" 0.9 && ok "test R2 $r2" || fail "test R2 '$r2' <= 0.9"
  mae=$(json_number test_mae out.txt)
  above 10 "$mae" && ok "test MAE $mae in price units" || fail "test MAE '$mae' >= 10"
  [ -f report/predicted_vs_true.svg ] && [ -f report/residuals.svg ] || fail "regression figures"
  make_regression test.csv 5 100
  expect 0 "" -- "$PLEXUS" eval --model reg.plx --data test.csv --json
  r2=$(json_number test_r2 out.txt)
  above "$r2" 0.9 && ok "eval R2 $r2" || fail "eval R2 '$r2' <= 0.9"
  expect 0 "" -- "$PLEXUS" predict --model reg.plx --data test.csv
  head -n 1 out.txt | grep -qx "prediction" || fail "predict header: $(head -n 1 out.txt)"
  expect 2 "classifier" -- "$PLEXUS" predict --model reg.plx --data test.csv --proba
  ;;
config)
  "$PLEXUS" train --data train.csv --hidden 32,16 --lr 0.01 --dropout 0.2 --batch-norm \
    --optimizer sgd --schedule cosine --epochs 7 --target label --ignore id,name \
    --dump-config > one.json || fail "--dump-config failed"
  "$PLEXUS" train --config one.json --dump-config > two.json || fail "--config failed"
  cmp -s one.json two.json && ok "--dump-config -> --config round trip" ||
    fail "the dumps differ: $(diff one.json two.json)"
  grep -q '"lr": 0.01' one.json || fail "the dump lacks lr 0.01"
  "$PLEXUS" train --config one.json --lr 0.5 --dump-config > three.json || fail "override"
  grep -q '"lr": 0.5' three.json && ok "flags override --config" || fail "--lr did not override"
  echo '{"lr": 0.1, "bogus": 1}' > bad.json
  expect 2 "bogus" -- "$PLEXUS" train --config bad.json --dump-config
  echo '{"activation": "nope"}' > bad.json
  expect 2 "relu" -- "$PLEXUS" train --config bad.json --dump-config
  ;;
errors)
  make_classification good.csv 7 200
  "$PLEXUS" train --data good.csv --ignore id --save good.plx --quiet --epochs 3 > /dev/null ||
    fail "training the model for the error cases failed"
  printf 'a,b,label\n1,2,x\n3,4\n5,6,y\n' > ragged.csv
  expect 1 "plexus: error:" -- "$PLEXUS" train --data ragged.csv
  { head -n 20 good.csv; echo "id9999,red,abc,0.5,0.5,beta"; tail -n +21 good.csv; } > text.csv
  expect 1 "abc" -- "$PLEXUS" train --data text.csv --ignore id --categorical colour
  { head -n 20 good.csv; echo "id9999,red,NaN,0.5,0.5,beta"; tail -n +21 good.csv; } > nan.csv
  expect 1 "plexus: error:" -- "$PLEXUS" train --data nan.csv --ignore id
  : > empty.csv
  expect 1 "plexus: error:" -- "$PLEXUS" train --data empty.csv
  head -n 1 good.csv > header.csv
  expect 1 "plexus: error:" -- "$PLEXUS" train --data header.csv
  expect 1 "nosuch" -- "$PLEXUS" train --data good.csv --target nosuch
  { cat good.csv; echo "id9998,red,0.1,0.2,0.3,delta"; } > test_new_class.csv
  expect 1 "delta" -- "$PLEXUS" train --data good.csv --ignore id --test test_new_class.csv --epochs 2
  expect 1 "delta" -- "$PLEXUS" eval --model good.plx --data test_new_class.csv
  size=$(wc -c < good.plx)
  head -c $((size / 2)) good.plx > truncated.plx
  expect 1 "plexus: error:" -- "$PLEXUS" eval --model truncated.plx --data good.csv
  : > zero.plx
  expect 1 "plexus: error:" -- "$PLEXUS" predict --model zero.plx --data good.csv
  cp good.plx flipped.plx
  printf '\377' | dd of=flipped.plx bs=1 seek=$((size - 100)) conv=notrunc 2> /dev/null
  expect 1 "plexus: error:" -- "$PLEXUS" inspect flipped.plx
  expect 1 "plexus: error:" -- "$PLEXUS" inspect no-such-file.plx
  expect 2 "frobnicate" -- "$PLEXUS" train --data good.csv --frobnicate
  expect 2 "relu" -- "$PLEXUS" train --data good.csv --activation nope
  expect 2 "cosine" -- "$PLEXUS" train --data good.csv --schedule nope
  expect 2 "epochs" -- "$PLEXUS" train --data good.csv --epochs many
  expect 2 "hidden" -- "$PLEXUS" train --data good.csv --hidden 32,x
  expect 2 "" -- "$PLEXUS" frobnicate
  expect 0 "" -- "$PLEXUS" --help
  grep -q "Examples" out.txt || fail "--help has no examples"
  for cmd in train eval predict inspect; do
    expect 0 "" -- "$PLEXUS" "$cmd" --help
    grep -q "Example" out.txt || fail "$cmd --help has no example"
  done
  expect 0 "" -- "$PLEXUS" --version
  ;;
idx)
  mkdir images
  "$MAKE_IDX" images || fail "make_idx failed"
  expect 0 "" -- "$PLEXUS" train --data images --hidden 64 --epochs 15 --save img.plx --json --quiet
  grep -q "its test split" out.txt || fail "train did not use the folder's t10k files"
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.9 && ok "IDX test accuracy $acc" || fail "IDX test accuracy '$acc' <= 0.9"
  expect 0 "" -- "$PLEXUS" eval --model img.plx --data images --json
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.9 && ok "IDX eval accuracy $acc" || fail "IDX eval accuracy '$acc' <= 0.9"
  expect 0 "" -- "$PLEXUS" predict --model img.plx --data images --proba --output img.csv
  [ "$(wc -l < img.csv)" -eq 101 ] || fail "predict wrote $(wc -l < img.csv) lines, expected 101"
  head -n 1 img.csv | grep -q "^prediction,proba_0," || fail "predict header: $(head -n 1 img.csv)"
  # NumPy arrays: labels that are not 0..K-1 name the classes; float64 values make a regression.
  expect 0 "" -- "$PLEXUS" train --data images/x.npy --labels images/y.npy --save arr.plx --json --quiet
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.85 && ok ".npy test accuracy $acc" || fail ".npy test accuracy '$acc' <= 0.85"
  expect 0 "" -- "$PLEXUS" predict --model arr.plx --data images/x.npy --proba
  head -n 1 out.txt | grep -qx "prediction,proba_5,proba_7" || fail "npy header: $(head -n 1 out.txt)"
  expect 0 "" -- "$PLEXUS" train --data images/x.npy --labels images/v.npy --json --quiet
  r2=$(json_number test_r2 out.txt)
  above "$r2" 0.9 && ok ".npy test R2 $r2" || fail ".npy test R2 '$r2' <= 0.9"
  expect 1 "labels" -- "$PLEXUS" eval --model arr.plx --data images/x.npy
  ;;
*)
  echo "unknown flow $FLOW"
  exit 2
  ;;
esac

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
