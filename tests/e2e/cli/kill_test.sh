#!/bin/sh
# Killed at any moment, plexus train never leaves a half-written file:
#   kill_test.sh PLEXUS WORKDIR [KILLS]
# Trains a small network (--checkpoint D --save m.plx) again and again and kills it with SIGKILL
# after a random 0.05-1.5 s until KILLS kills (default 20) landed. After each kill the checkpoint, when one was
# written yet, loads (plexus inspect) and resumes for one more epoch, and the model file, when
# there is one, loads (plexus inspect). The files stay from one run to the next, so kills also
# land while a file is being replaced. Runs are calibrated to last about 0.8 s, so kills fall
# in the data loading, in an epoch, in a checkpoint write and in the model's write.
set -u
PLEXUS=$1
WORK=$2
KILLS=${3:-20}
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

awk 'BEGIN { srand(5); print "id,x1,x2,x3,label";
  for (i = 0; i < 400; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand();
    s = x1 + x2; printf "id%04d,%.4f,%.4f,%.4f,%s\n", i, x1, x2, x3, (s < -0.5 ? "a" : (s < 0.8 ? "b" : "c")) } }' > train.csv

now_ms() { date +%s%N | cut -c1-13; }
run_args="--data train.csv --ignore id --hidden 32 --early-stopping 0 --batch-size 32"

# Calibration: how long 20 epochs take, then as many epochs as make about 0.8 s: kills after
# the end of a run miss (the loop tries again), those just before it hit the model's write.
t0=$(now_ms)
"$PLEXUS" train $run_args --epochs 20 --checkpoint calibration --save calibration.plx --quiet \
  > /dev/null 2>&1 || { echo "FAIL: calibration run"; exit 1; }
t1=$(now_ms)
epochs=$(( 800 * 20 / (t1 - t0 + 1) ))
[ "$epochs" -lt 2 ] && epochs=2
echo "calibration: 20 epochs in $((t1 - t0)) ms; runs of $epochs epochs"

start=$(now_ms)
kills=0 tries=0 checkpoints=0 models=0 resumed=0
while [ "$kills" -lt "$KILLS" ] && [ "$tries" -lt $((KILLS * 3)) ]; do
  tries=$((tries + 1))
  delay=$(awk -v seed="$tries" 'BEGIN { srand(seed * 7919); printf "%.3f", 0.05 + rand() * 1.45 }')
  "$PLEXUS" train $run_args --epochs "$epochs" --checkpoint D --save m.plx --quiet \
    > run.txt 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -KILL "$pid" 2> /dev/null; then
    kills=$((kills + 1))
    wait "$pid" 2> /dev/null
    what="kill $kills after ${delay}s"
  else
    wait "$pid"
    rc=$?
    [ "$rc" -eq 0 ] || fail "a run that finished before its kill exited $rc: $(tail -c 300 run.txt)"
    what="run $tries (finished before ${delay}s)"
    # The machine runs faster than the calibration said: longer runs, so the next kills land.
    epochs=$((epochs * 3 / 2 + 1))
  fi
  if [ -e D/checkpoint.plx ]; then
    checkpoints=$((checkpoints + 1))
    if "$PLEXUS" inspect D --json > inspect.txt 2>&1; then
      done_epochs=$(grep -o '"epochs_done":[0-9]*' inspect.txt | cut -d: -f2)
      # One more epoch from the checkpoint (it may hold all the epochs already: then none).
      more=$((done_epochs + 1))
      if "$PLEXUS" train --resume D --epochs "$more" --quiet --json > resume.txt 2>&1; then
        resumed=$((resumed + 1))
        grep -q "\"epochs_run\":$more" resume.txt ||
          fail "$what: resuming D ran to other than $more epochs: $(tail -n 1 resume.txt)"
      else
        fail "$what: plexus train --resume D failed: $(tail -c 400 resume.txt)"
      fi
    else
      fail "$what: the checkpoint does not load: $(tail -c 400 inspect.txt)"
    fi
  fi
  if [ -e m.plx ]; then
    models=$((models + 1))
    "$PLEXUS" inspect m.plx > inspect.txt 2>&1 ||
      fail "$what: the model file does not load: $(tail -c 400 inspect.txt)"
  fi
done
end=$(now_ms)
echo "$kills kills in $tries runs, $(( (end - start) / 1000 )) s; checks: checkpoint present $checkpoints times (resumed $resumed), model file present $models times"
[ "$kills" -ge "$KILLS" ] || fail "only $kills kills landed in $tries runs"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
