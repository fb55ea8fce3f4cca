#!/bin/sh
# plexus train --stream on a .npy of features with a .npy of labels:
#   npy_stream_test.sh PLEXUS MAKE_NPY WORKDIR [MPIRUN]
# - streaming and reading whole reach the same accuracy under `plexus eval` on a held-out pair of
#   files (within 2 points);
# - a streamed run resumed from its checkpoint after epoch 2 ends with the uninterrupted model;
# - without --stream, a budget smaller than reading whole needs streams, and says why;
# - under a hard address-space limit of what the command needs on a small file plus 96 MB, a
#   .npy pair of 120 MB trains with --stream (each unit's rows mapped only while read), and
#   --no-stream fails with a message naming --stream;
# - int32 features, and uint8 images [N, 2, 2] (scaled by 1/255 either way), stream to the
#   held-out accuracy of reading them whole (within 2 points);
# - --test with --stream scores a .npy pair read after training as plexus eval scores the model;
# - reading whole under the address-space limit fails quoting 3.5 times both files;
# - labels of another length, a big-endian file and a truncated file stop with exit 1, naming the
#   file; --stream without --labels is usage (exit 2);
# - with MPIRUN, 1 and 2 processes under --distributed --stream train the model 1 process
#   streaming trains (to 1e-4), each of 2 reading about half of the bytes (--json's bytes_read).
set -u
PLEXUS=$1
MAKE_NPY=$2
WORK=$3
MPIRUN=${4:-}
. "$(dirname "$0")/lib.sh"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

accuracy() { "$PLEXUS" eval --model "$1" --data hold_x.npy --labels hold_y.npy | awk '/accuracy/ { print $2; exit }'; }
within() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; if (x < 0) x = -x; exit !(a != "" && b != "" && x <= d) }'; }
max_difference() {
  [ "$(wc -l < "$1")" -gt 1 ] && [ "$(wc -l < "$2")" -eq "$(wc -l < "$1")" ] || { echo none; return; }
  awk -F, 'NR == FNR { a[FNR] = $0; next } FNR > 1 { n = split(a[FNR], x, ","); split($0, y, ",");
    for (i = 2; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > m) m = d } }
    END { printf "%g", m + 0 }' "$1" "$2"
}
json_number() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" "$2" | tail -n 1; }
bytes_read() { sed -n 's/.*"bytes_read":\[\([0-9,]*\)\].*/\1/p' "$1" | tr ',' '\n'; }

"$MAKE_NPY" train 20000 1 && "$MAKE_NPY" hold 4000 2 && "$MAKE_NPY" ints 8000 3 int32 &&
  "$MAKE_NPY" ints_hold 2000 4 int32 && "$MAKE_NPY" bytes 8000 3 uint8 &&
  "$MAKE_NPY" bytes_hold 2000 4 uint8 || { echo "FAIL: make_npy"; exit 1; }
base="--data train_x.npy --labels train_y.npy --hidden 32 --early-stopping 0 --quiet"
args="$base --epochs 8"

# ---- streaming vs reading whole, judged by plexus eval on held-out files
"$PLEXUS" train $args --no-stream --save whole.plx > whole.txt 2>&1 || fail "--no-stream: $(tail -c 300 whole.txt)"
"$PLEXUS" train $args --stream --memory 2M --save streamed.plx > streamed.txt 2>&1 ||
  fail "--stream: $(tail -c 300 streamed.txt)"
grep -q "^streaming: --stream; units of [0-9]* rows" streamed.txt ||
  fail "--stream did not say it streams in units of rows: $(head -c 400 streamed.txt)"
grep -q "not stratified" streamed.txt || fail "--stream did not say its splits are not stratified"
a_whole=$(accuracy whole.plx) a_stream=$(accuracy streamed.plx)
above "$a_whole" 0.9 || fail "in memory: held-out accuracy $a_whole"
within "$a_whole" "$a_stream" 0.02 && ok "held-out accuracy: whole $a_whole, streamed $a_stream" ||
  fail "held-out accuracy: whole $a_whole, streamed $a_stream (more than 2 points apart)"

