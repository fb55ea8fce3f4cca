#!/usr/bin/env bash
# The primer, executable: builds the examples, runs each with its fast settings and writes every
# figure into DIR (default build/primer) with an index.html that shows them in the primer's order.
# Usage: scripts/primer.sh [DIR] [--full]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/primer}
shift || true
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target primer_index perceptron students activations decision_boundary \
  loss_landscape backprop vanishing_gradients gd_variants learning_rate optimizers fitting \
  regularization early_stopping init batchnorm
mkdir -p "$out"
for example in perceptron students activations decision_boundary loss_landscape backprop \
               vanishing_gradients gd_variants learning_rate optimizers fitting regularization \
               early_stopping init batchnorm; do
  echo "== $example"
  ./build/examples/primer/$example --out "$out" "$@"
done
./build/examples/primer/primer_index "$out"
