#!/bin/sh
# Training throughput, engine vs PyTorch CPU, side by side in one run: ResNet20 at 3x32x32 and
# 1x28x28, W32A32 and W2A2, batch 128. PyTorch runs three ways (bench/torch_resnet20.py): the
# quantizers as composite autograd ops, as one autograd.Function each, and the latter with
# channels_last tensors; the ratio is taken against the fastest of the three. The last column
# is the engine's search weight step (the TAS supernet, two candidates mixed per layer) as a
# multiple of its plain step's time.
#   Usage: bench/run_train_throughput.sh [BUILD_DIR] [STEPS] [THREADS]
# (build first: cmake --build BUILD_DIR --target nce_bench_train). Prints a Markdown table.
set -eu
build=${1:-build}
steps=${2:-10}
threads=${3:-2}
here=$(dirname "$0")
ips() { sed 's/.*"images_per_second": \([0-9.]*\).*/\1/'; }
torch_ips() { /usr/bin/python3 "$here/torch_resnet20.py" --threads "$threads" --steps "$steps" "$@" | ips; }
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); threads: $threads; load before: $(uptime | sed 's/.*load average: //')"
echo
echo "| input | precision | nce img/s | PyTorch composite | PyTorch Function | PyTorch Function + channels_last | nce / best PyTorch | nce supernet img/s | supernet step / plain step |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for input in 3x32x32 1x28x28; do
  model=resnet20
  [ "$input" = 1x28x28 ] && model=resnet20-fmnist
  for bits in 32 2; do
    ours=$(OMP_NUM_THREADS=$threads "$build/nce_bench_train" "$model" "$bits" 128 "$steps" 2 plain | ips)
    composite=$(torch_ips --input "$input" --bits "$bits" --impl composite)
    function=$(torch_ips --input "$input" --bits "$bits" --impl function)
    last=$(torch_ips --input "$input" --bits "$bits" --impl function --memory-format channels_last)
    supernet=$(OMP_NUM_THREADS=$threads "$build/nce_bench_train" "$model" "$bits" 128 "$steps" 2 supernet | ips)
    awk -v input="$input" -v bits="$bits" -v a="$ours" -v c="$composite" -v f="$function" -v l="$last" -v s="$supernet" 'BEGIN {
      best = c; if (f > best) best = f; if (l > best) best = l
      printf "| %s | W%sA%s | %s | %s | %s | %s | %.2f | %s | %.2f |\n", input, bits, bits, a, c, f, l, a / best, s, a / s }'
  done
done
echo
echo "load after: $(uptime | sed 's/.*load average: //')"
