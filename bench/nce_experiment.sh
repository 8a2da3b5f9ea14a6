#!/usr/bin/env bash
# Issue 7's experiment at a budget chosen by the caller: ResNet20 on Fashion-MNIST, W2A2, the
# default 16x16 config; plain, WRPN, TAS, NCE-FLOPs and NCE-latency through `nce search`
# (baselines use --method plain/wrpn), each derived network retrained from scratch with the
# same `nce train` budget. Prints a Markdown table (accuracy, MACs, params, simulated cycles
# and energy). Usage: bench/nce_experiment.sh [NCE_BIN] [OUT_DIR]
# Budget knobs (environment): TRAIN_LIMIT SEARCH_LIMIT TEST_LIMIT WARMUP SEARCH RETRAIN BATCH ARCH_LR
set -euo pipefail
cd "$(dirname "$0")/.."
NCE=${1:-./build/nce}
OUT=${2:-runs/nce-experiment}
TRAIN_LIMIT=${TRAIN_LIMIT:-4096}
SEARCH_LIMIT=${SEARCH_LIMIT:-2048}
TEST_LIMIT=${TEST_LIMIT:-1000}
WARMUP=${WARMUP:-1}
SEARCH=${SEARCH:-3}
RETRAIN=${RETRAIN:-2}
BATCH=${BATCH:-64}
ARCH_LR=${ARCH_LR:-0.01}
export SC_COPYRIGHT_MESSAGE=DISABLE
mkdir -p "$OUT"
common=(--model resnet20 --dataset fashion-mnist --bits 2 --config configs/default.yaml --target 1.0
        --warmup-epochs "$WARMUP" --search-epochs "$SEARCH" --threshold 0.3 --batch "$BATCH" --arch-lr "$ARCH_LR"
        --train-limit "$SEARCH_LIMIT" --test-limit "$TEST_LIMIT" --threads 2)
run() {
  local name=$1; shift
  rm -rf "$OUT/$name"
  "$NCE" search "${common[@]}" "$@" --out "$OUT/$name" > "$OUT/$name.search.log" 2>&1
  "$NCE" train --model "$OUT/$name/derived.yaml" --dataset fashion-mnist --epochs "$RETRAIN" --batch "$BATCH" \
    --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" --no-augment --threads 2 --out "$OUT/$name/retrain" \
    > "$OUT/$name.train.log" 2>&1
}
run plain --method plain
run wrpn --method wrpn --wrpn-multiplier 1.25
run tas --method tas --hw-loss latency
run nce-flops --method nce --hw-loss flops
run nce-latency --method nce --hw-loss latency
python3 - "$OUT" <<'PY'
import json, sys, os, re
out = sys.argv[1]
print("| variant | test acc | MACs | params | cycles | energy (uJ) |")
print("| --- | --- | --- | --- | --- | --- |")
for v in ["plain", "wrpn", "tas", "nce-flops", "nce-latency"]:
    sim = json.load(open(os.path.join(out, v, "derived-sim", "summary.json")))
    tr = json.load(open(os.path.join(out, v, "retrain", "summary.json")))
    log = open(os.path.join(out, v + ".search.log")).read()
    params = re.search(r"params (\d+) \(plain", log).group(1)
    print(f"| {v} | {tr['test_accuracy']:.4f} | {sim['macs']} | {params} | {sim['total_cycles']} | {sim['total_energy_pj']/1e6:.3f} |")
PY
