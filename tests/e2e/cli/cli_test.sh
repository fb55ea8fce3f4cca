#!/bin/sh
# End-to-end tests of the plexus command, one flow per call:
#   cli_test.sh PLEXUS MAKE_IDX WORKDIR FLOW
# FLOW: classification, embedding, regression, config, errors, idx, resume, interrupt, threads,
# numeric, ensemble.
# The data are made here (awk, make_idx).
set -u
PLEXUS=$1
MAKE_IDX=$2
WORK=$3
FLOW=$4
. "$(dirname "$0")/lib.sh" # before the cd: $0 may be relative
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

# data_section FILE: a safetensors file's tensor bytes (after the 8-byte length and the header).
data_section() {
  n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
  tail -c +$((9 + n)) "$1"
}
# history FILE: the per-epoch history a model file keeps (plexus inspect --json).
history() { "$PLEXUS" inspect "$1" --json | grep -o '"history":\[[^]]*\]'; }
# now_ms: milliseconds since the epoch.
now_ms() { date +%s%N | cut -c1-13; }

# json_number KEY FILE: the number after "KEY": on the last line of FILE.
json_number() { tail -n 1 "$2" | grep -o "\"$1\":[-0-9.eE+]*" | head -n 1 | cut -d: -f2; }

# Three string classes from two numbers and a colour; an id column the model must not use.
make_classification() {
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "id,colour,x1,x2,x3,label";
    for (i = 0; i < n; i++) { x1 = rand() * 4 - 2; x2 = rand() * 4 - 2; x3 = rand(); c = int(rand() * 3);
      col = (c == 0 ? "red" : (c == 1 ? "green" : "blue")); s = x1 + x2 + (c == 2 ? 1.5 : 0);
      lab = (s < -0.7 ? "alpha" : (s < 1.2 ? "beta" : "gamma"));
      printf "id%04d,%s,%.4f,%.4f,%.4f,%s\n", i, col, x1, x2, x3, lab } }' > "$1"
}

make_regression() {
  awk -v seed="$2" -v n="$3" 'BEGIN { srand(seed); print "a,b,kind,c,price";
    for (i = 0; i < n; i++) { a = rand() * 4 - 2; b = rand() * 4 - 2; c = rand(); k = int(rand() * 2);
      y = 100 + 30 * a - 20 * b + 15 * c * c + (k ? 25 : -25) + (rand() - 0.5) * 4;
      printf "%.4f,%.4f,%s,%.4f,%.3f\n", a, b, (k ? "new" : "old"), c, y } }' > "$1"
}

