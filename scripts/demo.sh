#!/usr/bin/env bash
# The main job: set up, build, and train the primer's perceptron, printing each step.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./build/examples/perceptron
