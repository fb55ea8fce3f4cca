#!/bin/sh
# End-to-end test of `plexus serve`: train a small model, serve it on a loopback port, compare
# /predict with `plexus predict --proba`, send bad requests, then SIGTERM.
#   serve_test.sh PLEXUS WORKDIR
# Exit 77 (skipped) without curl or python3 (which reads the JSON), or without cpp-httplib.
set -u
PLEXUS=$1
WORK=$2
command -v curl > /dev/null || { echo "skip: no curl (scripts/install-deps.sh --test)"; exit 77; }
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
. "$(dirname "$0")/cli/lib.sh" # before the cd: $0 may be relative
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# The data of tests/e2e/cli/cli_test.sh: three classes from two numbers and a colour, an id.
make_classification() {
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "id,colour,x1,x2,x3,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand(); c = int(rand() * 3);
      col = (c == 0 ? "red" : (c == 1 ? "green" : "blue")); s = x1 + x2 + (c == 2 ? 1.5 : 0);
      lab = (s < -0.7 ? "alpha" : (s < 1.2 ? "beta" : "gamma"));
      printf "id%04d,%s,%.4f,%.4f,%.4f,%s\n", i, col, x1, x2, x3, lab } }' > "$1"
}
make_classification train.csv 7 400
make_classification new.csv 11 25
"$PLEXUS" train --data train.csv --ignore id --save model.plx --quiet --epochs 15 > train.txt 2>&1 ||
  { echo "FAIL: train: $(tail -n 5 train.txt)"; exit 1; }
"$PLEXUS" predict --model model.plx --data new.csv --proba > expected.csv ||
  { echo "FAIL: predict"; exit 1; }

# start_server LOG ARGS...: starts on a free port (tries others while the port is taken) and waits
# for /health; sets $server and $port.
start_server() {
  log=$1
  shift
  port=$((20000 + $$ % 20000))
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    "$PLEXUS" serve --model model.plx --port "$port" "$@" 2> "$log" &
    server=$!
    for i in $(seq 1 100); do
      curl -s -o /dev/null "http://127.0.0.1:$port/health" && return 0
      kill -0 "$server" 2> /dev/null || break
      sleep 0.1
    done
    wait "$server"
    server=""
    grep -q "without cpp-httplib" "$log" && { echo "skip: $(cat "$log")"; exit 77; }
    grep -q "cannot listen" "$log" || { echo "FAIL: serve did not start: $(cat "$log")"; exit 1; }
    port=$((port + 1 + attempt * 97))
  done
  echo "FAIL: no free port found"
  exit 1
}