case "$FLOW" in
classification)
  make_classification train.csv 7 600
  make_classification new.csv 11 200
  expect 0 "" -- "$PLEXUS" train --data train.csv --ignore id --save model.plx --report report \
    --json --quiet --epochs 60
  grep -q "task: classification" out.txt || fail "train did not print the inferred task"
  grep -q "colour: categorical" out.txt || fail "train did not print the column kinds"
  grep -q "alpha, beta, gamma" out.txt || fail "train did not print the classes"
  grep -q "20% of train.csv" out.txt || fail "train did not say it held out a test set"
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.85 && ok "test accuracy $acc" || fail "test accuracy '$acc' <= 0.85"
  tail -n 1 out.txt | grep -q '"test_macro_f1"' || fail "no test_macro_f1 in --json"
  tail -n 1 out.txt | grep -q '"model":"model.plx"' || fail "no model in --json"
  [ -f report/index.html ] || fail "no report/index.html"
  for figure in loss accuracy confusion per_class; do
    [ -f "report/$figure.svg" ] || fail "no $figure figure in the report"
  done
  grep -q 'class="mark vline"' report/loss.svg || fail "the loss curve has no best-epoch line"
  expect 0 "" -- "$PLEXUS" eval --model model.plx --data new.csv --json
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.85 && ok "eval accuracy $acc" || fail "eval accuracy '$acc' <= 0.85"
  tail -n 1 out.txt | grep -q '"confusion_matrix":\[\[' || fail "eval --json has no confusion matrix"
  grep -q "confusion matrix" out.txt || fail "eval printed no confusion matrix"
  expect 0 "" -- "$PLEXUS" predict --model model.plx --data new.csv --proba --id id --output p1.csv
  head -n 1 p1.csv | grep -qx "id,prediction,proba_alpha,proba_beta,proba_gamma" ||
    fail "predict header: $(head -n 1 p1.csv)"
  [ "$(wc -l < p1.csv)" -eq 201 ] || fail "predict wrote $(wc -l < p1.csv) lines, expected 201"
  # The same model in a fresh process, reading standard input, predicts byte for byte the same.
  "$PLEXUS" predict --model model.plx --data - --proba --id id < new.csv > p2.csv 2> err.txt ||
    fail "predict from stdin failed: $(cat err.txt)"
  cmp -s p1.csv p2.csv && ok "a fresh process predicts identically" || fail "predictions differ"
  # Without the target column, with columns reordered and one extra: one warning.
  awk -F, -v OFS=, '{ print $5, $4, $3, $2, $1, "extra" }' new.csv > reordered.csv
  expect 0 "" -- "$PLEXUS" predict --model model.plx --data reordered.csv
  [ "$(grep -c warning err.txt)" -eq 1 ] || fail "expected one warning, got: $(cat err.txt)"
  cut -d, -f2 p1.csv | tail -n +2 > a.txt
  tail -n +2 out.txt > b.txt
  cmp -s a.txt b.txt && ok "columns are matched by name" || fail "reordered columns predict otherwise"
  cut -d, -f1,2,3 new.csv > missing.csv
  expect 1 "x2" -- "$PLEXUS" predict --model model.plx --data missing.csv
  expect 0 "" -- "$PLEXUS" inspect model.plx
  for word in Linear alpha colour "format version" parameters date; do
    grep -q "$word" out.txt || fail "inspect does not show '$word'"
  done
  expect 0 "" -- "$PLEXUS" inspect model.plx --json
  grep -q '"format_version":1' out.txt || fail "inspect --json has no format_version"
  # Exactly two features: the report draws decision regions.
  cut -d, -f3,4,6 train.csv > two.csv
  expect 0 "" -- "$PLEXUS" train --data two.csv --report two --quiet --epochs 20
  grep -q 'class="mark region' two/regions.svg 2> /dev/null && ok "decision regions drawn" ||
    fail "no decision regions in two/regions.svg"
  # SIGINT stops training cleanly with exit code 130.
  "$PLEXUS" train --data train.csv --epochs 1000000 --early-stopping 0 --quiet > /dev/null 2>&1 &
  pid=$!
  sleep 1
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  [ "$rc" -eq 130 ] && ok "SIGINT -> 130" || fail "SIGINT gave exit code $rc"
  ;;
embedding)
  # The tabular recipe's layers end to end: trained, saved, read by predict, inspect and export.
  make_classification train.csv 7 600
  make_classification new.csv 11 200
  expect 0 "" -- "$PLEXUS" train --data train.csv --ignore id --embedding periodic \
    --feature-scale --save emb.plx --json --quiet --epochs 30
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.85 && ok "test accuracy $acc with the embedding" || fail "test accuracy '$acc' <= 0.85"
  expect 0 "" -- "$PLEXUS" inspect emb.plx
  grep -q "FeatureScale" out.txt && grep -q "PeriodicEmbedding" out.txt ||
    fail "inspect does not show the new layers: $(cat out.txt)"
  expect 0 "" -- "$PLEXUS" predict --model emb.plx --data new.csv --proba --output p.csv
  [ "$(wc -l < p.csv)" -eq 201 ] || fail "predict wrote $(wc -l < p.csv) lines, expected 201"
  expect 0 "" -- "$PLEXUS" export --model emb.plx --format c --output c --name emb
  grep -q "px_periodic_embedding(" c/emb.c && grep -q "px_feature_scale(" c/emb.c ||
    fail "the C export does not compute the new layers"
  expect 2 "embedding" -- "$PLEXUS" train --data train.csv --embedding piecewise
  ;;
