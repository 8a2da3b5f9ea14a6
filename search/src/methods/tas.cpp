// The `tas` search method: the same supernet search without expansion (Dong & Yang, "Network
// Pruning via Transformable Architecture Search", NeurIPS 2019): widths only shrink from the
// initial candidates (--space-multiplier 2 searches a 2x space, as the NCE paper's TAS baseline).
#include <memory>

#include "nce/search/supernet_search.hpp"

namespace nce::search {
namespace {

class TasMethod final : public SearchMethod {
 public:
  std::string_view name() const override { return "tas"; }
  std::string_view label() const override { return "TAS"; }
  SearchResult run(const workloads::Workload& workload, const train::DatasetSplits& data, const CostSource& source,
                   const SearchConfig& config) const override {
    return run_supernet_search(workload, data, source, config, /*expand=*/false);
  }
};

const bool registered = SearchMethodRegistry::add("tas", "supernet search without expansion (pruning only)",
                                                  [] { return std::make_unique<TasMethod>(); });

}  // namespace
}  // namespace nce::search
