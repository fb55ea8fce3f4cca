#!/bin/sh
# Quantile regression end to end. train --quantiles 0.05,0.5,0.95 on heteroscedastic data; predict
# writes q0.05,q0.5,q0.95, ascending on every row (far-out rows too); eval reports the pinball loss
# and the coverage of the outermost quantiles; the ONNX export (onnxruntime), the C export (gcc),
# PyTorch (the documented Sort module) and serve give predict's quantiles; --interval on a quantile
# model and bad levels are usage errors naming the flag.
#   quantile_test.sh PLEXUS WORKDIR EXPORT_SOURCE_DIR NPM_PREFIX [PYTHON]
# A part whose tool is missing (gcc, node with onnxruntime-node, torch, curl) is skipped with a note.
set -u
PLEXUS=$1
WORK=$2
EXPORT_SRC=$3
NPM_PREFIX=$4
PYTHON=${5:-python3}
. "$(dirname "$0")/lib.sh" # before the cd: $0 may be relative
INTEROP=$(cd "$(dirname "$0")/../../interop" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# y = 2a - b + (0.2 + |a|) e, e standard normal: the spread grows with |a|.
make() {
  awk -v seed="$2" -v n="$3" -v spread="$4" 'BEGIN { srand(seed); print "a,b,y";
    for (i = 0; i < n; i++) { a = (rand() * 4 - 2) * spread; b = (rand() * 4 - 2) * spread;
      e = sqrt(-2 * log(1 - rand())) * cos(6.283185307 * rand());
      printf "%.4f,%.4f,%.4f\n", a, b, 2 * a - b + (0.2 + (a < 0 ? -a : a)) * e } }' > "$1"
}
make train.csv 3 1500 1
make rows.csv 5 400 1
make far.csv 7 200 25 # inputs far outside the training range
Q="0.05,0.5,0.95"

"$PLEXUS" train --data train.csv --task regression --quantiles "$Q" --epochs 60 --save q.plx \
  > train.txt 2>&1 || { echo "FAIL: train: $(tail -n 5 train.txt)"; exit 1; }
grep -q "Sort()" train.txt && grep -q "^  quantiles 0.05,0.5,0.95: pinball loss " train.txt &&
  ok "train: $(grep '^  quantiles' train.txt)" || fail "train's output: $(tail -n 8 train.txt)"
"$PLEXUS" inspect q.plx --json > inspect.json 2>&1
grep -q '"quantiles":\[0.05,0.5,0.95\]' inspect.json && grep -q '"quantiles":"0.05,0.5,0.95"' inspect.json &&
  ok "the model file and its training record hold the levels" || fail "inspect: $(head -c 300 inspect.json)"

for set in rows far; do
  "$PLEXUS" predict --model q.plx --data $set.csv --output $set.q.csv 2> predict.txt || fail "predict: $(cat predict.txt)"
  head -n 1 $set.q.csv | grep -q "^q0.05,q0.5,q0.95$" &&
    awk -F, 'NR > 1 { n++; if (!($1 <= $2 && $2 <= $3)) bad++ } END { exit (bad || n < 200) }' $set.q.csv &&
    ok "predict on $set.csv: q0.05,q0.5,q0.95, ascending on every row" || fail "predict $set: $(head -n 3 $set.q.csv)"
done
"$PLEXUS" eval --model q.plx --data rows.csv --json > eval.txt 2>&1 || fail "eval: $(cat eval.txt)"
coverage=$(tail -n 1 eval.txt | sed -n 's/.*"test_quantile_coverage":\([0-9.e-]*\).*/\1/p')
grep -q "^  quantiles 0.05,0.5,0.95: pinball loss [0-9.]*, [0-9.]*% of rows between q0.05 and q0.95" eval.txt &&
  above "$coverage" 0.8 && ! above "$coverage" 0.98 && ok "eval: $(grep '^  quantiles' eval.txt)" ||
  fail "eval's quantile scores (coverage $coverage): $(cat eval.txt)"
expect 2 "--interval: the model predicts the quantiles 0.05,0.5,0.95" -- \
  "$PLEXUS" predict --model q.plx --data rows.csv --interval 0.9

# The same quantiles from the exports, PyTorch and serve.
awk -F, 'NR > 1 { n++; line[n] = $1 " " $2 } END { print n, 2; for (i = 1; i <= n; i++) print line[i] }' \
  rows.csv > model.rows
awk -F, 'NR > 1 { n++; line[n] = $1 " " $2 " " $3 } END { print n, 3; for (i = 1; i <= n; i++) print line[i] }' \
  rows.q.csv > model.expected
check_c_export q.plx C px_sort -DFLOOR=0.1
# Floor 0.1: the quantiles are in the units of y (spread about 1 to 4); near 0 they compare to 1e-6.
check_onnx_export q.plx "ONNX (TopK)" "model 0 0.1"
if "$PYTHON" -c "import torch" 2> /dev/null; then
  "$PYTHON" "$INTEROP/torch_predict.py" q.plx rows.csv rows.q.csv > torch.txt 2>&1 &&
    ok "PyTorch: $(cat torch.txt)" || fail "PyTorch: $(cat torch.txt)"
else
  echo "skip: PyTorch (no torch for $PYTHON)"
fi
if command -v curl > /dev/null && command -v python3 > /dev/null; then
  port=$((20000 + ($$ + 7717) % 20000))
  start_serve "$port" q.plx
  python3 -c 'import csv, json
rows = [{k: float(v) for k, v in r.items() if k != "y"} for r in list(csv.DictReader(open("rows.csv")))[:20]]
json.dump({"rows": rows}, open("rows.req", "w"))'
  if curl -s -o served.json -H 'Content-Type: application/json' --data-binary @rows.req \
      "http://127.0.0.1:$port/predict"; then
    python3 - << 'EOF_PY' && ok "serve: predict's quantiles" || fail "serve: $(head -c 300 served.json)"
import csv, json
got = json.load(open("served.json"))
want = list(csv.DictReader(open("rows.q.csv")))[:20]
assert got["quantiles"] == [0.05, 0.5, 0.95], got.get("quantiles")
for r, q in zip(want, got["predictions"]):
    for name, value in zip(("q0.05", "q0.5", "q0.95"), q):
        assert abs(float(r[name]) - value) <= 1e-6 * max(1, abs(value)), (r, q)
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

# --- usage errors -----------------------------------------------------------------------------
expect 2 '--quantiles: 0.2 does not come after 0.5' -- \
  "$PLEXUS" train --data train.csv --epochs 1 --quantiles 0.5,0.2
expect 2 '--quantiles: "1.5" is not a level in (0, 1)' -- \
  "$PLEXUS" train --data train.csv --epochs 1 --quantiles 0.1,1.5
expect 2 '--quantiles: "x" is not a level in (0, 1)' -- \
  "$PLEXUS" train --data train.csv --epochs 1 --quantiles x
awk -F, 'NR == 1 { print; next } { $3 = ($1 > 0 ? "hi" : "lo"); print }' OFS=, train.csv > classes.csv
expect 2 "quantiles need a regression task" -- \
  "$PLEXUS" train --data classes.csv --epochs 1 --quantiles 0.1,0.9

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "quantile: all passed"