regression)
  make_regression train.csv 3 600
  expect 0 "" -- "$PLEXUS" train --data train.csv --save reg.plx --report report --json --quiet
  grep -q "task: regression" out.txt || fail "train did not infer regression"
  r2=$(json_number test_r2 out.txt)
  above "$r2" 0.9 && ok "test R2 $r2" || fail "test R2 '$r2' <= 0.9"
  mae=$(json_number test_mae out.txt)
  above 10 "$mae" && ok "test MAE $mae in price units" || fail "test MAE '$mae' >= 10"
  [ -f report/predicted_vs_true.svg ] && [ -f report/residuals.svg ] || fail "regression figures"
  # An inferred regression gets the regression recipe, and says so in --json and the model.
  grep -q '"recipe":"regression"' out.txt && ok "--json names the regression recipe" ||
    fail "--json lacks \"recipe\":\"regression\""
  "$PLEXUS" inspect reg.plx --json | grep -q '"batch_size":32,.*"embedding":"periodic"' &&
    ok "the model records the regression recipe" || fail "the model lacks the regression recipe"
  # A flag given wins over the recipe's default, the task inferred or given.
  expect 0 "" -- "$PLEXUS" train --data train.csv --dropout 0.3 --epochs 2 --save reg2.plx --quiet
  "$PLEXUS" inspect reg2.plx --json | grep -q '"dropout":0.3,.*"lr":0.003' &&
    ok "--dropout overrides the inferred task's default" || fail "--dropout did not override"
  "$PLEXUS" train --data train.csv --task regression --lr 0.01 --dump-config > reg.json
  grep -q '"lr": 0.01' reg.json && grep -q '"embedding": "periodic"' reg.json &&
    ok "--lr overrides the regression default" || fail "--task regression --lr: $(cat reg.json)"
  make_regression test.csv 5 100
  expect 0 "" -- "$PLEXUS" eval --model reg.plx --data test.csv --json
  r2=$(json_number test_r2 out.txt)
  above "$r2" 0.9 && ok "eval R2 $r2" || fail "eval R2 '$r2' <= 0.9"
  expect 0 "" -- "$PLEXUS" predict --model reg.plx --data test.csv
  head -n 1 out.txt | grep -qx "prediction" || fail "predict header: $(head -n 1 out.txt)"
  expect 2 "classifier" -- "$PLEXUS" predict --model reg.plx --data test.csv --proba
  ;;
config)
  "$PLEXUS" train --data train.csv --hidden 32,16 --lr 0.01 --dropout 0.2 --batch-norm \
    --optimizer sgd --schedule cosine --epochs 7 --target label --ignore id,name \
    --dump-config > one.json || fail "--dump-config failed"
  "$PLEXUS" train --config one.json --dump-config > two.json || fail "--config failed"
  cmp -s one.json two.json && ok "--dump-config -> --config round trip" ||
    fail "the dumps differ: $(diff one.json two.json)"
  grep -q '"lr": 0.01' one.json || fail "the dump lacks lr 0.01"
  "$PLEXUS" train --config one.json --lr 0.5 --dump-config > three.json || fail "override"
  grep -q '"lr": 0.5' three.json && ok "flags override --config" || fail "--lr did not override"
  # The epoch lines give each epoch's starting lr, 0 at a cycle's start: the network line names
  # the schedule that explains it.
  make_classification train.csv 7 200
  "$PLEXUS" train --data train.csv --ignore id --optimizer sgd --lr 0.01 --schedule cosine \
    --epochs 2 > scheduled.txt 2>&1 &&
    grep -q "^network: .*, sgd lr 0.01 on schedule cosine (.*), batch " scheduled.txt &&
    ok "the network line names the schedule" ||
    fail "no schedule on the network line: $(grep '^network' scheduled.txt)"
  # The default weight decay depends on the data: 1e-4 for CSV tables, 0 for arrays.
  "$PLEXUS" train --data train.csv --dump-config | grep -q '"weight_decay": 0.0001' &&
    ok "CSV default weight decay 1e-4" || fail "CSV default weight decay is not 1e-4"
  "$PLEXUS" train --data x.npy --labels y.npy --dump-config | grep -q '"weight_decay": 0.0$' &&
    ok ".npy default weight decay 0" || fail ".npy default weight decay is not 0"
  "$PLEXUS" train --data train.csv --weight-decay 0 --dump-config | grep -q '"weight_decay": 0.0$' ||
    fail "--weight-decay 0 does not override the CSV default"
  "$PLEXUS" train --help | grep -q "0.0001 for CSV data" || fail "--help does not give the default"
  echo '{"lr": 0.1, "bogus": 1}' > bad.json
  expect 2 "bogus" -- "$PLEXUS" train --config bad.json --dump-config
  echo '{"activation": "nope"}' > bad.json
  expect 2 "relu" -- "$PLEXUS" train --config bad.json --dump-config
  ;;
