#!/bin/sh
# plexus train --stream (data read in chunks while training):
#   stream_test.sh PLEXUS WORKDIR [MPIRUN]
# - streaming and reading whole reach the same accuracy on a held-out file (within 2 points),
#   and so does a .csv.gz of the file (its chunks read in order, the shuffle buffer mixing);
# - --test with --stream: the file, read in chunks after training through the fitted pipeline,
#   gets the scores plexus eval gives the saved model on it; a test file without a column the
#   pipeline reads stops before training, naming the column; unseen categories warn once a column;
# - a streamed run resumed from its checkpoint after epoch 2 ends with the uninterrupted model;
# - on a file sorted by its label (the hard case for a shuffle buffer), streaming under a small
#   --memory (a buffer of about a quarter of the rows, chunks of a few hundred) stays within 1
#   point of reading it whole;
# - under a hard address-space limit of what the command needs on a small file plus 96 MB, a
#   133 MB file trains with --stream, and --no-stream fails with a message naming
#   --stream;
# - with MPIRUN, 2 processes streaming train the model 1 process streaming trains (to 1e-4).
set -u
PLEXUS=$1
WORK=$2
MPIRUN=${3:-}
. "$(dirname "$0")/lib.sh"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# x1 + x2 (+ 0.5 for red) decides the class: a, b or c.
make_csv() {  # rows seed prefix
  awk -v n="$1" -v seed="$2" -v p="$3" 'BEGIN { srand(seed); print "id,x1,x2,x3,color,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand();
      c = (rand() < 0.5 ? "red" : "blue"); s = x1 + x2 + (c == "red" ? 0.5 : 0);
      printf "%s%d,%.4f,%.4f,%.4f,%s,%s\n", p, i, x1, x2, x3, c, (s < -0.5 ? "a" : (s < 0.8 ? "b" : "c")) } }'
}
accuracy() { "$PLEXUS" eval --model "$1" --data holdout.csv | awk '/accuracy/ { print $2; exit }'; }
within() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; if (x < 0) x = -x; exit !(a != "" && b != "" && x <= d) }'; }
# The largest difference between two probability CSVs (same rows); "none" when one is empty.
max_difference() {
  [ "$(wc -l < "$1")" -gt 1 ] && [ "$(wc -l < "$2")" -eq "$(wc -l < "$1")" ] || { echo none; return; }
  awk -F, 'NR == FNR { a[FNR] = $0; next } FNR > 1 { n = split(a[FNR], x, ","); split($0, y, ",");
    for (i = 2; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > m) m = d } }
    END { printf "%g", m + 0 }' "$1" "$2"
}

make_csv 20000 7 r > train.csv
make_csv 5000 8 h > holdout.csv
args="--ignore id --epochs 10 --early-stopping 0 --quiet"

# ---- streaming vs reading whole, and .csv.gz
"$PLEXUS" train --data train.csv $args --no-stream --save whole.plx > whole.txt 2>&1 || fail "--no-stream: $(tail -c 300 whole.txt)"
"$PLEXUS" train --data train.csv $args --stream --memory 2M --save streamed.plx > streamed.txt 2>&1 ||
  fail "--stream: $(tail -c 300 streamed.txt)"
grep -q "^streaming: --stream" streamed.txt || fail "--stream did not say it streams: $(head -c 300 streamed.txt)"
grep -q "not stratified" streamed.txt || fail "--stream did not say its splits are not stratified"
a_whole=$(accuracy whole.plx) a_stream=$(accuracy streamed.plx)
within "$a_whole" "$a_stream" 0.02 && ok "held-out accuracy: whole $a_whole, streamed $a_stream" ||
  fail "held-out accuracy: whole $a_whole, streamed $a_stream (more than 2 points apart)"
gzip -c train.csv > train.csv.gz
"$PLEXUS" train --data train.csv.gz $args --memory 2M --save gz.plx > gz.txt 2>&1 || fail ".csv.gz: $(tail -c 300 gz.txt)"
a_gz=$(accuracy gz.plx)
within "$a_whole" "$a_gz" 0.02 && ok "held-out accuracy of .csv.gz (read in order): $a_gz" ||
  fail "held-out accuracy: whole $a_whole, .csv.gz $a_gz (more than 2 points apart)"

