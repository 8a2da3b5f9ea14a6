#!/usr/bin/env bash
# Simulated cycles per second of the SystemC model (`nce simulate`, behavioural PE model) on the
# whole of ResNet20-CIFAR and ResNet50-ImageNet at 16x16 and 32x32, default config otherwise.
# Prints one Markdown row per run: wall and CPU (user+sys) seconds, so runs on a shared, loaded
# machine can still be compared. Usage: bench/sim_speed.sh [BUILD_DIR] (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
export SC_COPYRIGHT_MESSAGE=DISABLE
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| workload | array | simulated cycles | wall s | cpu s | M cycles/s (wall) | M cycles/s (cpu) |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
for workload in resnet20 resnet50; do
  for array in 16x16 32x32; do
    /usr/bin/time -f "%e %U %S" -o "$out/time" "$build/nce" simulate --workload "$workload" --array "$array" \
      --out "$out/$workload-$array" > "$out/log"
    read -r wall user sys < "$out/time"
    cycles=$(sed -n 's/^simulated \([0-9]*\) cycles.*/\1/p' "$out/log")
    awk -v w="$workload" -v a="$array" -v c="$cycles" -v wall="$wall" -v cpu="$(echo "$user + $sys" | bc)" \
      'BEGIN { printf "| %s | %s | %d | %.2f | %.2f | %.2f | %.2f |\n", w, a, c, wall, cpu, c / wall / 1e6, c / cpu / 1e6 }'
  done
done
