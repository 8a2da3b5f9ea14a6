// The `wrpn` baseline (Mishra et al., "WRPN: Wide Reduced-Precision Networks", ICLR 2018): no
// search, every searchable width times one multiplier (SearchConfig::wrpn_multiplier).
#include <fmt/format.h>

#include <memory>

#include "fixed_widths.hpp"
#include "nce/core/input_error.hpp"

namespace nce::search {
namespace {

class WrpnMethod final : public SearchMethod {
 public:
  std::string_view name() const override { return "wrpn"; }
  std::string_view label() const override { return "WRPN"; }
  SearchResult run(const workloads::Workload& workload, const train::DatasetSplits&, const CostSource&,
                   const SearchConfig& config) const override {
    if (!(config.wrpn_multiplier > 0)) {
      throw core::InputError(fmt::format("--wrpn-multiplier must be positive, got {}", config.wrpn_multiplier));
    }
    return fixed_width_result(workload, config, config.wrpn_multiplier, fmt::format("-wrpn{}", config.wrpn_multiplier));
  }
};

const bool registered = SearchMethodRegistry::add("wrpn", "no search: every searchable width x --wrpn-multiplier",
                                                  [] { return std::make_unique<WrpnMethod>(); });

}  // namespace
}  // namespace nce::search
