#include "nce/train/network.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace nce::train {
namespace {

PoolKind pool_kind(workloads::PoolType type) {
  switch (type) {
    case workloads::PoolType::max: return PoolKind::max;
    case workloads::PoolType::avg: return PoolKind::avg;
    case workloads::PoolType::global_avg: return PoolKind::global_avg;
  }
  return PoolKind::max;
}

// A parallel copy: activation gradients are megabytes, too much for one core's bandwidth.
void copy_into(Tensor& dst, const Tensor& src) {
  const std::size_t count = dst.size();
  float* __restrict y = dst.data.data();
  const float* __restrict x = src.data.data();
#pragma omp parallel for schedule(static) if (count > kParallelElements)
  for (std::size_t i = 0; i < count; ++i) y[i] = x[i];
}

void add_into(Tensor& dst, const Tensor& src) {
  const std::size_t count = dst.size();
  float* __restrict y = dst.data.data();
  const float* __restrict x = src.data.data();
#pragma omp parallel for schedule(static) if (count > kParallelElements)
  for (std::size_t i = 0; i < count; ++i) y[i] += x[i];
}

}  // namespace

Network::Network(const workloads::Workload& workload, std::uint64_t seed, bool quantize, QuantRecipe recipe)
    : workload_(workload), recipe_(recipe), quantize_(quantize) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload_);
  std::unordered_map<std::string, int> index;
  Rng rng(seed);
  nodes_.resize(workload_.layers.size());
  for (std::size_t i = 0; i < workload_.layers.size(); ++i) {
    const workloads::Layer& layer = workload_.layers[i];
    Node& node = nodes_[i];
    node.layer = layer;
    if (layer.input_shape) {
      throw std::invalid_argument("layer " + layer.name + ": imported topologies without a graph cannot be trained");
    }
    if (layer.inputs.empty()) node.inputs.push_back(-1);
    for (const std::string& producer : layer.inputs) node.inputs.push_back(index.at(producer));
    index[layer.name] = int(i);
    const workloads::LayerInfo& info = infos[i];
    if (layer.has_weights()) {
      const workloads::Precision precision =
          quantize ? layer.precision : workloads::Precision{kFullPrecisionBits, kFullPrecisionBits};
      if (layer.groups != 1) throw std::invalid_argument("layer " + layer.name + ": grouped convs are not supported");
      const bool reads_image = node.inputs[0] < 0;
      if (quantized(precision.act_bits) && !reads_image) {
        node.pact = std::make_unique<PactQuantizer>(layer.name + ".alpha", precision.act_bits, recipe.alpha_gradient);
      }
      ConvShape shape;
      if (layer.type == workloads::LayerType::fc) {
        shape = ConvShape{int(info.in.elements()), layer.out_channels, 1, 1, 0};
      } else {
        shape = ConvShape{info.in.channels, layer.out_channels, layer.kernel_h, layer.stride, layer.padding};
        if (layer.kernel_h != layer.kernel_w) throw std::invalid_argument("layer " + layer.name + ": non-square kernel");
      }
      node.conv = std::make_unique<Conv2d>(layer.name, shape, precision.weight_bits, layer.bias, recipe.weight_scale);
      node.conv->init(rng);
      if (layer.batch_norm) node.bn = std::make_unique<BatchNorm2d>(layer.name + ".bn", layer.out_channels);
    } else if (layer.type == workloads::LayerType::pool) {
      node.pool = std::make_unique<Pool2d>(PoolShape{pool_kind(layer.pool), layer.kernel_h, layer.stride, layer.padding});
    }
  }
}

const Tensor& Network::input_tensor(const Node& node, std::size_t which) const {
  const int producer = node.inputs[which];
  return producer < 0 ? *input_ : *nodes_[std::size_t(producer)].result;
}