# ---- integer features and uint8 images [N, 2, 2] stream as they read whole
for kind in ints bytes; do
  kargs="--data ${kind}_x.npy --labels ${kind}_y.npy --hidden 32 --early-stopping 0 --quiet --epochs 8"
  "$PLEXUS" train $kargs --no-stream --save ${kind}_whole.plx > ${kind}_whole.txt 2>&1 ||
    fail "$kind, --no-stream: $(tail -c 300 ${kind}_whole.txt)"
  "$PLEXUS" train $kargs --stream --memory 2M --save ${kind}_streamed.plx > ${kind}_streamed.txt 2>&1 ||
    fail "$kind, --stream: $(tail -c 300 ${kind}_streamed.txt)"
  scale=$(grep -c "scaled by 0.00392" ${kind}_streamed.txt)
  [ "$scale" = "$(grep -c "scaled by 0.00392" ${kind}_whole.txt)" ] ||
    fail "$kind: the streamed and the whole run scale differently: $(grep -m1 scaled ${kind}_streamed.txt)"
  held() { "$PLEXUS" eval --model "$1" --data ${kind}_hold_x.npy --labels ${kind}_hold_y.npy | awk '/accuracy/ { print $2; exit }'; }
  a_whole=$(held ${kind}_whole.plx) a_stream=$(held ${kind}_streamed.plx)
  above "$a_whole" 0.85 || fail "$kind in memory: held-out accuracy $a_whole"
  within "$a_whole" "$a_stream" 0.02 && ok "$kind: held-out accuracy whole $a_whole, streamed $a_stream" ||
    fail "$kind: held-out accuracy whole $a_whole, streamed $a_stream (more than 2 points apart)"
done
grep -q "scaled by 0.00392" bytes_streamed.txt || fail "uint8 images streamed without the 1/255 scale"

# ---- --test with --stream: the pair read after training, scored as plexus eval scores it
"$PLEXUS" train $args --stream --memory 2M --test hold_x.npy --test-labels hold_y.npy --json \
  --save tested.plx > tested.txt 2>&1 || fail "--stream --test: $(tail -c 300 tested.txt)"
grep -q "^test set: hold_x.npy with labels hold_y.npy (4000 rows" tested.txt ||
  fail "--stream --test: no test set line: $(grep -m1 '^test set' tested.txt)"
grep -q '"test_rows":4000' tested.txt || fail "--stream --test: test_rows is not 4000"
"$PLEXUS" eval --model tested.plx --data hold_x.npy --labels hold_y.npy --json > eval.txt
for key in test_accuracy test_log_loss; do
  a_train=$(json_number "$key" tested.txt) a_eval=$(json_number "$key" eval.txt)
  within "$a_train" "$a_eval" 1e-5 && ok "--stream --test: $key $a_train, plexus eval $a_eval" ||
    fail "--stream --test: $key $a_train, plexus eval $a_eval"
done
expect 1 "ints_hold_y.npy: 2000 labels for the 4000 rows of hold_x.npy" -- \
  "$PLEXUS" train $base --epochs 1 --stream --test hold_x.npy --test-labels ints_hold_y.npy
expect 1 "hold_x.npy: the test set must be labelled arrays like --data" -- \
  "$PLEXUS" train $base --epochs 1 --stream --test hold_x.npy

# ---- resuming at an epoch's end gives the uninterrupted run's model
rargs="$base --stream --memory 2M"
"$PLEXUS" train $rargs --epochs 3 --save straight.plx > straight.txt 2>&1 || fail "3 epochs: $(tail -c 300 straight.txt)"
"$PLEXUS" train $rargs --epochs 2 --checkpoint ck > ck.txt 2>&1 || fail "2 epochs: $(tail -c 300 ck.txt)"
"$PLEXUS" train --resume ck --epochs 3 --save resumed.plx > resumed.txt 2>&1 || fail "resume: $(tail -c 300 resumed.txt)"
"$PLEXUS" predict --model straight.plx --data hold_x.npy --proba > straight.csv
"$PLEXUS" predict --model resumed.plx --data hold_x.npy --proba > resumed.csv
[ -s straight.csv ] && cmp -s straight.csv resumed.csv && ok "resumed after epoch 2: the same model" ||
  fail "resumed after epoch 2: the probabilities differ from the uninterrupted run's"

# ---- the decision: a budget below what reading whole takes streams
"$PLEXUS" train $base --epochs 1 --memory 100K > auto.txt 2>&1 || fail "--memory 100K: $(tail -c 300 auto.txt)"
grep -q "^streaming: reading it whole would take about .*, more than the memory budget" auto.txt &&
  ok "--memory 100K streams, saying why" || fail "--memory 100K: $(grep -m1 streaming auto.txt)"

