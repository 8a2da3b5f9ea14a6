# Warnings are errors for our own code only; generated (Verilator) and third-party code is exempt.
function(nce_strict_warnings target)
  # -Wmaybe-uninitialized is off: with -O3 -march=native GCC 12 reports it inside its own
  # AVX-512 intrinsics as inlined by Eigen (avx512fintrin.h, '__Y'), a known false positive.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wno-maybe-uninitialized -Werror)
endfunction()

# Speed flags for our code and for Verilator's output (its default OPT_FAST=-Os measured
# ~4.6x slower on a 16x16 array than -O3 -march=native on these machines).
function(nce_fast_code target)
  if(NCE_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

# nce_add_library(<folder-name> SOURCES ... [DEPS ...]) creates target nce_<name>, alias
# nce::<name>, public headers under <folder>/include/nce/<name>/.
function(nce_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(nce_${name} STATIC ${ARG_SOURCES})
  add_library(nce::${name} ALIAS nce_${name})
  target_include_directories(nce_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(nce_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  nce_strict_warnings(nce_${name})
  nce_fast_code(nce_${name})
endfunction()

# nce_add_test(<name> SOURCES ... DEPS ... [LABELS ...]) creates one GoogleTest binary and
# registers every TEST in it with ctest.
function(nce_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE NCE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  nce_strict_warnings(${name})
  nce_fast_code(${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
                                  ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endfunction()

# nce_verilated_library(<target> TOP <module> SOURCES <sv files> [SYSTEMC] [TRACE|TRACE_FST]
#                       [PREFIX <class>] [ARGS ...])
# TRACE gives a VCD-tracing model, TRACE_FST an FST-tracing one (Verilator allows one format per
# model). PREFIX names the model class (default V<module>); variants of one module linked into
# one program need distinct prefixes. Calling it again with an existing <target> adds another
# model to that library, sharing one compile of Verilator's runtime (all models of one
# target must then agree on SYSTEMC and the trace format).
# Verilates RTL into its own static library, compiled with -O3 (Verilator's default -Os is far
# slower) and without our -Werror, and exposes the model and Verilator's headers to consumers
# as system headers so that our strict warnings do not apply to generated code.
function(nce_verilated_library target)
  cmake_parse_arguments(ARG "SYSTEMC;TRACE;TRACE_FST" "TOP;PREFIX" "SOURCES;ARGS" ${ARGN})
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
  set(opt -O3)
  if(NCE_NATIVE)
    list(APPEND opt -march=native)
  endif()
  verilate(${target} ${options} SOURCES ${ARG_SOURCES} TOP_MODULE ${ARG_TOP} PREFIX ${ARG_PREFIX}
           DIRECTORY ${model_dir} VERILATOR_ARGS -Wall ${ARG_ARGS}
           OPT_FAST ${opt} OPT_SLOW -O1 OPT_GLOBAL ${opt})
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${model_dir})
  if(NOT first_model)
    return()
  endif()
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES
               ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
  set(sc 0)
  set(vcd 0)
  set(fst 0)
  if(ARG_SYSTEMC)
    set(sc 1)
    target_link_libraries(${target} PUBLIC nce::systemc)
  endif()
  if(ARG_TRACE)
    set(vcd 1)
  elseif(ARG_TRACE_FST)
    set(fst 1)
  endif()
  set(trace 0)
  if(vcd OR fst)
    set(trace 1)
  endif()
  # Consumers include verilated.h, whose declarations depend on these switches.
  target_compile_definitions(${target} INTERFACE VM_SC=${sc} VM_TRACE=${trace} VM_TRACE_VCD=${vcd}
                                                 VM_TRACE_FST=${fst} VM_COVERAGE=0)
  target_link_libraries(${target} PUBLIC Threads::Threads)
endfunction()
