#!/bin/sh
# plexus tune --distributed under mpirun:
#   tune_distributed_test.sh PLEXUS MPIRUN WORKDIR
# - 1, 2 and 3 processes of a --max-trials search save the same model file, byte for byte, and
#   print the same leaderboard, once (rank 0);
# - a --time-limit search on 2 processes ends in time with a model plexus eval reads.
set -u
PLEXUS=$1
MPIRUN="$2 --allow-run-as-root --oversubscribe"
WORK=$3
. "$(dirname "$0")/lib.sh" # before the cd: $0 may be relative
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

awk 'BEGIN { srand(5); print "id,x1,x2,x3,label";
  for (i = 0; i < 400; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand();
    s = x1 + x2; printf "id%04d,%.4f,%.4f,%.4f,%s\n", i, x1, x2, x3, (s < -0.5 ? "a" : (s < 0.8 ? "b" : "c")) } }' > train.csv
# The same relative paths in every run: the model file records the command that repeats it.
args="--data ../train.csv --ignore id --epochs 9 --threads 1 --max-trials 11 --seed 3 --folds 3 --save m.plx"

for n in 1 2 3; do
  mkdir np$n
  (cd np$n && $MPIRUN -np $n "$PLEXUS" tune $args --distributed > out.txt 2> err.txt) ||
    fail "$n processes exited $?: $(tail -c 400 np$n/err.txt)"
  # The time column (the sixth) may differ; the trial, rung, epochs, scores and configuration
  # may not.
  grep -E '^ +[0-9]+ +[0-9]+ +[0-9]+ ' np$n/out.txt | awk '{ $6 = ""; print }' > np$n/leaderboard.txt
  [ "$(wc -l < np$n/leaderboard.txt)" -eq 11 ] ||
    fail "$n processes: not 11 leaderboard lines (once, from rank 0): $(cat np$n/out.txt)"
done
for n in 2 3; do
  if cmp -s np1/m.plx np$n/m.plx; then ok "$n processes save the model of 1, byte for byte"
  else fail "$n processes saved another model than 1 process"; fi
  if cmp -s np1/leaderboard.txt np$n/leaderboard.txt; then ok "$n processes print the leaderboard of 1"
  else fail "$n processes printed another leaderboard: $(diff np1/leaderboard.txt np$n/leaderboard.txt)"; fi
done

mkdir timed
(cd timed && $MPIRUN -np 2 "$PLEXUS" tune --data ../train.csv --ignore id --threads 1 \
  --time-limit 6s --distributed --save t.plx > out.txt 2> err.txt) ||
  fail "a --time-limit run on 2 processes exited $?: $(tail -c 400 timed/err.txt)"
took=$(grep '^time:' timed/out.txt | awk '{print $2}')
if above "$took" 6.3; then fail "--time-limit 6s on 2 processes took $took s"
else ok "--time-limit 6s on 2 processes: $took s"; fi
"$PLEXUS" eval --model timed/t.plx --data train.csv > eval.txt 2>&1 ||
  fail "plexus eval cannot read the model of a distributed search: $(tail -c 300 eval.txt)"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all tune --distributed checks passed"
