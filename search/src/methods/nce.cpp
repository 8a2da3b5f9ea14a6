// The `nce` search method: the supernet search with Neural Channel Expansion (docs/NCE.md).
#include <memory>

#include "nce/search/supernet_search.hpp"

namespace nce::search {
namespace {

class NceMethod final : public SearchMethod {
 public:
  std::string_view name() const override { return "nce"; }
  std::string_view label() const override { return "NCE"; }
  SearchResult run(const workloads::Workload& workload, const train::DatasetSplits& data, const CostSource& source,
                   const SearchConfig& config) const override {
    return run_supernet_search(workload, data, source, config, /*expand=*/true);
  }
};

const bool registered = SearchMethodRegistry::add(
    "nce", "supernet search with channel expansion (widths may grow to --max-multiplier x)",
    [] { return std::make_unique<NceMethod>(); });

}  // namespace
}  // namespace nce::search
