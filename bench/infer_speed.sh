#!/bin/sh
# Speed of `nce infer` (docs/INFER.md): images per second of the integer pipeline through the
# behavioural SystemC model and through the verilated RTL array (which also reruns the behavioural
# model and compares every sum), on a trained ResNet20 at 16x16 weight-stationary, plus what the
# full test set would take. Prints machine, date and load: the figures depend on both.
# Usage: bench/infer_speed.sh [path/to/nce] [RUN/] [images] [rtl images] [extra nce infer flags...]
#   defaults: build/nce, runs/recipes/today-s1 (a ResNet20 W2A2 Fashion-MNIST run that predates
#   model.yaml, hence --model resnet20), 200 images, 20 RTL images.
set -eu
nce="${1:-build/nce}"
run="${2:-runs/recipes/today-s1}"
images="${3:-200}"
rtl_images="${4:-20}"
[ $# -gt 4 ] && shift 4 || set --
extra="$*"
[ -f "$run/model.yaml" ] || extra="--model resnet20 $extra"
out="${TMPDIR:-/tmp}/nce-infer-speed-$$"
trap 'rm -rf "$out"' EXIT
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load before: $(uptime | sed 's/.*load average: //')"
report() {  # $1 label, $2 summary.json, $3 wall seconds, $4 cpu seconds
  python3 - "$1" "$2" "$3" "$4" <<'EOF'
import json, sys
label, path, wall, cpu = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
s = json.load(open(path))
sp, a, c = s["speed"], s["agreement"], s["cost_per_image"]
rtl = s.get("rtl_vs_behavioral")
print(f"{label}: {s['images']} images, {sp['images_per_second']:.2f} images/s through the array model "
      f"({sp['simulated_cycles_per_second'] / 1e6:.2f} M simulated cycles/s), {s['images'] / wall:.2f} images/s for the "
      f"whole command ({wall:.1f} s wall, {cpu:.1f} s CPU); {c['cycles']} cycles per image; top-1 agreement "
      f"{a['top1_agreeing']}/{s['images']}; full test set ({s['test_set_size']} images) about "
      f"{sp['full_test_set_seconds_estimate'] / 60:.1f} min")
if rtl:
    print(f"  RTL vs behavioural: {rtl['sums_compared']} sums in {rtl['array_runs']} array runs, identical: {rtl['identical']}, "
          f"behavioural rerun {rtl['behavioral_seconds']:.1f} s of the total")
EOF
}
timed() {  # runs "$@", leaves wall and cpu seconds in $wall $cpu
  start=$(date +%s.%N)
  set -- /usr/bin/time -f '%U %S' -o "$out/time" "$@"
  "$@" > "$out/stdout" 2> "$out/stderr" || { cat "$out/stderr"; exit 1; }
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  cpu=$(awk '{print $1 + $2}' "$out/time")
}
mkdir -p "$out"
# shellcheck disable=SC2086
timed env SC_COPYRIGHT_MESSAGE=DISABLE OMP_WAIT_POLICY=passive "$nce" infer "$run" $extra --array 16x16 --images "$images" --out "$out/behavioral"
report "behavioural SystemC, 16x16 ws" "$out/behavioral/summary.json" "$wall" "$cpu"
# shellcheck disable=SC2086
timed env SC_COPYRIGHT_MESSAGE=DISABLE OMP_WAIT_POLICY=passive "$nce" infer "$run" $extra --array 16x16 --pe-model rtl --images "$rtl_images" --out "$out/rtl"
report "RTL (verilated mac_array), 16x16 ws" "$out/rtl/summary.json" "$wall" "$cpu"
echo "load after: $(uptime | sed 's/.*load average: //')"
