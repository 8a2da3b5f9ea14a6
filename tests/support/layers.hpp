#pragma once
// Layers for the small hand-built workloads of the tests, as the zoo builds its ResNets: a conv
// with batch norm, and a residual add followed by ReLU.
#include <string>
#include <utility>
#include <vector>

#include "nce/workloads/layer.hpp"

namespace nce::testing {

// A conv with batch norm at W`bits`A`bits`, reading `inputs` (empty: the network's input).
inline workloads::Layer conv_layer(std::string name, std::vector<std::string> inputs, int out_channels, int kernel,
                                   int stride, int padding, bool relu, int bits, bool searchable = false) {
  workloads::Layer l;
  l.name = std::move(name);
  l.type = workloads::LayerType::conv;
  l.inputs = std::move(inputs);
  l.out_channels = out_channels;
  l.kernel_h = l.kernel_w = kernel;
  l.stride = stride;
  l.padding = padding;
  l.batch_norm = true;
  l.relu = relu;
  l.precision = {bits, bits};
  l.searchable = searchable;
  return l;
}

// a + b, then ReLU.
inline workloads::Layer add_layer(std::string name, std::string a, std::string b) {
  workloads::Layer l;
  l.name = std::move(name);
  l.type = workloads::LayerType::add;
  l.inputs = {std::move(a), std::move(b)};
  l.relu = true;
  return l;
}

}  // namespace nce::testing
