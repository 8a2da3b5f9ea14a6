#pragma once
// The cost-model interface: "what does this layer cost on this accelerator?"
//
// Contract: evaluate() is a pure function of the layer (with its analyzed shapes), the config
// and the options the model was created with; it fills LayerStats the way the SystemC model
// would count them (fields a model does not know stay zero; `shape` knows only MACs). version()
// changes whenever a model's numbers change, and is part of every cost-table cache key, so
// cached entries of an older version are never reused. evaluate() may run on several threads
// at once unless thread_safe() says otherwise. Bad input (a tile that fits no buffer) throws
// core::InputError naming the layer.
//
// Implementations are chosen by name, one .cpp each, registered at static initialisation:
//   shape       cost_models/src/shape_model.cpp       MACs and parameters only (the paper's budgets)
//   analytical  cost_models/src/analytical_model.cpp  closed-form evaluation of the schedule
//   simulated   sim/src/simulated_cost_model.cpp      the SystemC model on seeded operands
// docs/EXTENDING.md has the recipe for another.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "nce/core/registry.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/layer_stats.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::cost_models {

// Options every model accepts at creation (a model ignores what it does not use).
struct CostModelOptions {
  std::uint64_t seed = 1;  // operand codes of models that compute on real data
};

class CostModel {
 public:
  virtual ~CostModel() = default;
  virtual std::string name() const = 0;
  virtual std::string version() const = 0;
  virtual bool thread_safe() const { return true; }
  virtual LayerStats evaluate(const workloads::Layer& layer, const workloads::LayerInfo& info,
                              const AcceleratorConfig& config) const = 0;
};

using CostModelRegistry = core::Registry<CostModel, const CostModelOptions&>;

// A new instance of the registered model `name`; InputError lists the registered names.
std::unique_ptr<CostModel> make_cost_model(std::string_view name, const CostModelOptions& options = {});

}  // namespace nce::cost_models
