// The SystemC model computes real integer codes: every layer kind of the zoo, spatially and in
// channels shrunk, must equal the integer reference model bit for bit, on both dataflows and on
// buffers small enough to force many double-buffered steps.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "nce/sim/simulator.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::sim {
namespace {

struct Case {
  workloads::Layer layer;
  workloads::TensorShape in;
};

// One representative per (type, kernel, stride, padding, groups, precision) over the zoo,
// shrunk to at most 24 input / 20 output channels and a 9x9 input (FC: 40 features).
std::vector<Case> zoo_layer_kinds() {
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
      workloads::TensorShape in = infos[i].in;
      if (layer.type == workloads::LayerType::fc) {
        in = {40, 1, 1};
      } else if (layer.groups > 1) {  // fewer groups, the same channels per group
        const int per_in = in.channels / layer.groups;
        const int per_out = layer.out_channels / layer.groups;
        layer.groups = std::max(1, std::min(24 / per_in, 20 / per_out));
        in = {layer.groups * per_in, std::min(in.height, 9), std::min(in.width, 9)};
        layer.out_channels = layer.groups * per_out;
      } else {
        in = {std::min(in.channels, 24), std::min(in.height, 9), std::min(in.width, 9)};
      }
      layer.out_channels = std::min(layer.out_channels, 20);
      layer.inputs.clear();
      kinds[key] = {layer, in};
    }
  }
  std::vector<Case> cases;
  for (auto& [key, c] : kinds) cases.push_back(c);
  return cases;
}

workloads::Workload single_layer(const Case& c) {
  workloads::Workload w;
  w.name = c.layer.name;
  w.input = c.in;
  w.layers = {c.layer};
  return w;
}

void expect_bit_exact(const Case& c, const cost_models::AcceleratorConfig& config, std::uint64_t seed) {
  const workloads::Workload w = single_layer(c);
  const std::vector<workloads::LayerInfo> infos = analyze(w);
  const workloads::Layer& layer = w.layers[0];
  const cost_models::LayerSchedule schedule = cost_models::map_layer(layer, infos[0], config);
  const workloads::ref::FeatureMap input = random_activations(c.in, layer.precision.act_bits, seed);
  workloads::ref::FeatureMap expected;
  workloads::ref::Filters weights;
  if (layer.type == workloads::LayerType::fc) {
    weights = random_weights(layer.out_channels, static_cast<int>(c.in.elements()), 1, 1, layer.precision.weight_bits,
                             seed + 1);
    expected = workloads::ref::FeatureMap(layer.out_channels, 1, 1);
    expected.values = workloads::ref::fully_connected(input, weights);
  } else {
    weights = random_weights(layer.out_channels, c.in.channels / layer.groups, layer.kernel_h, layer.kernel_w,
                             layer.precision.weight_bits, seed + 1);
    expected = workloads::ref::conv2d(input, weights, {layer.stride, layer.padding, layer.groups});
  }
  const LayerRun run = simulate_layer(schedule, config, input, weights);
  EXPECT_EQ(run.output, expected) << layer.name << " (" << config.dataflow << ")";
  EXPECT_EQ(run.stats.passes, workloads::ref::activation_digit_count(layer.precision.act_bits) *
                                  workloads::ref::weight_digit_count(layer.precision.weight_bits));
}

cost_models::AcceleratorConfig tiny_buffers(const std::string& dataflow) {
  // Small enough that every layer splits into several output-row and channel blocks.
  cost_models::AcceleratorConfig config;
  config.rows = 8;
  config.cols = 8;
  config.dataflow = dataflow;
  config.ifmap.capacity_bytes = 1024;
  config.weight.capacity_bytes = 2048;
  config.ofmap.capacity_bytes = 1024;
  config.dram.bytes_per_cycle = 3;
  config.dram.latency_cycles = 7;
  return config;
}

TEST(SimFunctional, EveryZooLayerKindIsBitExactWeightStationary) {
  cost_models::AcceleratorConfig config;
  for (const Case& c : zoo_layer_kinds()) expect_bit_exact(c, config, 11);
}

