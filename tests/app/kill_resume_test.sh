#!/bin/sh
# Kill anywhere, resume exactly: `nce train` and `nce search` are SIGKILLed at random moments
# (mid-epoch, mid-checkpoint write, during the final simulation) and restarted with --resume
# until they finish; their final checkpoint, derived network and summary must equal an
# uninterrupted run's byte for byte. Usage: kill_resume_test.sh NCE_BINARY SEED
set -eu
nce="$1"
seed="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SC_COPYRIGHT_MESSAGE=DISABLE OMP_WAIT_POLICY=passive

# Each runs in a subshell of its own ("( train DIR )", "train DIR &") and execs nce there, so the
# pid the test kills is nce's own: a SIGKILL to a shell function's subshell would leave nce
# running, and the next round would race it on the same directory.
train() {
  exec "$nce" train --model resnet20 --bits 2 --epochs 3 --train-limit 384 --test-limit 64 --batch 64 --threads 1 \
    --out "$@" > /dev/null 2>&1
}
search() {
  exec "$nce" search --model resnet20 --method nce --hw-loss latency --warmup-epochs 1 --search-epochs 2 --arch-lr 0.05 \
    --threshold 0.2 --train-limit 384 --test-limit 64 --batch 64 --threads 1 --out "$@" > /dev/null 2>&1
}

# interrupt VERB DIR DONE_FILE SECONDS: run VERB on DIR, killing it after a random 10-80% of
# SECONDS (the uninterrupted run's wall time), resuming from its checkpoint, until DONE_FILE
# exists. Prints the number of kills.
interrupt() {
  verb=$1 dir=$2 done_file=$3 seconds=$4 kills=0 round=0
  while [ ! -f "$dir/$done_file" ]; do
    round=$((round + 1))
    [ $round -gt 60 ] && { echo "$verb: not finished after 60 rounds" >&2; exit 1; }
    resume=""
    [ -f "$dir/checkpoint.bin" ] && resume="--resume"
    $verb "$dir" $resume &
    pid=$!
    pause=$(awk -v s="$seed" -v r="$round" -v t="$seconds" 'BEGIN { srand(s * 1000 + r); printf "%.2f", t * (0.1 + 0.7 * rand()) }')
    sleep "$pause"
    if kill -9 "$pid" 2> /dev/null; then kills=$((kills + 1)); fi
    wait "$pid" 2> /dev/null || true
    # Nothing of this round may survive it.
    if pgrep -f -- "--out $dir( |\$)" > /dev/null; then echo "$verb: a killed run is still running" >&2; exit 1; fi
  done
  echo "$kills"
}

start=$(date +%s.%N)
( train "$work/train-whole" )
seconds=$(echo "$(date +%s.%N) - $start" | bc)
kills=$(interrupt train "$work/train-cut" summary.json "$seconds")
cmp "$work/train-whole/checkpoint.bin" "$work/train-cut/checkpoint.bin"
cmp "$work/train-whole/model.yaml" "$work/train-cut/model.yaml"
acc() { sed -n 's/.*"test_accuracy": *\([0-9.e-]*\).*/\1/p' "$1/summary.json"; }
[ "$(acc "$work/train-whole")" = "$(acc "$work/train-cut")" ] || { echo "train: accuracy differs" >&2; exit 1; }
echo "train: $kills kills, final checkpoint and accuracy equal"

# Two runs given one --out: the second is refused in one line while the first holds the
# directory (core::DirectoryLock), instead of racing it on the checkpoint.
train "$work/locked" &
first=$!
waited=0
until [ -f "$work/locked/metrics.jsonl" ]; do
  sleep 0.1
  waited=$((waited + 1))
  [ $waited -gt 600 ] && { echo "lock: the first run never started" >&2; exit 1; }
done
set +e
"$nce" train --model resnet20 --bits 2 --epochs 3 --train-limit 384 --test-limit 64 --batch 64 --threads 1 \
  --out "$work/locked" > /dev/null 2> "$work/second.err"
code=$?
set -e
kill -9 "$first" 2> /dev/null || true
wait "$first" 2> /dev/null || true
if [ $code -ne 2 ] || [ "$(wc -l < "$work/second.err")" -ne 1 ] || ! grep -q "another nce run is writing this directory" "$work/second.err"; then
  echo "lock: a second run on one --out gave exit $code: $(cat "$work/second.err")" >&2
  exit 1
fi
echo "lock: a second run on the same --out is refused while the first runs"

start=$(date +%s.%N)
( search "$work/search-whole" )
seconds=$(echo "$(date +%s.%N) - $start" | bc)
kills=$(interrupt search "$work/search-cut" report.html "$seconds")
cmp "$work/search-whole/checkpoint.bin" "$work/search-cut/checkpoint.bin"
cmp "$work/search-whole/derived.yaml" "$work/search-cut/derived.yaml"
cmp "$work/search-whole/derived-sim/summary.json" "$work/search-cut/derived-sim/summary.json"
echo "search: $kills kills, final checkpoint, derived network and its simulation equal"
