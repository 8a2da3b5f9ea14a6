#pragma once
// A tiny ResNet as a workload (same structure as the zoo's CIFAR ResNets: 3x3 body, a
// stride-2 stage with a 1x1 projection shortcut, global pooling, FC), small enough for tests.
#include <memory>

#include "nce/train/network.hpp"
#include "nce/workloads/workload.hpp"
#include "support/layers.hpp"

namespace nce::train::testing {

inline workloads::Workload tiny_resnet(int bits, workloads::TensorShape input = {1, 8, 8}) {
  workloads::Workload w;
  w.name = "tiny-resnet";
  w.input = input;
  const auto conv = [&](const std::string& name, std::vector<std::string> inputs, int out, int kernel, int stride,
                        int padding, bool relu, int layer_bits) {
    w.layers.push_back(nce::testing::conv_layer(name, std::move(inputs), out, kernel, stride, padding, relu, layer_bits));
  };
  const auto add = [&](const std::string& name, const std::string& a, const std::string& b) {
    w.layers.push_back(nce::testing::add_layer(name, a, b));
  };
  // First conv, shortcut and FC at W8A8 (NCE paper 5.1). bits = 32 builds the W2A2 workload;
  // the caller runs it unquantized (Network's `quantize` flag).
  const int high = 8;
  if (bits >= 32) bits = 2;
  conv("conv1", {}, 4, 3, 1, 1, true, high);
  conv("b.conv_a", {"conv1"}, 4, 3, 1, 1, true, bits);
  conv("b.conv_b", {"b.conv_a"}, 4, 3, 1, 1, false, bits);
  add("b.add", "b.conv_b", "conv1");
  conv("d.conv_a", {"b.add"}, 8, 3, 2, 1, true, bits);
  conv("d.conv_b", {"d.conv_a"}, 8, 3, 1, 1, false, bits);
  conv("d.shortcut", {"b.add"}, 8, 1, 2, 0, false, high);
  add("d.add", "d.conv_b", "d.shortcut");
  workloads::Layer pool;
  pool.name = "pool";
  pool.type = workloads::LayerType::pool;
  pool.pool = workloads::PoolType::global_avg;
  pool.inputs = {"d.add"};
  w.layers.push_back(pool);
  workloads::Layer fc;
  fc.name = "fc";
  fc.type = workloads::LayerType::fc;
  fc.inputs = {"pool"};
  fc.out_channels = 10;
  fc.bias = true;
  fc.precision = {high, high};
  w.layers.push_back(fc);
  return w;
}

// The tiny ResNet as a network: bits 2..16 quantized, 32 in float.
inline std::unique_ptr<Network> tiny_network(int bits, std::uint64_t seed) {
  return std::make_unique<Network>(tiny_resnet(bits), seed, bits < 32);
}

}  // namespace nce::train::testing
