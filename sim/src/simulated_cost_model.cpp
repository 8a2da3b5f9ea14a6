#include "nce/sim/simulated_cost_model.hpp"

#include "nce/sim/simulator.hpp"

namespace nce::sim {

LayerStats SimulatedCostModel::evaluate(const Layer& layer, const LayerInfo& info,
                                        const AcceleratorConfig& config) const {
  const LayerSchedule schedule = map_layer(layer, info, config);
  if (!schedule.on_array) return simulate_layer(schedule, config, {}, {}).stats;
  // Operands as simulate_workload draws them: an FC reads its input flattened.
  const ref::FeatureMap input = random_activations(info.in, layer.precision.act_bits, seed_);
  const ref::Filters weights =
      layer.type == LayerType::fc
          ? random_weights(layer.out_channels, static_cast<int>(info.in.elements()), 1, 1, layer.precision.weight_bits,
                           seed_ + 1)
          : random_weights(layer.out_channels, info.in.channels / layer.groups, layer.kernel_h, layer.kernel_w,
                           layer.precision.weight_bits, seed_ + 1);
  return simulate_layer(schedule, config, input, weights).stats;
}

}  // namespace nce::sim
