#!/usr/bin/env bash
# W2A2 baseline quantizer recipes (train::QuantRecipe, docs/NCE.md section 1.6): ResNet20 on the full
# Fashion-MNIST training set, each quantizer recipe x 3 seeds, trained with one schedule, two runs
# side by side at one thread each. Resumable: a run whose summary.json exists is kept and skipped.
# Prints the Markdown table (mean +- std of the test accuracy, final PACT alphas) when all are done.
# Usage: bench/recipe_experiment.sh [NCE_BIN] [OUT_DIR]     (EPOCHS, SEEDS, JOBS from the environment)
set -euo pipefail
cd "$(dirname "$0")/.."
NCE=$(realpath "${1:-./build/nce}")
OUT=${2:-runs/recipes}
EPOCHS=${EPOCHS:-3}
SEEDS=${SEEDS:-"1 2 3"}
JOBS=${JOBS:-2}
export SC_COPYRIGHT_MESSAGE=DISABLE OMP_WAIT_POLICY=passive
mkdir -p "$OUT"
declare -A RECIPES=(
  [today]="--alpha-init fixed --alpha-grad clipped --weight-scale mean"
  [calibrated-alpha]="--alpha-init calibrated --alpha-grad clipped --weight-scale mean"
  [full-alpha-grad]="--alpha-init fixed --alpha-grad full --weight-scale mean"
  [mse-weight-scale]="--alpha-init fixed --alpha-grad clipped --weight-scale mse"
  [all-three]="--alpha-init calibrated --alpha-grad full --weight-scale mse"
)
jobs_file="$OUT/jobs.txt"
: > "$jobs_file"
for name in today calibrated-alpha full-alpha-grad mse-weight-scale all-three; do
  for seed in $SEEDS; do
    run="$OUT/$name-s$seed"
    [[ -f $run/summary.json ]] && continue
    echo "$NCE train --model resnet20 --dataset fashion-mnist --bits 2 --epochs $EPOCHS --seed $seed --threads 1 \
${RECIPES[$name]} --out $run $( [[ -f $run/checkpoint.bin ]] && echo --resume ) > $run.log 2>&1" >> "$jobs_file"
  done
done
if [[ -s $jobs_file ]]; then
  echo "running $(wc -l < "$jobs_file") runs, $JOBS at a time (logs in $OUT/*.log)"
  xargs -P "$JOBS" -I{} sh -c '{}' < "$jobs_file"
fi
python3 - "$OUT" "$SEEDS" <<'PY'
import json, os, statistics, sys
out, seeds = sys.argv[1], sys.argv[2].split()
print("| recipe | test accuracy, mean ± std (n) | per seed |")
print("| --- | --- | --- |")
for name in ["today", "calibrated-alpha", "full-alpha-grad", "mse-weight-scale", "all-three"]:
    accs = []
    for s in seeds:
        f = os.path.join(out, f"{name}-s{s}", "summary.json")
        if os.path.exists(f):
            accs.append(100 * json.load(open(f))["test_accuracy"])
    if not accs:
        continue
    std = statistics.stdev(accs) if len(accs) > 1 else float("nan")
    print(f"| {name} | {statistics.mean(accs):.2f} ± {std:.2f} ({len(accs)}) | {', '.join(f'{a:.2f}' for a in accs)} |")
PY
