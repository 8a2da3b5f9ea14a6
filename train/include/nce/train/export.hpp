#pragma once
// Export of a trained quantized conv layer to the integer codes of the hardware, the link
// that lets the reference model (and through it the RTL) check trained layers:
//   conv_output = s_w * (alpha / (2^b_a - 1)) * ref::conv2d(weight codes, activation codes)
// (for 2-bit activations the step is alpha/3, docs/NCE.md section 1).
#include "nce/train/layers.hpp"
#include "nce/train/quantizers.hpp"
#include "nce/train/tensor.hpp"
#include "nce/workloads/reference_model.hpp"

namespace nce::train {

struct ExportedConv {
  workloads::ref::Filters weights;      // two's-complement codes
  float weight_scale = 1.0f;
  int weight_bits = 2;
  workloads::ref::ConvGeometry geometry;
};

// Uses the quantization of the layer's last forward (its active slice). Throws
// std::invalid_argument for a layer that is not weight-quantized.
ExportedConv export_conv(const Conv2d& conv);
// Unsigned activation codes of image `index` of `input` (the layer's input before PACT).
workloads::ref::FeatureMap export_activations(const PactQuantizer& pact, const Tensor& input, int index);

}  // namespace nce::train
