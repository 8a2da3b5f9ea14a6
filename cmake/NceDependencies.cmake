# Every dependency comes from a Debian 12 package; scripts/debian-packages.txt lists them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(ZLIB REQUIRED)
find_package(fmt REQUIRED)
# GCC's libgomp: the training engine splits batches over the cores (search/).
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(verilator REQUIRED HINTS /usr/share/verilator)
# ONNX import (workloads/src/onnx_import.cpp): Debian's libonnx-dev ships the generated protobuf
# classes (target onnx_proto), which link protobuf::libprotobuf from libprotobuf-dev.
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)
# The Python module (python/, docs/PYTHON.md) and its tests: Debian's python3 (its python3-dev
# headers, python3-numpy and python3-torch live there) unless -DPython3_EXECUTABLE says otherwise,
# so that a python3 earlier on PATH (pyenv, a virtualenv) does not pick the ABI.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
# An AddressSanitizer build also links an interpreter of its own for the Python tests
# (tests/python/asan_python.cpp), so it needs libpython as well (Development.Embed).
set(nce_python3_components Interpreter Development.Module)
if(NCE_SANITIZE MATCHES "address")
  list(APPEND nce_python3_components Development.Embed)
endif()
find_package(Python3 REQUIRED COMPONENTS ${nce_python3_components})
find_package(pybind11 2.10 REQUIRED CONFIG)

# SystemC ships only a pkg-config file on Debian. Its library was built as C++17, so
# every C++20 translation unit that includes it must pin SC_CPLUSPLUS or the link fails
# on sc_api_version_2_3_4_cxx202002L; the define lives on this one interface target.
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc>=2.3.4)
add_library(nce_systemc INTERFACE)
add_library(nce::systemc ALIAS nce_systemc)
target_link_libraries(nce_systemc INTERFACE PkgConfig::SYSTEMC Threads::Threads)
target_compile_definitions(nce_systemc INTERFACE SC_CPLUSPLUS=201703L)

# Verilator's verilate(... SYSTEMC) looks for a target named Verilator::systemc and only
# searches for SystemC itself when it is missing: hand it ours, define included.
if(NOT TARGET Verilator::systemc)
  add_library(Verilator::systemc INTERFACE IMPORTED)
  set_target_properties(Verilator::systemc PROPERTIES INTERFACE_LINK_LIBRARIES nce_systemc)
endif()

if(NCE_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

# libxsmm (libxsmm-dev): the JIT batch-reduce GEMM kernels behind the training engine's
# stride-1 convolutions (train/src/implicit_conv.cpp). Debian ships static libraries and a
# pkg-config file whose link line puts libxsmmnoblas (the stand-in for the BLAS fallback nce
# never calls) before libxsmm, which a static link cannot resolve; the order is set here.
pkg_check_modules(LIBXSMM REQUIRED libxsmm>=1.17)
find_library(NCE_LIBXSMM_LIBRARY NAMES libxsmm.a xsmm HINTS ${LIBXSMM_LIBRARY_DIRS} REQUIRED)
find_library(NCE_LIBXSMM_NOBLAS_LIBRARY NAMES libxsmmnoblas.a xsmmnoblas HINTS ${LIBXSMM_LIBRARY_DIRS} REQUIRED)
add_library(nce_libxsmm INTERFACE)
add_library(nce::libxsmm ALIAS nce_libxsmm)
target_include_directories(nce_libxsmm SYSTEM INTERFACE ${LIBXSMM_INCLUDE_DIRS})
target_link_libraries(nce_libxsmm INTERFACE ${NCE_LIBXSMM_LIBRARY} ${NCE_LIBXSMM_NOBLAS_LIBRARY} Threads::Threads
                                            ${CMAKE_DL_LIBS} m)