void Network::forward_weighted(Node& node, bool training) {
  const Tensor* x = &input_tensor(node, 0);
  if (node.layer.type == workloads::LayerType::fc) {
    node.flat_in.resize(x->n, int(x->image_size()), 1, 1);
    std::copy(x->data.begin(), x->data.end(), node.flat_in.data.begin());
    x = &node.flat_in;
  }
  if (node.pact) {
    node.pact->forward(*x, node.quant_in);
    x = &node.quant_in;
  }
  // In training, the conv hands batch norm its output's moments (ChannelMoments).
  const bool moments = node.bn && training;
  node.conv->forward(*x, node.conv_out, moments ? &node.moments : nullptr);
  node.result = &node.conv_out;
  if (node.bn) {
    // BN and ReLU in one pass: the ReLU's output is all that backward needs.
    Tensor& normalized = node.layer.relu ? node.out : node.bn_out;
    node.bn->forward(node.conv_out, normalized, training, node.layer.relu, moments ? &node.moments : nullptr);
    node.result = &normalized;
  } else if (node.layer.relu) {
    relu_forward(*node.result, node.out);
    node.result = &node.out;
  }
}

void Network::calibrate(const Tensor& images) {
  for (Node& node : nodes_) {
    if (node.pact) node.pact->calibrate_on_next_forward();
  }
  forward(images, true);
}

const Tensor& Network::forward(const Tensor& input, bool training) {
  const workloads::TensorShape& shape = workload_.input;
  if (input.c != shape.channels || input.h != shape.height || input.w != shape.width) {
    throw std::invalid_argument("network " + workload_.name + ": input shape differs from the workload's");
  }
  input_ = &input;
  for (Node& node : nodes_) {
    node.has_grad = false;
    switch (node.layer.type) {
      case workloads::LayerType::conv:
      case workloads::LayerType::fc: forward_weighted(node, training); break;
      case workloads::LayerType::pool:
        node.pool->forward(input_tensor(node, 0), node.out);
        node.result = &node.out;
        break;
      case workloads::LayerType::add: {
        if (node.inputs.size() != 2) throw std::invalid_argument("add " + node.layer.name + ": needs two inputs");
        // The closing ReLU in the same pass; backward needs only its output.
        Tensor& sum = node.layer.relu ? node.out : node.scratch_a;
        add_forward(input_tensor(node, 0), input_tensor(node, 1), sum, node.layer.relu);
        node.result = &sum;
        break;
      }
    }
  }
  return *nodes_.back().result;
}

void Network::accumulate(int producer, Tensor& grad, bool last_use) {
  if (producer < 0) return;
  Node& node = nodes_[std::size_t(producer)];
  if (node.has_grad) {
    add_into(node.grad, grad);
    return;
  }
  node.has_grad = true;
  if (last_use) {
    // The producer's first gradient takes the buffer itself. The consumer's buffer is scratch
    // that its next forward or backward resizes before use, so an exchange costs no copy.
    std::swap(node.grad, grad);
    return;
  }
  node.grad.resize(grad.n, grad.c, grad.h, grad.w);
  copy_into(node.grad, grad);
}

void Network::backward_weighted(Node& node) {
  const Tensor* g = &node.grad;
  if (node.bn) {
    node.bn->backward(node.conv_out, *g, node.scratch_b, node.layer.relu);
    g = &node.scratch_b;
  } else if (node.layer.relu) {
    relu_backward(node.out, *g, node.scratch_a);
    g = &node.scratch_a;
  }
  const bool needs_input_grad = node.inputs[0] >= 0;
  const Tensor& x = node.layer.type == workloads::LayerType::fc ? node.flat_in : input_tensor(node, 0);
  const Tensor& conv_in = node.pact ? node.quant_in : x;
  // scratch_a may hold g (the ReLU gradient); write the conv's input gradient elsewhere.
  Tensor& dconv_in = g == &node.scratch_a ? node.bn_out : node.scratch_a;
  node.conv->backward(conv_in, *g, needs_input_grad ? &dconv_in : nullptr);
  if (!needs_input_grad) return;
  Tensor* dx = &dconv_in;
  if (node.pact) {
    node.pact->backward(x, dconv_in, node.scratch_b);
    dx = &node.scratch_b;
  }
  if (node.layer.type == workloads::LayerType::fc) {
    const Tensor& original = input_tensor(node, 0);
    dx->resize(original.n, original.c, original.h, original.w);  // same element count: a view change
  }
  accumulate(node.inputs[0], *dx, true);
}

