#!/usr/bin/env bash
# The export checks on make_models' output (MODELS_DIR); each exits 77 (skipped) when its tool is
# missing.
#   run.sh c CC MODELS_DIR SOURCE_DIR     compile each C export and a driver with CC, strictly;
#                                         run it on the rows; time each compile at -O2
#   run.sh onnx-setup NPM_PREFIX          install onnxruntime-node once (its install script would
#                                         fetch optional extras from the network: skipped)
#   run.sh onnx-run NPM_PREFIX MODELS_DIR SOURCE_DIR   the models in onnxruntime
#   run.sh onnx-check MODELS_DIR          python3-onnx's checker accepts each .onnx file
set -euo pipefail
# Node 20 runs this release; its package carries the CPU runtime.
ORT_VERSION=1.20.1

case "$1" in
  c)
    cc=$2 dir=$3 src=$4
    command -v "$cc" >/dev/null || { echo "$cc is not installed: skipped"; exit 77; }
    out="$dir/$cc"
    mkdir -p "$out"
    while read -r name classifier _onnx_floor; do
      upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
      flags=(-std=c99 -Wall -Wextra -Werror -pedantic -O2 -I "$dir")
      start=$(date +%s.%N)
      "$cc" "${flags[@]}" -c "$dir/$name.c" -o "$out/$name.o"
      end=$(date +%s.%N)
      defines=(-DMODEL_HEADER="\"$name.h\"" -DPREDICT="${name}_predict"
               -DFEATURES="${upper}_FEATURES" -DOUTPUTS="${upper}_OUTPUTS")
      [ "$classifier" = 1 ] && defines+=(-DPREDICT_CLASS="${name}_predict_class")
      "$cc" "${flags[@]}" "${defines[@]}" "$src/driver.c" "$out/$name.o" -o "$out/$name" -lm
      printf '%s: %s -O2 compiled %s.c (%s bytes) in %.2f s; ' "$name" "$cc" "$name" \
        "$(stat -c %s "$dir/$name.c")" "$(awk "BEGIN { print $end - $start }")"
      "$out/$name" "$dir/$name.rows" "$dir/$name.expected"
    done < "$dir/models.txt"
    ;;
  onnx-setup)
    prefix=$2
    command -v npm >/dev/null || { echo "npm is not installed: skipped"; exit 77; }
    package="$prefix/node_modules/onnxruntime-node/package.json"
    if [ -f "$package" ] && grep -q "\"version\": \"$ORT_VERSION\"" "$package"; then exit 0; fi
    mkdir -p "$prefix"
    npm install --ignore-scripts --no-save --no-audit --no-fund --prefix "$prefix" \
      "onnxruntime-node@$ORT_VERSION"
    ;;
  onnx-run)
    command -v node >/dev/null || { echo "node is not installed: skipped"; exit 77; }
    node "$4/run_onnx.mjs" "$2" "$3"
    ;;
  onnx-check)
    dir=$2
    # Debian's python3-onnx belongs to the system interpreter.
    /usr/bin/python3 -c "import onnx" 2>/dev/null || { echo "python3-onnx is missing: skipped"; exit 77; }
    ls "$dir"/*.onnx >/dev/null 2>&1 || { echo "no .onnx files (built without ONNX export): skipped"; exit 77; }
    for f in "$dir"/*.onnx; do
      /usr/bin/python3 -c "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)" "$f"
      echo "$(basename "$f"): accepted by onnx $(/usr/bin/python3 -c 'import onnx; print(onnx.__version__)') (full_check)"
    done
    ;;
  *)
    echo "run.sh: unknown check $1" >&2
    exit 2
    ;;
esac
