#include "nce/sim/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "modules.hpp"
#include "nce/workloads/input_error.hpp"

namespace nce::sim {
namespace {

std::uint64_t g_simulated_cycles = 0;

// SystemC elaborates once per process: one accelerator instance, reused by every call and never
// destroyed (SystemC's kernel outlives static destructors badly).
Accelerator& accelerator() {
  static Accelerator* top = new Accelerator();
  return *top;
}

bool g_started = false;

}  // namespace

std::string_view to_string(PeModel model) { return model == PeModel::behavioral ? "behavioral" : "rtl"; }

PeModel pe_model_from_string(std::string_view text) {
  if (text == "behavioral" || text == "behavioural") return PeModel::behavioral;
  if (text == "rtl") return PeModel::rtl;
  throw InputError(fmt::format("unknown PE model '{}' (expected behavioral or rtl)", text));
}

LayerRun simulate_layer(const LayerSchedule& schedule, const AcceleratorConfig& config, const ref::FeatureMap& input,
                        const ref::Filters& weights, const SimulationOptions& options) {
  LayerRun run;
  LayerStats& stats = run.stats;
  stats.layer = schedule.layer;
  stats.type = std::string(to_string(schedule.type));
  stats.on_array = schedule.on_array;
  stats.macs = schedule.macs;
  if (!schedule.on_array) return run;
  const std::int64_t k = schedule.gemm.k;
  const std::int64_t m = schedule.gemm.m * schedule.groups;
  if (std::int64_t(input.values.size()) != schedule.in.elements()) {
    throw InputError(fmt::format("layer '{}': {} input codes, the layer reads {}", schedule.layer, input.values.size(),
                                 schedule.in.elements()));
  }
  if (std::int64_t(weights.values.size()) != m * k) {
    throw InputError(fmt::format("layer '{}': {} weight codes, the layer has {} x {}", schedule.layer,
                                 weights.values.size(), m, k));
  }
  if (options.pe_model == PeModel::rtl) {
    // Checked here, before the kernel runs: an exception inside a SystemC process ends the simulation.
    if (schedule.dataflow != Dataflow::weight_stationary) {
      throw InputError("--pe-model rtl: the RTL array (rtl/mac_array.sv) is weight-stationary; use --dataflow ws");
    }
    const auto sizes = rtl::verilated_array_sizes();
    if (std::find(sizes.begin(), sizes.end(), std::pair{config.rows, config.cols}) == sizes.end()) {
      throw InputError(fmt::format("--pe-model rtl: no verilated {}x{} array in this build (built: {})", config.rows,
                                   config.cols, rtl::verilated_array_sizes_text()));
    }
  }
  ref::check_activation_codes(input, schedule.act_bits);
  ref::check_weight_codes(weights, schedule.weight_bits);

  std::vector<std::int32_t> output(std::size_t(m) * schedule.out.height * schedule.out.width, 0);
  LayerJob job;
  job.schedule = &schedule;
  job.config = &config;
  job.dram_input = &input.values;
  job.dram_weights = &weights.values;
  job.dram_output = &output;
  job.stats = &stats;
  job.rtl = options.pe_model == PeModel::rtl;

  Accelerator& top = accelerator();
  top.buffers.ifmap.counts = {};
  top.buffers.weight.counts = {};
  top.buffers.ofmap.counts = {};
  top.dma.job = &job;
  top.array.job = &job;
  top.controller.job = &job;
  top.controller.finished = false;
  if (!g_started) {
    g_started = true;
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  }
  sc_core::sc_start();
  top.dma.job = nullptr;
  top.array.job = nullptr;
  top.controller.job = nullptr;

  stats.ifmap = top.buffers.ifmap.counts;
  stats.weight = top.buffers.weight.counts;
  stats.ofmap = top.buffers.ofmap.counts;
  stats.passes = schedule.passes;
  stats.array_macs = schedule.macs * schedule.passes;
  stats.steps = static_cast<std::int64_t>(schedule.steps.size());
  for (const ScheduleStep& step : schedule.steps) for_each_fold(schedule, step, [&](const ArrayFold&) { ++stats.folds; });
  stats.energy = price_energy(stats, config);
  g_simulated_cycles += static_cast<std::uint64_t>(stats.cycles);

  run.output = ref::FeatureMap(static_cast<int>(m), schedule.out.height, schedule.out.width);
  run.output.values = std::move(output);
  return run;
}

ref::FeatureMap random_activations(const TensorShape& shape, int bits, std::uint64_t seed) {
  ref::FeatureMap map(shape.channels, shape.height, shape.width);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> code(0, ref::activation_max(bits));
  for (std::int32_t& v : map.values) v = code(rng);
  return map;
}

ref::Filters random_weights(int out_channels, int in_channels, int kernel_h, int kernel_w, int bits, std::uint64_t seed) {
  ref::Filters filters(out_channels, in_channels, kernel_h, kernel_w);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> code(ref::weight_min(bits), ref::weight_max(bits));
  for (std::int32_t& v : filters.values) v = code(rng);
  return filters;
}

WorkloadStats simulate_workload(const Workload& workload, const AcceleratorConfig& config,
                                const SimulationOptions& options,
                                const std::function<void(std::size_t, std::size_t)>& progress) {
  const std::vector<LayerInfo> infos = analyze(workload);
  std::vector<LayerStats> layers;
  layers.reserve(infos.size());
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const Layer& layer = workload.layers[i];
    const LayerSchedule schedule = map_layer(layer, infos[i], config);
    if (!schedule.on_array) {
      layers.push_back(simulate_layer(schedule, config, {}, {}, options).stats);
    } else {
      const std::uint64_t seed = options.seed * 0x9E3779B97F4A7C15ull + i;
      const ref::FeatureMap input = random_activations(infos[i].in, layer.precision.act_bits, seed);
      const ref::Filters weights =
          layer.type == LayerType::fc
              ? random_weights(layer.out_channels, static_cast<int>(infos[i].in.elements()), 1, 1,
                               layer.precision.weight_bits, seed + 1)
              : random_weights(layer.out_channels, infos[i].in.channels / layer.groups, layer.kernel_h, layer.kernel_w,
                               layer.precision.weight_bits, seed + 1);
      layers.push_back(simulate_layer(schedule, config, input, weights, options).stats);
    }
    if (progress) progress(i + 1, infos.size());
  }
  return summarize(workload.name, std::move(layers));
}

std::uint64_t simulated_cycles_total() { return g_simulated_cycles; }

}  // namespace nce::sim

// libsystemc's own main() refers to sc_main; our programs bring their own main(), so this one
// only satisfies the linker.
int sc_main(int, char*[]) { return 0; }
