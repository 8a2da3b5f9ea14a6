#!/usr/bin/env bash
# Builds the whole project and its test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (the 'sanitize' preset of CMakePresets.json: -fsanitize=address,undefined -fno-sanitize-recover=all)
# into build-sanitize/ and runs the suite there. Any sanitizer report aborts the test that hit
# it, so "100% tests passed" means 0 findings. Extra arguments go to ctest (e.g. -L workloads).
#   Usage: bench/sanitize.sh [CTEST_ARGS ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "sanitize: start $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg)"
cmake --preset sanitize > /dev/null
start=$(date +%s)
cmake --build build-sanitize --parallel "$(nproc)" > build-sanitize/build.log 2>&1 || { tail -30 build-sanitize/build.log; exit 1; }
echo "sanitize: built in $(( $(date +%s) - start )) s"
start=$(date +%s)
ctest --test-dir build-sanitize --output-on-failure --parallel "$(nproc)" --timeout 2700 "$@"
echo "sanitize: suite passed in $(( $(date +%s) - start )) s, $(date -u '+%F %H:%M UTC')"
