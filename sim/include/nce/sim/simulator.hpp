#pragma once
// The cycle-accurate SystemC model of the accelerator: array, three SRAM buffers, DRAM, DMA with
// double buffering and a controller executing a layer's schedule (cost_models/schedule.hpp).
// It moves and computes real integer codes; outputs are bit-exact with nce::ref.
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
  LayerStats stats;
  // conv: out_channels x H_out x W_out; fc: out_channels x 1 x 1. int32 sums before requantization.
  ref::FeatureMap output;
};

// Runs one conv/FC layer. `input` holds the layer's input codes (CHW; an FC layer reads them
// flattened), `weights` the filters as nce::ref lays them out ([m][c/groups][r][s]).
LayerRun simulate_layer(const LayerSchedule& schedule, const AcceleratorConfig& config, const ref::FeatureMap& input,
                        const ref::Filters& weights, const SimulationOptions& options = {});

// Every layer of a workload with seeded random operands of the layer's precision. Pool/add
// layers do not run on the array and report zeros. `progress(i, n)` after each layer.
WorkloadStats simulate_workload(const Workload& workload, const AcceleratorConfig& config,
                                const SimulationOptions& options = {},
                                const std::function<void(std::size_t, std::size_t)>& progress = {});

// Seeded random operands at a precision (activations unsigned, weights two's complement).
ref::FeatureMap random_activations(const TensorShape& shape, int bits, std::uint64_t seed);
ref::Filters random_weights(int out_channels, int in_channels, int kernel_h, int kernel_w, int bits, std::uint64_t seed);

// Simulated cycles of every simulate_* call so far (for cycles-per-second benchmarks).
std::uint64_t simulated_cycles_total();

}  // namespace nce::sim
