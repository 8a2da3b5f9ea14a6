// The `simulated` cost model: maps the layer and runs the cycle-accurate SystemC model on
// seeded random operands of the layer's precision. Counts do not depend on operand values (the
// model has no data-dependent timing), so the seed only fixes which codes flow through the array.
#include <memory>

#include "nce/cost_models/cost_model.hpp"
#include "nce/sim/simulator.hpp"

namespace nce::sim {
namespace {

class SimulatedCostModel final : public cost_models::CostModel {
 public:
  explicit SimulatedCostModel(std::uint64_t seed) : seed_(seed) {}
  std::string name() const override { return "simulated"; }
  std::string version() const override { return "1"; }
  // One SystemC kernel per process, elaborated once: evaluations must not overlap.
  bool thread_safe() const override { return false; }
  cost_models::LayerStats evaluate(const workloads::Layer& layer, const workloads::LayerInfo& info,
                                   const cost_models::AcceleratorConfig& config) const override {
    const cost_models::LayerSchedule schedule = cost_models::map_layer(layer, info, config);
    if (!schedule.on_array) return simulate_layer(schedule, config, {}, {}).stats;
    const LayerOperands operands = random_operands(layer, info, seed_);
    return simulate_layer(schedule, config, operands.input, operands.weights).stats;
  }

 private:
  std::uint64_t seed_;
};

const bool registered = cost_models::CostModelRegistry::add(
    "simulated", "the cycle-accurate SystemC model on seeded random operands",
    [](const cost_models::CostModelOptions& options) { return std::make_unique<SimulatedCostModel>(options.seed); });

}  // namespace
}  // namespace nce::sim
