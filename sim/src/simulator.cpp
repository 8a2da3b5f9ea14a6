#include "nce/sim/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "modules.hpp"
#include "nce/core/input_error.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NCE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NCE_ASAN 1
#endif
#if defined(NCE_ASAN)
#include <pthread.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace nce::sim {
namespace {

#if defined(NCE_ASAN)
// Only in AddressSanitizer builds (bench/sanitize.sh). Debian's SystemC 2.3.4 reports its
// coroutine switches to ASan (__sanitizer_start_switch_fiber), but names the main coroutine's
// stack as 0 bytes at address 0, because it never learnt it. When sc_start returns to the
// caller, ASan therefore believes this thread's stack is empty: from then on it refuses to clear
// the redzones of the frames a C++ exception unwinds ("ASan is ignoring requested
// __asan_handle_no_return ... top: 0x000000000000"), and a later call that reuses that stack
// is reported as a stack-buffer-overflow that is not one. This tells ASan the thread's real stack
// again, by a switch from the stack to itself, and clears the shadow of everything below the
// caller's frame (this function's own frame, then dead stack, where such redzones may have been
// left).
[[gnu::noinline]] void restore_asan_stack_bounds() {
  pthread_attr_t attributes;
  if (pthread_getattr_np(pthread_self(), &attributes) != 0) return;
  void* bottom = nullptr;
  std::size_t size = 0;
  const int got = pthread_attr_getstack(&attributes, &bottom, &size);
  pthread_attr_destroy(&attributes);
  if (got != 0) return;
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
  // At most 64 MiB, as ASan itself clears on a throw (a main thread with an unlimited stack
  // reports gigabytes).
  constexpr std::size_t kMaxCleared = std::size_t(64) << 20;
  char* const below = static_cast<char*>(__builtin_frame_address(0));
  char* const lowest = static_cast<char*>(bottom);
  if (below > lowest) {
    const std::size_t length = std::min(std::size_t(below - lowest), kMaxCleared);
    __asan_unpoison_memory_region(below - length, length);
  }
}
#endif

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
  throw core::InputError(fmt::format("unknown PE model '{}' (expected behavioral or rtl)", text));
}

LayerRun simulate_layer(const cost_models::LayerSchedule& schedule, const cost_models::AcceleratorConfig& config, const workloads::ref::FeatureMap& input,
                        const workloads::ref::Filters& weights, const SimulationOptions& options) {
  LayerRun run;
  cost_models::LayerStats& stats = run.stats;
  stats.layer = schedule.layer;
  stats.type = std::string(to_string(schedule.type));
  stats.on_array = schedule.on_array;
  stats.macs = schedule.macs;
  if (!schedule.on_array) return run;
  const std::int64_t k = schedule.gemm.k;
  const std::int64_t m = schedule.gemm.m * schedule.groups;
  if (std::int64_t(input.values.size()) != schedule.in.elements()) {
    throw core::InputError(fmt::format("layer '{}': {} input codes, the layer reads {}", schedule.layer, input.values.size(),
                                 schedule.in.elements()));
  }
  if (std::int64_t(weights.values.size()) != m * k) {
    throw core::InputError(fmt::format("layer '{}': {} weight codes, the layer has {} x {}", schedule.layer,
                                 weights.values.size(), m, k));
  }
  if (options.pe_model == PeModel::rtl) {
    // Checked here, before the kernel runs: an exception inside a SystemC process ends the simulation.
    if (!schedule.dataflow->has_rtl()) {
      throw core::InputError(fmt::format("--pe-model rtl: rtl/mac_array.sv implements no {} ({}) dataflow; use --dataflow ws",
                                         schedule.dataflow->name(), schedule.dataflow->description()));
    }
    const auto sizes = rtl::verilated_array_sizes();
    if (std::find(sizes.begin(), sizes.end(), std::pair{config.rows, config.cols}) == sizes.end()) {
      throw core::InputError(fmt::format("--pe-model rtl: no verilated {}x{} array in this build (built: {})", config.rows,
                                   config.cols, rtl::verilated_array_sizes_text()));
    }
  }
  workloads::ref::check_activation_codes(input, schedule.act_bits);
  workloads::ref::check_weight_codes(weights, schedule.weight_bits);

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
#if defined(NCE_ASAN)
  try {
    sc_core::sc_start();
  } catch (...) {
    restore_asan_stack_bounds();
    __asan_handle_no_return();  // what the throw inside sc_start could not do: clear the frames unwound
    throw;
  }
  restore_asan_stack_bounds();
#else
  sc_core::sc_start();
#endif
  top.dma.job = nullptr;
  top.array.job = nullptr;
  top.controller.job = nullptr;

  stats.ifmap = top.buffers.ifmap.counts;
  stats.weight = top.buffers.weight.counts;
  stats.ofmap = top.buffers.ofmap.counts;
  stats.passes = schedule.passes;
  stats.array_macs = schedule.macs * schedule.passes;
  stats.steps = static_cast<std::int64_t>(schedule.steps.size());
  for (const cost_models::ScheduleStep& step : schedule.steps) stats.folds += schedule.dataflow->fold_count(schedule, step);
  stats.energy = cost_models::price_energy(stats, config);

  run.output = workloads::ref::FeatureMap(static_cast<int>(m), schedule.out.height, schedule.out.width);
  run.output.values = std::move(output);
  return run;
}