TEST(SimFunctional, EveryZooLayerKindIsBitExactOutputStationary) {
  cost_models::AcceleratorConfig config;
  config.dataflow = "os";
  for (const Case& c : zoo_layer_kinds()) expect_bit_exact(c, config, 12);
}

TEST(SimFunctional, EveryZooLayerKindIsBitExactInputStationary) {
  cost_models::AcceleratorConfig config;
  config.dataflow = "is";
  for (const Case& c : zoo_layer_kinds()) expect_bit_exact(c, config, 16);
}

TEST(SimFunctional, ManySmallDoubleBufferedStepsStayBitExact) {
  for (const std::string& dataflow : cost_models::DataflowRegistry::names()) {
    for (const Case& c : zoo_layer_kinds()) {
      const cost_models::AcceleratorConfig config = tiny_buffers(dataflow);
      expect_bit_exact(c, config, 13);
    }
  }
}

TEST(SimFunctional, GroupedConvIsBitExact) {
  Case c;
  c.layer.name = "grouped";
  c.layer.type = workloads::LayerType::conv;
  c.layer.out_channels = 12;
  c.layer.kernel_h = c.layer.kernel_w = 3;
  c.layer.padding = 1;
  c.layer.groups = 3;
  c.in = {9, 6, 7};
  expect_bit_exact(c, cost_models::AcceleratorConfig{}, 14);
  for (const char* dataflow : {"os", "is"}) {
    cost_models::AcceleratorConfig config;
    config.dataflow = dataflow;
    expect_bit_exact(c, config, 15);
  }
}

TEST(SimFunctional, W8A8ConvRunsTwentyPasses) {
  Case c;
  c.layer.name = "w8a8";
  c.layer.out_channels = 5;
  c.layer.kernel_h = c.layer.kernel_w = 3;
  c.layer.padding = 1;
  c.layer.precision = {8, 8};
  c.in = {3, 5, 5};
  expect_bit_exact(c, cost_models::AcceleratorConfig{}, 16);
  const workloads::Workload w = single_layer(c);
  const cost_models::LayerSchedule schedule = cost_models::map_layer(w.layers[0], analyze(w)[0], cost_models::AcceleratorConfig{});
  EXPECT_EQ(schedule.passes, 20);  // 4 activation digits x 5 weight digits
}

TEST(SimFunctional, MixedPrecisionLayersAreBitExactOnEveryDataflow) {
  // The precisions a mixed-precision search (EBS, bits 2..4) derives: every weight/activation
  // pair of a conv, as digit passes on the 2-bit array, against the integer reference model.
  // Digits: 2 bits -> 1, 3 -> 2, 4 -> 3 for weights (the {-2..1} digit set needs an extra one
  // for positive 4-bit codes), 1, 2, 2 for activations.
  int compared = 0;
  for (int w : {2, 3, 4}) {
    for (int a : {2, 3, 4}) {
      Case c;
      c.layer.name = fmt::format("w{}a{}", w, a);
      c.layer.out_channels = 11;
      c.layer.kernel_h = c.layer.kernel_w = 3;
      c.layer.padding = 1;
      c.layer.precision = {w, a};
      c.in = {7, 6, 6};
      for (const std::string& dataflow : cost_models::DataflowRegistry::names()) {
        cost_models::AcceleratorConfig config;
        config.rows = 8;
        config.cols = 8;
        config.dataflow = dataflow;
        expect_bit_exact(c, config, std::uint64_t(100 + 10 * w + a));
        ++compared;
      }
      const workloads::Workload single = single_layer(c);
      const cost_models::LayerSchedule schedule =
          cost_models::map_layer(single.layers[0], analyze(single)[0], cost_models::AcceleratorConfig{});
      EXPECT_EQ(schedule.passes, workloads::ref::weight_digit_count(w) * workloads::ref::activation_digit_count(a));
    }
  }
  EXPECT_EQ(compared, 27);
  EXPECT_EQ(workloads::ref::weight_digit_count(3) * workloads::ref::activation_digit_count(3), 4);
  EXPECT_EQ(workloads::ref::weight_digit_count(4) * workloads::ref::activation_digit_count(4), 6);
}

}  // namespace
}  // namespace nce::sim
