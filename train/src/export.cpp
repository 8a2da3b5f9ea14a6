#include "nce/train/export.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nce::train {

ExportedConv export_conv(const Conv2d& conv) {
  if (!quantized(conv.weight_bits())) throw std::invalid_argument("export: layer weights are not quantized");
  const ConvShape& shape = conv.shape();
  ExportedConv result;
  result.weight_bits = conv.weight_bits();
  result.weight_scale = conv.last_quantization().scale;
  result.geometry = workloads::ref::ConvGeometry{shape.stride, shape.padding, 1};
  result.weights = workloads::ref::Filters(conv.active_out(), conv.active_in(), shape.kernel, shape.kernel);
  // effective_weights() holds code * scale exactly (one rounding of an integer times s), so
  // dividing by s and rounding recovers the code.
  const std::vector<float>& effective = conv.effective_weights();
  for (std::size_t i = 0; i < effective.size(); ++i) {
    result.weights.values[i] = std::int32_t(std::nearbyint(effective[i] / result.weight_scale));
  }
  return result;
}

workloads::ref::FeatureMap export_activations(const PactQuantizer& pact, const Tensor& input, int index) {
  if (!quantized(pact.bits())) throw std::invalid_argument("export: activations are not quantized");
  workloads::ref::FeatureMap map(input.c, input.h, input.w);
  const float alpha = pact.alpha();
  const float to_code = float((1 << pact.bits()) - 1) / alpha;
  const float* x = input.image(index);
  for (std::size_t i = 0; i < map.values.size(); ++i) {
    map.values[i] = std::int32_t(std::nearbyint(std::clamp(x[i], 0.0f, alpha) * to_code));
  }
  return map;
}

}  // namespace nce::train
