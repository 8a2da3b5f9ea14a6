// SCALE-Sim topology CSVs (workloads/FORMAT.md, "SCALE-Sim topologies").
#include "fuzz_support.hpp"
#include "nce/workloads/workload.hpp"
#include "nce/workloads/workload_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nce;
  return fuzz::accept_or_refuse([&] {
    const workloads::Workload w = workloads::scalesim_from_csv(std::string(fuzz::as_text(data, size)), "fuzz.csv");
    (void)workloads::totals(workloads::analyze(w));
    (void)workloads::scalesim_to_csv(w);
  });
}
