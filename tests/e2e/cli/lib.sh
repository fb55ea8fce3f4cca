# Shared by the command's end-to-end scripts (sourced, POSIX sh): the pass/fail count, a server
# killed on exit, and the checks every script uses.
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# A script that starts `plexus serve` keeps its pid here; it is killed however the script ends.
server=""
cleanup() { [ -n "$server" ] && kill -KILL "$server" 2> /dev/null; }
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

# start_serve PORT MODEL: `plexus serve` of MODEL on PORT in the background (stderr in serve.log),
# waiting up to 10 s for /health or for the server to exit; sets $server.
start_serve() {
  "$PLEXUS" serve --model "$2" --port "$1" 2> serve.log &
  server=$!
  for i in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/health" && break
    kill -0 "$server" 2> /dev/null || break
    sleep 0.1
  done
}

# expect CODE PATTERN -- command...: the exit code, and PATTERN in stderr (when not empty).
expect() {
  code=$1 pattern=$2
  shift 3
  "$@" > out.txt 2> err.txt
  rc=$?
  if [ "$rc" -ne "$code" ]; then
    fail "$* exited $rc, expected $code; stderr: $(head -c 400 err.txt)"
  elif [ -n "$pattern" ] && ! grep -q -- "$pattern" err.txt; then
    fail "$* did not say '$pattern'; stderr: $(head -c 400 err.txt)"
  else
    ok "$* -> $rc"
  fi
}
# above VALUE LIMIT: whether VALUE > LIMIT.
above() { awk -v v="$1" -v l="$2" 'BEGIN { exit !(v != "" && v + 0 > l + 0) }'; }

# The exports against plexus' own outputs: model.rows (inputs) and model.expected (outputs), made
# by the script, in the format of EXPORT_SRC's driver.c and run_onnx.mjs.
# check_c_export MODEL LABEL MARK [DEFINE...]: the C export (c/model.c holding MARK, when not
# empty) built with the driver and the defines given, run on the rows.
check_c_export() {
  if ! command -v gcc > /dev/null; then
    echo "skip: C (no gcc)"
    return
  fi
  c_model=$1 c_label=$2 c_mark=$3
  shift 3
  "$PLEXUS" export --model "$c_model" --format c --output c --name model > /dev/null &&
    { [ -z "$c_mark" ] || grep -q -- "$c_mark" c/model.c; } &&
    gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -I c -DMODEL_HEADER='"model.h"' \
      -DPREDICT=model_predict -DFEATURES=MODEL_FEATURES -DOUTPUTS=MODEL_OUTPUTS "$@" \
      "$EXPORT_SRC/driver.c" c/model.c -o driver -lm &&
    ./driver model.rows model.expected > driver.txt && ok "$c_label: $(cat driver.txt)" ||
    fail "$c_label export: $(cat driver.txt 2> /dev/null)"
}
# check_onnx_export MODEL LABEL MODELS_LINE: the ONNX export in ONNX Runtime (when node and
# onnxruntime-node are under NPM_PREFIX); MODELS_LINE is run_onnx.mjs' models.txt line ("model
# CLASSIFIER FLOOR").
check_onnx_export() {
  if ! "$PLEXUS" export --model "$1" --format onnx --output model.onnx > onnx.txt 2>&1; then
    grep -q "install libprotobuf-dev" onnx.txt && echo "skip: ONNX (built without protobuf)" ||
      fail "ONNX export: $(cat onnx.txt)"
    return
  fi
  echo "$3" > models.txt
  if command -v node > /dev/null && [ -d "$NPM_PREFIX/node_modules/onnxruntime-node" ]; then
    node "$EXPORT_SRC/run_onnx.mjs" "$NPM_PREFIX" . > ort.txt 2>&1 && ok "$2: $(cat ort.txt)" ||
      fail "$2: $(cat ort.txt)"
  else
    echo "skip: ONNX runtime (no node or onnxruntime-node under $NPM_PREFIX)"
  fi
}
