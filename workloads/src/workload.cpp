#include "nce/workloads/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "nce/core/input_error.hpp"

namespace nce::workloads {

std::string_view to_string(LayerType type) {
  switch (type) {
    case LayerType::conv: return "conv";
    case LayerType::fc: return "fc";
    case LayerType::pool: return "pool";
    case LayerType::add: return "add";
  }
  return "?";
}

std::string_view to_string(PoolType type) {
  switch (type) {
    case PoolType::max: return "max";
    case PoolType::avg: return "avg";
    case PoolType::global_avg: return "global_avg";
  }
  return "?";
}

std::string_view to_string(Join join) { return join == Join::prefix ? "prefix" : "equal"; }

Join join_from_string(std::string_view text) {
  for (auto join : {Join::equal, Join::prefix}) {
    if (to_string(join) == text) return join;
  }
  throw core::InputError(fmt::format("unknown join '{}' (expected equal or prefix)", text));
}

LayerType layer_type_from_string(std::string_view text) {
  for (auto type : {LayerType::conv, LayerType::fc, LayerType::pool, LayerType::add}) {
    if (to_string(type) == text) return type;
  }
  throw core::InputError(fmt::format("unknown layer type '{}' (expected conv, fc, pool or add)", text));
}

PoolType pool_type_from_string(std::string_view text) {
  for (auto type : {PoolType::max, PoolType::avg, PoolType::global_avg}) {
    if (to_string(type) == text) return type;
  }
  throw core::InputError(fmt::format("unknown pool type '{}' (expected max, avg or global_avg)", text));
}

const Layer& Workload::layer(std::string_view wanted) const {
  auto it = std::find_if(layers.begin(), layers.end(), [&](const Layer& l) { return l.name == wanted; });
  if (it == layers.end()) throw core::InputError(fmt::format("workload '{}' has no layer '{}'", name, wanted));
  return *it;
}

Layer& Workload::layer(std::string_view wanted) {
  return const_cast<Layer&>(std::as_const(*this).layer(wanted));
}

void Workload::set_out_channels(std::string_view wanted, int channels) {
  Layer& target = layer(wanted);
  if (!target.has_weights()) {
    throw core::InputError(fmt::format("layer '{}' is a {} layer; only conv and fc have output channels", wanted,
                                 to_string(target.type)));
  }
  if (channels <= 0) throw core::InputError(fmt::format("layer '{}': out_channels must be positive, got {}", wanted, channels));
  target.out_channels = channels;
}

namespace {

[[noreturn]] void fail(const Layer& layer, std::string_view field, const std::string& why) {
  throw core::InputError(fmt::format("layer '{}': {}: {}", layer.name, field, why));
}

void require_positive(const Layer& layer, std::string_view field, int value) {
  if (value <= 0) fail(layer, field, fmt::format("must be positive, got {}", value));
}

// Output size of a window sliding over `in` (PyTorch's floor convention).
int window_output(const Layer& layer, int in, int kernel) {
  const int span = in + 2 * layer.padding - kernel;
  if (span < 0) {
    fail(layer, "kernel", fmt::format("{} is larger than the padded input ({} + 2*{})", kernel, in, layer.padding));
  }
  return span / layer.stride + 1;
}

LayerInfo analyze_layer(const Layer& layer, const std::vector<TensorShape>& in_shapes) {
  LayerInfo info;
  info.in = in_shapes.front();
  const TensorShape& in = info.in;
  const int bn_params_per_channel = layer.batch_norm ? 2 : 0;
  require_positive(layer, "precision.weight_bits", layer.precision.weight_bits);
  require_positive(layer, "precision.act_bits", layer.precision.act_bits);
  if (layer.precision.weight_bits > 16 || layer.precision.act_bits > 16) {
    fail(layer, "precision", "bit widths above 16 are not supported");
  }
  switch (layer.type) {
    case LayerType::conv: {
      require_positive(layer, "out_channels", layer.out_channels);
      require_positive(layer, "kernel", std::min(layer.kernel_h, layer.kernel_w));
      require_positive(layer, "stride", layer.stride);
      require_positive(layer, "groups", layer.groups);
      if (layer.padding < 0) fail(layer, "padding", fmt::format("must not be negative, got {}", layer.padding));
      if (in.channels % layer.groups != 0 || layer.out_channels % layer.groups != 0) {
        fail(layer, "groups", fmt::format("{} does not divide in_channels {} and out_channels {}", layer.groups,
                                          in.channels, layer.out_channels));
      }
      info.out = {layer.out_channels, window_output(layer, in.height, layer.kernel_h),
                  window_output(layer, in.width, layer.kernel_w)};
      info.gemm.groups = layer.groups;
      info.gemm.k = std::int64_t{in.channels / layer.groups} * layer.kernel_h * layer.kernel_w;
      info.gemm.m = layer.out_channels / layer.groups;
      info.gemm.n = std::int64_t{info.out.height} * info.out.width;
      info.macs = info.gemm.groups * info.gemm.k * info.gemm.m * info.gemm.n;
      info.params = info.gemm.groups * info.gemm.k * info.gemm.m +
                    std::int64_t{layer.out_channels} * ((layer.bias ? 1 : 0) + bn_params_per_channel);
      break;
    }
    case LayerType::fc: {
      require_positive(layer, "out_channels", layer.out_channels);
      info.out = {layer.out_channels, 1, 1};
      info.gemm = {in.elements(), layer.out_channels, 1, 1};
      info.macs = info.gemm.k * info.gemm.m;
      info.params = info.macs + std::int64_t{layer.out_channels} * ((layer.bias ? 1 : 0) + bn_params_per_channel);
      break;
    }
    case LayerType::pool: {
      if (layer.pool == PoolType::global_avg) {
        info.out = {in.channels, 1, 1};
      } else {
        require_positive(layer, "kernel", std::min(layer.kernel_h, layer.kernel_w));
        require_positive(layer, "stride", layer.stride);
        if (layer.padding < 0) fail(layer, "padding", fmt::format("must not be negative, got {}", layer.padding));
        info.out = {in.channels, window_output(layer, in.height, layer.kernel_h),
                    window_output(layer, in.width, layer.kernel_w)};
      }
      break;
    }
    case LayerType::add: {
      if (in_shapes.size() != 2) fail(layer, "inputs", fmt::format("an add takes 2 inputs, got {}", in_shapes.size()));
      const TensorShape& a = in_shapes[0];
      const TensorShape& b = in_shapes[1];
      const bool prefix = layer.join == Join::prefix;
      if (prefix ? (a.height != b.height || a.width != b.width) : !(a == b)) {
        fail(layer, "inputs",
             fmt::format("shapes differ: {}x{}x{} vs {}x{}x{}{}", a.channels, a.height, a.width, b.channels, b.height,
                         b.width, prefix ? "" : " (join: prefix adds inputs of different channel counts)"));
      }
      info.out = {std::max(a.channels, b.channels), a.height, a.width};
      break;
    }
  }
  if (layer.type != LayerType::add && in_shapes.size() != 1) {
    fail(layer, "inputs", fmt::format("a {} layer takes 1 input, got {}", to_string(layer.type), in_shapes.size()));
  }
  return info;
}

}  // namespace

std::vector<LayerInfo> analyze(const Workload& workload) {
  if (workload.layers.empty()) throw core::InputError(fmt::format("workload '{}' has no layers", workload.name));
  const TensorShape& input = workload.input;
  if (input.channels <= 0 || input.height <= 0 || input.width <= 0) {
    throw core::InputError(fmt::format("workload '{}': input shape {}x{}x{} must be positive", workload.name,
                                 input.channels, input.height, input.width));
  }
  std::map<std::string, std::size_t, std::less<>> index;
  std::vector<LayerInfo> infos;
  infos.reserve(workload.layers.size());
  for (const Layer& layer : workload.layers) {
    if (layer.name.empty()) throw core::InputError(fmt::format("workload '{}': layer {} has no name", workload.name, infos.size()));
    if (index.contains(layer.name)) fail(layer, "name", "appears twice");
    std::vector<TensorShape> in_shapes;
    if (layer.inputs.empty()) {
      const TensorShape shape = layer.input_shape.value_or(input);
      if (shape.channels <= 0 || shape.height <= 0 || shape.width <= 0) {
        fail(layer, "input_shape", fmt::format("{}x{}x{} must be positive", shape.channels, shape.height, shape.width));
      }
      in_shapes.push_back(shape);
    } else {
      if (layer.input_shape) fail(layer, "input_shape", "only a layer without producers may set it");
      for (const std::string& producer : layer.inputs) {
        auto it = index.find(producer);
        if (it == index.end()) fail(layer, "inputs", fmt::format("'{}' is not an earlier layer", producer));
        in_shapes.push_back(infos[it->second].out);
      }
    }
    infos.push_back(analyze_layer(layer, in_shapes));
    index.emplace(layer.name, infos.size() - 1);
  }
  return infos;
}

WorkloadTotals totals(const std::vector<LayerInfo>& infos) {
  WorkloadTotals sum;
  for (const LayerInfo& info : infos) {
    sum.macs += info.macs;
    sum.params += info.params;
  }
  return sum;
}

namespace {

// A projection shortcut is a 1x1 conv feeding an add whose other operand is a longer branch
// starting from the shortcut's own producer (ResNet's downsample path).
bool is_projection_shortcut(const Workload& workload, const Layer& conv) {
  if (conv.type != LayerType::conv || conv.kernel_h != 1 || conv.kernel_w != 1 || conv.inputs.size() != 1) {
    return false;
  }
  const std::string& block_input = conv.inputs.front();
  for (const Layer& add : workload.layers) {
    if (add.type != LayerType::add || add.inputs.size() != 2) continue;
    auto mine = std::find(add.inputs.begin(), add.inputs.end(), conv.name);
    if (mine == add.inputs.end()) continue;
    // Walk the other operand's first-input chain back towards the block input. Passing through
    // the conv itself means the other operand is computed from it (the conv is the previous
    // block's output, e.g. MobileNetV2's projection feeding the next block's add), not beside it.
    std::string cursor = add.inputs[mine == add.inputs.begin() ? 1 : 0];
    for (std::size_t steps = 0; steps < workload.layers.size(); ++steps) {
      if (cursor == conv.name) break;
      if (cursor == block_input) return steps > 0;
      auto producer = std::find_if(workload.layers.begin(), workload.layers.end(),
                                   [&](const Layer& l) { return l.name == cursor; });
      if (producer == workload.layers.end() || producer->inputs.empty()) break;
      cursor = producer->inputs.front();
    }
  }
  return false;
}

}  // namespace

void apply_default_precision(Workload& workload) {
  const Precision high{8, 8};
  const Precision low{2, 2};
  const Layer* first_conv = nullptr;
  const Layer* last_fc = nullptr;
  for (const Layer& layer : workload.layers) {
    if (layer.type == LayerType::conv && first_conv == nullptr) first_conv = &layer;
    if (layer.type == LayerType::fc) last_fc = &layer;
  }
  std::vector<bool> keep_high(workload.layers.size());
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    const Layer& layer = workload.layers[i];
    keep_high[i] = &layer == first_conv || &layer == last_fc || is_projection_shortcut(workload, layer);
  }
  // A grouped conv's channel count is tied to its groups, and so is its producer's: neither is
  // searchable (MobileNetV2's depthwise convs and the expansions feeding them).
  std::vector<bool> tied(workload.layers.size());
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    const Layer& layer = workload.layers[i];
    if (layer.type != LayerType::conv || layer.groups == 1) continue;
    tied[i] = true;
    for (std::size_t j = 0; j < i; ++j) {
      if (std::find(layer.inputs.begin(), layer.inputs.end(), workload.layers[j].name) != layer.inputs.end()) tied[j] = true;
    }
  }
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    Layer& layer = workload.layers[i];
    if (!layer.has_weights()) continue;
    layer.precision = keep_high[i] ? high : low;
    layer.searchable = !keep_high[i] && !tied[i] && layer.type == LayerType::conv;
  }
}

}  // namespace nce::workloads
