// The analytical model equals the SystemC model: every statistic (cycles, stalls by cause,
// SRAM/DRAM counts, energy) of every conv/fc layer kind of the zoo, shrunk spatially to keep the
// simulation short, on 8x8, 16x16, 32x32 and 16x32 arrays, both dataflows, the default, a
// DRAM-bound and a narrow-SRAM-port config, wider layers on small buffers (both loop orders, long
// step chains), plus a seeded sweep of odd configs. Zero difference; a failure names the first
// differing layer, config and field. Full-size zoo layers: bench/cost_table_speed.sh.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <tuple>

#include "nce/cost_models/analytical_model.hpp"
#include "nce/sim/simulator.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::sim {
namespace {

struct Case {
  workloads::Layer layer;
  workloads::LayerInfo info;
};

Case make_case(workloads::Layer layer, workloads::TensorShape in) {
  layer.inputs.clear();
  layer.input_shape = in;
  const workloads::Workload w{layer.name, in, {layer}};
  return {layer, analyze(w).front()};
}

// One representative per (type, kernel, stride, padding, groups, precision) over the zoo, at
// most max_in input / max_out output channels (the odd defaults leave partial array tiles) on a
// map of at most max_h x max_w (FC: 2 max_out features), plus a grouped conv, which the zoo lacks.
std::vector<Case> zoo_layer_kinds(int max_in = 40, int max_out = 36, int max_h = 10, int max_w = 9) {
  std::map<std::tuple<int, int, int, int, int, int, int, int>, Case> kinds;
  for (const std::string& name : workloads::zoo::names()) {
    const workloads::Workload w = workloads::zoo::make(name);
    const std::vector<workloads::LayerInfo> infos = analyze(w);
    for (std::size_t i = 0; i < infos.size(); ++i) {
      workloads::Layer layer = w.layers[i];
      if (!layer.has_weights()) continue;
      // Grouped convs (MobileNetV2's depthwise) form one kind whatever their group count.
      const auto key = std::make_tuple(int(layer.type), layer.kernel_h, layer.kernel_w, layer.stride, layer.padding,
                                       std::min(layer.groups, 2), layer.precision.weight_bits, layer.precision.act_bits);
      if (kinds.contains(key)) continue;
      workloads::TensorShape in = layer.type == workloads::LayerType::fc
                                 ? workloads::TensorShape{2 * max_out, 1, 1}
                                 : workloads::TensorShape{std::min(infos[i].in.channels, max_in), std::min(infos[i].in.height, max_h),
                                               std::min(infos[i].in.width, max_w)};
      if (layer.groups > 1) {  // fewer groups, the same channels per group
        const int per_in = infos[i].in.channels / layer.groups;
        const int per_out = layer.out_channels / layer.groups;
        layer.groups = std::max(1, std::min(max_in / per_in, max_out / per_out));
        in.channels = layer.groups * per_in;
        layer.out_channels = layer.groups * per_out;
      }
      layer.out_channels = std::min(layer.out_channels, max_out);
      layer.name = fmt::format("{}/{}", name, layer.name);
      kinds.emplace(key, make_case(layer, in));
    }
  }
  std::vector<Case> cases;
  for (auto& [key, c] : kinds) cases.push_back(c);
  workloads::Layer grouped;
  grouped.name = "grouped3x3";
  grouped.out_channels = 12;
  grouped.kernel_h = grouped.kernel_w = 3;
  grouped.padding = 1;
  grouped.groups = 3;
  cases.push_back(make_case(grouped, {9, 6, 7}));
  return cases;
}

cost_models::AcceleratorConfig array_config(const cost_models::AcceleratorConfig& base, int rows, int cols,
                                            const std::string& dataflow) {
  cost_models::AcceleratorConfig c = base;
  c.rows = rows;
  c.cols = cols;
  c.dataflow = dataflow;
  c.name = fmt::format("{}-{}x{}-{}", base.name, rows, cols, dataflow);
  return c;
}

// Every registered dataflow: a new one is covered without touching this test.
std::vector<std::string> dataflows() {
  const std::vector<std::string> names = cost_models::DataflowRegistry::names();
  EXPECT_GE(names.size(), 3u);  // ws, os, is
  return names;
}

// configs/default.yaml (64 KiB buffers, 8 B/cycle).
cost_models::AcceleratorConfig default_config() { return cost_models::load_accelerator_config({}); }

// Small buffers (many double-buffered steps) and half a byte per cycle of DRAM: the array
// waits on DRAM for most of every layer.
cost_models::AcceleratorConfig dram_bound_config() {
  cost_models::AcceleratorConfig c = cost_models::load_accelerator_config({});
  c.name = "dram-bound";
  c.ifmap.capacity_bytes = 8 * 1024;
  c.weight.capacity_bytes = 4 * 1024;
  c.ofmap.capacity_bytes = 4 * 1024;
  c.dram.bytes_per_cycle = 0.5;
  c.dram.latency_cycles = 150;
  return c;
}

// SRAM words narrower than an array edge and single ports: bubble columns (stall_other), slow
// weight loads, and on wide arrays folds whose stream outlasts their outputs.
cost_models::AcceleratorConfig narrow_ports_config() {
  cost_models::AcceleratorConfig c = cost_models::load_accelerator_config({});
  c.name = "narrow-ports";
  c.ifmap = {16 * 1024, 16, 1};
  c.weight = {8 * 1024, 32, 1};
  c.ofmap = {8 * 1024, 32, 1};  // one sum per word: 16x32 WS folds stream longer than rows + m
  c.dram.bytes_per_cycle = 2;
  c.dram.latency_cycles = 60;
  return c;
}

#define NCE_FIELDS(X)                                                                                              \
  X(layer) X(type) X(on_array) X(macs) X(array_macs) X(passes) X(folds) X(steps) X(cycles) X(compute_cycles)        \
  X(stall_dram) X(stall_stationary_load) X(stall_fill_drain) X(stall_other) X(ifmap.reads) X(ifmap.writes)              \
  X(ifmap.read_bits) X(ifmap.write_bits) X(weight.reads) X(weight.writes) X(weight.read_bits) X(weight.write_bits)  \
  X(ofmap.reads) X(ofmap.writes) X(ofmap.read_bits) X(ofmap.write_bits) X(psum_readback_words)                       \
  X(output_accumulations) X(stationary_register_bits) X(dram_read_bytes) X(dram_write_bytes) X(energy.multiplier_pj)    \
  X(energy.accumulator_pj) X(energy.register_pj) X(energy.output_adder_pj) X(energy.sram_ifmap_pj)                  \
  X(energy.sram_weight_pj) X(energy.sram_ofmap_pj) X(energy.dram_pj) X(energy.leakage_pj)

// The first field where the two differ ("cycles: analytical 123, SystemC 125"), or nothing.
std::optional<std::string> first_difference(const cost_models::LayerStats& a, const cost_models::LayerStats& s) {
#define NCE_COMPARE(field) \
  if (!(a.field == s.field)) return fmt::format("{}: analytical {}, SystemC {}", #field, a.field, s.field);
  NCE_FIELDS(NCE_COMPARE)
#undef NCE_COMPARE
  if (!(a == s)) return std::string("a field outside the compared list");  // keeps the list complete
  return std::nullopt;
}

// Returns false (with one message) at the first difference, so one bug does not print 300 lines.
bool expect_exact(const Case& c, const cost_models::AcceleratorConfig& config) {
  const cost_models::LayerSchedule schedule = cost_models::map_layer(c.layer, c.info, config);
  const cost_models::LayerStats analytical = cost_models::analytical_layer_stats(schedule, config);
  const cost_models::LayerStats simulated = cost_models::make_cost_model("simulated", {7})->evaluate(c.layer, c.info, config);
  if (const auto diff = first_difference(analytical, simulated)) {
    ADD_FAILURE() << "layer " << c.layer.name << " (in " << c.info.in.channels << "x" << c.info.in.height << "x"
                  << c.info.in.width << ", out " << c.info.out.channels << ") on " << config.name << " ("
                  << schedule.steps.size() << " steps): " << *diff;
    return false;
  }
  EXPECT_EQ(simulated.cycles > 0, schedule.on_array) << c.layer.name;
  return true;
}

void expect_exact_on(const cost_models::AcceleratorConfig& base) {
  const std::vector<Case> cases = zoo_layer_kinds();
  for (auto [rows, cols] : {std::pair{8, 8}, {16, 16}, {32, 32}, {16, 32}}) {
    for (const std::string& dataflow : dataflows()) {
      const cost_models::AcceleratorConfig config = array_config(base, rows, cols, dataflow);
      for (const Case& c : cases) {
        if (!expect_exact(c, config)) return;
      }
    }
  }
}

TEST(AnalyticalExactness, ZooLayerKindsOnDefaultBuffers) { expect_exact_on(default_config()); }

TEST(AnalyticalExactness, EveryPrecisionAMixedPrecisionSearchChooses) {
  // The cost tables' precision axis: each layer kind at every weight/activation pair of 2..4
  // bits (the EBS candidates; W8A8 is among the zoo kinds already), on every dataflow.
  for (auto [rows, cols] : {std::pair{8, 8}, {16, 16}}) {
    for (const std::string& dataflow : dataflows()) {
      const cost_models::AcceleratorConfig config = array_config(default_config(), rows, cols, dataflow);
      for (Case c : zoo_layer_kinds()) {
        for (int w : {2, 3, 4}) {
          for (int a : {2, 3, 4}) {
            c.layer.precision = {w, a};
            if (!expect_exact(c, config)) return;
          }
        }
      }
    }
  }
}

TEST(AnalyticalExactness, ZooLayerKindsDramBound) {
  // The config really is DRAM-bound: over the dense W2A2 layer kinds (the searched ones; W8A8
  // layers run 20 digit passes per byte loaded; a depthwise conv maps one channel per group, so
  // its time goes to folds of a mostly idle array) the array waits on DRAM most of the time.
  const cost_models::AcceleratorConfig config = array_config(dram_bound_config(), 16, 16, "ws");
  std::int64_t cycles = 0, stall_dram = 0;
  for (const Case& c : zoo_layer_kinds()) {
    if (c.layer.precision != workloads::Precision{2, 2} || c.layer.groups > 1) continue;
    const cost_models::LayerStats s = cost_models::analytical_layer_stats(cost_models::map_layer(c.layer, c.info, config), config);
    cycles += s.cycles;
    stall_dram += s.stall_dram;
  }
  EXPECT_GT(stall_dram * 2, cycles);
  expect_exact_on(dram_bound_config());
}

TEST(AnalyticalExactness, ZooLayerKindsNarrowSramPorts) { expect_exact_on(narrow_ports_config()); }

// Wider layers (up to 136 channels, 16x16 maps) on the DRAM-bound buffers: weight blocks that
// no longer fit one slot, so the mapper picks both loop orders and long chains of steps.
TEST(AnalyticalExactness, WideLayersOnSmallBuffers) {
  const std::vector<Case> cases = zoo_layer_kinds(136, 136, 16, 16);
  std::set<cost_models::LoopOrder> orders;
  std::size_t most_steps = 0;
  for (auto [rows, cols] : {std::pair{8, 8}, {16, 16}, {32, 32}, {16, 32}}) {
    for (const std::string& dataflow : dataflows()) {
      const cost_models::AcceleratorConfig config = array_config(dram_bound_config(), rows, cols, dataflow);
      for (const Case& c : cases) {
        const cost_models::LayerSchedule s = cost_models::map_layer(c.layer, c.info, config);
        if (s.steps.size() > 1) orders.insert(s.order);
        most_steps = std::max(most_steps, s.steps.size());
        if (!expect_exact(c, config)) return;
      }
    }
  }
  // The comparisons mean something only if the schedules exercise the recurrence.
  EXPECT_EQ(orders.size(), 2u);
  EXPECT_GE(most_steps, 8u);
}

TEST(AnalyticalExactness, OffloadedWideLayersCostNothingOnTheArrayInBothModels) {
  cost_models::AcceleratorConfig config = cost_models::load_accelerator_config({}, {{"array.offload_wide_layers", "true"}});
  ASSERT_TRUE(config.offload_wide_layers);
  // Part of the cost-table cache key, so switching it never reuses entries.
  EXPECT_NE(cost_models::accelerator_config_to_yaml(config), cost_models::accelerator_config_to_yaml(default_config()));
  int wide = 0;
  for (const Case& c : zoo_layer_kinds()) {
    if (!expect_exact(c, config)) return;
    const cost_models::LayerStats s = cost_models::make_cost_model("analytical")->evaluate(c.layer, c.info, config);
    if (c.layer.precision == workloads::Precision{2, 2}) {
      EXPECT_EQ(s, cost_models::make_cost_model("analytical")->evaluate(c.layer, c.info, default_config())) << c.layer.name;
    } else {
      ++wide;
      EXPECT_FALSE(s.on_array) << c.layer.name;
      EXPECT_EQ(s.cycles, 0) << c.layer.name;
      EXPECT_EQ(s.dram_read_bytes, 0) << c.layer.name;
      EXPECT_EQ(s.energy.total(), 0.0) << c.layer.name;
      EXPECT_EQ(s.macs, c.info.macs) << c.layer.name;
    }
  }
  EXPECT_GT(wide, 0);
}

TEST(AnalyticalExactness, SeededSweepOfOddConfigs) {
  // Latencies, fractional bandwidths, port counts and word widths the named configs do not
  // reach, including ports so narrow that a fold's stream outlasts its outputs.
  const std::vector<Case> cases = zoo_layer_kinds();
  std::mt19937_64 rng(2024);
  auto pick = [&](std::initializer_list<int> values) {
    return *(values.begin() + std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(rng));
  };
  for (int trial = 0; trial < 48; ++trial) {
    cost_models::AcceleratorConfig config = cost_models::load_accelerator_config({});
    config.rows = pick({4, 8, 12, 16});
    config.cols = pick({4, 8, 16, 24});
    config.dataflow = dataflows()[std::size_t(trial) % dataflows().size()];
    config.ifmap = {std::int64_t{pick({8, 16, 64})} * 1024, pick({0, 8, 24}), pick({1, 2})};
    config.weight = {std::int64_t{pick({4, 16, 64})} * 1024, pick({0, 8, 16}), pick({1, 2})};
    config.ofmap = {std::int64_t{pick({4, 16, 64})} * 1024, pick({0, 32, 96}), pick({1, 2, 3})};
    config.dram.bytes_per_cycle = pick({1, 3, 6, 16}) / 4.0;
    config.dram.latency_cycles = pick({0, 1, 37, 400});
    config.name = fmt::format("sweep{}", trial);
    const Case& c = cases[std::size_t(trial) % cases.size()];
    if (!expect_exact(c, config)) return;
  }
}

}  // namespace
}  // namespace nce::sim