# ---- --test with --stream
"$PLEXUS" train --data train.csv --ignore id --epochs 3 --early-stopping 0 --quiet --stream \
  --memory 2M --test holdout.csv --json --save tested.plx > tested.txt 2>&1 ||
  fail "--stream --test: $(tail -c 300 tested.txt)"
grep -q "^test set: holdout.csv (--test: read in chunks after training" tested.txt &&
  grep -q "^test (5000 rows):" tested.txt && ok "--stream --test: 5000 rows of holdout.csv" ||
  fail "--stream --test: $(grep '^test' tested.txt)"
"$PLEXUS" eval --model tested.plx --data holdout.csv --json > eval.txt
json_number() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" "$2" | tail -n 1; }
for key in test_accuracy test_log_loss test_macro_f1; do
  a_train=$(json_number "$key" tested.txt) a_eval=$(json_number "$key" eval.txt)
  within "$a_train" "$a_eval" 1e-5 && ok "--stream --test: $key $a_train, plexus eval $a_eval" ||
    fail "--stream --test: $key $a_train, plexus eval $a_eval"
done
cut -d, -f1-3,5- holdout.csv > no_x3.csv
expect 1 "no_x3.csv: the feature column 'x3' is missing" -- \
  "$PLEXUS" train --data train.csv --ignore id --epochs 1 --stream --test no_x3.csv
grep -q "epochs run" out.txt && fail "--stream --test no_x3.csv trained before refusing the file"
# Unseen categories: one warning for the column, not one per chunk.
sed 's/,red,/,green,/' holdout.csv > green.csv
"$PLEXUS" train --data train.csv --ignore id --epochs 1 --quiet --stream --memory 1M --test green.csv \
  > green.txt 2>&1 || fail "--stream --test green.csv: $(tail -c 300 green.txt)"
[ "$(grep -c "category 'green' was not in the training data" green.txt)" -eq 1 ] &&
  grep -q "more chunks had them in those columns" green.txt &&
  ok "--stream --test: one warning of unseen categories for the column" ||
  fail "--stream --test green.csv: $(grep warning green.txt | head -n 3)"
# A word in a numeric column reads as missing: one warning for the column too.
awk -F, -v OFS=, 'NR > 1 && NR % 50 == 0 { $3 = "abc" } { print }' holdout.csv > word.csv
"$PLEXUS" train --data train.csv --ignore id --epochs 1 --quiet --stream --memory 1M --test word.csv \
  > word.txt 2>&1 || fail "--stream --test word.csv: $(tail -c 300 word.txt)"
[ "$(grep -c "'abc' is not a number; .* read.* as missing" word.txt)" -eq 1 ] &&
  ok "--stream --test: one warning of words in a numeric column" ||
  fail "--stream --test word.csv: $(grep warning word.txt | head -n 3)"

# ---- resuming at an epoch's end gives the uninterrupted run's model
rargs="--data train.csv --ignore id --early-stopping 0 --hidden 16 --stream --memory 2M --quiet"
"$PLEXUS" train $rargs --epochs 3 --save straight.plx > straight.txt 2>&1 || fail "3 epochs: $(tail -c 300 straight.txt)"
"$PLEXUS" train $rargs --epochs 2 --checkpoint ck > ck.txt 2>&1 || fail "2 epochs: $(tail -c 300 ck.txt)"
"$PLEXUS" train --resume ck --epochs 3 --save resumed.plx > resumed.txt 2>&1 || fail "--resume: $(tail -c 300 resumed.txt)"
"$PLEXUS" predict --model straight.plx --data holdout.csv --proba > p_straight.csv
"$PLEXUS" predict --model resumed.plx --data holdout.csv --proba > p_resumed.csv
d=$(max_difference p_straight.csv p_resumed.csv)
[ "$d" = 0 ] && ok "resumed after epoch 2: the 3-epoch run's model, bit for bit" ||
  fail "resumed after epoch 2: probabilities differ from the straight run by $d"

