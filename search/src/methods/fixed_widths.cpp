#include "fixed_widths.hpp"

#include <cmath>

#include "nce/core/atomic_file.hpp"
#include "nce/search/supernet.hpp"
#include "nce/workloads/workload_file.hpp"

namespace nce::search {

SearchResult fixed_width_result(const workloads::Workload& workload, const SearchConfig& config, double multiplier,
                                const std::string& suffix) {
  SearchResult result;
  std::map<std::string, int> widths;
  for (const workloads::Layer& layer : workload.layers) {
    if (!layer.searchable) continue;
    result.layers.push_back(layer.name);
    widths[layer.name] = std::max(1, int(std::lround(layer.out_channels * multiplier)));
  }
  result.derived = derive_workload(workload, widths, config.join);
  result.derived.name = workload.name + suffix;
  core::prepare_output_directory(config.out);
  workloads::write_workload_file(result.derived, config.out / "derived.yaml");
  result.finished = true;
  return result;
}

}  // namespace nce::search
