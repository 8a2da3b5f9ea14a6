#!/usr/bin/env bash
# Builds the whole project and its test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (the 'sanitize' preset of CMakePresets.json: -fsanitize=address,undefined -fno-sanitize-recover=all)
# into build-sanitize/ and runs the suite there. Any sanitizer report aborts the test that hit
# it, so "100% tests passed" means 0 findings. Nothing is suppressed. Two third-party
# interactions are handled in the build instead: the verilated arrays are compiled without
# UBSan's alignment check (rtl/CMakeLists.txt: Verilator's FST writer stores unaligned on purpose,
# and a non-recoverable check cannot be suppressed at run time), and the simulator gives ASan the
# main stack back after each sc_start (sim/src/simulator.cpp: SystemC's coroutine switches leave
# ASan without it). The Python tests run in an interpreter linked with the ASan runtime
# (tests/python/asan_python.cpp says why not LD_PRELOAD) and with leak checking off (CPython does
# not free everything at exit); so does the MPI test (Open MPI keeps allocations of its plugins
# until exit, some in unloaded modules that a suppression could not name). Extra arguments go to
# the main run (e.g. -R Checkpoint).
#   Usage: bench/sanitize.sh [CTEST_ARGS ...]
set -euo pipefail
cd "$(dirname "$0")/.."
asan_options="abort_on_error=1:detect_stack_use_after_return=0"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:$asan_options}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "sanitize: start $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg)"
cmake --preset sanitize > /dev/null
start=$(date +%s)
cmake --build build-sanitize --parallel "$(nproc)" > build-sanitize/build.log 2>&1 || { tail -30 build-sanitize/build.log; exit 1; }
echo "sanitize: built in $(( $(date +%s) - start )) s"
start=$(date +%s)
ctest --test-dir build-sanitize --output-on-failure --parallel "$(nproc)" --timeout 2700 -LE python -E '^explore_mpi$' "$@"
ASAN_OPTIONS="detect_leaks=0:$asan_options" ctest --test-dir build-sanitize --output-on-failure --timeout 2700 -R '^explore_mpi$'
ASAN_OPTIONS="detect_leaks=0:$asan_options" ctest --test-dir build-sanitize --output-on-failure --parallel "$(nproc)" --timeout 2700 -L python
echo "sanitize: suite passed in $(( $(date +%s) - start )) s, $(date -u '+%F %H:%M UTC')"