# ---- sorted by the label
(head -n 1 train.csv; tail -n +2 train.csv | sort -t, -k6,6) > sorted.csv
"$PLEXUS" train --data sorted.csv $args --no-stream --save sorted_whole.plx > sw.txt 2>&1 || fail "sorted, whole: $(tail -c 300 sw.txt)"
"$PLEXUS" train --data sorted.csv $args --stream --memory 512K --save sorted_stream.plx > ss.txt 2>&1 ||
  fail "sorted, streamed: $(tail -c 300 ss.txt)"
grep "^streaming:" ss.txt
a_whole=$(accuracy sorted_whole.plx) a_stream=$(accuracy sorted_stream.plx)
within "$a_whole" "$a_stream" 0.01 && ok "sorted by label: whole $a_whole, streamed $a_stream" ||
  fail "sorted by label: whole $a_whole, streamed $a_stream (more than 1 point apart)"

# ---- a hard memory limit: the address space the command needs on a small file (OpenBLAS'
# buffers, thread stacks, the MPI libraries: some 400 MB) plus 96 MB; the file is 133 MB, and
# reading it whole would take some 400 MB more.
if command -v prlimit > /dev/null; then
  export MALLOC_ARENA_MAX=1  # no 64 MB address-space reservation per thread's malloc arena
  small="--ignore id --epochs 1 --hidden 16 --threads 1 --quiet"
  base=""
  for mb in 350 400 450 500 600 800 1200; do
    if timeout 30 prlimit --as=$((mb << 20)) "$PLEXUS" train --data train.csv $small --stream \
      --memory 8M > /dev/null 2>&1; then base=$mb; break; fi
  done
  if [ -z "$base" ]; then
    fail "--stream on a small file under address-space limits up to 1200 MB"
  else
    make_csv 3400000 9 big > big.csv
    size=$(wc -c < big.csv)
    limit=$(((base + 96) << 20))
    timeout 120 prlimit --as=$limit "$PLEXUS" train --data big.csv $small --stream --memory 8M \
      > limited.txt 2>&1 && grep -q "accuracy" limited.txt &&
      ok "streamed a $size-byte file under an address-space limit of $base MB + 96 MB" ||
      fail "--stream, a $size-byte file, limit $base MB + 96 MB: $(tail -c 400 limited.txt)"
    timeout 120 prlimit --as=$limit "$PLEXUS" train --data big.csv $small --no-stream \
      > whole_limited.txt 2>&1
    rc=$?
    [ "$rc" -eq 1 ] && grep -q -- "--stream" whole_limited.txt &&
      ok "--no-stream under the same limit: exit 1, naming --stream" ||
      fail "--no-stream under the limit: exit $rc: $(tail -c 300 whole_limited.txt)"
    rm -f big.csv
  fi
  unset MALLOC_ARENA_MAX
fi

# ---- two processes streaming train the model of one
if [ -n "$MPIRUN" ]; then
  dargs="--data train.csv --ignore id --hidden 32,16 --dropout 0.1 --epochs 3 --early-stopping 0 --batch-size 32 --threads 1 --stream --memory 2M"
  "$PLEXUS" train $dargs --save one.plx --quiet > one.txt 2>&1 || fail "1 process: $(tail -c 300 one.txt)"
  $MPIRUN --allow-run-as-root --oversubscribe -np 2 "$PLEXUS" train $dargs --distributed --save two.plx --quiet \
    > two.txt 2>&1 || fail "2 processes: $(tail -c 300 two.txt)"
  "$PLEXUS" predict --model one.plx --data holdout.csv --proba > p1.csv
  "$PLEXUS" predict --model two.plx --data holdout.csv --proba > p2.csv
  d=$(max_difference p1.csv p2.csv)
  awk -v d="$d" 'BEGIN { exit !(d <= 1e-4) }' && ok "2 processes streaming: probabilities within $d of 1" ||
    fail "2 processes streaming: probabilities differ from 1 process by $d"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
