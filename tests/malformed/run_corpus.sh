#!/usr/bin/env bash
# Runs every case of the malformed-input corpus (tests/malformed/cases.txt, written by
# make_corpus.py): each must exit 2 within 60 s, print exactly one line on stderr, not say
# "internal error", and not create its --out path. Prints one line per failing case and a
# summary; exits 1 if any case failed.  Usage: run_corpus.sh NCE_BINARY [CASES_FILE]
set -uo pipefail
nce="$1"
here="$(cd "$(dirname "$0")" && pwd)"
cases="${2:-$here/cases.txt}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SC_COPYRIGHT_MESSAGE=DISABLE OMP_NUM_THREADS=1
total=0 failed=0
while IFS= read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  total=$((total + 1))
  spec="${line%% | *}"
  args="${line#* | }"
  case_dir="$work/case$total"
  mkdir -p "$case_dir/dir"
  file="$here/inputs/${spec%%>*}"
  if [[ $spec == *">"* ]]; then
    cp "$file" "$case_dir/dir/${spec#*>}"
  fi
  out="$case_dir/out"
  args="${args//\{dir\}/$case_dir/dir}"
  args="${args//\{out\}/$out}"
  args="${args//\{\}/$file}"
  # shellcheck disable=SC2086  # the manifest's arguments are split on spaces on purpose
  timeout 60 "$nce" $args > "$case_dir/stdout" 2> "$case_dir/stderr"
  code=$?
  lines=$(wc -l < "$case_dir/stderr")
  problem=""
  if [[ $code -eq 124 ]]; then problem="timed out after 60 s"
  elif [[ $code -ne 2 ]]; then problem="exit $code, expected 2"
  elif [[ $lines -ne 1 ]]; then problem="$lines lines on stderr, expected 1"
  elif grep -q "internal error" "$case_dir/stderr"; then problem="internal error"
  elif [[ -e $out ]]; then problem="created its --out path"
  fi
  if [[ -n $problem ]]; then
    failed=$((failed + 1))
    echo "FAIL $spec | $args: $problem; stderr: $(head -c 300 "$case_dir/stderr" | tr '\n' '|')"
  fi
done < "$cases"
echo "malformed-input corpus: $((total - failed)) of $total cases exit 2 with one line"
# A manifest that lost its cases must not pass quietly.
[[ $total -ge 40 ]] || { echo "only $total cases in $cases (expected at least 40)"; exit 1; }
[[ $failed -eq 0 ]]
