#!/usr/bin/env bash
# The main job on built-in defaults (run by `scripts/quickstart.sh run` after the build), about two
# minutes on two idle cores:
# 1. ResNet20 on the default 16x16 accelerator (configs/default.yaml) through the cycle-accurate
#    SystemC model, with the per-layer report;
# 2. a short latency-aware NCE search of ResNet20 on 8192 Fashion-MNIST images (W2A2, the array's
#    cycles from the analytical cost tables as the hardware loss, target 0.9x the plain network's
#    cycles), the derived network simulated beside the plain one;
# 3. the derived and the plain network each retrained from scratch for one epoch on the same
#    images, so their accuracies compare at one (small) budget.
# It ends with one line saying what was found. bench/nce_experiment.py is the full comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
export SC_COPYRIGHT_MESSAGE=DISABLE OMP_WAIT_POLICY=passive
nce=./build/nce
out=out
rm -rf "$out/resnet20" "$out/search-latency" "$out/retrain-derived" "$out/retrain-plain"

"$nce" simulate --workload resnet20 --out "$out/resnet20"
echo "open $out/resnet20/report.html (per-layer utilization, cycle breakdown, energy)"
echo

budget=(--train-limit 8192 --test-limit 2000 --batch 64)
"$nce" search --model resnet20 --method nce --hw-loss latency --target 0.9 --warmup-epochs 1 --search-epochs 2 \
  --arch-lr 0.05 --threshold 0.2 "${budget[@]}" --out "$out/search-latency" 2> "$out/search-latency.log"
echo
for network in derived plain; do
  model="$out/search-latency/derived.yaml"
  [[ $network == plain ]] && model=resnet20
  "$nce" train --model "$model" --epochs 1 "${budget[@]}" --out "$out/retrain-$network" 2> "$out/retrain-$network.log" |
    sed "s/^/$network: /"
done

python3 - "$out" <<'PY'
import json, sys, statistics
out = sys.argv[1]
derived = json.load(open(f"{out}/search-latency/derived-sim/summary.json"))
plain = json.load(open(f"{out}/search-latency/plain-sim/summary.json"))
initial = json.load(open(f"{out}/search-latency/initial.json"))
epochs = [json.loads(l) for l in open(f"{out}/search-latency/search.jsonl") if l.strip()]
top = lambda d: statistics.median(max(p) for p in d.values())
expansions = sum(len(e["expansions"]) for e in epochs)
acc = {n: 100 * json.load(open(f"{out}/retrain-{n}/summary.json"))["test_accuracy"] for n in ("derived", "plain")}
change = 100 * (derived["total_cycles"] / plain["total_cycles"] - 1)
print(f"\nfound: a network of {derived['total_cycles']:,} cycles on the 16x16 array ({change:+.1f}% vs plain "
      f"{plain['total_cycles']:,}); the search moved the median largest candidate probability from "
      f"{top(initial):.2f} to {top(epochs[-1]['probabilities']):.2f} and expanded {expansions} times; retrained "
      f"1 epoch on 8192 images: {acc['derived']:.1f}% vs plain {acc['plain']:.1f}% (one seed, small budget: "
      f"bench/RESULTS.md has the full comparison)")
PY
echo "reports: $out/search-latency/report.html (outcome, how the distribution moved), $out/resnet20/report.html"
