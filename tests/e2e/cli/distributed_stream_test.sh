#!/bin/sh
# plexus train --distributed --stream under mpirun, each process reading its share:
#   distributed_stream_test.sh PLEXUS MPIRUN WORKDIR
# - 1, 2 and 3 processes train the model one process streaming trains: their probabilities on a
#   held-out file agree with it to 1e-4 (the data-parallel tests' tolerance);
# - each of N processes reads about 1/N of the bytes one process reads (within 15% of its share),
#   as the command reports them (--json's bytes_read, one number per process);
# - a file of one unit (all its rows in one lane) on 2 processes: one process reads nothing and
#   holds no row of any batch, and the model (with synchronised batch norm) is still the same.
set -u
PLEXUS=$1
MPIRUN="$2 --allow-run-as-root --oversubscribe"
WORK=$3
. "$(dirname "$0")/lib.sh"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# x1 + x2 (+ 0.5 for red) decides the class: a, b or c. About 2.3 MB.
make_csv() {  # rows seed
  awk -v n="$1" -v seed="$2" 'BEGIN { srand(seed); print "x1,x2,x3,color,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand();
      c = (rand() < 0.5 ? "red" : "blue"); s = x1 + x2 + (c == "red" ? 0.5 : 0);
      printf "%.4f,%.4f,%.4f,%s,%s\n", x1, x2, x3, c, (s < -0.5 ? "a" : (s < 0.8 ? "b" : "c")) } }'
}
max_difference() {
  [ "$(wc -l < "$1")" -gt 1 ] && [ "$(wc -l < "$2")" -eq "$(wc -l < "$1")" ] || { echo none; return; }
  awk -F, 'NR == FNR { a[FNR] = $0; next } FNR > 1 { n = split(a[FNR], x, ","); split($0, y, ",");
    for (i = 2; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > m) m = d } }
    END { printf "%g", m + 0 }' "$1" "$2"
}
# The numbers of --json's "bytes_read": [...], one a line.
bytes_read() { sed -n 's/.*"bytes_read":\[\([0-9,]*\)\].*/\1/p' "$1" | tr ',' '\n'; }

make_csv 60000 21 > train.csv
make_csv 2000 22 > holdout.csv
args="--data train.csv --stream --memory 8M --hidden 32,16 --dropout 0.1 --epochs 3 --early-stopping 0 --batch-size 64 --threads 1 --json --quiet"

"$PLEXUS" train $args --save one.plx > one.txt 2>&1 || fail "1 process: $(tail -c 300 one.txt)"
"$PLEXUS" predict --model one.plx --data holdout.csv --proba > one.csv
one_bytes=$(bytes_read one.txt)
[ -n "$one_bytes" ] || fail "1 process: no bytes_read in --json: $(tail -c 300 one.txt)"
for n in 1 2 3; do
  $MPIRUN -np $n "$PLEXUS" train $args --distributed --save np$n.plx > np$n.txt 2> np$n.err ||
    fail "$n processes exited $?: $(tail -c 400 np$n.err)"
  "$PLEXUS" predict --model np$n.plx --data holdout.csv --proba > np$n.csv
  d=$(max_difference one.csv np$n.csv)
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

make_csv 300 23 > tiny.csv
targs="--data tiny.csv --stream --memory 2M --hidden 8 --batch-norm --epochs 2 --early-stopping 0 --batch-size 16 --threads 1 --json --quiet"
"$PLEXUS" train $targs --save tiny1.plx > tiny1.txt 2>&1 || fail "tiny, 1 process: $(tail -c 300 tiny1.txt)"
$MPIRUN -np 2 "$PLEXUS" train $targs --distributed --save tiny2.plx > tiny2.txt 2> tiny2.err ||
  fail "tiny, 2 processes exited $?: $(tail -c 400 tiny2.err)"
[ "$(bytes_read tiny2.txt | tail -n 1)" = 0 ] || fail "tiny, 2 processes: process 1 read bytes: $(bytes_read tiny2.txt)"
"$PLEXUS" predict --model tiny1.plx --data tiny.csv --proba > tiny1.csv
"$PLEXUS" predict --model tiny2.plx --data tiny.csv --proba > tiny2.csv
d=$(max_difference tiny1.csv tiny2.csv)
awk -v d="$d" 'BEGIN { exit !(d != "none" && d <= 1e-4) }' &&
  ok "one unit on 2 processes, one of them without rows: probabilities within $d" ||
  fail "one unit on 2 processes: probabilities differ by $d"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
