// --pe-model rtl swaps the behavioural array for the verilated rtl/mac_array.sv driven by the same
// fold timeline: outputs and every statistic (cycles, stalls, accesses, energy) must be identical.
#include <gtest/gtest.h>

#include "nce/sim/simulator.hpp"
#include "nce/core/input_error.hpp"

namespace nce::sim {
namespace {

struct Case {
  std::string name;
  workloads::TensorShape in;
  int out_channels;
  int kernel;
  int stride;
  int padding;
  workloads::Precision precision;
  workloads::LayerType type = workloads::LayerType::conv;
};

// The zoo's conv/FC kinds, shrunk: 3x3 s1/s2, 1x1 s2 shortcut (W8A8), 7x7 s2 stem (W8A8), FC (W8A8).
const std::vector<Case> kCases = {
    {"conv3x3", {20, 6, 6}, 18, 3, 1, 1, {2, 2}},
    {"conv3x3_s2", {16, 7, 7}, 12, 3, 2, 1, {2, 2}},
    {"shortcut1x1_s2_w8a8", {8, 6, 6}, 10, 1, 2, 0, {8, 8}},
    {"stem7x7_s2_w8a8", {3, 9, 9}, 6, 7, 2, 3, {8, 8}},
    {"fc_w8a8", {24, 1, 1}, 7, 1, 1, 0, {8, 8}, workloads::LayerType::fc},
};

void expect_identical(const Case& c, const cost_models::AcceleratorConfig& config) {
  workloads::Workload w;
  w.name = c.name;
  w.input = c.in;
  workloads::Layer layer;
  layer.name = c.name;
  layer.type = c.type;
  layer.out_channels = c.out_channels;
  if (c.type == workloads::LayerType::conv) {
    layer.kernel_h = layer.kernel_w = c.kernel;
    layer.stride = c.stride;
    layer.padding = c.padding;
  }
  layer.precision = c.precision;
  w.layers = {layer};
  const cost_models::LayerSchedule schedule = cost_models::map_layer(w.layers[0], analyze(w)[0], config);
  const workloads::ref::FeatureMap input = random_activations(c.in, c.precision.act_bits, 21);
  const workloads::ref::Filters weights =
      c.type == workloads::LayerType::fc
          ? random_weights(c.out_channels, static_cast<int>(c.in.elements()), 1, 1, c.precision.weight_bits, 22)
          : random_weights(c.out_channels, c.in.channels, c.kernel, c.kernel, c.precision.weight_bits, 22);
  const LayerRun behavioral = simulate_layer(schedule, config, input, weights, {PeModel::behavioral});
  const LayerRun rtl = simulate_layer(schedule, config, input, weights, {PeModel::rtl});
  EXPECT_EQ(rtl.output, behavioral.output) << c.name;
  EXPECT_EQ(rtl.stats, behavioral.stats) << c.name;
  EXPECT_EQ(rtl.stats.cycles, behavioral.stats.cycles) << c.name;
  EXPECT_GT(rtl.stats.cycles, 0) << c.name;
}

TEST(RtlEquivalence, SixteenBySixteenMatchesTheBehaviouralModel) {
  for (const Case& c : kCases) expect_identical(c, cost_models::AcceleratorConfig{});
}

TEST(RtlEquivalence, EightByEightWithBubblesAndSmallBuffersMatches) {
  cost_models::AcceleratorConfig config;
  config.rows = 8;
  config.cols = 8;
  config.ifmap.word_bits = 8;   // 2 cycles per column: bubble columns in the RTL stream
  config.weight.word_bits = 8;  // 2 cycles per weight row: gaps in w_shift
  config.ifmap.capacity_bytes = 512;
  config.ofmap.capacity_bytes = 1024;
  for (const Case& c : kCases) expect_identical(c, config);
}

TEST(RtlEquivalence, SizesThatWereNotVerilatedAreAnInputError) {
  cost_models::AcceleratorConfig config;
  config.rows = 12;
  config.cols = 12;
  EXPECT_THROW(expect_identical(kCases[0], config), core::InputError);
}

}  // namespace
}  // namespace nce::sim