workloads::ref::FeatureMap random_activations(const workloads::TensorShape& shape, int bits, std::uint64_t seed) {
  workloads::ref::FeatureMap map(shape.channels, shape.height, shape.width);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> code(0, workloads::ref::activation_max(bits));
  for (std::int32_t& v : map.values) v = code(rng);
  return map;
}

workloads::ref::Filters random_weights(int out_channels, int in_channels, int kernel_h, int kernel_w, int bits, std::uint64_t seed) {
  workloads::ref::Filters filters(out_channels, in_channels, kernel_h, kernel_w);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> code(workloads::ref::weight_min(bits), workloads::ref::weight_max(bits));
  for (std::int32_t& v : filters.values) v = code(rng);
  return filters;
}

LayerOperands random_operands(const workloads::Layer& layer, const workloads::LayerInfo& info, std::uint64_t seed) {
  LayerOperands out;
  out.input = random_activations(info.in, layer.precision.act_bits, seed);
  out.weights = layer.type == workloads::LayerType::fc
                    ? random_weights(layer.out_channels, static_cast<int>(info.in.elements()), 1, 1,
                                     layer.precision.weight_bits, seed + 1)
                    : random_weights(layer.out_channels, info.in.channels / layer.groups, layer.kernel_h,
                                     layer.kernel_w, layer.precision.weight_bits, seed + 1);
  return out;
}

cost_models::WorkloadStats simulate_workload(const workloads::Workload& workload, const cost_models::AcceleratorConfig& config,
                                const SimulationOptions& options,
                                const std::function<void(std::size_t, std::size_t)>& progress) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  std::vector<cost_models::LayerStats> layers;
  layers.reserve(infos.size());
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const workloads::Layer& layer = workload.layers[i];
    const cost_models::LayerSchedule schedule = cost_models::map_layer(layer, infos[i], config);
    if (!schedule.on_array) {
      layers.push_back(simulate_layer(schedule, config, {}, {}, options).stats);
    } else {
      const LayerOperands operands = random_operands(layer, infos[i], options.seed * 0x9E3779B97F4A7C15ull + i);
      layers.push_back(simulate_layer(schedule, config, operands.input, operands.weights, options).stats);
    }
    if (progress) progress(i + 1, infos.size());
  }
  return cost_models::summarize(workload.name, std::move(layers));
}

}  // namespace nce::sim

// libsystemc's own main() refers to sc_main; our programs bring their own main(), so this one
// only satisfies the linker.
int sc_main(int, char*[]) { return 0; }
