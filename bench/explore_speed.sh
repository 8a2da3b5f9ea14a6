#!/bin/sh
# nce explore speed (docs/EXPLORE.md; figures in bench/RESULTS.md, "Co-exploration"):
#  1. the 1,000-point ResNet50 analytical sweep (5 arrays x 2 dataflows x 4 ifmap buffer sizes x
#     25 width multipliers), report included: cold (fresh --out, empty cache: a new process) and
#     warm (the same --out again: every point finished, outputs rewritten), three runs each;
#  2. --validate 20 on that grid (20 random points re-simulated in SystemC, all must be equal);
#  3. the same grid through `nce simulate`, one process per point, estimated from 5 random points
#     (their networks from the sweep's networks/ folder);
#  4. a small --search grid (4 points) in one process and under mpirun with 1 and 2 ranks.
# Usage: bench/explore_speed.sh BUILD_DIR [WORK_DIR] [--no-validate] [--no-mpi]
# Prints the machine, the load (uptime) and every figure with its command.
set -eu
build="$(cd "$1" && pwd)"
work="${2:-/tmp/nce-explore-speed}"
validate=1
mpi=1
for flag in "$@"; do
  [ "$flag" = "--no-validate" ] && validate=0
  [ "$flag" = "--no-mpi" ] && mpi=0
done
nce="$build/nce"
rm -rf "$work"
mkdir -p "$work"
export SC_COPYRIGHT_MESSAGE=DISABLE OMP_WAIT_POLICY=passive

echo "machine: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load: $(uptime)"

grid="--workload resnet50 --array 8x8,16x16,32x32,64x64,16x64 --dataflow ws,os
      --set buffers.ifmap.capacity_kib=64,128,256,512 --widths 0.5:2.0:0.0625"

# run LABEL COMMAND...: wall and CPU seconds of one command (its output kept in $work).
run() {
  label="$1"; shift
  log="$work/$(echo "$label" | tr -c 'A-Za-z0-9\n' '_').log"
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" < /dev/null > "$log" 2>&1 || { echo "FAILED: $*"; cat "$log"; exit 1; }
  read -r wall user sys < "$work/time"
  echo "$label: ${wall} s wall, $(echo "$user + $sys" | bc) s CPU"
}

echo "== 1. 1,000-point ResNet50 sweep: nce explore $grid --out DIR"
for i in 1 2 3; do
  # shellcheck disable=SC2086
  run "cold run $i" "$nce" explore $grid --out "$work/sweep-$i"
done
grep -E "^explore: [0-9]+ points" "$work/cold_run_3.log"
for i in 1 2 3; do
  # shellcheck disable=SC2086
  run "warm run $i (every point finished)" "$nce" explore $grid --out "$work/sweep-3"
done
echo "outputs: $(ls "$work/sweep-3" | tr '\n' ' ')($(du -sh "$work/sweep-3/report.html" | cut -f1) report)"

if [ $validate -eq 1 ]; then
  echo "== 2. --validate 20"
  # shellcheck disable=SC2086
  run "validate 20" "$nce" explore $grid --out "$work/sweep-3" --validate 20
  grep "^validate:" "$work/validate_20.log"
fi

echo "== 3. nce simulate, one process per point: 5 random points of the grid (seeded), mean x 1,000"
python3 - "$work/sweep-3/points.json" > "$work/sample" <<'PY'
import json, random, sys
points = json.load(open(sys.argv[1]))["points"]
for p in random.Random(1).sample(points, 5):
    print(p["network_file"], p["array"], p["dataflow"], dict(p["sets"])["buffers.ifmap.capacity_kib"], p["index"])
PY
total=0
n=0
while read -r file array dataflow ifmap index; do
  run "simulate #$index $file $array $dataflow ifmap $ifmap KiB" "$nce" simulate --workload "$work/sweep-3/$file" \
    --array "$array" --dataflow "$dataflow" --set "buffers.ifmap.capacity_kib=$ifmap" --out "$work/sim-$index"
  total=$(echo "$total + $(cut -d' ' -f1 "$work/time")" | bc)
  n=$((n + 1))
done < "$work/sample"
echo "simulate: mean $(echo "scale=1; $total / $n" | bc) s wall per point -> $(echo "scale=1; $total / $n * 1000 / 3600" | bc) h for the 1,000 points one after another (estimate)"

if [ $mpi -eq 1 ]; then
  echo "== 4. a small --search grid (4 points) in one process and under mpirun"
  search="--search --workload resnet20 --array 8x8,16x16 --dataflow ws,os --train-limit 512 --test-limit 256
          --batch 64 --warmup-epochs 1 --search-epochs 1 --retrain-epochs 1 --arch-lr 0.01"
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  # shellcheck disable=SC2086
  run "no MPI, 2 threads" "$nce" explore $search --threads 2 --out "$work/search-plain"
  # shellcheck disable=SC2086
  run "mpirun -np 1 (2 threads)" mpirun --oversubscribe -np 1 "$nce" explore $search --out "$work/search-np1"
  # shellcheck disable=SC2086
  run "mpirun -np 2 (1 thread each)" mpirun --oversubscribe -np 2 "$nce" explore $search --out "$work/search-np2"
  for d in search-plain search-np1 search-np2; do
    echo "$d: $(wc -l < "$work/$d/points.jsonl") points, accuracy $(grep -o '"accuracy":[0-9.]*' "$work/$d/points.jsonl" | cut -d: -f2 | tr '\n' ' ')"
  done
fi
echo "load: $(uptime)"
