// The `ebs` search method: Efficient Bitwidth Search, each layer's weight and activation width
// from SearchConfig::bit_candidates at the array's cost (search/include/nce/search/precision_search.hpp).
#include <memory>

#include "nce/search/precision_search.hpp"

namespace nce::search {
namespace {

class EbsMethod final : public SearchMethod {
 public:
  std::string_view name() const override { return "ebs"; }
  std::string_view label() const override { return "EBS"; }
  SearchResult run(const workloads::Workload& workload, const train::DatasetSplits& data, const CostSource& source,
                   const SearchConfig& config) const override {
    return run_precision_search(workload, data, source, config);
  }
};

const bool registered = SearchMethodRegistry::add(
    "ebs", "mixed precision: each layer's weight and activation bits (--bit-candidates), channels unchanged",
    [] { return std::make_unique<EbsMethod>(); });

}  // namespace
}  // namespace nce::search
