#pragma once
// The cost-model interface: "what does this layer cost on this accelerator?" Implementations
// are chosen by name (Ramulator style): `shape` (MACs and parameters only — the paper's FLOPs
// and params budgets), `analytical` (closed-form evaluation of the schedule) and `simulated`
// (the SystemC model, in sim/).
#include <memory>
#include <string>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/layer_stats.hpp"
#include "nce/workloads/workload.hpp"

namespace nce {

class CostModel {
 public:
  virtual ~CostModel() = default;
  virtual std::string name() const = 0;
  // Changes whenever the model's numbers change, so cached tables of older versions are
  // never reused (part of every cache key).
  virtual std::string version() const = 0;
  // Whether evaluate() may run on several threads at once (one SystemC kernel per process
  // cannot).
  virtual bool thread_safe() const { return true; }
  // Statistics of one layer (with its analyzed shapes) on `config`.
  virtual LayerStats evaluate(const Layer& layer, const LayerInfo& info, const AcceleratorConfig& config) const = 0;
};

// MACs from the shape alone; cycles and energy stay zero.
class ShapeCostModel final : public CostModel {
 public:
  std::string name() const override { return "shape"; }
  std::string version() const override { return "1"; }
  LayerStats evaluate(const Layer& layer, const LayerInfo& info, const AcceleratorConfig& config) const override;
};

}  // namespace nce
