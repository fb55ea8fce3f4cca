#!/bin/sh
# End-to-end test of `plexus tune`:
#   tune_test.sh PLEXUS WORKDIR
# - a search with --max-trials, run twice: the same leaderboard and the same model file, byte for
#   byte; the reproducing command it prints does the same;
# - --time-limit 20s ends within the promise (20 s + 5%) with a model that eval, predict, export
#   (onnx and c) and serve (when built with it and curl is there) accept;
# - Ctrl-C (SIGINT) in a --checkpoint search, then --resume: the uninterrupted search's
#   leaderboard and model file;
# - a regressor: intervals from its out-of-fold residuals; --ensemble-fit refit, --max-refits.
set -u
PLEXUS=$1
WORK=$2
. "$(dirname "$0")/lib.sh" # before the cd: $0 may be relative
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# Three classes from two numbers and a colour, an id (the data of cli_test.sh).
make_classification() {
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "id,colour,x1,x2,x3,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand(); c = int(rand() * 3);
      col = (c == 0 ? "red" : (c == 1 ? "green" : "blue")); s = x1 + x2 + (c == 2 ? 1.5 : 0);
      lab = (s < -0.7 ? "alpha" : (s < 1.2 ? "beta" : "gamma"));
      printf "id%04d,%s,%.4f,%.4f,%.4f,%s\n", i, col, x1, x2, x3, lab } }' > "$1"
}
make_classification train.csv 7 400
make_classification new.csv 11 25
now_ms() { date +%s%N | cut -c1-13; }
# The leaderboard lines without the time column (and a resumed trial's note).
board() { awk '/^ *[0-9]+ +[0-9]+ +[0-9]+ / { $6 = ""; sub(/ \(resumed\)$/, ""); print }' "$1"; }

# ---- --max-trials twice: the same leaderboard, the same file ----------------------------------
search="--data train.csv --ignore id --epochs 9 --folds 3 --seed 4"
"$PLEXUS" tune $search --max-trials 10 --save a.plx --json > a.txt 2>&1 || fail "tune: $(tail -3 a.txt)"
mv a.plx first.plx
"$PLEXUS" tune $search --max-trials 10 --save a.plx > b.txt 2>&1 || fail "tune again"
[ "$(board a.txt | wc -l)" -eq 10 ] || fail "10 trials expected: $(board a.txt)"
board a.txt > a.board && board b.txt > b.board
cmp -s a.board b.board && ok "the same leaderboard twice" || fail "leaderboards differ"
cmp -s first.plx a.plx && ok "the same model file twice" || fail "model files differ"
tail -n 1 a.txt | grep -q '"trials_run":10' || fail "--json: no trials_run: $(tail -c 300 a.txt)"

grep -q "^calibration: temperature .* fitted on 320 held-out rows" a.txt &&
  ok "calibrated on the out-of-fold rows: $(grep '^calibration:' a.txt | cut -c1-60)" ||
  fail "no calibration line: $(grep -A3 '^out of fold' a.txt)"

# ---- a regressor: conformal intervals from the out-of-fold residuals ---------------------------
awk 'BEGIN { srand(5); print "a,b,y"; for (i = 0; i < 300; i++) { a = rand() * 4 - 2; b = rand() * 4 - 2;
  printf "%.4f,%.4f,%.4f\n", a, b, 2 * a - b + (rand() - 0.5) } }' > reg.csv
"$PLEXUS" tune --data reg.csv --target y --epochs 6 --folds 3 --max-trials 3 --save reg.plx \
  > reg.txt 2>&1 || fail "tune a regressor: $(tail -3 reg.txt)"
grep -q "^intervals: 240 held-out residuals" reg.txt &&
  "$PLEXUS" predict --model reg.plx --data reg.csv --interval 0.9 2> interval.err | head -n 1 |
  grep -q "^prediction,lower,upper$" && ok "a tuned regressor predicts intervals" ||
  fail "tuned regressor's intervals: $(grep '^intervals' reg.txt) $(cat interval.err)"
# --ensemble-fit refit: the members train again on every row; --max-refits N refits the first N
# networks only, as a time-limited run's reproduce line says.
reg="--data reg.csv --target y --epochs 6 --folds 3 --max-trials 3 --ensemble-fit refit"
"$PLEXUS" tune $reg --save refit.plx > refit.txt 2>&1 || fail "tune refit: $(tail -3 refit.txt)"
grep -q "^ensemble: .*each refit on every training row" refit.txt && ! cmp -s reg.plx refit.plx &&
  ok "refit: $(grep '^ensemble' refit.txt | cut -c1-70)" || fail "no refit: $(grep '^ensemble' refit.txt)"
"$PLEXUS" tune $reg --max-refits 2 --save refit2.plx > refit2.txt 2>&1 ||
  fail "tune --max-refits: $(tail -3 refit2.txt)"
grep -q "2 of them refit .*--max-refits left the others" refit2.txt &&
  ! cmp -s refit.plx refit2.plx && ok "--max-refits 2" || fail "--max-refits 2: $(grep '^ensemble' refit2.txt)"

