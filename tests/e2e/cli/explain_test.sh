#!/bin/sh
# End-to-end test of explanations: `plexus explain` ranks a pure-noise column last (table, --json,
# --report with its figures), `predict --explain` writes attributions that sum to the output minus
# the baseline's, and `serve` answers "explain": true with the same numbers.
#   explain_test.sh PLEXUS WORKDIR
# The JSON checks need python3; the serve check curl and cpp-httplib (skipped without them).
set -u
PLEXUS=$1
WORK=$2
. "$(dirname "$0")/lib.sh" # before the cd: $0 may be relative
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# Three classes from a, b and a colour; noise is drawn but never used.
make_data() {
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "a,b,colour,noise,label";
    for (i = 0; i < n; i++) { a = rand() * 4 - 2; b = rand() * 4 - 2; z = rand() * 4 - 2;
      c = int(rand() * 3); col = (c == 0 ? "red" : (c == 1 ? "green" : "blue"));
      s = 2 * a + b + (c == 2 ? 1.5 : 0); lab = (s < -0.7 ? "alpha" : (s < 1.2 ? "beta" : "gamma"));
      printf "%.4f,%.4f,%s,%.4f,%s\n", a, b, col, z, lab } }' > "$1"
}
make_data train.csv 7 600
make_data test.csv 11 300
"$PLEXUS" train --data train.csv --save model.plx --quiet --epochs 30 > train.txt 2>&1 ||
  { echo "FAIL: train: $(tail -n 5 train.txt)"; exit 1; }

# The table: one line per source column (colour once, though one-hot), noise last.
if "$PLEXUS" explain --model model.plx --data test.csv --repeats 3 > table.txt 2> err.txt; then
  lines=$(tail -n +3 table.txt | wc -l)
  [ "$lines" -eq 4 ] && ok "explain lists 4 columns" || fail "explain lists $lines columns: $(cat table.txt)"
  [ "$(tail -n 1 table.txt | awk '{print $1}')" = noise ] && ok "noise ranks last" ||
    fail "noise is not last: $(cat table.txt)"
  head -n 1 table.txt | grep -q "accuracy lost when the column is shuffled" &&
    ok "the table says what an importance is" || fail "no meaning line: $(head -n 1 table.txt)"
else
  fail "explain exited $?: $(cat err.txt)"
fi

# --report: the page with the importance bars and partial dependence figures.
"$PLEXUS" explain --model model.plx --data test.csv --report report --top 2 > /dev/null 2>&1 ||
  fail "explain --report"
for figure in importance pdp_0 pdp_1; do
  [ -s "report/$figure.svg" ] && ok "report draws $figure" || fail "report has no $figure.svg"
done
grep -q "Partial dependence" report/index.html && ok "report has partial dependence" ||
  fail "report has no partial dependence section"

# Bad usage exits 2.
"$PLEXUS" explain --model model.plx --data test.csv --repeats 0 > /dev/null 2>&1
[ $? -eq 2 ] && ok "--repeats 0 is bad usage" || fail "--repeats 0 did not exit 2"

# predict --explain: attr_<column> per column, and completeness within 1e-3 relative.
"$PLEXUS" predict --model model.plx --data test.csv --explain > explained.csv 2> err.txt ||
  fail "predict --explain: $(cat err.txt)"
head -n 1 explained.csv | grep -q '^prediction,output,baseline_output,attr_a,attr_b,attr_colour,attr_noise$' &&
  ok "predict --explain header" || fail "predict --explain header: $(head -n 1 explained.csv)"
bad=$(awk -F, 'NR > 1 { d = $2 - $3; s = $4 + $5 + $6 + $7; e = s - d; if (e < 0) e = -e;
  m = (d < 0 ? -d : d); if (m < 0.01) m = 0.01; if (e > 1e-3 * m + 1e-5) n++ } END { print n + 0 }' explained.csv)
[ "$bad" -eq 0 ] && ok "attributions sum to output - baseline_output" ||
  fail "$bad rows whose attributions do not sum to output - baseline_output"

if command -v python3 > /dev/null; then
  "$PLEXUS" explain --model model.plx --data test.csv --json > json.txt 2>&1 || fail "explain --json"
  tail -n 1 json.txt | python3 -c '
import json, sys
out = json.load(sys.stdin)
assert out["metric"] == "accuracy" and out["repeats"] == 5 and out["rows"] == 300, out
names = [c["column"] for c in out["importance"]]
assert sorted(names) == ["a", "b", "colour", "noise"] and names[-1] == "noise", names
assert all(c["std"] >= 0 for c in out["importance"])
assert [d["column"] for d in out["partial_dependence"]] == names[:3]
colour = [d for d in out["partial_dependence"] if d["column"] == "colour"]
assert not colour or colour[0]["grid"] == ["blue", "green", "red"], colour
' && ok "explain --json" || fail "explain --json: $(tail -n 1 json.txt | head -c 300)"
fi

# serve: "explain": true gives the attributions predict --explain gives.
if command -v curl > /dev/null && command -v python3 > /dev/null; then
  port=$((21000 + $$ % 20000))
  start_serve "$port" model.plx
  if grep -q "without cpp-httplib" serve.log; then
    echo "skip: serve: $(cat serve.log)"
  else
    curl -s "http://127.0.0.1:$port/predict" \
      -d '{"rows": [{"a": 1.5, "b": -0.5, "colour": "blue", "noise": 0.3}], "explain": true}' \
      > served.json
    printf 'a,b,colour,noise\n1.5,-0.5,blue,0.3\n' > one.csv
    "$PLEXUS" predict --model model.plx --data one.csv --explain > one_explained.csv
    python3 - served.json one_explained.csv <<'PY' && ok "serve explain agrees with predict --explain" || fail "serve explain: $(head -c 300 served.json)"
import csv, json, sys
served = json.load(open(sys.argv[1]))["explanations"][0]
row = list(csv.DictReader(open(sys.argv[2])))[0]
for column in ["a", "b", "colour", "noise"]:
    assert abs(served["attributions"][column] - float(row["attr_" + column])) < 1e-4, column
assert abs(served["baseline_output"] - float(row["baseline_output"])) < 1e-4
PY
  fi
  kill -TERM "$server" 2> /dev/null
  wait "$server" 2> /dev/null
  server=""
fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
