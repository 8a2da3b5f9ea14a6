# Warnings are errors for our own code only; generated (Verilator) and third-party code is exempt.
function(nce_strict_warnings target)
  # -Wmaybe-uninitialized is off: with -O3 -march=native GCC 12 reports it inside its own
  # AVX-512 intrinsics as inlined by Eigen (avx512fintrin.h, '__Y'), a known false positive.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Werror)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()

# Speed flags for our code and for Verilator's output (its default OPT_FAST=-Os measured
# ~4.6x slower on a 16x16 array than -O3 -march=native on these machines).
function(nce_fast_code target)
  if(NCE_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

# nce_add_library(<folder-name> SOURCES ... [DEPS ...]) creates the static library
# nce_<name>_objects and the target nce::<name> that everyone links: an interface target that
# links the archive whole. Implementations of an extension point register themselves by name at
# static initialisation (core/include/nce/core/registry.hpp) from files nothing else references;
# a plain static link would drop those objects, and with them the registrations. Public headers
# live under <folder>/include/nce/<name>/.
function(nce_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(nce_${name}_objects STATIC ${ARG_SOURCES})
  target_include_directories(nce_${name}_objects PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(nce_${name}_objects PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  nce_strict_warnings(nce_${name}_objects)
  nce_fast_code(nce_${name}_objects)
  add_library(nce_${name} INTERFACE)
  target_link_libraries(nce_${name} INTERFACE "$<LINK_LIBRARY:WHOLE_ARCHIVE,nce_${name}_objects>")
  add_library(nce::${name} ALIAS nce_${name})
endfunction()

# nce_add_test(<name> SOURCES ... DEPS ... [LABELS ...]) creates one GoogleTest binary and
# registers every TEST in it with ctest.
function(nce_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE NCE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)  # support/: helpers shared by tests
  nce_strict_warnings(${name})
  nce_fast_code(${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
                                  ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endfunction()

# Verilator's output is one straight-line function per clocked block (thousands of lines for an
# array). GCC 12 turns its selects into branches and spills; clang 14 keeps them branch-free:
# the verilated 16x16 mac_array runs 1.5x faster compiled by clang++ (1.56 against 1.00 M
# cycles/s through ArrayDriver; bench/RESULTS.md, "RTL: simulation speed"), and clang compiles
# nce_rtl_arrays in half the CPU time (4.3 against ~9 minutes). So verilated libraries use clang++
# where it is installed (Debian `clang`, listed in scripts/debian-packages.txt) and the project's
# compiler otherwise; -DNCE_VERILATED_CXX= (empty) forces the project's compiler. Both compilers
# use libstdc++ and the Itanium ABI, so the objects link with the rest of the build.
find_program(NCE_CLANGXX NAMES clang++ clang++-14)
set(NCE_VERILATED_CXX "${NCE_CLANGXX}" CACHE STRING
    "C++ compiler for Verilator-generated code (empty: the project's compiler)")
if(NCE_VERILATED_CXX MATCHES "NOTFOUND$")
  if(NCE_CLANGXX)  # clang was installed after the first configure
    set(NCE_VERILATED_CXX "${NCE_CLANGXX}" CACHE STRING
        "C++ compiler for Verilator-generated code (empty: the project's compiler)" FORCE)
  else()
    set(NCE_VERILATED_CXX "")
  endif()
endif()

# Profile-guided optimisation of the fast verilated arrays (rtl/CMakeLists.txt). With clang, the
# per-cycle code of Verilator's output is a long run of rarely taken branches (a weight load or
# commit in one PE). A profile of random tiles through ArrayDriver tells clang which blocks are
# cold, and the 16x16 array runs 19% more cycles per second (1.26 against 1.51 M cycles per CPU
# second here; bench/RESULTS.md, "RTL: simulation speed"). PGO needs the clang compiling the
# models, llvm-profdata (Debian `llvm`) and clang's profile runtime (libclang-rt / libclang-common
# -dev). Without any of them the build goes on without PGO and says so; -DNCE_RTL_PGO=OFF turns
# it off.
option(NCE_RTL_PGO "Compile the fast verilated arrays with a profile of random GEMM tiles (clang)" ON)
set(NCE_RTL_PGO_ACTIVE FALSE)
if(NCE_RTL_PGO AND NCE_VERILATED_CXX MATCHES "clang")
  find_program(NCE_LLVM_PROFDATA NAMES llvm-profdata llvm-profdata-14 llvm-profdata-15 llvm-profdata-16)
  execute_process(COMMAND ${NCE_VERILATED_CXX} -print-file-name=libclang_rt.profile-${CMAKE_SYSTEM_PROCESSOR}.a
                  OUTPUT_VARIABLE NCE_CLANG_PROFILE_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NCE_LLVM_PROFDATA AND IS_ABSOLUTE "${NCE_CLANG_PROFILE_RUNTIME}" AND EXISTS "${NCE_CLANG_PROFILE_RUNTIME}")
    set(NCE_RTL_PGO_ACTIVE TRUE)
  else()
    message(STATUS "NCE_RTL_PGO: llvm-profdata or clang's profile runtime not found; verilated arrays built without PGO")
  endif()
endif()

# Every Verilator flag of the project, in one place: nce_verilated_library passes them to every
# model it verilates, and the lint tests (tests/rtl/CMakeLists.txt) run `verilator --lint-only
# ${NCE_VERILATOR_FLAGS}`, so the models and the lint see the same RTL rules.
set(NCE_VERILATOR_FLAGS
    # Every lint warning; warnings are fatal, so lint is part of the build.
    -Wall
    # Assertions on. The RTL's parameter checks are elaboration-only, so the models stay as fast.
    --assert
    # An elaboration-time $error (mac_array.sv, "Parameter legality") fails even with -Wno-fatal.
    -Werror-USERERROR
    # The same for an elaboration-time $fatal.
    -Werror-USERFATAL)
# The C++ optimisation flags verilate() compiles the generated code with (nce_verilated_library
# adds -march=native under NCE_NATIVE). Tracing is verilate()'s TRACE / TRACE_FST option, which
# adds --trace / --trace-fst; --x-assign and --x-initial keep Verilator's defaults, as the RTL
# resets every register and never assigns X.
# Per-cycle model code: Verilator's default -Os measured ~4.6x slower on a 16x16 array.
set(NCE_VERILATED_OPT_FAST -O3)
# Per-cycle code of traced variants: writing the waveform dominates, so compile faster.
set(NCE_VERILATED_OPT_FAST_TRACED -O1)
# Once-per-run code (constructors, initial blocks): compile time over speed.
set(NCE_VERILATED_OPT_SLOW -O1)
# Verilator's runtime, shared by every model of a target.
set(NCE_VERILATED_OPT_GLOBAL -O3)

# nce_verilated_library(<target> TOP <module> SOURCES <sv files> [SYSTEMC] [TRACE|TRACE_FST]
#                       [PREFIX <class>] [OPT <flags>] [ARGS ...])
# TRACE gives a VCD-tracing model, TRACE_FST an FST-tracing one, neither a model without tracing
# code (Verilator allows one format per model, and a traced model pays for activity tracking on
# every eval even while no trace is open). PREFIX names the model class (default V<module>);
# variants of one module linked into one program need distinct prefixes. OPT replaces the
# optimisation flags of the model's per-cycle code (default NCE_VERILATED_OPT_FAST; traced
# variants that only serve waveform dumps take NCE_VERILATED_OPT_FAST_TRACED). Verilator runs
# with NCE_VERILATOR_FLAGS, then ARGS (-G parameter overrides). Calling it again with an existing
# <target> adds another model to that library, sharing one compile of Verilator's runtime; the
# models of one target must agree on SYSTEMC but may mix trace formats (the runtime then carries
# both writers).
# Verilates RTL into its own static library, compiled with the NCE_VERILATED_OPT_* flags above,
# by NCE_VERILATED_CXX, without our -Werror, and exposes the model and Verilator's
# headers to consumers as system headers so that our strict warnings do not apply to generated
# code.
function(nce_verilated_library target)
  cmake_parse_arguments(ARG "SYSTEMC;TRACE;TRACE_FST" "TOP;PREFIX" "SOURCES;ARGS;OPT" ${ARGN})
  if(NOT ARG_PREFIX)
    set(ARG_PREFIX V${ARG_TOP})
  endif()
  set(model_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_verilated/${ARG_PREFIX})
  set(options)
  if(ARG_SYSTEMC)
    list(APPEND options SYSTEMC)
  endif()
  if(ARG_TRACE)
    list(APPEND options TRACE)
  elseif(ARG_TRACE_FST)
    list(APPEND options TRACE_FST)
  endif()
  set(first_model TRUE)
  if(TARGET ${target})
    set(first_model FALSE)
  else()
    add_library(${target} STATIC)
  endif()
  set(native)
  if(NCE_NATIVE)
    set(native -march=native)
  endif()
  # Verilator's runtime (OPT_GLOBAL) is shared by every model of the target, so it always gets
  # NCE_VERILATED_OPT_GLOBAL: per-source flags accumulate over the models and the last would win.
  set(opt_fast ${NCE_VERILATED_OPT_FAST} ${native})
  if(ARG_OPT)
    set(opt_fast ${ARG_OPT} ${native})
  endif()
  verilate(${target} ${options} SOURCES ${ARG_SOURCES} TOP_MODULE ${ARG_TOP} PREFIX ${ARG_PREFIX}
           DIRECTORY ${model_dir} VERILATOR_ARGS ${NCE_VERILATOR_FLAGS} ${ARG_ARGS}
           OPT_FAST ${opt_fast} OPT_SLOW ${NCE_VERILATED_OPT_SLOW}
           OPT_GLOBAL ${NCE_VERILATED_OPT_GLOBAL} ${native})
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${model_dir})
  if(NOT first_model)
    return()
  endif()
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES
               ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
  if(NCE_VERILATED_CXX)
    set_property(TARGET ${target} PROPERTY CXX_COMPILER_LAUNCHER
                 ${PROJECT_SOURCE_DIR}/cmake/compile_with.sh ${NCE_VERILATED_CXX})
  endif()
  if(ARG_SYSTEMC)
    target_link_libraries(${target} PUBLIC nce::systemc)
  endif()
  # Consumers include verilated.h, whose declarations depend on these switches; verilate() sets
  # the properties from every model of the target.
  target_compile_definitions(${target} INTERFACE
    VM_SC=$<BOOL:$<TARGET_PROPERTY:${target},VERILATOR_SYSTEMC>>
    VM_TRACE=$<BOOL:$<TARGET_PROPERTY:${target},VERILATOR_TRACE>>
    VM_TRACE_VCD=$<BOOL:$<TARGET_PROPERTY:${target},VERILATOR_TRACE_VCD>>
    VM_TRACE_FST=$<BOOL:$<TARGET_PROPERTY:${target},VERILATOR_TRACE_FST>> VM_COVERAGE=0)
  target_link_libraries(${target} PUBLIC Threads::Threads)
endfunction()
