#pragma once
// What the baselines without a search share (private to search/): every searchable width scaled
// by one multiplier, derived, written as derived.yaml like a searched network.
#include <string>

#include "nce/search/search_method.hpp"

namespace nce::search {

SearchResult fixed_width_result(const workloads::Workload& workload, const SearchConfig& config, double multiplier,
                                const std::string& suffix);

}  // namespace nce::search
