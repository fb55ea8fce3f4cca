#!/usr/bin/env bash
# The main job: set up, build, show the primer's perceptron step by step, then train a network
# on Fashion-MNIST (784-256-128-10, Adam, early stopping) and report its test accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --build build --target perceptron fashion_mnist >&2
./build/examples/primer/perceptron
echo
./build/examples/fashion_mnist "${1:-5}"
