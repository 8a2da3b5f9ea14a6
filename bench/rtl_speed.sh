#!/bin/sh
# RTL simulation speed: clock cycles per second of the verilated mac_array at 16x16 and 32x32,
# driven by nce::rtl::ArrayDriver (skew, de-skew and output collection included) through
# `nce verify-rtl`, which also checks every output against the reference model.
# Usage: bench/rtl_speed.sh [path/to/nce] [tiles]   (default build/nce, 20000 tiles)
set -eu
nce="${1:-build/nce}"
tiles="${2:-20000}"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load before: $(uptime | sed 's/.*load average: //')"
for array in 16x16 32x32; do
  for run in 1 2 3; do
    "$nce" verify-rtl --array "$array" --tiles "$tiles" --seed "$run" --format json |
      awk -v a="$array" -v r="$run" -F'[:,]' '/rtl_cycles_per_second/ {c=$2} /rtl_cycles_per_cpu_second/ {p=$2}
        /"rtl_cycles"/ {n=$2} /mismatches/ {m=$2}
        END {printf "%s run %s: %.2f M cycles/s wall, %.2f M per CPU second, over%s cycles, mismatches%s\n", a, r, c/1e6, p/1e6, n, m}'
  done
done
echo "load after: $(uptime | sed 's/.*load average: //')"
