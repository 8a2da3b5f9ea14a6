#!/bin/sh
# CXX_COMPILER_LAUNCHER that swaps the compiler: `compile_with.sh <compiler> <cmake's compiler> <args...>`
# runs `<compiler> <args...>`. nce_verilated_library uses it to compile Verilator's output with
# clang++ (see NCE_VERILATED_CXX in cmake/NceTargets.cmake).
compiler="$1"
shift 2
exec "$compiler" "$@"
