// The `plain` baseline: no search, the original widths, through the same derivation,
// simulation and report as the searched networks (docs/NCE.md section 7).
#include <memory>

#include "fixed_widths.hpp"

namespace nce::search {
namespace {

class PlainMethod final : public SearchMethod {
 public:
  std::string_view name() const override { return "plain"; }
  std::string_view label() const override { return "plain"; }
  SearchResult run(const workloads::Workload& workload, const train::DatasetSplits&, const CostSource&,
                   const SearchConfig& config) const override {
    return fixed_width_result(workload, config, 1.0, "-plain");
  }
};

const bool registered = SearchMethodRegistry::add("plain", "no search: the original widths",
                                                  [] { return std::make_unique<PlainMethod>(); });

}  // namespace
}  // namespace nce::search