errors)
  make_classification good.csv 7 200
  "$PLEXUS" train --data good.csv --ignore id --save good.plx --quiet --epochs 3 > /dev/null ||
    fail "training the model for the error cases failed"
  printf 'a,b,label\n1,2,x\n3,4\n5,6,y\n' > ragged.csv
  expect 1 "plexus: error:" -- "$PLEXUS" train --data ragged.csv
  { head -n 20 good.csv; echo "id9999,red,abc,0.5,0.5,beta"; tail -n +21 good.csv; } > text.csv
  # A word among numbers: the column is read as categories, with a warning that says so.
  expect 0 "column 'x1' holds numbers and 1 word ('abc')" -- \
    "$PLEXUS" train --data text.csv --ignore id --categorical colour --epochs 2
  { head -n 20 good.csv; echo "id9999,red,NaN,0.5,0.5,beta"; tail -n +21 good.csv; } > nan.csv
  expect 1 "plexus: error:" -- "$PLEXUS" train --data nan.csv --ignore id --impute none
  : > empty.csv
  expect 1 "plexus: error:" -- "$PLEXUS" train --data empty.csv
  head -n 1 good.csv > header.csv
  expect 1 "plexus: error:" -- "$PLEXUS" train --data header.csv
  expect 1 "nosuch" -- "$PLEXUS" train --data good.csv --target nosuch
  { cat good.csv; echo "id9998,red,0.1,0.2,0.3,delta"; } > test_new_class.csv
  expect 1 "delta" -- "$PLEXUS" train --data good.csv --ignore id --test test_new_class.csv --epochs 2
  expect 1 "delta" -- "$PLEXUS" eval --model good.plx --data test_new_class.csv
  size=$(wc -c < good.plx)
  head -c $((size / 2)) good.plx > truncated.plx
  expect 1 "plexus: error:" -- "$PLEXUS" eval --model truncated.plx --data good.csv
  : > zero.plx
  expect 1 "plexus: error:" -- "$PLEXUS" predict --model zero.plx --data good.csv
  cp good.plx flipped.plx
  printf '\377' | dd of=flipped.plx bs=1 seek=$((size - 100)) conv=notrunc 2> /dev/null
  expect 1 "plexus: error:" -- "$PLEXUS" inspect flipped.plx
  expect 1 "plexus: error:" -- "$PLEXUS" inspect no-such-file.plx
  expect 2 "frobnicate" -- "$PLEXUS" train --data good.csv --frobnicate
  expect 2 "relu" -- "$PLEXUS" train --data good.csv --activation nope
  expect 2 "cosine" -- "$PLEXUS" train --data good.csv --schedule nope
  expect 2 "epochs" -- "$PLEXUS" train --data good.csv --epochs many
  expect 2 "hidden" -- "$PLEXUS" train --data good.csv --hidden 32,x
  expect 2 "" -- "$PLEXUS" frobnicate
  expect 0 "" -- "$PLEXUS" --help
  grep -q "Examples" out.txt || fail "--help has no examples"
  for cmd in train eval predict inspect; do
    expect 0 "" -- "$PLEXUS" "$cmd" --help
    grep -q "Example" out.txt || fail "$cmd --help has no example"
  done
  expect 0 "" -- "$PLEXUS" --version
  ;;
