#pragma once
// Efficient Bitwidth Search (EBS; Li et al., "Efficient Bitwidth Search for Practical Mixed
// Precision Neural Network", arXiv 2003.07577, 2020) on the engine, priced on the array
// (docs/NCE.md section 10). Every searchable layer keeps one set of float ("meta") weights; each
// candidate bit width quantizes that same tensor, and the layer computes
//   conv(sum_j q_j Q_{a_j}(x), sum_i p_i Q_{w_i}(W)) = sum_ij p_i q_j conv(Q_{a_j}(x), Q_{w_i}(W)),
// one convolution whatever the number of candidates, with p = softmax(theta_w / tau) and
// q = softmax(theta_a / tau) the layer's strengths. The hardware loss is TAS's log form of the
// expected cost E = sum_l sum_ij p_li q_lj T_l[w_i][a_j], T_l from the cost tables' precision
// axis (cycles or energy on the array; MACs, params or bit operations). Derivation takes the
// most probable weight and activation width of every layer.
#include "nce/search/search_method.hpp"

namespace nce::search {

// Runs (or resumes) EBS. InputError for unusable settings, data or checkpoints.
SearchResult run_precision_search(const workloads::Workload& workload, const train::DatasetSplits& data,
                                  const CostSource& source, const SearchConfig& config);

// The workload with the given (weight bits, activation bits) per layer name.
workloads::Workload derive_precisions(const workloads::Workload& base,
                                      const std::map<std::string, workloads::Precision>& precisions);

}  // namespace nce::search