# ---- a hard memory limit smaller than the files
if command -v prlimit > /dev/null; then
  export MALLOC_ARENA_MAX=1  # no 64 MB address-space reservation per thread's malloc arena
  small="--epochs 1 --hidden 16 --threads 1 --quiet"
  limited_base=""
  for mb in 350 400 450 500 600 800 1200; do
    if timeout 30 prlimit --as=$((mb << 20)) "$PLEXUS" train --data train_x.npy --labels train_y.npy \
      $small --stream --memory 8M > /dev/null 2>&1; then limited_base=$mb; break; fi
  done
  if [ -z "$limited_base" ]; then
    fail "--stream on a small .npy under address-space limits up to 1200 MB"
  else
    "$MAKE_NPY" big 5000000 4 || fail "make_npy big"
    size=$(($(wc -c < big_x.npy) + $(wc -c < big_y.npy)))
    limit=$(((limited_base + 96) << 20))
    timeout 150 prlimit --as=$limit "$PLEXUS" train --data big_x.npy --labels big_y.npy $small \
      --stream --memory 8M > limited.txt 2>&1 && grep -q "accuracy" limited.txt &&
      ok "streamed $size bytes of .npy under an address-space limit of $limited_base MB + 96 MB" ||
      fail "--stream, $size bytes of .npy, limit $limited_base MB + 96 MB: $(tail -c 400 limited.txt)"
    timeout 120 prlimit --as=$limit "$PLEXUS" train --data big_x.npy --labels big_y.npy $small \
      --no-stream > whole_limited.txt 2>&1
    rc=$?
    [ "$rc" -eq 1 ] && grep -q -- "--stream" whole_limited.txt &&
      ok "--no-stream under the same limit: exit 1, naming --stream" ||
      fail "--no-stream under the limit: exit $rc: $(tail -c 300 whole_limited.txt)"
    # The estimate the decision to stream uses: 3.5 times both files.
    needed=$(awk -v b="$size" 'BEGIN { printf "%.1f MB", 3.5 * b / 1e6 }')
    grep -q "big_x.npy (.*) with its labels big_y.npy (.*) needs about $needed of memory" whole_limited.txt &&
      ok "--no-stream under the limit quotes $needed for both files" ||
      fail "--no-stream under the limit did not quote $needed for both files: $(tail -c 300 whole_limited.txt)"
    rm -f big_x.npy big_y.npy
  fi
  unset MALLOC_ARENA_MAX
fi

# ---- bad input
expect 1 "hold_y.npy: 4000 labels for the 20000 rows of train_x.npy" -- \
  "$PLEXUS" train --data train_x.npy --labels hold_y.npy --stream --epochs 1
LC_ALL=C sed '1s/<f4/>f4/' train_x.npy > big_endian_x.npy
expect 1 "big_endian_x.npy: dtype '>f4' is not supported (big-endian" -- \
  "$PLEXUS" train --data big_endian_x.npy --labels train_y.npy --stream --epochs 1
head -c 5000 train_x.npy > cut_x.npy
expect 1 "cut_x.npy: the shape (20000, 4) of '<f4' needs" -- \
  "$PLEXUS" train --data cut_x.npy --labels train_y.npy --stream --epochs 1
expect 2 "give the targets with --labels" -- "$PLEXUS" train --data train_x.npy --stream --epochs 1

# ---- processes sharing the stream train the model of one, each reading its share
if [ -n "$MPIRUN" ]; then
  dargs="$base --epochs 2 --dropout 0.1 --batch-size 32 --threads 1 --stream --memory 2M --json"
  "$PLEXUS" train $dargs --save one.plx > one.txt 2>&1 || fail "1 process: $(tail -c 300 one.txt)"
  "$PLEXUS" predict --model one.plx --data hold_x.npy --proba > p1.csv
  one_bytes=$(bytes_read one.txt)
  for n in 1 2; do
    $MPIRUN --allow-run-as-root --oversubscribe -np $n "$PLEXUS" train $dargs --distributed \
      --save np$n.plx > np$n.txt 2> np$n.err || fail "$n processes: $(tail -c 300 np$n.err)"
    "$PLEXUS" predict --model np$n.plx --data hold_x.npy --proba > p$n.np.csv
    d=$(max_difference p1.csv p$n.np.csv)
    awk -v d="$d" 'BEGIN { exit !(d != "none" && d <= 1e-4) }' &&
      ok "$n processes: probabilities within $d of 1 process streaming" ||
      fail "$n processes: probabilities differ from 1 process streaming by $d"
    count=$(bytes_read np$n.txt | wc -l)
    [ "$count" -eq "$n" ] || fail "$n processes: bytes_read has $count numbers: $(tail -c 300 np$n.txt)"
    for bytes in $(bytes_read np$n.txt); do
      awk -v b="$bytes" -v all="$one_bytes" -v n="$n" 'BEGIN { share = all / n; d = b - share;
        if (d < 0) d = -d; exit !(all > 0 && d <= 0.15 * share) }' &&
        ok "$n processes: one read $bytes bytes, 1/$n of $one_bytes" ||
        fail "$n processes: one read $bytes bytes, not about 1/$n of $one_bytes"
    done
  done
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