# post NAME BODY_FILE: POSTs to /predict; the answer goes to NAME.json, the status is printed.
post() { curl -s -o "$1.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary "@$2" "http://127.0.0.1:$port/predict"; }
# expect_status NAME BODY_FILE CODE PATTERN: the status, PATTERN in the error, the server still up.
expect_status() {
  code=$(post "$1" "$2")
  if [ "$code" != "$3" ]; then
    fail "$1: HTTP $code, expected $3: $(head -c 300 "$1.json")"
  elif ! grep -q -- "$4" "$1.json"; then
    fail "$1: the answer does not say '$4': $(head -c 300 "$1.json")"
  else
    ok "$1 -> $code: $(head -c 160 "$1.json")"
  fi
  curl -s -f -o /dev/null "http://127.0.0.1:$port/health" || fail "$1: the server went down"
}

start_server serve.log --max-body 65536
ok "serving on port $port"
[ "$(curl -s "http://127.0.0.1:$port/health")" = '{"status":"ok"}' ] && ok "/health" ||
  fail "/health answered $(curl -s "http://127.0.0.1:$port/health")"
curl -s "http://127.0.0.1:$port/model" > model.json
"$PLEXUS" inspect model.plx --json > inspect.json
cmp -s model.json inspect.json && ok "/model is inspect --json" ||
  fail "/model differs from inspect --json: $(head -c 300 model.json)"

# The requests: rows as objects (with the id and the label, which the model does not take) and as
# arrays in the order of /model's features; with and without probabilities.
python3 - << 'EOF' || fail "could not write the requests"
import csv, json
rows = list(csv.DictReader(open("new.csv")))
features = json.load(open("model.json"))["features"]
def value(name, text):
    return text if name in ("colour", "id", "label") else float(text)
objects = [{k: value(k, v) for k, v in r.items()} for r in rows]
arrays = [[value(f, r[f]) for f in features] for r in rows]
for name, body in {"objects": {"rows": objects, "proba": True},
                   "arrays": {"rows": arrays, "proba": True},
                   "plain": {"rows": objects}, "empty": {"rows": []},
                   "unseen": {"rows": [dict(objects[0], colour="purple")]},
                   "bad_json": None, "missing": {"rows": [{"colour": "red", "x1": 1, "x3": 0}]},
                   "text_number": {"rows": [dict(objects[0], x2="abc")]},
                   "row_type": {"rows": [objects[0], 42]},
                   "cell_type": {"rows": [dict(objects[0], x1=[1])]},
                   "short_array": {"rows": [arrays[0][:-1]]},
                   "proba_type": {"rows": arrays, "proba": "yes"},
                   "unknown_key": {"rows": arrays, "probs": True},
                   "no_rows": {"proba": True},
                   "huge": {"rows": arrays * 400}}.items():
    with open(name + ".req", "w") as f:
        f.write('{"rows": [{"colour": "red", "x1": ' if body is None else json.dumps(body))
EOF

# check NAME PROBA: NAME.json against expected.csv (`plexus predict --proba` on the same rows).
check() {
  python3 - "$1" "$2" << 'EOF'
import csv, json, sys
name, proba = sys.argv[1], sys.argv[2] == "1"
got = json.load(open(name + ".json"))
want = list(csv.DictReader(open("expected.csv")))
assert got["predictions"] == [r["prediction"] for r in want], "predictions differ"
assert ("probabilities" in got) == proba, "probabilities present: %s" % ("probabilities" in got)
assert "warnings" not in got, "warnings: %s" % got.get("warnings")
if proba:
    classes = [c[len("proba_"):] for c in want[0] if c.startswith("proba_")]
    for r, p in zip(want, got["probabilities"]):
        assert len(p) == len(classes)
        for c, q in zip(classes, p):
            assert abs(float(r["proba_" + c]) - q) <= 1e-6, "%s: %s vs %s" % (c, r["proba_" + c], q)
EOF
}
for request in objects:1 arrays:1 plain:0; do
  name=${request%:*}
  code=$(post "$name" "$name.req")
  [ "$code" = 200 ] && check "$name" "${request#*:}" && ok "/predict with $name rows" ||
    fail "/predict with $name rows: HTTP $code: $(head -c 300 "$name.json")"
done
[ "$(post empty empty.req)" = 200 ] && grep -q '"predictions":\[\]' empty.json &&
  ok "no rows, no predictions" || fail "empty rows: $(cat empty.json)"
[ "$(post unseen unseen.req)" = 200 ] && grep -q '"warnings":\[.*purple' unseen.json &&
  ok "an unseen category predicts with a warning" || fail "unseen category: $(cat unseen.json)"

# Several at once: every answer is the one a lone request gets (the rows may share a forward).
clients=""
for i in 1 2 3 4 5 6 7 8; do
  post "many$i" objects.req > "many$i.code" &
  clients="$clients $!"
done
for pid in $clients; do wait "$pid"; done  # not the server's
for i in 1 2 3 4 5 6 7 8; do
  [ "$(cat "many$i.code")" = 200 ] && check "many$i" 1 || fail "concurrent request $i"
done
ok "8 concurrent requests"

expect_status bad_json bad_json.req 400 "malformed JSON"
expect_status missing missing.req 400 'no column \\"x2\\"'
# A word in a numeric column reads as missing (filled), as predict reads it, with a warning.
expect_status text_number text_number.req 200 "'abc' is not a number; 1 cell"
grep -q 'rows\[0\]' text_number.json || fail "the warning does not name the row"
expect_status row_type row_type.req 400 'rows\[1\]'
expect_status cell_type cell_type.req 400 'rows\[0\].x1'
expect_status short_array short_array.req 400 "one per feature"
expect_status proba_type proba_type.req 400 "proba"
expect_status unknown_key unknown_key.req 400 "probs"
expect_status no_rows no_rows.req 400 "rows"
expect_status huge huge.req 413 "max-body"
code=$(curl -s -o nope.json -w '%{http_code}' "http://127.0.0.1:$port/nope")
[ "$code" = 404 ] && grep -q endpoints nope.json && ok "unknown path -> 404" ||
  fail "unknown path: $code $(cat nope.json)"

# A second server on the same port: exit 1, saying why. A corrupt model: exit 1 before listening.
timeout 20 "$PLEXUS" serve --model model.plx --port "$port" 2> bind.log
rc=$?
[ "$rc" = 1 ] && grep -q "cannot listen" bind.log && ok "port in use -> 1" ||
  fail "port in use: exit $rc: $(cat bind.log)"
head -c 200 model.plx > corrupt.plx
timeout 20 "$PLEXUS" serve --model corrupt.plx --port 0 2> corrupt.log
rc=$?
[ "$rc" = 1 ] && grep -q "corrupt.plx" corrupt.log && ! grep -q serving corrupt.log &&
  ok "corrupt model -> 1" || fail "corrupt model: exit $rc: $(cat corrupt.log)"

# SIGTERM with a request in flight: it is answered, and the server exits 0.
python3 -c "
import json; r = json.load(open('arrays.req'))['rows']
open('big.req', 'w').write(json.dumps({'rows': r * 20, 'proba': True}))"
post big big.req > big.code &
client=$!
sleep 0.05
kill -TERM "$server"
wait "$server"
rc=$?
server=""
wait "$client"
[ "$rc" = 0 ] && ok "SIGTERM -> 0" || fail "SIGTERM: exit $rc: $(tail -n 3 serve.log)"
grep -q "stopped" serve.log || fail "no 'stopped' in the log: $(tail -n 3 serve.log)"
code=$(cat big.code)
[ "$code" = 200 ] || [ "$code" = 000 ] && ok "the request in flight: HTTP $code" ||
  fail "the request in flight got HTTP $code"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