idx)
  mkdir images
  "$MAKE_IDX" images || fail "make_idx failed"
  expect 0 "" -- "$PLEXUS" train --data images --hidden 64 --epochs 15 --save img.plx --json --quiet
  grep -q "its test split" out.txt || fail "train did not use the folder's t10k files"
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.9 && ok "IDX test accuracy $acc" || fail "IDX test accuracy '$acc' <= 0.9"
  expect 0 "" -- "$PLEXUS" eval --model img.plx --data images --json
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.9 && ok "IDX eval accuracy $acc" || fail "IDX eval accuracy '$acc' <= 0.9"
  expect 0 "" -- "$PLEXUS" predict --model img.plx --data images --proba --output img.csv
  [ "$(wc -l < img.csv)" -eq 101 ] || fail "predict wrote $(wc -l < img.csv) lines, expected 101"
  head -n 1 img.csv | grep -q "^prediction,proba_0," || fail "predict header: $(head -n 1 img.csv)"
  # NumPy arrays: labels that are not 0..K-1 name the classes; float64 values make a regression.
  expect 0 "" -- "$PLEXUS" train --data images/x.npy --labels images/y.npy --save arr.plx --json --quiet
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.85 && ok ".npy test accuracy $acc" || fail ".npy test accuracy '$acc' <= 0.85"
  expect 0 "" -- "$PLEXUS" predict --model arr.plx --data images/x.npy --proba
  head -n 1 out.txt | grep -qx "prediction,proba_5,proba_7" || fail "npy header: $(head -n 1 out.txt)"
  expect 0 "" -- "$PLEXUS" train --data images/x.npy --labels images/v.npy --json --quiet
  r2=$(json_number test_r2 out.txt)
  above "$r2" 0.9 && ok ".npy test R2 $r2" || fail ".npy test R2 '$r2' <= 0.9"
  expect 1 "labels" -- "$PLEXUS" eval --model arr.plx --data images/x.npy
  ;;
