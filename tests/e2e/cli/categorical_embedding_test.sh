#!/bin/sh
# Categorical embeddings end to end: `plexus train --embed-categories-above 8` on a table with a
# 30-level column `shop` (gaps in training: a missing category) and a 3-level `size` (one-hot),
# then rows with unseen shops and empty cells give the same probabilities through `plexus
# predict`, the C export (gcc), the ONNX export (onnxruntime), PyTorch (the documented
# CategoricalEmbedding module) and `plexus serve`.
#   categorical_embedding_test.sh PLEXUS WORKDIR EXPORT_SOURCE_DIR NPM_PREFIX [PYTHON]
# A part whose tool is missing is skipped with a note; the others still run.
set -u
PLEXUS=$1
WORK=$2
EXPORT_SRC=$3
NPM_PREFIX=$4
PYTHON=${5:-python3}
. "$(dirname "$0")/lib.sh" # before the cd: $0 may be relative
INTEROP=$(cd "$(dirname "$0")/../../interop" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# make FILE SEED ROWS LEVELS: two classes from x, the shop's own effect and the size; one shop in
# ten is empty. Rows drawn with LEVELS > 30 have shops the training rows lack.
make() {
  awk -v seed="$2" -v n="$3" -v levels="$4" 'BEGIN { srand(seed); print "x,shop,size,label";
    for (s = 0; s < 40; s++) effect[s] = (s * 7919 % 13) / 6 - 1;
    for (i = 0; i < n; i++) { x = rand() * 4 - 2; s = int(rand() * levels); z = int(rand() * 3);
      size = (z == 0 ? "S" : (z == 1 ? "M" : "L"));
      label = (x + 2 * effect[s] + (z == 2 ? 0.5 : 0) > 0 ? "yes" : "no");
      shop = (rand() < 0.1 ? "" : "shop" s);
      printf "%.4f,%s,%s,%s\n", x, shop, size, label } }' > "$1"
}
make train.csv 5 600 30
make rows.csv 9 150 40

"$PLEXUS" train --data train.csv --epochs 10 --embed-categories-above 8 --save model.plx \
  > train.txt 2>&1 || { echo "FAIL: train: $(tail -n 5 train.txt)"; exit 1; }
grep -q "^  shop: categorical (30 categories: .*), embedded: one index input" train.txt &&
  grep -q "^  size: categorical (3 categories: L, M, S), missing -> " train.txt &&
  ok "train embeds shop and one-hot encodes size" ||
  fail "train's column lines: $(sed -n '/^columns:/,/^test/p' train.txt)"
"$PLEXUS" predict --model model.plx --data rows.csv --proba --output plexus.csv > predict.txt 2>&1 ||
  { echo "FAIL: predict: $(cat predict.txt)"; exit 1; }
grep -q "unseen category" predict.txt || fail "predict does not warn of unseen shops: $(cat predict.txt)"
"$PLEXUS" predict --model model.plx --data rows.csv --explain > explain.txt 2>&1
[ $? -eq 1 ] && grep -q 'column "shop" has 30 categories, embedded' explain.txt &&
  grep -q -- "--embed-categories-above 0" explain.txt && ok "--explain names the embedded column" ||
  fail "--explain on an embedded column: $(tail -n 3 explain.txt)"

# The exporters' rows: x, the shop's index among the sorted training shops (a new shop: 99), size's
# index, nan for an empty cell; and plexus' probabilities.
awk -F, 'NR > 1 && $2 != "" { seen[$2] = 1 } END { for (s in seen) print s }' train.csv | sort > shops
awk -F, 'FILENAME == "shops" { index_of[$1] = FNR - 1; next }
  FNR > 1 { n++; s = ($2 == "" ? "nan" : ($2 in index_of ? index_of[$2] : 99));
            z = ($3 == "L" ? 0 : ($3 == "M" ? 1 : 2)); line[n] = $1 " " s " " z }
  END { print n, 3; for (i = 1; i <= n; i++) print line[i] }' shops rows.csv > model.rows
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^proba_/) col[++k] = i; next }
  { n++; s = ""; for (j = 1; j <= k; j++) s = s (j > 1 ? " " : "") $col[j]; line[n] = s }
  END { print n, k; for (i = 1; i <= n; i++) print line[i] }' plexus.csv > model.expected
grep -q " 99 " model.rows && grep -q " nan " model.rows || fail "the rows lack unseen or empty shops"

check_c_export model.plx C "px_categorical_embedding(" -DPREDICT_CLASS=model_predict_class
check_onnx_export model.plx ONNX "model 1 0.001"

if "$PYTHON" -c "import torch" 2> /dev/null; then
  "$PYTHON" "$INTEROP/torch_predict.py" model.plx rows.csv plexus.csv > torch.txt 2>&1 &&
    ok "PyTorch: $(cat torch.txt)" || fail "PyTorch: $(cat torch.txt)"
else
  echo "skip: PyTorch (no torch for $PYTHON)"
fi

if command -v curl > /dev/null && command -v python3 > /dev/null; then
  port=$((20000 + ($$ + 6131) % 20000))
  start_serve "$port" model.plx
  python3 -c 'import csv, json
rows = [{k: (v or None) if k != "x" else float(v) for k, v in r.items() if k != "label"}
        for r in csv.DictReader(open("rows.csv"))]
json.dump({"rows": rows, "proba": True}, open("rows.req", "w"))'
  if curl -s -o served.json -H 'Content-Type: application/json' --data-binary @rows.req \
      "http://127.0.0.1:$port/predict"; then
    python3 - << 'EOF_PY' && ok "serve: predict's probabilities" || fail "serve: $(head -c 300 served.json)"
import csv, json
got = json.load(open("served.json"))
want = list(csv.DictReader(open("plexus.csv")))
classes = [c[len("proba_"):] for c in want[0] if c.startswith("proba_")]
assert got["predictions"] == [r["prediction"] for r in want], "predictions differ"
for r, p in zip(want, got["probabilities"]):
    for c, q in zip(classes, p):
        assert abs(float(r["proba_" + c]) - q) <= 1e-6, (c, r["proba_" + c], q)
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

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "categorical embedding: all passed"
