#include "nce/train/memory_estimate.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "nce/core/input_error.hpp"

namespace nce::train {

MemoryEstimate estimate_training_memory(const workloads::Workload& workload, int batch, double copies) {
  MemoryEstimate estimate;
  const std::vector<workloads::LayerInfo> infos = workloads::analyze(workload);
  double per_image = 0;
  double params = 0;
  for (const workloads::LayerInfo& info : infos) {
    per_image += double(info.out.channels) * double(info.out.height) * double(info.out.width);
    params += double(info.params);
  }
  // In double: a hostile workload's products overflow 64-bit integers; the estimate only needs
  // to be right to a few percent and to saturate instead of wrapping.
  const double activations = per_image * double(batch) * copies * sizeof(float);
  const double weights = params * 4.0 * sizeof(float);
  constexpr double kMax = 1.8e19;
  estimate.activations = std::uint64_t(std::min(activations, kMax));
  estimate.weights = std::uint64_t(std::min(weights, kMax));
  return estimate;
}

std::uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return std::uint64_t(pages) * std::uint64_t(page_size);
}

void check_training_memory(const workloads::Workload& workload, int batch, const std::string& what, double copies) {
  const MemoryEstimate estimate = estimate_training_memory(workload, batch, copies);
  const std::uint64_t available = physical_memory_bytes();
  if (available == 0 || estimate.total() <= available) return;
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  throw core::InputError(fmt::format(
      "{} of '{}' at batch {} needs about {:.1f} GiB ({:.1f} GiB of activations, {:.1f} GiB of weights and optimizer "
      "state), more than this machine's {:.1f} GiB; lower --batch or the network's size",
      what, workload.name, batch, double(estimate.total()) / kGiB, double(estimate.activations) / kGiB,
      double(estimate.weights) / kGiB, double(available) / kGiB));
}

}  // namespace nce::train
