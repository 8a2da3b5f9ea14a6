#pragma once
// The cycle-accurate SystemC model of the accelerator: array, three SRAM buffers, DRAM, DMA with
// double buffering and a controller executing a layer's schedule (cost_models/schedule.hpp).
// It moves and computes real integer codes; outputs are bit-exact with nce::workloads::ref.
//
// SystemC elaborates once per process: the first call builds the module hierarchy and later
// calls reuse it (simulated time keeps running; statistics are per call). Not thread-safe.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nce/cost_models/layer_stats.hpp"
#include "nce/cost_models/schedule.hpp"
#include "nce/workloads/reference_model.hpp"

namespace nce::sim {

enum class PeModel { behavioral, rtl };
std::string_view to_string(PeModel model);
PeModel pe_model_from_string(std::string_view text);  // throws InputError

struct SimulationOptions {
  PeModel pe_model = PeModel::behavioral;
  std::uint64_t seed = 1;  // operands of simulate_workload's layers
};

struct LayerRun {
  cost_models::LayerStats stats;
  // conv: out_channels x H_out x W_out; fc: out_channels x 1 x 1. int32 sums before requantization.
  workloads::ref::FeatureMap output;
};

// Runs one conv/FC layer. `input` holds the layer's input codes (CHW; an FC layer reads them
// flattened), `weights` the filters as nce::workloads::ref lays them out ([m][c/groups][r][s]).
LayerRun simulate_layer(const cost_models::LayerSchedule& schedule, const cost_models::AcceleratorConfig& config, const workloads::ref::FeatureMap& input,
                        const workloads::ref::Filters& weights, const SimulationOptions& options = {});

// Every layer of a workload with seeded random operands of the layer's precision. Pool/add
// layers do not run on the array and report zeros. `progress(i, n)` after each layer.
cost_models::WorkloadStats simulate_workload(const workloads::Workload& workload, const cost_models::AcceleratorConfig& config,
                                const SimulationOptions& options = {},
                                const std::function<void(std::size_t, std::size_t)>& progress = {});

// Seeded random operands of one conv/FC layer at its precision, as simulate_workload draws them
// (an FC reads its input flattened): activations from `seed`, weights from `seed + 1`.
struct LayerOperands {
  workloads::ref::FeatureMap input;
  workloads::ref::Filters weights;
};
LayerOperands random_operands(const workloads::Layer& layer, const workloads::LayerInfo& info, std::uint64_t seed);

// Seeded random operands at a precision (activations unsigned, weights two's complement).
workloads::ref::FeatureMap random_activations(const workloads::TensorShape& shape, int bits, std::uint64_t seed);
workloads::ref::Filters random_weights(int out_channels, int in_channels, int kernel_h, int kernel_w, int bits, std::uint64_t seed);


}  // namespace nce::sim
