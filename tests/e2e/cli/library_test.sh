#!/bin/sh
# The library pipeline gives what the command gives: examples/tabular.cpp (read_csv,
# prepare_table, train_model, evaluate) against plexus train --json with the same seed, on a
# classification and a regression table. Usage: library_test.sh PLEXUS TABULAR WORKDIR
set -u
PLEXUS=$1 TABULAR=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

awk 'BEGIN { srand(5); print "colour,x1,x2,label";
  for (i = 0; i < 400; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; c = int(rand() * 3);
    col = (c == 0 ? "red" : (c == 1 ? "green" : "blue")); s = x1 + x2 + (c == 2 ? 1.5 : 0);
    printf "%s,%.4f,%.4f,%s\n", col, x1, x2, (s < -0.7 ? "alpha" : (s < 1.2 ? "beta" : "gamma")) } }' > classes.csv
awk 'BEGIN { srand(6); print "a,b,kind,price";
  for (i = 0; i < 300; i++) { a = rand() * 4 - 2; b = rand() * 4 - 2; k = int(rand() * 2);
    printf "%.4f,%.4f,%s,%.3f\n", a, b, (k ? "new" : "old"), 100 + 30 * a - 20 * b + (k ? 25 : -25) + (rand() - 0.5) * 4 } }' > values.csv

# compare FILE TARGET KEY...: each test_KEY of the example equals the command's --json value.
compare() {
  file=$1 target=$2; shift 2
  "$PLEXUS" train --data "$file" --target "$target" --seed 3 --epochs 30 --quiet --json > cmd.txt ||
    { fail "plexus train on $file"; return; }
  "$TABULAR" "$file" "$target" 3 30 > lib.txt || { fail "the tabular example on $file"; return; }
  for key in "$@"; do
    ours=$(awk -v k="test_$key" '$1 == k { print $2 }' lib.txt)
    theirs=$(tail -n 1 cmd.txt | grep -o "\"test_$key\":[^,}]*" | cut -d: -f2)
    if [ -z "$ours" ] || [ -z "$theirs" ]; then
      fail "$file: test_$key missing (library: '$ours', command: '$theirs')"
    elif awk -v a="$ours" -v b="$theirs" 'BEGIN { d = a - b; if (d < 0) d = -d; m = (b < 0 ? -b : b);
        exit !(d <= 1e-6 * (m > 1 ? m : 1)) }'; then
      echo "ok: $file test_$key $ours (library) = $theirs (command)"
    else
      fail "$file: test_$key is $ours through the library, $theirs through the command"
    fi
  done
}
compare classes.csv label accuracy
compare values.csv price mse r2
[ "$failures" -eq 0 ] || exit 1
echo "library: all passed"
