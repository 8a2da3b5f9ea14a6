// ONNX models (docs/ONNX.md if present; workloads/src/onnx_import.cpp): protobuf bytes to a workload.
#include "fuzz_support.hpp"
#include "nce/workloads/onnx_import.hpp"
#include "nce/workloads/workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nce;
  return fuzz::accept_or_refuse([&] {
    const workloads::Workload w = workloads::onnx_to_workload(std::string(fuzz::as_text(data, size)), "fuzz.onnx", "fuzz");
    (void)workloads::totals(workloads::analyze(w));
  });
}