void Network::backward(const Tensor& dlogits) {
  Node& last = nodes_.back();
  last.grad = dlogits;
  last.has_grad = true;
  for (std::size_t i = nodes_.size(); i-- > 0;) {
    Node& node = nodes_[i];
    if (!node.has_grad) continue;
    switch (node.layer.type) {
      case workloads::LayerType::conv:
      case workloads::LayerType::fc: backward_weighted(node); break;
      case workloads::LayerType::pool: {
        node.pool->backward(input_tensor(node, 0), node.grad, node.scratch_a);
        accumulate(node.inputs[0], node.scratch_a, true);
        break;
      }
      case workloads::LayerType::add: {
        Tensor* g = &node.grad;
        if (node.layer.relu) {
          relu_backward(node.out, node.grad, node.scratch_b);
          g = &node.scratch_b;
        }
        // Only the last input may take g's buffer; the slice of a narrower input is its own.
        for (std::size_t k = 0; k < node.inputs.size(); ++k) {
          const int producer = node.inputs[k];
          if (producer < 0) continue;
          const int channels = input_tensor(node, k).c;
          if (channels == g->c) {
            accumulate(producer, *g, k + 1 == node.inputs.size());
          } else {
            add_backward_slice(*g, channels, node.flat_in);
            accumulate(producer, node.flat_in, true);
          }
        }
        break;
      }
    }
  }
}

void Network::zero_grad() {
  for (Parameter* p : parameters()) p->zero_grad();
}

void Network::after_step() {
  for (Node& node : nodes_) {
    if (node.pact) node.pact->clamp_alpha();
  }
}

std::vector<Parameter*> Network::parameters() {
  std::vector<Parameter*> result;
  for (Node& node : nodes_) {
    if (node.pact && quantized(node.pact->bits())) result.push_back(&node.pact->alpha_parameter());
    if (node.conv) {
      result.push_back(&node.conv->weight);
      if (!node.conv->bias.value.empty()) result.push_back(&node.conv->bias);
    }
    if (node.bn) {
      result.push_back(&node.bn->gamma);
      result.push_back(&node.bn->beta);
    }
  }
  return result;
}

std::vector<Buffer> Network::buffers() {
  std::vector<Buffer> result;
  for (Node& node : nodes_) {
    if (!node.bn) continue;
    result.push_back({node.layer.name + ".bn.running_mean", &node.bn->running_mean});
    result.push_back({node.layer.name + ".bn.running_var", &node.bn->running_var});
  }
  return result;
}

std::size_t Network::index_of(std::string_view layer) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].layer.name == layer) return i;
  }
  throw std::out_of_range("no layer named " + std::string(layer));
}

Conv2d& Network::conv(std::string_view layer) {
  Node& node = nodes_[index_of(layer)];
  if (!node.conv) throw std::out_of_range(std::string(layer) + " has no weights");
  return *node.conv;
}
BatchNorm2d* Network::batch_norm(std::string_view layer) { return nodes_[index_of(layer)].bn.get(); }
PactQuantizer* Network::pact(std::string_view layer) { return nodes_[index_of(layer)].pact.get(); }
const Tensor& Network::layer_input(std::string_view layer) const {
  const Node& node = nodes_[index_of(layer)];
  return node.layer.type == workloads::LayerType::fc ? node.flat_in : input_tensor(node, 0);
}
const Tensor& Network::conv_output(std::string_view layer) const { return nodes_[index_of(layer)].conv_out; }
const Tensor& Network::layer_output(std::string_view layer) const { return *nodes_[index_of(layer)].result; }

}  // namespace nce::train
