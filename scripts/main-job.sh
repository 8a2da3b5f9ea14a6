#!/usr/bin/env bash
# The main job on built-in defaults (run by `scripts/quickstart.sh run` after the build):
# ResNet20 on the default 16x16 accelerator (configs/default.yaml) through the cycle-accurate
# SystemC model, writing the per-layer report.
set -euo pipefail
cd "$(dirname "$0")/.."
export SC_COPYRIGHT_MESSAGE=DISABLE
./build/nce simulate --workload resnet20 --out out/resnet20
echo "open out/resnet20/report.html (per-layer utilization, cycle breakdown, energy); tables in out/resnet20/layers.csv and summary.json"
