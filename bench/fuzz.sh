#!/usr/bin/env bash
# Fuzzes every input format of nce with libFuzzer (fuzz/README.md): builds the 'fuzz' preset
# (clang, ASan + UBSan) if needed, seeds each target's corpus from the repository's own files,
# runs each target for MINUTES (default 10), and prints one line per target: executions, corpus
# size, and findings (crashes, leaks, timeouts, out-of-memory). Findings are saved as
# runs/fuzz/findings/<target>/crash-* (reproduce: build-fuzz/fuzz/<target> FILE); once fixed,
# add a regression case to tests/malformed/make_corpus.py and move the file to runs/fuzz/fixed/. Resumable: the corpora in runs/fuzz/
# are kept and grow from run to run.
#   Usage: bench/fuzz.sh [MINUTES] [TARGET ...]     JOBS=N runs N targets side by side (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
shift || true
jobs="${JOBS:-1}"
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(workload_file_fuzzer topology_csv_fuzzer onnx_fuzzer config_yaml_fuzzer
                                         config_cfg_fuzzer set_override_fuzzer cost_cache_fuzzer idx_fuzzer
                                         cifar_fuzzer checkpoint_fuzzer)
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 1 ]] || { echo "fuzz.sh: MINUTES must be a whole number >= 1, got '$minutes'" >&2; exit 2; }

if [[ ! -f build-fuzz/CMakeCache.txt ]]; then cmake --preset fuzz > /dev/null; fi
cmake --build build-fuzz --target nce_fuzzers --parallel "$(nproc)" > /dev/null

root=runs/fuzz
mkdir -p "$root"
seed() {  # seed TARGET FILE...
  mkdir -p "$root/corpus/$1"
  shift_target="$1"; shift
  for f in "$@"; do [[ -f $f ]] && cp -n "$f" "$root/corpus/$shift_target/$(basename "$f")"; done
  return 0
}
seed workload_file_fuzzer tests/malformed/inputs/workload/* bench/*.yaml examples/*.yaml
build/nce workload export --workload resnet20 --out "$root/resnet20.yaml" > /dev/null 2>&1 && seed workload_file_fuzzer "$root/resnet20.yaml" || true
seed topology_csv_fuzzer workloads/topologies/*.csv tests/malformed/inputs/topology/*
seed onnx_fuzzer tests/workloads/onnx/*.onnx
seed config_yaml_fuzzer configs/default.yaml configs/synth/*.yaml tests/malformed/inputs/config/*.yaml
seed config_cfg_fuzzer configs/*.cfg tests/malformed/inputs/config/*.cfg
seed set_override_fuzzer tests/malformed/inputs/flags/set_*.txt
seed cifar_fuzzer tests/malformed/inputs/dataset/short_cifar_batch.bin
seed checkpoint_fuzzer tests/malformed/inputs/checkpoint/*
seed cost_cache_fuzzer
python3 - "$root/corpus" <<'PY'
# Valid inputs the repository has no file for: a 4-image IDX pair (the fuzzer's first byte
# splits images from labels), two --set lines, a CIFAR record and a cost-cache file.
import os, struct, sys
corpus = sys.argv[1]
def put(target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    open(os.path.join(corpus, target, name), "wb").write(data)
images = struct.pack(">IIII", 0x803, 4, 28, 28) + bytes(range(256)) * 12 + bytes(4 * 784 - 3072)
labels = struct.pack(">II", 0x801, 4) + bytes([0, 3, 7, 9])
put("idx_fuzzer", "valid.idx", bytes([round(255 * len(images) / (len(images) + len(labels)))]) + images + labels)
put("set_override_fuzzer", "valid.txt", b"array.rows=32\ndataflow=os\n")
put("cifar_fuzzer", "one_record.bin", bytes([3]) + bytes(range(256)) * 12)
put("cost_cache_fuzzer", "entry.json",
    b'{"entries":{"16x16 W2A2":{"cycles":100,"energy_pj":1.5,"macs":10,"params":2}},"key":"k"}\n')
PY

# The checkpoint target writes a valid checkpoint of its network into this directory at start.
export NCE_FUZZ_SEED_DIR="$root/corpus/checkpoint_fuzzer"
export SC_COPYRIGHT_MESSAGE=DISABLE NCE_CONFIG_DIR="$PWD/configs"
echo "fuzzing ${#targets[@]} targets for $minutes min each, $jobs at a time ($(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg))"
run_one() {
  local t="$1" log="$root/$1.log" stamp start
  mkdir -p "$root/findings/$t"
  stamp=$(mktemp)  # findings of earlier runs (fixed since) are kept but not counted again
  start=$(date +%s)
  set +e
  build-fuzz/fuzz/"$t" "$root/corpus/$t" -max_total_time=$((minutes * 60)) -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$root/findings/$t/" -print_final_stats=1 > "$log" 2>&1
  local rc=$?
  set -e
  local execs corpus findings seconds
  seconds=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(find "$root/corpus/$t" -type f | wc -l)
  findings=$(find "$root/findings/$t" -type f -newer "$stamp" | wc -l)
  rm -f "$stamp"
  echo "$t: exit $rc, ${execs:-?} executions in $seconds s, corpus $corpus files, findings $findings" \
       "$(grep -a -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)[^(]*' "$log" || true)"
}
export -f run_one
export root minutes
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
total=$(find "$root/findings" -type f | wc -l)
echo "fuzzing done ($(date -u '+%F %H:%M UTC')): $total findings"
[[ $total -eq 0 ]]
