#!/usr/bin/env bash
# The main job on built-in defaults (run by `scripts/quickstart.sh run` after the build):
# 1. ResNet20 on the default 16x16 accelerator (configs/default.yaml) through the cycle-accurate
#    SystemC model, writing the per-layer report;
# 2. a short latency-aware NCE search of ResNet20 on a Fashion-MNIST subset (W2A2, the array's
#    cycles from the analytical cost tables as the hardware loss), the derived network simulated
#    on the same array, with its report. The budget is tiny so the job finishes in minutes on
#    two cores: the derived widths show the pipeline, not the paper's accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
export SC_COPYRIGHT_MESSAGE=DISABLE
./build/nce simulate --workload resnet20 --out out/resnet20
echo "open out/resnet20/report.html (per-layer utilization, cycle breakdown, energy); tables in out/resnet20/layers.csv and summary.json"
rm -rf out/search-latency
./build/nce search --model resnet20 --dataset fashion-mnist --bits 2 --hw-loss latency --config configs/default.yaml \
  --target 1.0 --warmup-epochs 1 --search-epochs 2 --threshold 0.3 --train-limit 1024 --test-limit 500 --batch 64 \
  --arch-lr 0.01 --out out/search-latency
echo "open out/search-latency/report.html (channels before/after, probabilities per epoch, derived network's cycles and utilization);"
echo "  derived network: out/search-latency/derived.yaml (nce simulate --workload FILE, nce train --model FILE); full simulation report: out/search-latency/derived-sim/report.html"
echo "full-budget search (paper schedule, docs/NCE.md section 5): ./build/nce search --model resnet20 --dataset fashion-mnist --bits 2 --hw-loss latency --config configs/default.yaml --target 1.0 --warmup-epochs 200 --search-epochs 600 --threshold 0.3 --batch 256 --out runs/nce-latency"
