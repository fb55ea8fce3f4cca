#!/bin/sh
# plexus train --distributed under mpirun:
#   distributed_test.sh PLEXUS MPIRUN WORKDIR
# - 2 and 3 processes train the model 1 process trains: their probabilities on every row agree
#   with it to 1e-4, the model is saved once and plexus eval reads it;
# - a rank that cannot read its data ends the job with exit code 1, rank 0 naming the rank;
# - a rank killed mid-training ends the job within 30 s with a non-zero exit code and a message
#   naming the rank; the last checkpoint resumes on 3 processes and on 1, to the same model.
set -u
PLEXUS=$1
MPIRUN="$2 --allow-run-as-root --oversubscribe"
WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

awk 'BEGIN { srand(5); print "id,x1,x2,x3,label";
  for (i = 0; i < 400; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand();
    s = x1 + x2; printf "id%04d,%.4f,%.4f,%.4f,%s\n", i, x1, x2, x3, (s < -0.5 ? "a" : (s < 0.8 ? "b" : "c")) } }' > train.csv
args="--data train.csv --ignore id --hidden 32,16 --dropout 0.1 --early-stopping 0 --batch-size 32 --threads 1"

# The largest difference between two probability CSVs (same rows, same columns).
max_difference() {
  awk -F, 'NR == FNR { a[FNR] = $0; next } FNR > 1 { n = split(a[FNR], x, ","); split($0, y, ",");
    for (i = 2; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > m) m = d } }
    END { printf "%g", m + 0 }' "$1" "$2"
}
close_enough() { awk -v d="$1" 'BEGIN { exit !(d <= 1e-4) }'; }

# ---- the same model from 1, 2 and 3 processes
"$PLEXUS" train $args --epochs 5 --save one.plx --quiet > one.txt 2>&1 || fail "1 process: $(tail -c 300 one.txt)"
"$PLEXUS" predict --model one.plx --data train.csv --proba > one.csv 2>&1 || fail "predict one.plx"
for n in 2 3; do
  $MPIRUN -np $n "$PLEXUS" train $args --epochs 5 --distributed --save np$n.plx --json \
    > np$n.txt 2> np$n.err || fail "$n processes exited $?: $(tail -c 400 np$n.err)"
  grep -q "\"processes\":$n" np$n.txt || fail "$n processes: the summary does not say $n: $(tail -n 1 np$n.txt)"
  [ "$(grep -c '^network:' np$n.txt)" -eq 1 ] || fail "$n processes: not only rank 0 printed"
  "$PLEXUS" eval --model np$n.plx --data train.csv > eval$n.txt 2>&1 ||
    fail "plexus eval cannot read the model of $n processes: $(tail -c 300 eval$n.txt)"
  "$PLEXUS" predict --model np$n.plx --data train.csv --proba > np$n.csv 2>&1
  d=$(max_difference one.csv np$n.csv)
  close_enough "$d" || fail "$n processes: probabilities differ from 1 process by $d"
  echo "$n processes: probabilities within $d of 1 process"
done

# ---- a rank that cannot read its data (MPMD: rank 1 is given a file that is not there)
$MPIRUN -np 1 "$PLEXUS" train $args --epochs 1 --distributed : \
  -np 1 "$PLEXUS" train --data missing.csv --ignore id --hidden 32,16 --dropout 0.1 \
  --early-stopping 0 --batch-size 32 --threads 1 --epochs 1 --distributed > bad.txt 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "a rank without its data: exit code $rc, not 1"
grep -q "reading the data failed on rank 1: .*missing.csv" bad.txt ||
  fail "a rank without its data: no message naming rank 1: $(tail -c 400 bad.txt)"
[ "$(grep -c 'failed on rank 1' bad.txt)" -eq 1 ] || fail "a rank without its data: reported more than once"

# ---- a rank killed mid-training
$MPIRUN -np 2 "$PLEXUS" train $args --epochs 400 --distributed --checkpoint ck > killed.txt 2>&1 &
job=$!
waited=0
while [ ! -e ck/checkpoint.plx ] && [ "$waited" -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
victim=""
for pid in $(pgrep -P "$job"); do
  tr '\0' '\n' < /proc/"$pid"/environ 2> /dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && victim=$pid
done
if [ -z "$victim" ]; then
  fail "no checkpoint or no rank 1 to kill after 30 s"
  kill "$job"
else
  kill -KILL "$victim"
  start=$(date +%s)
  waited=0
  while kill -0 "$job" 2> /dev/null && [ "$waited" -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$job" 2> /dev/null; then
    fail "killing rank 1: the job still ran 30 s later"
    kill -KILL "$job"
  fi
  wait "$job"
  rc=$?
  echo "killed rank 1: the job ended after $(( $(date +%s) - start )) s with exit code $rc"
  [ "$rc" -ne 0 ] || fail "killing rank 1: exit code 0"
  grep -q "rank 1 .*exited on signal 9" killed.txt ||
    fail "killing rank 1: no message naming rank 1: $(tail -c 400 killed.txt)"
  done_epochs=$("$PLEXUS" inspect ck --json | grep -o '"epochs_done":[0-9]*' | cut -d: -f2)
  more=$((done_epochs + 2))
  cp -r ck ck1
  $MPIRUN -np 3 "$PLEXUS" train --resume ck --epochs $more --distributed --save r3.plx --quiet \
    > r3.txt 2>&1 || fail "resuming on 3 processes: $(tail -c 400 r3.txt)"
  "$PLEXUS" train --resume ck1 --epochs $more --save r1.plx --quiet > r1.txt 2>&1 ||
    fail "resuming on 1 process: $(tail -c 400 r1.txt)"
  "$PLEXUS" predict --model r3.plx --data train.csv --proba > r3.csv 2>&1
  "$PLEXUS" predict --model r1.plx --data train.csv --proba > r1.csv 2>&1
  d=$(max_difference r1.csv r3.csv)
  close_enough "$d" || fail "resumed on 3 processes and on 1: probabilities differ by $d"
  echo "resumed from epoch $done_epochs on 3 processes and on 1: probabilities within $d"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
