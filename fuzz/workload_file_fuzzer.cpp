// Workload files, YAML and JSON (workloads/FORMAT.md): parse, validate, analyze, and write back.
// A file that parses must survive the round trip to YAML and back unchanged.
#include <cstdlib>

#include "fuzz_support.hpp"
#include "nce/workloads/workload.hpp"
#include "nce/workloads/workload_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nce;
  return fuzz::accept_or_refuse([&] {
    const workloads::Workload w = workloads::workload_from_yaml(std::string(fuzz::as_text(data, size)), "fuzz.yaml");
    (void)workloads::totals(workloads::analyze(w));
    const std::string yaml = workloads::workload_to_yaml(w);
    if (workloads::workload_to_yaml(workloads::workload_from_yaml(yaml, "round-trip.yaml")) != yaml) std::abort();
  });
}
