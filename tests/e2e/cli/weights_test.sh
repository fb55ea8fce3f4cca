#!/bin/sh
# Sample and class weights through the plexus command:
#   weights_test.sh PLEXUS WORKDIR
# --class-weight balanced raises the minority class's test recall on an imbalanced set (9%
# positives), the model file records the class weights and the weight column, a weight column of
# 0 on every positive row unlearns the class, and bad weights are errors that say where.
# The data are made here (awk).
set -u
PLEXUS=$1
WORK=$2
. "$(dirname "$0")/lib.sh" # before the cd: $0 may be relative
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
# recall_of CLASS: the class's test recall in the last line of out.txt (plexus eval --json).
recall_of() {
  tail -n 1 out.txt | grep -o "\"$1\":{[^}]*}" | grep -o '"recall":[-0-9.eE+]*' | cut -d: -f2
}

# Two overlapping classes, about 9% "pos": pos where x1 + x2 + noise is high. w is 1, 2 or 3
# (and 0 on every positive row in zero.csv).
make_imbalanced() {
  awk -v seed="$2" -v n="$3" -v zero="$4" 'BEGIN { srand(seed); print "x1,x2,x3,w,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand();
      s = x1 + x2 + (rand() - 0.5) * 2.5; pos = s > 2.5;
      w = (zero && pos) ? 0 : 1 + i % 3;
      printf "%.4f,%.4f,%.4f,%d,%s\n", x1, x2, x3, w, pos ? "pos" : "neg" } }' > "$1"
}
make_imbalanced train.csv 7 2000 0
make_imbalanced test.csv 8 2000 0
make_imbalanced zero.csv 7 2000 1
positives=$(grep -c ',pos$' train.csv)
echo "train.csv: $positives positive rows of 2000"

common="--target label --ignore w --hidden 32 --epochs 40 --early-stopping 0 --seed 1 --quiet"
# shellcheck disable=SC2086
expect 0 "" -- "$PLEXUS" train --data train.csv --test test.csv $common --save plain.plx
# shellcheck disable=SC2086
expect 0 "" -- "$PLEXUS" train --data train.csv --test test.csv $common --class-weight balanced \
  --save balanced.plx
grep -q "weights: classes neg 0\.5[0-9]*, pos [0-9.]* (--class-weight balanced)" out.txt && ok "train prints the balanced weights" ||
  fail "train did not print the balanced class weights: $(grep weights out.txt)"

expect 0 "" -- "$PLEXUS" eval --model plain.plx --data test.csv --json
plain=$(recall_of pos)
expect 0 "" -- "$PLEXUS" eval --model balanced.plx --data test.csv --json
balanced=$(recall_of pos)
echo "minority recall: default $plain, --class-weight balanced $balanced"
above "$balanced" "$plain" && above "$balanced" 0.8 && ok "class weights raise the minority recall" ||
  fail "minority recall $balanced with --class-weight balanced, $plain without"

# The model records the resolved weights (scikit-learn's n / (2 n_c)) and inspect shows them.
expect 0 "" -- "$PLEXUS" inspect balanced.plx --json
weights=$(grep -o '"class_weights":{[^}]*}' out.txt)
pos_weight=$(echo "$weights" | grep -o '"pos":[0-9.eE+-]*' | cut -d: -f2)
# 90% of the rows train (10% validate, stratified): 1800 / (2 * 0.9 p) = 1000 / p.
expected=$(awk -v p="$positives" 'BEGIN { printf "%.6f", 1000 / p }')
awk -v a="$pos_weight" -v b="$expected" 'BEGIN { d = a - b; exit !(d < 0.5 && d > -0.5) }' &&
  ok "the model records class weight pos $pos_weight (about $expected)" ||
  fail "class_weights in the model: '$weights', expected pos about $expected"
expect 0 "" -- "$PLEXUS" inspect balanced.plx
grep -q '  class_weights: {"neg":' out.txt && ok "inspect shows the class weights" ||
  fail "inspect did not show class_weights: $(grep -i weight out.txt)"
expect 0 "" -- "$PLEXUS" inspect plain.plx --json
grep -q class_weights out.txt && fail "a model trained without weights records class_weights" ||
  ok "no class_weights without --class-weight"

# k=v by class name: recorded as given, the others 1.
# shellcheck disable=SC2086
expect 0 "" -- "$PLEXUS" train --data train.csv $common --class-weight pos=8 --save eight.plx
expect 0 "" -- "$PLEXUS" inspect eight.plx --json
grep -q '"class_weights":{"neg":1.0,"pos":8.0}' out.txt && ok "pos=8 recorded" ||
  fail "pos=8: $(grep -o '"class_weights":{[^}]*}' out.txt)"

# A weight column: not a feature, recorded, and predict needs no such column. Weight 0 on every
# positive row: nothing of the class is learned, so its recall falls to about 0.
expect 0 "" -- "$PLEXUS" train --data zero.csv --test test.csv --target label --weight-column w \
  --hidden 32 --epochs 40 --early-stopping 0 --seed 1 --quiet --save zero.plx
grep -q "weighted_accuracy 0\.[0-9]* (rows weighted by w)" out.txt &&
  ok "train adds the test rows' weighted accuracy" || fail "no weighted accuracy: $(cat out.txt)"
expect 0 "" -- "$PLEXUS" inspect zero.plx --json
grep -q '"weight_column":"w"' out.txt && ok "the model records the weight column" ||
  fail "no weight_column in the model"
grep -q '"features":\["x1","x2","x3"\]' out.txt && ok "the weight column is not a feature" ||
  fail "features: $(grep -o '"features":\[[^]]*\]' out.txt)"
cut -d, -f1-3,5 test.csv > test_without_w.csv
expect 0 "" -- "$PLEXUS" eval --model zero.plx --data test_without_w.csv --json
zero=$(recall_of pos)
above 0.2 "$zero" && ok "rows weighted 0 are not learned (recall $zero)" ||
  fail "positives weighted 0 still have recall $zero"

# Errors name the place.
sed 's/^\([^,]*,[^,]*,[^,]*\),1,/\1,heavy,/' train.csv > bad.csv
expect 1 "bad.csv:2: column 'w' (3): the weight 'heavy' is not a finite non-negative number" -- \
  "$PLEXUS" train --data bad.csv --target label --weight-column w --epochs 1 --quiet
awk -F, -v OFS=, 'NR > 1 { $4 = 0 } { print }' train.csv > zeros.csv
expect 1 "every training row has weight 0 in column 'w'" -- \
  "$PLEXUS" train --data zeros.csv --target label --weight-column w --epochs 1 --quiet
expect 1 'unknown class "yes"; known: neg, pos' -- \
  "$PLEXUS" train --data train.csv --target label --class-weight yes=2 --epochs 1 --quiet
expect 1 "class weights need a classification task" -- \
  "$PLEXUS" train --data train.csv --target x3 --class-weight balanced --epochs 1 --quiet
expect 1 "no column 'nope'" -- \
  "$PLEXUS" train --data train.csv --target label --weight-column nope --epochs 1 --quiet

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all passed"
