#pragma once
// The simulated array model: maps the layer and runs the cycle-accurate SystemC model on seeded
// random operands of the layer's precision. Counts do not depend on operand values (the model
// has no data-dependent timing), so the seed only fixes which codes flow through the array.
#include <cstdint>
#include <string>

#include "nce/cost_models/cost_model.hpp"

namespace nce::sim {

class SimulatedCostModel final : public CostModel {
 public:
  explicit SimulatedCostModel(std::uint64_t seed = 1) : seed_(seed) {}
  std::string name() const override { return "simulated"; }
  std::string version() const override { return "1"; }
  // One SystemC kernel per process, elaborated once: evaluations must not overlap.
  bool thread_safe() const override { return false; }
  LayerStats evaluate(const Layer& layer, const LayerInfo& info, const AcceleratorConfig& config) const override;

 private:
  std::uint64_t seed_;
};

}  // namespace nce::sim