resume)
  # A run of 10 epochs stopped after its fifth and resumed is the run left alone, bit for bit:
  # the tensors, the predictions and the history. Dropout and Adam carry state across the break.
  make_classification train.csv 7 600
  run="--data train.csv --ignore id --hidden 32,16 --early-stopping 0 --quiet --seed 4"
  expect 0 "" -- "$PLEXUS" train $run --epochs 10 --save b.plx
  expect 0 "" -- "$PLEXUS" train $run --epochs 5 --checkpoint ck
  expect 0 "" -- "$PLEXUS" inspect ck
  grep -q "epochs done: 5" out.txt || fail "inspect ck: $(cat out.txt)"
  expect 0 "" -- "$PLEXUS" train --resume ck --epochs 10 --save a.plx --json
  grep -q "resumed: ck (5 epochs done)" out.txt || fail "train --resume did not say it resumed"
  tail -n 1 out.txt | grep -q '"epochs_run":10' || fail "the resumed run did not run 10 epochs"
  data_section a.plx > a.bin
  data_section b.plx > b.bin
  [ -s a.bin ] && cmp -s a.bin b.bin && ok "resumed weights are bit-identical ($(wc -c < a.bin) bytes)" ||
    fail "the resumed model's tensors differ from the uninterrupted run's"
  history a.plx > ha.txt
  history b.plx > hb.txt
  [ -s ha.txt ] && cmp -s ha.txt hb.txt && ok "resumed history is identical" ||
    fail "histories differ: $(cat ha.txt) vs $(cat hb.txt)"
  make_classification new.csv 11 200
  "$PLEXUS" predict --model a.plx --data new.csv --proba > pa.csv &&
    "$PLEXUS" predict --model b.plx --data new.csv --proba > pb.csv || fail "predict failed"
  cmp -s pa.csv pb.csv && ok "resumed predictions are identical" || fail "predictions differ"
  # Flags that repeat the checkpoint's settings are fine; contradicting ones are usage errors.
  expect 0 "" -- "$PLEXUS" train --resume ck --lr 0.001 --hidden 32,16 --seed 4 --quiet
  expect 2 "--lr 0.5 contradicts the checkpoint in ck, which has lr 0.001" -- \
    "$PLEXUS" train --resume ck --lr 0.5
  expect 2 "--hidden \[64\] contradicts" -- "$PLEXUS" train --resume ck --hidden 64
  expect 2 "--data other.csv contradicts" -- "$PLEXUS" train --resume ck --data other.csv
  expect 2 "has run 10 epochs already" -- "$PLEXUS" train --resume ck --epochs 3
  expect 1 "no checkpoint there" -- "$PLEXUS" train --resume nowhere
  mkdir empty
  expect 1 "no checkpoint there" -- "$PLEXUS" train --resume empty
  # --config with --resume: the same rule as flags.
  "$PLEXUS" train --resume ck --dump-config > ck.json || fail "--resume --dump-config"
  expect 0 "" -- "$PLEXUS" train --resume ck --config ck.json --quiet
  sed 's/"lr": 0.001/"lr": 0.01/' ck.json > ck2.json
  expect 2 "ck2.json: \"lr\": 0.01 contradicts" -- "$PLEXUS" train --resume ck --config ck2.json
  mkdir cut
  head -c 300 ck/checkpoint.plx > cut/checkpoint.plx
  expect 1 "truncated" -- "$PLEXUS" train --resume cut
  # The resumed run's settings are the checkpoint's: --dump-config shows them.
  expect 0 "" -- "$PLEXUS" train --resume ck --dump-config
  grep -q '"hidden": \[' out.txt && grep -q '"seed": 4' out.txt || fail "dump: $(cat out.txt)"
  # A checkpoint whose data changed is refused.
  head -n 500 train.csv > train_short.csv && mv train_short.csv train.csv
  expect 1 "the data changed" -- "$PLEXUS" train --resume ck --epochs 12
  ;;
