#!/bin/sh
# End-to-end test of running out of memory on the in-memory path: under an address-space limit
# (prlimit --as) that a generated CSV cannot be read whole in, `plexus train --no-stream` refuses it
# before reading (without --no-stream it would stream the file: tests/e2e/cli/stream_test.sh), with an error that names the file, its size and the memory it needs, and says to pass
# --stream (not a bare std::bad_alloc); a small file under the same limit still trains.
#   stream_oom_test.sh PLEXUS WORKDIR
# Skipped without prlimit.
set -u
PLEXUS=$1
WORK=$2
. "$(dirname "$0")/lib.sh" # before the cd: $0 may be relative
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
command -v prlimit > /dev/null || { echo "skipped: no prlimit"; exit 0; }

awk 'BEGIN { srand(3); print "a,b,c,d,label";
  for (i = 0; i < 500; i++) { a = rand(); b = rand(); c = rand(); d = rand();
    printf "%.6f,%.6f,%.6f,%.6f,%d\n", a, b, c, d, (a + b > 1) } }' > small.csv

# The limit: the smallest of these under which the small file trains (the program maps its
# libraries and thread stacks first), plus 100 MB. (Far below it, allocation can spin, hence the
# timeout.)
limit=""
for mb in 400 600 800 1000 1500 2000 3000; do
  if timeout 30 prlimit --as=$((mb * 1000000)) "$PLEXUS" train --data small.csv --epochs 1 \
    --quiet > /dev/null 2>&1; then
    limit=$(((mb + 100) * 1000000))
    break
  fi
done
[ -n "$limit" ] || { echo "FAIL: the small file does not train under 3 GB of address space"; exit 1; }
echo "address-space limit: $limit bytes"

# A CSV of half the limit: read whole it needs about 1.5 times the limit.
lines=$((limit / 2 / 20))
{ echo "a,b,c,d,label"; yes "0.125,0.25,0.5,0.75,1" | head -n "$lines"; } > big.csv
expect 1 "big.csv ([0-9.]* [MG]B) needs about [0-9.]* [MG]B of memory to be read whole" -- \
  prlimit --as=$limit "$PLEXUS" train --data big.csv --no-stream --epochs 1 --quiet
grep -q -- "pass --stream" err.txt && ok "says to pass --stream" ||
  fail "no --stream in: $(cat err.txt)"
grep -q "bad_alloc" err.txt && fail "a bare bad_alloc: $(cat err.txt)" || ok "no bare bad_alloc"
rm -f big.csv
expect 0 "" -- prlimit --as=$limit "$PLEXUS" train --data small.csv --epochs 1 --quiet

[ "$failures" -eq 0 ] && echo "all stream out-of-memory checks passed"
exit "$failures"
