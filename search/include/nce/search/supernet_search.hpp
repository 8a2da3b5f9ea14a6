#pragma once
// The supernet search behind the `nce` and `tas` methods (docs/NCE.md sections 2-6): warm-up,
// bi-level search with TAS's log-form hardware loss through the expected cost of the cost
// tables, NCE's channel expansion, argmax evaluation, atomic per-epoch checkpoints with
// bit-identical resume, derivation; search.jsonl per epoch.
#include <map>
#include <string>
#include <vector>

#include "nce/search/expected_cost.hpp"
#include "nce/search/search_method.hpp"
#include "nce/search/supernet.hpp"

namespace nce::search {

// Runs (or resumes) the supernet search; `expand` = NCE, otherwise TAS.
SearchResult run_supernet_search(const workloads::Workload& workload, const train::DatasetSplits& data,
                                 const CostSource& source, const SearchConfig& config, bool expand);

// The initial candidate widths of every searchable layer (TAS's ratios).
std::map<std::string, std::vector<int>> initial_candidates(const workloads::Workload& workload, double space_multiplier);

std::string_view to_string(SearchConfig::Candidates candidates);
SearchConfig::Candidates candidates_from_string(std::string_view text);  // tas, array

// The widths each searchable layer starts with and those expansion may append, in order.
struct CandidatePlan {
  std::map<std::string, std::vector<int>> initial;  // ascending
  std::map<std::string, std::vector<int>> growth;   // ascending, each above initial.back(), up to max_multiplier x base
};
// TAS: initial_candidates, growth by expansion_step up to max_multiplier x base. Array: the
// largest width of every plateau of the layer's cycles on `source` (its own at its base input,
// plus its consumers' at their base outputs) -- at most 8 of them from [0.3, 1] x the spaced
// base width, evenly spread and the base included, and every later plateau end as growth.
CandidatePlan plan_candidates(const workloads::Workload& workload, const SearchConfig& config, const CostSource& source);

// The plateau ends of one layer's cycles for widths 1..limit (array_widths in plan_candidates).
std::vector<int> array_widths(const workloads::Workload& workload, const std::string& layer, int limit,
                              const CostSource& source);

// Expected cost of the supernet's candidates under `metric` for the derivation's join, from
// cached cost tables (projections of a projection join included).
ExpectedCost expected_cost(const workloads::Workload& workload, const std::map<std::string, std::vector<int>>& candidates,
                           const CostSource& source, cost_models::CostMetric metric, JoinMode join = JoinMode::prefix,
                           WidthBinding* binding = nullptr);

// The search's prediction of the cost of the network with these searchable widths: the same
// cost tables and join as expected_cost, one candidate per layer.
double predicted_cost(const workloads::Workload& workload, const std::map<std::string, int>& widths,
                      const CostSource& source, cost_models::CostMetric metric, JoinMode join);

// TAS's hardware loss (docs/NCE.md section 3) and its gradient factor d loss / d F.
struct HardwareLoss {
  double value = 0;
  double dvalue_dexpected = 0;
};
HardwareLoss tas_hardware_loss(double expected, double current, double target, double tolerance);

// Layers whose widest candidate's softmax probability reaches `threshold` and that may still
// grow (docs/NCE.md section 4), with the width each grows to: the plan's next growth width.
std::vector<std::pair<std::string, int>> layers_to_expand(Supernet& net, const CandidatePlan& plan, double threshold);
int expansion_step(int base_width);  // base / 8 (ours), at least 1

}  // namespace nce::search