interrupt)
  # Ctrl-C: exit 130, a checkpoint beside --save, the command that resumes it; resumed, the run
  # ends as the uninterrupted run does.
  make_classification train.csv 7 3000
  run="--data train.csv --ignore id --early-stopping 0 --epochs 60 --batch-size 32 --seed 2"
  # interrupt_in_epoch_3 ARGS...: starts plexus train ARGS, sends SIGINT once it finished two
  # epochs; rc = its exit code, ms = how long it took to stop.
  interrupt_in_epoch_3() {
    : > out.txt
    "$PLEXUS" train "$@" > out.txt 2> err.txt &
    pid=$!
    waited=0
    while ! grep -q "^Epoch 2/" out.txt 2> /dev/null && [ "$waited" -lt 600 ]; do
      sleep 0.05
      waited=$((waited + 1))
    done
    t0=$(now_ms)
    kill -INT "$pid"
    wait "$pid"
    rc=$?
    ms=$(($(now_ms) - t0))
  }
  interrupt_in_epoch_3 $run --save m.plx
  [ "$rc" -eq 130 ] && ok "SIGINT -> 130 in $ms ms" || fail "SIGINT gave exit code $rc: $(cat err.txt)"
  grep -q "plexus train --resume m.plx.checkpoint" err.txt && ok "the resume command is printed" ||
    fail "no resume command: $(cat err.txt)"
  [ ! -e m.plx ] || fail "an interrupted run wrote the model file"
  cmd=$(grep -o "plexus train --resume .*" err.txt | sed 's/^plexus //')
  expect 0 "" -- "$PLEXUS" $cmd --quiet --json
  tail -n 1 out.txt | grep -q '"epochs_run":60' || fail "the resumed run: $(tail -n 1 out.txt)"
  [ -f m.plx ] || fail "the resumed run did not save m.plx"
  expect 0 "" -- "$PLEXUS" train $run --quiet --save straight.plx
  data_section m.plx > a.bin
  data_section straight.plx > b.bin
  cmp -s a.bin b.bin && ok "interrupted and resumed == uninterrupted, bit for bit" ||
    fail "the interrupted run's weights differ from the uninterrupted run's"
  # A second Ctrl-C ends the process at once; whatever checkpoint is there still loads.
  "$PLEXUS" train $run --checkpoint twice > /dev/null 2>&1 &
  pid=$!
  sleep 0.5
  kill -INT "$pid"
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  [ "$rc" -eq 130 ] && ok "two SIGINTs -> 130" || fail "two SIGINTs gave exit code $rc"
  if [ -e twice/checkpoint.plx ]; then
    "$PLEXUS" inspect twice > /dev/null 2>&1 && ok "the checkpoint after two SIGINTs loads" ||
      fail "the checkpoint after two SIGINTs does not load"
  fi
  # Without --save or --checkpoint the checkpoint goes to ./plexus-checkpoint.
  interrupt_in_epoch_3 $run
  [ "$rc" -eq 130 ] || fail "SIGINT gave exit code $rc"
  grep -q "plexus train --resume plexus-checkpoint" err.txt && [ -f plexus-checkpoint/checkpoint.plx ] &&
    ok "default checkpoint folder" || fail "no plexus-checkpoint: $(cat err.txt)"
  ;;
threads)
  # The same seed on 1 and on 2 threads: the same weights, byte for byte. BLAS runs single-threaded
  # and plexus cuts a product into blocks fixed by its shape, so the thread count only decides who
  # computes each block (ctest also runs this on OpenBLAS's AVX2 kernels: cli.threads_avx2).
  awk 'BEGIN { srand(13); printf "y"; for (j = 0; j < 50; j++) printf ",f%d", j; print "";
    for (i = 0; i < 2000; i++) { s = 0; line = "";
      for (j = 0; j < 50; j++) { v = rand() * 2 - 1; s += (j % 3 - 1) * v; line = line sprintf(",%.5f", v) }
      printf "%.5f%s\n", s + 0.3 * sin(3 * s), line } }' > wide.csv
  for t in 1 2; do
    expect 0 "" -- "$PLEXUS" train --data wide.csv --target y --hidden 256,128 --epochs 3 \
      --threads "$t" --save "t$t.plx" --quiet --json
    "$PLEXUS" predict --model "t$t.plx" --data wide.csv > "p$t.csv" || fail "predict t$t"
  done
  data_section t1.plx > a.bin
  data_section t2.plx > b.bin
  cmp -s a.bin b.bin && ok "--threads 1 and 2 give bit-identical weights" ||
    fail "--threads 1 and 2 give different weights"
  cmp -s p1.csv p2.csv && ok "--threads 1 and 2 predict identically" ||
    fail "--threads 1 and 2 predict differently"
  ;;
