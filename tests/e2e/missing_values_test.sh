#!/bin/sh
# Missing values end to end: `plexus train` on a CSV with empty cells and no --impute flag (the
# default imputation: an indicator for x1, a missing category for colour), then rows with empty
# cells and NA in every column (x2 and size had no gaps in training: filled, no indicator) give
# the same predictions through `plexus predict`, `plexus eval`, the C export (gcc, NaN for a
# missing cell), the ONNX export in onnxruntime and `plexus serve` (null for a missing cell).
#   missing_values_test.sh PLEXUS WORKDIR EXPORT_SOURCE_DIR NPM_PREFIX
# A part whose tool is missing (gcc, node with onnxruntime-node, curl with python3, cpp-httplib)
# is skipped with a note; the others still run.
set -u
PLEXUS=$1
WORK=$2
EXPORT_SRC=$3
NPM_PREFIX=$4
. "$(dirname "$0")/cli/lib.sh" # before the cd: $0 may be relative
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# make FILE SEED ROWS GAPS: three classes from two numbers, a colour and a size; GAPS=1 empties
# colour and x1 (one in eight), GAPS=2 also x2 and size, and writes some x1 as NA. The remark
# column is empty under GAPS=1 (train leaves it out) and half "late" under GAPS=2.
make() {
  awk -v seed="$2" -v n="$3" -v gaps="$4" 'BEGIN { srand(seed); print "id,colour,x1,x2,size,remark,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; c = int(rand() * 3);
      z = int(rand() * 3); col = (c == 0 ? "red" : (c == 1 ? "green" : "blue"));
      size = (z == 0 ? "S" : (z == 1 ? "M" : "L"));
      s = x1 + x2 + (c == 2 ? 1.5 : 0) + (z == 2 ? 0.5 : 0);
      lab = (s < -0.7 ? "alpha" : (s < 1.2 ? "beta" : "gamma"));
      a = sprintf("%.4f", x1); b = sprintf("%.4f", x2);
      if (rand() < 0.125) col = "";
      if (rand() < 0.125) a = (gaps == 2 && rand() < 0.5 ? "NA" : "");
      if (gaps == 2 && rand() < 0.125) b = "";
      if (gaps == 2 && rand() < 0.125) size = "";
      rem = (gaps == 2 && rand() < 0.5 ? "late" : "");
      printf "r%d,%s,%s,%s,%s,%s,%s\n", i, col, a, b, size, rem, lab } }' > "$1"
}
make train.csv 7 400 1
make rows.csv 11 120 2

"$PLEXUS" train --data train.csv --ignore id --epochs 8 --save model.plx > train.txt 2>&1 ||
  { echo "FAIL: train: $(tail -n 5 train.txt)"; exit 1; }
grep -q "^  x1: numeric (median .*, smooth clip); gaps in training: filled with the median .*, plus a missing indicator$" train.txt &&
  grep -q "^  colour: categorical (3 categories: blue, green, red); gaps in training: a missing category$" train.txt &&
  grep -q "^  x2: numeric (median .*, smooth clip), missing -> " train.txt &&
  grep -q "^  size: categorical (3 categories: L, M, S), missing -> " train.txt &&
  ok "train says what it did per column: $(grep '^  x1:' train.txt)" ||
  fail "train's column lines: $(sed -n '/^columns:/,/^test/p' train.txt)"
grep -q "^plexus: warning: train.csv: column 'remark' has no value in the training rows: it is left out, as --ignore remark would$" train.txt &&
  grep -q "^  remark: ignored$" train.txt &&
  ok "a column empty in every training row is left out, with a warning" ||
  fail "the empty column: $(grep remark train.txt)"

"$PLEXUS" inspect model.plx > inspect.txt 2>&1
grep -q "^  x1: numeric, robust (.*smooth clip), missing -> .* and a missing indicator$" inspect.txt &&
  grep -q "^  colour: categorical, one-hot over 3 categories, missing -> a missing category$" inspect.txt &&
  ok "inspect lists the indicator and the missing category" ||
  fail "inspect: $(sed -n '/^preprocessing:/,$p' inspect.txt)"

