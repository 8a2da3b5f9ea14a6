#include "nce/infer/integer_network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "nce/core/input_error.hpp"
#include "nce/train/export.hpp"
#include "nce/train/quantizers.hpp"

namespace nce::infer {
namespace {

namespace ref = workloads::ref;

train::PoolKind pool_kind(workloads::PoolType type) {
  switch (type) {
    case workloads::PoolType::max: return train::PoolKind::max;
    case workloads::PoolType::avg: return train::PoolKind::avg;
    case workloads::PoolType::global_avg: return train::PoolKind::global_avg;
  }
  return train::PoolKind::max;
}

// Channels [first, first + count) of a CHW map or its flattened FC view (both contiguous).
ref::FeatureMap channel_slice(const ref::FeatureMap& map, int first, int count, int plane, bool flat) {
  ref::FeatureMap out = flat ? ref::FeatureMap(count * plane, 1, 1) : ref::FeatureMap(count, map.height, map.width);
  std::copy(map.values.begin() + std::ptrdiff_t(first) * plane, map.values.begin() + std::ptrdiff_t(first + count) * plane,
            out.values.begin());
  return out;
}

// The weights of input channels [first, first + count); `per_channel` values per input channel
// in each filter row (kernel taps for a conv, H x W for an FC reading the image).
ref::Filters weight_slice(const ref::Filters& weights, int first, int count, int per_channel, bool flat) {
  const std::size_t row = std::size_t(weights.in_channels) * weights.height * weights.width;
  ref::Filters out = flat ? ref::Filters(weights.out_channels, count * per_channel, 1, 1)
                          : ref::Filters(weights.out_channels, count, weights.height, weights.width);
  for (int m = 0; m < weights.out_channels; ++m) {
    const auto src = weights.values.begin() + std::ptrdiff_t(m * row + std::size_t(first) * per_channel);
    std::copy(src, src + std::ptrdiff_t(count) * per_channel, out.values.begin() + std::ptrdiff_t(m) * count * per_channel);
  }
  return out;
}

// The integer sums of one pass by the reference model (offloaded layers; --check-reference).
ref::FeatureMap reference_sums(const ArrayPass& pass, const WeightedLayer& layer, const ref::FeatureMap& input) {
  if (layer.type == workloads::LayerType::fc) {
    const std::vector<std::int32_t> sums = ref::fully_connected(input, pass.weights);
    ref::FeatureMap out(int(sums.size()), 1, 1);
    out.values = sums;
    return out;
  }
  return ref::conv2d(input, pass.weights, layer.geometry);
}

cost_models::LayerStats off_array_stats(const workloads::Layer& layer, const workloads::LayerInfo& info) {
  cost_models::LayerStats stats;
  stats.layer = layer.name;
  stats.type = std::string(workloads::to_string(layer.type));
  stats.on_array = false;
  stats.macs = info.macs;
  return stats;
}

}  // namespace

ref::FeatureMap requantize(const float* values, int channels, int height, int width, float alpha, float to_code) {
  ref::FeatureMap map(channels, height, width);
  for (std::size_t i = 0; i < map.values.size(); ++i) {
    map.values[i] = std::int32_t(std::nearbyint(std::clamp(values[i], 0.0f, alpha) * to_code));
  }
  return map;
}

IntegerNetwork::IntegerNetwork(train::Network& network, const cost_models::AcceleratorConfig& config,
                               const train::Normalization& normalization)
    : workload_(network.workload()), infos_(workloads::analyze(workload_)), config_(config), normalization_(normalization) {
  const workloads::TensorShape& input = workload_.input;
  if (int(normalization_.mean.size()) != input.channels || int(normalization_.std.size()) != input.channels) {
    throw core::InputError(fmt::format("network {}: {} input channels, the dataset normalisation has {}", workload_.name,
                                       input.channels, normalization_.mean.size()));
  }
  // One eval-mode forward fixes every layer's weight quantization (Conv2d quantizes its float
  // weights at each forward; export_conv reads the last one). Eval mode changes no state.
  network.forward(train::Tensor(1, input.channels, input.height, input.width), false);

  // The engine's normalisation constants, as train::make_batch computes them (float).
  std::vector<double> input_scale(std::size_t(input.channels));
  std::vector<double> input_shift(std::size_t(input.channels));
  bool shared_normalization = true;
  for (int c = 0; c < input.channels; ++c) {
    const float scale = 1.0f / (255.0f * normalization_.std[std::size_t(c)]);
    const float shift = -normalization_.mean[std::size_t(c)] / normalization_.std[std::size_t(c)];
    input_scale[std::size_t(c)] = scale;
    input_shift[std::size_t(c)] = shift;
    if (scale != float(input_scale[0]) || shift != float(input_shift[0])) shared_normalization = false;
  }

  std::unordered_map<std::string, int> index;
  weighted_of_node_.assign(workload_.layers.size(), -1);
  pools_.resize(workload_.layers.size());
  inputs_.resize(workload_.layers.size());
  for (std::size_t i = 0; i < workload_.layers.size(); ++i) {
    const workloads::Layer& layer = workload_.layers[i];
    const workloads::LayerInfo& info = infos_[i];
    if (layer.inputs.empty()) inputs_[i].push_back(-1);
    for (const std::string& producer : layer.inputs) inputs_[i].push_back(index.at(producer));
    index[layer.name] = int(i);
    if (layer.type == workloads::LayerType::pool) {
      pools_[i].emplace(train::PoolShape{pool_kind(layer.pool), layer.kernel_h, layer.stride, layer.padding});
    }
    if (!layer.has_weights()) continue;

    WeightedLayer w;
    w.node = i;
    w.name = layer.name;
    w.type = layer.type;
    w.reads_image = inputs_[i][0] < 0;
    const train::Conv2d& conv = network.conv(layer.name);
    const train::ExportedConv exported = train::export_conv(conv);
    w.weight_bits = exported.weight_bits;
    w.weight_scale = exported.weight_scale;
    w.relu = layer.relu;
    if (!conv.bias.value.empty()) w.bias = conv.bias.value;
    if (const train::BatchNorm2d* bn = network.batch_norm(layer.name)) w.batch_norm.emplace(*bn);
    const bool fc = layer.type == workloads::LayerType::fc;
    w.geometry = fc ? ref::ConvGeometry{1, 0, 1} : exported.geometry;
    w.out_h = fc ? 1 : info.out.height;
    w.out_w = fc ? 1 : info.out.width;
    workloads::Layer mapped = layer;  // the layer as the array runs it
    if (w.reads_image) {
      // The array reads the 8-bit pixels (4 activation digits), whatever act_bits says: the
      // engine feeds the image in float, unquantized.
      w.act_bits = std::max(layer.precision.act_bits, 8);
      mapped.precision.act_bits = w.act_bits;
    } else {
      const train::PactQuantizer* pact = network.pact(layer.name);
      if (pact == nullptr || !train::quantized(pact->bits())) {
        throw std::logic_error("layer " + layer.name + ": a quantized network's layer without PACT");
      }
      w.act_bits = pact->bits();
      w.alpha = pact->alpha();
      const float levels = float((1 << w.act_bits) - 1);
      w.to_code = levels / w.alpha;  // PactQuantizer::forward's to_code and to_real
      w.step = w.alpha / levels;
    }

    // Array passes: the whole layer, or one single-channel conv per input channel of an image
    // layer whose channels are normalised differently.
    const int image_channels = input.channels;
    const int per_channel = fc ? input.height * input.width : layer.kernel_h * layer.kernel_w;
    const bool split = w.reads_image && !shared_normalization && image_channels > 1;
    const int pass_count = split ? image_channels : 1;
    for (int p = 0; p < pass_count; ++p) {
      ArrayPass pass;
      pass.first_channel = split ? p : 0;
      pass.channels = split ? 1 : (w.reads_image ? image_channels : 0);
      workloads::LayerInfo pass_info = info;
      if (split) {
        workloads::Workload single;
        single.name = workload_.name + "." + layer.name + ".channel";
        single.input = {1, input.height, input.width};
        workloads::Layer alone = mapped;
        alone.inputs.clear();
        single.layers = {alone};
        pass_info = workloads::analyze(single)[0];
        pass.weights = weight_slice(exported.weights, p, 1, per_channel, fc);
      } else {
        pass.weights = exported.weights;
      }
      pass.schedule = cost_models::map_layer(mapped, pass_info, config_);
      if (w.reads_image) {
        pass.input_scale = input_scale[std::size_t(pass.first_channel)];
        pass.input_shift = input_shift[std::size_t(pass.first_channel)];
        // C_c: the weights over the taps inside the image, i.e. the layer applied to an all-ones image.
        ref::FeatureMap ones = fc ? ref::FeatureMap(pass.channels * input.height * input.width, 1, 1)
                                  : ref::FeatureMap(pass.channels, input.height, input.width);
        std::fill(ones.values.begin(), ones.values.end(), 1);
        pass.correction = reference_sums(pass, w, ones).values;
      }
      const std::int64_t k = pass_info.gemm.k;
      const std::int64_t bound = k * ref::activation_max(w.act_bits) * (std::int64_t{1} << (w.weight_bits - 1));
      w.max_abs_sum = std::max(w.max_abs_sum, bound);
      if (bound > std::numeric_limits<std::int32_t>::max()) {
        throw core::InputError(fmt::format("layer '{}': a sum can reach {} (K = {}, W{}A{}), beyond the 32-bit output buffer",
                                           layer.name, bound, k, w.weight_bits, w.act_bits));
      }
      w.passes.push_back(std::move(pass));
    }
    weighted_of_node_[i] = int(layers_.size());
    layers_.push_back(std::move(w));
  }
}

ImageRun IntegerNetwork::run(const std::uint8_t* pixels, const PipelineOptions& options) {
  const workloads::TensorShape& shape = workload_.input;
  ref::FeatureMap image(shape.channels, shape.height, shape.width);
  std::copy(pixels, pixels + image.values.size(), image.values.begin());
  const int image_plane = shape.height * shape.width;

  ImageRun result;
  result.layers.resize(layers_.size());
  result.stats.resize(workload_.layers.size());
  result.ppu_elements.assign(workload_.layers.size(), 0);
  std::vector<train::Tensor> outputs(workload_.layers.size());
  sim::SimulationOptions sim_options;
  sim_options.pe_model = options.pe_model;

  for (std::size_t i = 0; i < workload_.layers.size(); ++i) {
    const workloads::Layer& layer = workload_.layers[i];
    const workloads::LayerInfo& info = infos_[i];
    train::Tensor& out = outputs[i];
    switch (layer.type) {
      case workloads::LayerType::pool:
        pools_[i]->forward(outputs[std::size_t(inputs_[i][0])], out);
        result.stats[i] = off_array_stats(layer, info);
        result.ppu_elements[i] = std::int64_t(out.size());
        break;
      case workloads::LayerType::add: {
        train::Tensor sum;
        train::add_forward(outputs[std::size_t(inputs_[i][0])], outputs[std::size_t(inputs_[i][1])], sum);
        if (layer.relu) {
          train::relu_forward(sum, out);
        } else {
          out = std::move(sum);
        }
        result.stats[i] = off_array_stats(layer, info);
        result.ppu_elements[i] = std::int64_t(out.size());
        break;
      }
      case workloads::LayerType::conv:
      case workloads::LayerType::fc: {
        WeightedLayer& w = layers_[std::size_t(weighted_of_node_[i])];
        LayerResult& lr = result.layers[std::size_t(weighted_of_node_[i])];
        const bool fc = layer.type == workloads::LayerType::fc;
        if (w.reads_image) {
          lr.input_codes = fc ? ref::FeatureMap(int(image.values.size()), 1, 1) : image;
          if (fc) lr.input_codes.values = image.values;
        } else {
          const train::Tensor& x = outputs[std::size_t(inputs_[i][0])];
          lr.input_codes = fc ? requantize(x.data.data(), int(x.size()), 1, 1, w.alpha, w.to_code)
                              : requantize(x.data.data(), x.c, x.h, x.w, w.alpha, w.to_code);
          result.ppu_elements[i] += std::int64_t(x.size());
        }
        std::int64_t reference_differences = 0;
        for (const ArrayPass& pass : w.passes) {
          const ref::FeatureMap input = w.passes.size() == 1
                                            ? lr.input_codes
                                            : channel_slice(lr.input_codes, pass.first_channel, pass.channels,
                                                            image_plane, fc);
          sim::LayerRun array_run = sim::simulate_layer(pass.schedule, config_, input, pass.weights, sim_options);
          if (!pass.schedule.on_array) {
            array_run.output = reference_sums(pass, w, input);  // offloaded: computed off the array
          } else if (options.check_reference) {
            const ref::FeatureMap expected = reference_sums(pass, w, input);
            for (std::size_t k = 0; k < expected.values.size(); ++k) {
              reference_differences += expected.values[k] != array_run.output.values[k] ? 1 : 0;
            }
          }
          lr.sums.push_back(std::move(array_run.output));
          lr.pass_stats.push_back(array_run.stats);
        }
        if (options.check_reference) lr.reference_differences = reference_differences;
        if (lr.pass_stats.size() == 1) {
          result.stats[i] = lr.pass_stats.front();
        } else {
          cost_models::LayerStats total = cost_models::summarize(layer.name, lr.pass_stats).total;
          total.layer = layer.name;
          total.type = std::string(workloads::to_string(layer.type));
          result.stats[i] = total;
        }

        // Dequantization: one rounding of the exact real value to float, then the bias (a float add).
        const int m = layer.out_channels;
        const std::size_t count = std::size_t(m) * w.out_h * w.out_w;
        lr.conv_out.resize(count);
        const std::size_t plane = std::size_t(w.out_h) * w.out_w;
        for (std::size_t k = 0; k < count; ++k) {
          double real = 0.0;
          if (w.reads_image) {
            for (std::size_t p = 0; p < w.passes.size(); ++p) {
              const ArrayPass& pass = w.passes[p];
              real += pass.input_scale * double(lr.sums[p].values[k]) + pass.input_shift * double(pass.correction[k]);
            }
            real *= double(w.weight_scale);
          } else {
            real = double(lr.sums[0].values[k]) * (double(w.weight_scale) * double(w.step));
          }
          float value = float(real);
          if (!w.bias.empty()) value = value + w.bias[k / plane];
          lr.conv_out[k] = value;
        }
        train::Tensor conv_tensor(1, m, w.out_h, w.out_w);
        std::copy(lr.conv_out.begin(), lr.conv_out.end(), conv_tensor.data.begin());
        if (w.batch_norm) {
          w.batch_norm->forward(conv_tensor, out, false, w.relu);
        } else if (w.relu) {
          train::relu_forward(conv_tensor, out);
        } else {
          out = std::move(conv_tensor);
        }
        result.ppu_elements[i] += std::int64_t(count);
        break;
      }
    }
  }
  result.logits = outputs.back().data;
  return result;
}

}  // namespace nce::infer
