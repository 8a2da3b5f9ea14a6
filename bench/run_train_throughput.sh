#!/bin/sh
# Training throughput, engine vs PyTorch CPU, side by side in one run: ResNet20 at 3x32x32 and
# 1x28x28, W32A32 and W2A2, batch 128, 2 threads each. Usage: bench/run_train_throughput.sh [BUILD_DIR] [STEPS]
# (build first: cmake --build BUILD_DIR --target nce_bench_train). Prints a Markdown table.
set -eu
build=${1:-build}
steps=${2:-10}
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load before: $(uptime | sed 's/.*load average: //')"
echo
echo "| input | precision | nce img/s | PyTorch img/s | nce / PyTorch |"
echo "| --- | --- | --- | --- | --- |"
for input in 3x32x32 1x28x28; do
  model=resnet20
  [ "$input" = 1x28x28 ] && model=resnet20-fmnist
  for bits in 32 2; do
    ours=$("$build/nce_bench_train" "$model" "$bits" 128 "$steps" 2 | sed 's/.*"images_per_second": \([0-9.]*\).*/\1/')
    theirs=$(/usr/bin/python3 "$(dirname "$0")/torch_resnet20.py" --input "$input" --bits "$bits" --steps "$steps" |
             sed 's/.*"images_per_second": \([0-9.]*\).*/\1/')
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
    precision=W${bits}A${bits}
    echo "| $input | $precision | $ours | $theirs | $ratio |"
  done
done
echo
echo "load after: $(uptime | sed 's/.*load average: //')"
