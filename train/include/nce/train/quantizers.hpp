#pragma once
// Quantizers of docs/NCE.md section 1: PACT for activations, a per-layer uniform quantizer for
// weights, both with straight-through gradients. bits >= 32 means "not quantized".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nce/train/tensor.hpp"

namespace nce::train {

constexpr int kFullPrecisionBits = 32;
inline bool quantized(int bits) { return bits < kFullPrecisionBits; }

// How the quantizers start and learn (docs/NCE.md section 1, "Quantization recipe"). The
// defaults are the recipe measured best in bench/RESULTS.md ("W2A2 baseline: quantizer recipes"):
// calibrated alpha, 88.5 +- 0.3% vs 84.0 +- 2.2% for fixed alpha = 8 (ResNet20 W2A2, FMNIST, 3 epochs).
struct QuantRecipe {
  // fixed: alpha starts at kInitialAlpha (8). calibrated: alpha starts at the clip that minimises
  // the quantization error of the layer's inputs on the first training batch.
  enum class AlphaInit { fixed, calibrated };
  // clipped: PACT's dq/dalpha = 1 where x > alpha, else 0. full: the straight-through derivative
  // of q = (alpha/L) round(x L/alpha) also inside the range, dq/dalpha = (q - x)/alpha.
  enum class AlphaGradient { clipped, full };
  // mean: s = 2 mean|w| / 2^(b-1) for b <= 4. mse: each step, the s (among 0.5..2 x that mean
  // scale, in steps of 1/16) that minimises |w - w_q|^2; the codes stay {-2,-1,0,1} at 2 bits.
  enum class WeightScale { mean, mse };
  AlphaInit alpha_init = AlphaInit::calibrated;
  AlphaGradient alpha_gradient = AlphaGradient::clipped;
  WeightScale weight_scale = WeightScale::mean;
  bool operator==(const QuantRecipe&) const = default;
};
std::string to_string(const QuantRecipe& recipe);  // "alpha-init=fixed alpha-grad=clipped weight-scale=mean"
QuantRecipe::AlphaInit alpha_init_from_string(std::string_view text);          // fixed, calibrated
QuantRecipe::AlphaGradient alpha_gradient_from_string(std::string_view text);  // clipped, full
QuantRecipe::WeightScale weight_scale_from_string(std::string_view text);      // mean, mse

// PACT (Choi et al. 2018): y = clamp(x, 0, alpha), q = round(y (2^b-1)/alpha) alpha/(2^b-1).
// dq/dx = 1 on [0, alpha], else 0; dq/dalpha = 1 where x > alpha (the paper's simplification).
// alpha is learnable, starts at 8 (docs/NCE.md section 1) and carries its own L2 of 0.001
// (NCE paper section 5.1, "regularization coefficient of PACT"). With bits >= 32 the layer is
// a plain ReLU and alpha is unused.
class PactQuantizer {
 public:
  static constexpr float kInitialAlpha = 8.0f;
  static constexpr float kAlphaDecay = 1e-3f;
  static constexpr float kMinAlpha = 1e-3f;  // keeps alpha > 0 after an optimizer step

  PactQuantizer(std::string name, int bits, QuantRecipe::AlphaGradient gradient = QuantRecipe::AlphaGradient::clipped);
  void forward(const Tensor& in, Tensor& out);
  // The next forward first sets alpha to the clip that minimises the squared quantization error
  // of its input (QuantRecipe::AlphaInit::calibrated).
  void calibrate_on_next_forward() { calibrate_ = true; }
  // Mixed precision (EBS, docs/NCE.md section 10): the output is sum_j q_j Q_{bits_j}(x) with
  // one shared alpha, q the caller's probabilities; backward accumulates dL/dq_j =
  // <dL/dy, Q_{bits_j}(x)> into activation_mix_gradient(). An empty `bits` turns mixing off.
  void set_activation_mix(std::vector<int> bits, const std::vector<double>* probabilities);
  std::vector<double>& activation_mix_gradient() { return mix_gradient_; }
  // Gradient w.r.t. the input (written to din) and accumulated into alpha's gradient.
  void backward(const Tensor& in, const Tensor& dout, Tensor& din);
  int bits() const { return bits_; }
  float alpha() const { return alpha_.value[0]; }
  float step() const;  // alpha / (2^b - 1): the real value of activation code 1
  Parameter& alpha_parameter() { return alpha_; }
  void clamp_alpha();  // called after optimizer steps

 private:
  int bits_;
  QuantRecipe::AlphaGradient gradient_;
  bool calibrate_ = false;
  std::vector<int> mix_bits_;
  const std::vector<double>* mix_probabilities_ = nullptr;
  std::vector<double> mix_gradient_;
  Parameter alpha_;
};

// The clip alpha in (0, max x] minimising sum (q(x; alpha) - max(x, 0))^2 over a strided sample
// of `values`, among 64 evenly spaced candidates.
float mse_clip(const float* values, std::size_t count, int bits);

// Weight quantizer: codes c = clamp(round(w/s), -2^(b-1), 2^(b-1)-1), w_q = s c, so 2 bits give
// the PE's codes {-2,-1,0,1}. Scale choice (ours, docs/NCE.md allows it): for b <= 4,
// s = 2 mean|w| / 2^(b-1) (for 2 bits s = mean|w|, so the codes span [-2, 1] mean|w|, about
// +-1.6 sigma of a Gaussian layer); for b > 4 the mean-based range would clip most of the
// tails, so s = max|w| / (2^(b-1)-1), which clips nothing. s is recomputed from the float
// weights every forward and treated as a constant by the gradient (straight-through:
// dw_q/dw = 1 where w/s lies inside the code range widened by half a step, else 0).
struct WeightQuantization {
  float scale = 1.0f;
  std::int32_t code_min = 0;
  std::int32_t code_max = 0;
};
WeightQuantization weight_quantization(const float* weights, std::size_t count, int bits,
                                       QuantRecipe::WeightScale mode = QuantRecipe::WeightScale::mean);
// Writes w_q (or a copy when bits >= 32); `pass` (optional) receives the STE mask.
void quantize_weights(const float* weights, std::size_t count, int bits, float* out, float* pass = nullptr,
                      WeightQuantization* used = nullptr,
                      QuantRecipe::WeightScale mode = QuantRecipe::WeightScale::mean);
std::int32_t weight_code(float weight, const WeightQuantization& q);

}  // namespace nce::train
