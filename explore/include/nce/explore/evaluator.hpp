#pragma once
// Prices whole networks on accelerators with the analytical model (docs/EXPLORE.md section 3):
// layer by layer, then summed with cost_models::summarize exactly as sim::simulate_workload
// sums its layers, so a point's totals equal the SystemC model's in every field
// (tests/explore/evaluator_test.cpp; nce explore --validate K re-simulates points).
//
// Distinct layer evaluations are cached in memory for the evaluator's lifetime and shared by
// every point and thread: the key is everything the schedule depends on (layer type, input
// shape, output channels, kernel, stride, padding, groups, precision, pooling, join) plus the
// caller's id of the config, so equal layers of different networks or widths are priced once.
// evaluate() is thread-safe; a layer that fits no buffer throws core::InputError naming it.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/cost_model.hpp"
#include "nce/cost_models/layer_stats.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::explore {

class Evaluator {
 public:
  Evaluator();
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // `config_id` names `config` in the cache: equal ids must mean equal configs.
  cost_models::WorkloadStats evaluate(const workloads::Workload& network, const std::vector<workloads::LayerInfo>& infos,
                                      std::size_t config_id, const cost_models::AcceleratorConfig& config);

  std::int64_t layer_evaluations() const { return evaluations_; }  // cache misses
  std::int64_t layer_lookups() const { return lookups_; }

 private:
  struct Cache;
  std::unique_ptr<cost_models::CostModel> model_;
  std::unique_ptr<Cache> cache_;
  std::atomic<std::int64_t> evaluations_{0};
  std::atomic<std::int64_t> lookups_{0};
};

}  // namespace nce::explore
