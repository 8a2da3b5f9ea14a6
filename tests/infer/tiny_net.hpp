#pragma once
// A tiny ResNet-shaped workload (W8A8 stem, max pool, a residual block, a stride-2 block with a
// 1x1 W8A8 projection shortcut, global pooling, W8A8 FC with bias) and toy data, trained for a few
// steps by train::train into a run directory, for the integer-inference tests.
#include <cstdint>
#include <filesystem>
#include <string>

#include "nce/train/datasets.hpp"
#include "nce/train/random.hpp"
#include "nce/train/trainer.hpp"
#include "nce/workloads/workload.hpp"
#include "support/layers.hpp"

namespace nce::infer::testing {

namespace fs = std::filesystem;

// `bits`: the body's precision (2, 3, 4); `channels`: of the input image.
inline workloads::Workload tiny_workload(int bits = 2, int channels = 1, int size = 16) {
  workloads::Workload w;
  w.name = "infer-tiny";
  w.input = {channels, size, size};
  const auto conv = [&](const std::string& name, std::vector<std::string> inputs, int out, int kernel, int stride,
                        int padding, bool relu, int layer_bits, bool searchable) {
    w.layers.push_back(nce::testing::conv_layer(name, std::move(inputs), out, kernel, stride, padding, relu, layer_bits,
                                                searchable));
  };
  const auto add = [&](const std::string& name, const std::string& a, const std::string& b) {
    w.layers.push_back(nce::testing::add_layer(name, a, b));
  };
  conv("conv1", {}, 8, 3, 1, 1, true, 8, false);
  workloads::Layer pool;
  pool.name = "pool1";
  pool.type = workloads::LayerType::pool;
  pool.pool = workloads::PoolType::max;
  pool.kernel_h = pool.kernel_w = 2;
  pool.stride = 2;
  pool.inputs = {"conv1"};
  w.layers.push_back(pool);
  conv("b.conv_a", {"pool1"}, 8, 3, 1, 1, true, bits, true);
  conv("b.conv_b", {"b.conv_a"}, 8, 3, 1, 1, false, bits, true);
  add("b.add", "b.conv_b", "pool1");
  conv("d.conv_a", {"b.add"}, 16, 3, 2, 1, true, bits, true);
  conv("d.conv_b", {"d.conv_a"}, 16, 3, 1, 1, false, bits, true);
  conv("d.shortcut", {"b.add"}, 16, 1, 2, 0, false, 8, false);
  add("d.add", "d.conv_b", "d.shortcut");
  workloads::Layer gap;
  gap.name = "gap";
  gap.type = workloads::LayerType::pool;
  gap.pool = workloads::PoolType::global_avg;
  gap.inputs = {"d.add"};
  w.layers.push_back(gap);
  workloads::Layer fc;
  fc.name = "fc";
  fc.type = workloads::LayerType::fc;
  fc.inputs = {"gap"};
  fc.out_channels = 10;
  fc.bias = true;
  fc.precision = {8, 8};
  w.layers.push_back(fc);
  return w;
}

// Class k: a bright square at one of 10 places on noise (per channel a different brightness).
inline train::Dataset toy_data(int count, int channels, int size, std::uint64_t seed) {
  train::Dataset d;
  d.channels = channels;
  d.height = d.width = size;
  train::Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    const int label = int(rng.below(10));
    d.labels.push_back(label);
    const int cy = (label / 5) * (size / 2) + size / 4;
    const int cx = (label % 5) * (size / 5) + 1;
    for (int c = 0; c < channels; ++c) {
      for (int p = 0; p < size * size; ++p) {
        const int y = p / size;
        const int x = p % size;
        const bool on = std::abs(y - cy) <= 2 && std::abs(x - cx) <= 1;
        d.pixels.push_back(std::uint8_t(on ? 150 + 30 * c + rng.below(60) : rng.below(90)));
      }
    }
  }
  return d;
}

// Trains `workload` for one short epoch into `dir` (model.yaml, checkpoint.bin, summary.json).
// `dataset` names the normalisation (fashion-mnist: 1 channel, cifar10: 3).
inline void train_run(const workloads::Workload& workload, const fs::path& dir, const std::string& dataset,
                      bool quantize = true, int train_images = 256) {
  fs::remove_all(dir);
  const int channels = workload.input.channels;
  const int size = workload.input.height;
  train::DatasetSplits data{toy_data(train_images, channels, size, 11), toy_data(64, channels, size, 12)};
  train::Network network(workload, 5, quantize);
  train::TrainConfig config;
  config.dataset = dataset;
  config.epochs = 1;
  config.batch = 32;
  config.lr = 0.05;
  config.seed = 5;
  config.out = dir;
  config.augmentation.enabled = false;
  train::train(network, data, config);
}

}  // namespace nce::infer::testing