# ---- --time-limit 20s: in time, and the model works everywhere ---------------------------------
t0=$(now_ms)
"$PLEXUS" tune --data train.csv --ignore id --time-limit 20s --save timed.plx --report report \
  > timed.txt 2>&1 || fail "tune --time-limit: $(tail -3 timed.txt)"
t1=$(now_ms)
elapsed=$((t1 - t0))
[ "$elapsed" -le 21000 ] && ok "--time-limit 20s took $elapsed ms" ||
  fail "--time-limit 20s took $elapsed ms (the promise: 21000)"
[ -f report/index.html ] || fail "no report"
reproduce=$(sed -n 's/^to repeat it: //p' timed.txt)
case "$reproduce" in
  *"--max-trials "*" --seed 0") ok "reproduce: $reproduce" ;;
  *) fail "no reproducing command: $reproduce" ;;
esac
"$PLEXUS" eval --model timed.plx --data new.csv > eval.txt 2>&1 && ok "eval: $(grep accuracy eval.txt)" ||
  fail "eval: $(tail -3 eval.txt)"
"$PLEXUS" predict --model timed.plx --data new.csv --proba > predictions.csv 2> predict.err &&
  [ "$(wc -l < predictions.csv)" -eq 26 ] && ok "predict" || fail "predict: $(cat predict.err)"
for format in onnx c; do
  "$PLEXUS" export --model timed.plx --format $format --output "timed.$format" > export.txt 2>&1 &&
    [ -s "timed.$format" ] && ok "export $format" || fail "export $format: $(tail -3 export.txt)"
done
if command -v curl > /dev/null; then
  port=$((20000 + $$ % 20000))
  start_serve "$port" timed.plx
  if grep -q "without cpp-httplib" serve.log; then
    echo "skip: serve (no cpp-httplib)"
  else
    body='{"rows": [{"colour": "red", "x1": 0.5, "x2": -1.0, "x3": 0.2}]}'
    answer=$(curl -s -H 'Content-Type: application/json' --data "$body" \
      "http://127.0.0.1:$port/predict")
    case "$answer" in
      *alpha* | *beta* | *gamma*) ok "serve: $answer" ;;
      *) fail "serve answered: $answer $(cat serve.log)" ;;
    esac
  fi
  kill -TERM "$server" 2> /dev/null
  wait "$server" 2> /dev/null
  server=""
else
  echo "skip: serve (no curl)"
fi

# ---- Ctrl-C, then --resume: the uninterrupted search --------------------------------------------
long="--data train.csv --ignore id --epochs 30 --folds 3 --seed 2 --max-trials 16"
"$PLEXUS" tune $long --save whole.plx > whole.txt 2>&1 || fail "tune (uninterrupted)"
cp whole.plx uninterrupted.plx
"$PLEXUS" tune $long --save whole.plx --checkpoint search > first.txt 2>&1 &
pid=$!
for i in $(seq 1 200); do
  [ -f search/trial-00002.safetensors ] && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" -eq 130 ] && ok "Ctrl-C: exit 130 after $(board first.txt | wc -l) trials" ||
  fail "Ctrl-C: exit $code, expected 130: $(tail -3 first.txt)"
grep -q "plexus tune --resume search" first.txt || fail "no resume hint: $(tail -3 first.txt)"
"$PLEXUS" tune --resume search > resumed.txt 2>&1 || fail "--resume: $(tail -3 resumed.txt)"
grep -q "(resumed)" resumed.txt || fail "--resume read no finished trial"
board whole.txt > whole.board && board resumed.txt > resumed.board
cmp -s whole.board resumed.board && ok "resumed: the uninterrupted leaderboard" ||
  fail "resumed leaderboard differs: $(diff whole.board resumed.board | head -5)"
cmp -s uninterrupted.plx whole.plx && ok "resumed: the uninterrupted model file" ||
  fail "resumed model file differs"

# ---- bad usage: exit 2, saying what to give ----------------------------------------------------
"$PLEXUS" tune --data train.csv > usage.txt 2>&1
[ $? -eq 2 ] && grep -q -- "--time-limit" usage.txt && ok "no limit: exit 2" || fail "no limit: $(cat usage.txt)"
"$PLEXUS" tune --data train.csv --time-limit 5x > usage.txt 2>&1
[ $? -eq 2 ] && grep -q "60s" usage.txt && ok "bad --time-limit: exit 2" || fail "bad --time-limit: $(cat usage.txt)"
# A negative count is refused, not wrapped around to 18446744073709551615.
for flag in --max-trials --folds; do
  "$PLEXUS" tune --data train.csv --time-limit 5 $flag -1 > usage.txt 2>&1
  [ $? -eq 2 ] && grep -q -- "$flag" usage.txt && ok "$flag -1: exit 2" || fail "$flag -1: $(cat usage.txt)"
done

[ "$failures" -eq 0 ] && echo "all tune flows passed" || echo "$failures failures"
[ "$failures" -eq 0 ]