numeric)
  mkdir images
  "$MAKE_IDX" images || fail "make_idx failed"
  # NaN and Inf in the data are named with the file, the line and the column.
  make_classification good.csv 7 200
  { head -n 20 good.csv; echo "id9999,red,NaN,0.5,0.5,beta"; tail -n +21 good.csv; } > nan.csv
  expect 1 "nan.csv:21: .*x1" -- "$PLEXUS" train --data nan.csv --ignore id --impute none
  { head -n 30 good.csv; echo "id9999,red,0.5,inf,0.5,beta"; tail -n +31 good.csv; } > inf.csv
  expect 1 "inf.csv:31: .*x2" -- "$PLEXUS" train --data inf.csv --ignore id
  # An exploding loss stops with the epoch, the step, the layer and a hint.
  make_regression reg.csv 3 300
  expect 1 "step [0-9]*: loss is" -- "$PLEXUS" train --data reg.csv --optimizer sgd --lr 1e6 --no-feature-scale --embedding none --quiet
  for word in "Linear" "hint" "--lr" "--clip-grad"; do
    grep -q -- "$word" err.txt || fail "the exploding-loss message lacks '$word': $(cat err.txt)"
  done
  # Inputs of 1e4 (.npy arrays are not standardised) give logits far beyond exp's range:
  # softmax and cross-entropy stay finite, training ends and the probabilities are numbers.
  expect 0 "" -- "$PLEXUS" train --data images/big.npy --labels images/y.npy --epochs 5 \
    --save big.plx --json --quiet
  expect 0 "" -- "$PLEXUS" predict --model big.plx --data images/big.npy --proba --output big.csv
  if grep -qi "nan\|inf" big.csv; then fail "NaN/Inf probabilities: $(grep -i -m 3 'nan\|inf' big.csv)"; else ok "finite probabilities"; fi
  ;;
ensemble)
  # --ensemble 1 is today's training bit for bit; --ensemble 3 trains three members, prints each,
  # scores the ensemble, and saves one file that predict, eval and inspect read unchanged.
  make_classification train.csv 7 400
  make_classification new.csv 11 100
  expect 0 "" -- "$PLEXUS" train --data train.csv --ignore id --epochs 12 --save plain.plx --quiet
  expect 0 "" -- "$PLEXUS" train --data train.csv --ignore id --epochs 12 --ensemble 1 \
    --save one.plx --quiet
  data_section plain.plx > plain.bin
  data_section one.plx > one.bin
  cmp -s plain.bin one.bin && ok "--ensemble 1 saves the weights of no --ensemble" ||
    fail "--ensemble 1 saved other weights than no --ensemble"
  expect 0 "" -- "$PLEXUS" train --data train.csv --ignore id --epochs 12 --ensemble 3 \
    --save three.plx --json
  for member in 1/3 2/3 3/3; do
    grep -q "member $member" out.txt || fail "train --ensemble 3 did not print member $member"
  done
  grep -q "validation (320 rows, each by the member that held it out)" out.txt ||
    fail "train --ensemble 3 did not print the out-of-fold validation"
  grep -q "ensemble test (80 rows)" out.txt || fail "train --ensemble 3 did not print its test"
  grep -q "3 x Sequential" out.txt || fail "train --ensemble 3 did not show its members"
  acc=$(json_number test_accuracy out.txt)
  above "$acc" 0.8 && ok "ensemble test accuracy $acc" || fail "ensemble test accuracy '$acc'"
  expect 0 "" -- "$PLEXUS" inspect three.plx --json
  grep -q '"type":"Ensemble"' out.txt || fail "inspect does not show the Ensemble"
  expect 0 "" -- "$PLEXUS" predict --model three.plx --data new.csv --proba --output p.csv
  [ "$(wc -l < p.csv)" -eq 101 ] || fail "predict wrote $(wc -l < p.csv) lines, not 101"
  expect 0 "" -- "$PLEXUS" eval --model three.plx --data new.csv
  grep -q "accuracy" out.txt || fail "eval printed no accuracy for the ensemble"
  expect 1 "not checkpointed" -- "$PLEXUS" train --data train.csv --ignore id --epochs 2 \
    --ensemble 2 --checkpoint ck --quiet
  # A classifier bags unless told to refit (a regressor refits unless told to bag).
  expect 0 "" -- "$PLEXUS" train --data train.csv --ignore id --epochs 3 --ensemble 2 \
    --ensemble-fit refit
  grep -q "member 2/2 (refit)" out.txt || fail "--ensemble-fit refit did not refit member 2"
  grep -q "then again on all of them" out.txt || fail "--ensemble-fit refit was not announced"
  ;;
*)
  echo "unknown flow $FLOW"
  exit 2
  ;;
esac

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
