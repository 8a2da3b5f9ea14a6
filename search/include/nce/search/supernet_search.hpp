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

// The initial candidate widths of every searchable layer.
std::map<std::string, std::vector<int>> initial_candidates(const workloads::Workload& workload, double space_multiplier);

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
// grow (docs/NCE.md section 4), given base widths and the maximum multiplier.
std::vector<std::string> layers_to_expand(Supernet& net, const workloads::Workload& base, double threshold,
                                          double max_multiplier);
int expansion_step(int base_width);  // base / 8 (ours), at least 1

}  // namespace nce::search
