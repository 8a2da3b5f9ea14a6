#!/usr/bin/env bash
# The main job on built-in defaults (run by `scripts/quickstart.sh run` after the build).
set -euo pipefail
cd "$(dirname "$0")/.."
./build/nce workload show resnet20
