#!/bin/sh
# Cost-table speed (issue 5): entries/s of the analytical and the simulated model, and the time
# to build the full ResNet20 table (--widths 0.25:2.0:0.125, 15 input x 15 output candidates per
# searchable layer) with the analytical model and no cache. Then the full-size exactness check:
# every conv/fc layer of resnet20 and vgg16 at full size, analytical vs SystemC field for field
# (--validate on the base-width table), on 8x8/16x16/32x32/16x32, ws and os, default and
# DRAM-bound buffers; resnet18/resnet50 at 16x16. Not in CI (minutes of simulation).
# Usage: bench/cost_table_speed.sh [BUILD_DIR]   (build first: cmake --build BUILD_DIR --target nce)
set -eu
build=${1:-build}
nce="$build/nce"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load before: $(uptime | sed 's/.*load average: //')"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores available"
echo
echo "## analytical, full ResNet20 table, no cache (3 runs)"
for run in 1 2 3; do
  "$nce" cost-table --workload resnet20 --widths 0.25:2.0:0.125 --cache-dir none | tail -1
done
echo
echo "## simulated (SystemC), ResNet20 at widths 0.5,1.0, no cache"
"$nce" cost-table --workload resnet20 --widths 0.5,1.0 --model simulated --cache-dir none | tail -1
echo "## analytical, same table"
"$nce" cost-table --workload resnet20 --widths 0.5,1.0 --cache-dir none | tail -1
echo
echo "## full-size exactness (base widths, every layer validated)"
for workload in resnet20 vgg16; do
  for array in 8x8 16x16 32x32 16x32; do
    rows=${array%x*}; cols=${array#*x}
    for dataflow in ws os; do
      for buffers in default dram-bound; do
        extra=""
        [ "$buffers" = dram-bound ] && extra="--set dram.bytes_per_cycle=0.5 --set buffers.ifmap.capacity_kib=16 --set buffers.weight.capacity_kib=16 --set buffers.ofmap.capacity_kib=16"
        # shellcheck disable=SC2086
        result=$("$nce" cost-table --workload "$workload" --cache-dir none --validate 1000 --set array.rows="$rows" \
                 --set array.cols="$cols" --set array.dataflow="$dataflow" $extra | tail -1)
        echo "$workload $array $dataflow $buffers: $result"
      done
    done
  done
done
echo
echo "## full-size exactness, ImageNet models at 16x16 (default buffers)"
for workload in resnet18 resnet50; do
  for dataflow in ws os; do
    echo "$workload $dataflow: $("$nce" cost-table --workload "$workload" --cache-dir none --validate 1000 \
      --set array.dataflow="$dataflow" | tail -1)"
  done
done
echo
echo "load after: $(uptime | sed 's/.*load average: //')"
