#include "nce/infer/agreement.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nce::infer {
namespace {

constexpr double kUnitRoundoff = 0x1p-24;  // float32

// The largest magnitude of the layer's real input values as the engine sees them.
double max_input_magnitude(const WeightedLayer& w) {
  if (!w.reads_image) return double(w.alpha);
  double most = 0.0;
  for (const ArrayPass& pass : w.passes) {
    most = std::max({most, std::fabs(pass.input_shift), std::fabs(255.0 * pass.input_scale + pass.input_shift)});
  }
  return most;
}

// One code step of the layer's output: s_w * (alpha / (2^b - 1)), or for an image layer s_w times
// the smallest pixel step of its channels.
double output_unit(const WeightedLayer& w) {
  if (!w.reads_image) return double(w.weight_scale) * double(w.step);
  double smallest = std::numeric_limits<double>::infinity();
  for (const ArrayPass& pass : w.passes) smallest = std::min(smallest, pass.input_scale);
  return double(w.weight_scale) * smallest;
}

}  // namespace

int top1(const float* logits, int count) { return int(std::max_element(logits, logits + count) - logits); }

ImageComparison compare_with_engine(train::Network& network, int batch_index, const IntegerNetwork& integer,
                                    const ImageRun& run, int dataset_index, int label) {
  ImageComparison c;
  c.index = dataset_index;
  c.label = label;
  const workloads::Workload& workload = integer.workload();
  const train::Tensor& engine_logits = network.layer_output(workload.layers.back().name);
  const int classes = int(engine_logits.image_size());
  const float* engine = engine_logits.image(batch_index);
  c.engine_top1 = top1(engine, classes);
  c.array_top1 = top1(run.logits.data(), classes);
  c.agree = c.engine_top1 == c.array_top1;
  float runner_up = -std::numeric_limits<float>::infinity();
  for (int k = 0; k < classes; ++k) {
    if (k != c.engine_top1) runner_up = std::max(runner_up, engine[k]);
    const double error = std::fabs(double(run.logits[std::size_t(k)]) - double(engine[k]));
    c.logit_errors.push_back(error);
    c.max_logit_error = std::max(c.max_logit_error, error);
  }
  c.engine_margin = classes > 1 ? double(engine[c.engine_top1]) - double(runner_up) : 0.0;

  const std::vector<WeightedLayer>& layers = integer.layers();
  c.layers.resize(layers.size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const WeightedLayer& w = layers[l];
    const LayerResult& result = run.layers[l];
    LayerComparison& lc = c.layers[l];
    if (!w.reads_image) {
      const train::Tensor& input = network.layer_input(w.name);
      const float* x = input.image(batch_index);
      const std::vector<std::int32_t>& ours = result.input_codes.values;
      for (std::size_t k = 0; k < ours.size(); ++k) {
        const std::int32_t theirs = std::int32_t(std::nearbyint(std::clamp(x[k], 0.0f, w.alpha) * w.to_code));
        if (theirs == ours[k]) continue;
        const std::int32_t difference = std::abs(theirs - ours[k]);
        if (lc.code_differences == 0) {
          lc.first_difference = std::int64_t(k);
          lc.engine_code_value = double(std::clamp(x[k], 0.0f, w.alpha) * w.to_code);
          lc.engine_code = theirs;
          lc.array_code = ours[k];
        }
        ++lc.code_differences;
        lc.max_code_difference = std::max(lc.max_code_difference, difference);
      }
      if (lc.code_differences > 0 && c.first_code_layer < 0) c.first_code_layer = int(l);
    }
    if (c.first_code_layer >= 0) continue;  // an input differs here or upstream: outputs may differ legitimately
    // Inputs agree: the outputs differ only by the engine's float GEMM rounding. Bound (in units
    // of one code step): 1/2 for our own rounding, plus 2 u (K * sum|terms| + |value|) with
    // sum|terms| <= K * max|input| * max|weight| (Higham's gamma_K bound, doubled).
    lc.conv_checked = true;
    const train::Tensor& engine_out = network.conv_output(w.name);
    const float* theirs = engine_out.image(batch_index);
    const double unit = output_unit(w);
    const std::int64_t k = integer.infos()[w.node].gemm.k;
    const double max_weight = double(std::int64_t{1} << (w.weight_bits - 1)) * double(w.weight_scale);
    const double terms = double(k) * max_input_magnitude(w) * max_weight / unit;
    double worst_ratio = 0.0;
    for (std::size_t j = 0; j < result.conv_out.size(); ++j) {
      const double error = std::fabs(double(result.conv_out[j]) - double(theirs[j])) / unit;
      const double tolerance =
          0.5 + 2.0 * kUnitRoundoff * (double(k) * terms + std::fabs(double(theirs[j])) / unit);
      lc.conv_error_units = std::max(lc.conv_error_units, error);
      if (error / tolerance > worst_ratio) {
        worst_ratio = error / tolerance;
        lc.conv_tolerance_units = tolerance;
      }
      if (error > tolerance) lc.conv_within_tolerance = false;
    }
    if (lc.conv_tolerance_units == 0.0) lc.conv_tolerance_units = 0.5;
    if (!lc.conv_within_tolerance && c.first_conv_layer < 0) c.first_conv_layer = int(l);
  }

  // The cause, named by the first layer where the two part.
  if (c.first_conv_layer >= 0) {
    const LayerComparison& lc = c.layers[std::size_t(c.first_conv_layer)];
    c.cause = fmt::format(
        "conv output of {} differs from the engine's by {:.3g} code steps with equal input codes (float rounding "
        "allows {:.3g}): the array's sums or the exported codes are wrong",
        layers[std::size_t(c.first_conv_layer)].name, lc.conv_error_units, lc.conv_tolerance_units);
  } else if (c.first_code_layer >= 0) {
    const LayerComparison& lc = c.layers[std::size_t(c.first_code_layer)];
    std::int64_t total = 0;
    int layer_count = 0;
    for (const LayerComparison& other : c.layers) {
      total += other.code_differences;
      layer_count += other.code_differences > 0 ? 1 : 0;
    }
    c.cause = fmt::format(
        "rounding at requantization: {} input code{} of {} differ{} by {} (engine value {:.7f} before rounding gives {}, "
        "the array's {}: the float conv sums differ in the last bits across a rounding boundary); {} code{} in {} "
        "layer{} in all",
        lc.code_differences, lc.code_differences == 1 ? "" : "s", layers[std::size_t(c.first_code_layer)].name,
        lc.code_differences == 1 ? "s" : "", lc.max_code_difference, lc.engine_code_value, lc.engine_code, lc.array_code,
        total, total == 1 ? "" : "s", layer_count, layer_count == 1 ? "" : "s");
  } else if (!c.agree) {
    c.cause = fmt::format("every code agrees; logits differ by at most {:.3g} (float rounding) across a near tie "
                          "(engine margin {:.3g})",
                          c.max_logit_error, c.engine_margin);
  }
  return c;
}

}  // namespace nce::infer