"$PLEXUS" predict --model model.plx --data rows.csv --proba --output plexus.csv ||
  { echo "FAIL: predict"; exit 1; }
"$PLEXUS" eval --model model.plx --data rows.csv > eval.txt 2>&1 && grep -q "accuracy" eval.txt &&
  ok "eval scores rows with empty cells" || fail "eval: $(tail -n 3 eval.txt)"

# The exporters' rows: colour, x1, x2, size as numbers, a category as its sorted index, nan for a
# missing cell; and plexus' probabilities.
awk -F, 'function v(x) { return (x == "" || x == "NA") ? "nan" : x }
  NR > 1 { n++; c = ($2 == "" ? "nan" : ($2 == "blue" ? 0 : ($2 == "green" ? 1 : 2)));
           z = ($5 == "" ? "nan" : ($5 == "L" ? 0 : ($5 == "M" ? 1 : 2)));
           line[n] = c " " v($3) " " v($4) " " z }
  END { print n, 4; for (i = 1; i <= n; i++) print line[i] }' rows.csv > model.rows
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^proba_/) col[++k] = i; next }
  { n++; s = ""; for (j = 1; j <= k; j++) s = s (j > 1 ? " " : "") $col[j]; line[n] = s }
  END { print n, k; for (i = 1; i <= n; i++) print line[i] }' plexus.csv > model.expected
grep -q nan model.rows || fail "the rows have no missing cells"

check_c_export model.plx C "" -DPREDICT_CLASS=model_predict_class
check_onnx_export model.plx ONNX "model 1 0.001"

# serve: the rows as objects, null for a missing cell (NA too), against predict --proba.
if command -v curl > /dev/null && command -v python3 > /dev/null; then
  port=$((20000 + ($$ + 7919) % 20000))
  started=""
  for attempt in 1 2 3 4 5; do
    "$PLEXUS" serve --model model.plx --port "$port" 2> serve.log &
    server=$!
    for i in $(seq 1 100); do
      curl -s -o /dev/null "http://127.0.0.1:$port/health" && { started=1; break; }
      kill -0 "$server" 2> /dev/null || break
      sleep 0.1
    done
    [ -n "$started" ] && break
    wait "$server"
    server=""
    grep -q "cannot listen" serve.log || break
    port=$((port + 1 + attempt * 97))
  done
  if [ -n "$started" ]; then
    python3 - << 'EOF' || fail "could not write the request"
import csv, json
def value(name, text):
    if text in ("", "NA"):
        return None
    return float(text) if name in ("x1", "x2") else text
rows = [{k: value(k, v) for k, v in r.items()} for r in csv.DictReader(open("rows.csv"))]
json.dump({"rows": rows, "proba": True}, open("rows.req", "w"))
EOF
    code=$(curl -s -o served.json -w '%{http_code}' -H 'Content-Type: application/json' \
      --data-binary @rows.req "http://127.0.0.1:$port/predict")
    python3 - "$code" << 'EOF' && ok "serve: the same predictions and probabilities" || fail "serve"
import csv, json, sys
assert sys.argv[1] == "200", "HTTP " + sys.argv[1] + ": " + open("served.json").read()[:300]
got = json.load(open("served.json"))
want = list(csv.DictReader(open("plexus.csv")))
assert got["predictions"] == [r["prediction"] for r in want], "predictions differ"
classes = [c[len("proba_"):] for c in want[0] if c.startswith("proba_")]
for r, p in zip(want, got["probabilities"]):
    for c, q in zip(classes, p):
        assert abs(float(r["proba_" + c]) - q) <= 1e-6, "%s: %s vs %s" % (c, r["proba_" + c], q)
EOF
    kill -TERM "$server"
    wait "$server"
    server=""
  elif grep -q "without cpp-httplib" serve.log; then
    echo "skip: serve ($(cat serve.log))"
  else
    fail "serve did not start: $(cat serve.log)"
  fi
else
  echo "skip: serve (no curl or python3)"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
