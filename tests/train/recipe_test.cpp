// The quantizer recipes of train::QuantRecipe: the calibrated clip and weight scale are the
// least-error ones (checked by brute force), and the full alpha gradient is the derivative of
// the quantized output (checked by finite differences away from rounding steps).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "nce/core/input_error.hpp"
#include "nce/train/layers.hpp"
#include "nce/train/quantizers.hpp"
#include "nce/train/random.hpp"

namespace nce::train {
namespace {

double clip_error(const std::vector<float>& x, float alpha, int bits) {
  const float levels = float((1 << bits) - 1);
  double e = 0;
  for (float v : x) {
    const float y = std::max(v, 0.0f);
    const float q = std::nearbyint(std::min(y, alpha) * levels / alpha) * alpha / levels;
    e += double(q - y) * (q - y);
  }
  return e;
}

TEST(QuantRecipe, CalibratedClipIsTheLeastErrorCandidate) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.5f, 1.0f);
  std::vector<float> x(5000);
  for (float& v : x) v = normal(rng);
  const float alpha = mse_clip(x.data(), x.size(), 2);
  const float top = *std::max_element(x.begin(), x.end());
  for (int k = 1; k <= 64; ++k) EXPECT_LE(clip_error(x, alpha, 2), clip_error(x, top * float(k) / 64.0f, 2) + 1e-9);
  // Far below the maximum: the clip trades the tail for resolution (8 would idle codes 2 and 3).
  EXPECT_LT(alpha, 0.6f * top);
  PactQuantizer pact("p", 2);
  pact.calibrate_on_next_forward();
  Tensor in(1, 1, 50, 100), out;
  std::copy(x.begin(), x.end(), in.data.begin());
  pact.forward(in, out);
  EXPECT_EQ(pact.alpha(), alpha);
  pact.forward(in, out);  // once only
  EXPECT_EQ(pact.alpha(), alpha);
}

TEST(QuantRecipe, MseWeightScaleIsTheLeastErrorCandidate) {
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  std::vector<float> w(2000);
  for (float& v : w) v = normal(rng);
  const WeightQuantization mean = weight_quantization(w.data(), w.size(), 2, QuantRecipe::WeightScale::mean);
  const WeightQuantization best = weight_quantization(w.data(), w.size(), 2, QuantRecipe::WeightScale::mse);
  auto error = [&](float scale) {
    WeightQuantization q = mean;
    q.scale = scale;
    double e = 0;
    for (float v : w) e += std::pow(double(weight_code(v, q)) * scale - v, 2);
    return e;
  };
  for (int k = 8; k <= 32; ++k) EXPECT_LE(error(best.scale), error(mean.scale * float(k) / 16.0f) + 1e-12);
  EXPECT_LT(error(best.scale), error(mean.scale));
  EXPECT_EQ(best.code_min, -2);
  EXPECT_EQ(best.code_max, 1);
}

TEST(QuantRecipe, FullAlphaGradientIsTheDerivativeOfTheOutput) {
  // Inputs that sit away from rounding steps for alpha in [alpha - h, alpha + h].
  PactQuantizer pact("p", 2, QuantRecipe::AlphaGradient::full);
  pact.alpha_parameter().value[0] = 3.0f;
  Tensor in(1, 1, 1, 5), out, grad(1, 1, 1, 5), din;
  in.data = {-1.0f, 0.4f, 1.3f, 2.2f, 5.0f};
  grad.data = {1.0f, 1.0f, 2.0f, -1.0f, 0.5f};
  pact.forward(in, out);
  pact.backward(in, grad, din);
  auto loss = [&](float alpha) {
    PactQuantizer p("p", 2);
    p.alpha_parameter().value[0] = alpha;
    Tensor o;
    p.forward(in, o);
    double l = 0;
    for (std::size_t i = 0; i < 5; ++i) l += double(grad.data[i]) * o.data[i];
    return l;
  };
  // The finite difference of q also moves by the rounding steps of its codes; the STE keeps
  // the codes: d/dalpha [alpha/3 round(3x/alpha)] with the code held = code/3, minus nothing.
  // So compare with the held-code derivative, which is what (q - x)/alpha + ... reduces to here.
  const double h = 1e-3;
  const double numeric = (loss(3.0f + float(h)) - loss(3.0f - float(h))) / (2 * h);
  // codes: 0.4 -> 0, 1.3 -> 1, 2.2 -> 2 (held on both sides); 5.0 clipped: dq/dalpha = 1.
  EXPECT_NEAR(numeric, 1.0 * 0 / 3 + 2.0 * 1 / 3 - 1.0 * 2 / 3 + 0.5 * 1, 1e-3);
  // The STE's gradient adds the straight-through term -x/alpha for the unclipped inputs:
  // sum g (q - x)/alpha inside, g outside = (1 (0 - 0.4) + 2 (1 - 1.3) - (2 - 2.2)) / 3 + 0.5.
  const double ste = numeric + (1.0 * -0.4 + 2.0 * -1.3 - 1.0 * -2.2) / 3.0;
  EXPECT_NEAR(ste, 0.7 / 3.0, 1e-3);
  EXPECT_NEAR(pact.alpha_parameter().grad[0], (1.0 * -0.4 + 2.0 * -0.3 - 1.0 * -0.2) / 3.0 + 0.5, 1e-6);
  // PACT's clipped gradient only sees the clipped input.
  PactQuantizer clipped("c", 2);
  clipped.alpha_parameter().value[0] = 3.0f;
  clipped.forward(in, out);
  clipped.backward(in, grad, din);
  EXPECT_FLOAT_EQ(clipped.alpha_parameter().grad[0], 0.5f);
}

TEST(QuantRecipe, NamesRoundTripAndBadOnesAreRefused) {
  QuantRecipe r;
  r.alpha_init = alpha_init_from_string("calibrated");
  r.alpha_gradient = alpha_gradient_from_string("full");
  r.weight_scale = weight_scale_from_string("mse");
  EXPECT_EQ(to_string(r), "alpha-init=calibrated alpha-grad=full weight-scale=mse");
  EXPECT_THROW(alpha_init_from_string("8"), core::InputError);
  EXPECT_THROW(alpha_gradient_from_string("lsq"), core::InputError);
  EXPECT_THROW(weight_scale_from_string("max"), core::InputError);
}

}  // namespace
}  // namespace nce::train

namespace nce::train {
namespace {

// L = sum g * output of a layer mixing its candidates with probabilities p; dL/dp_i must be the
// finite difference of L in p_i (the quantized candidates do not depend on p).
TEST(PrecisionMix, WeightMixGradientIsTheDerivativeInTheProbabilities) {
  Rng rng(3);
  Conv2d conv("c", ConvShape{3, 4, 3, 1, 1}, 2, false);
  conv.init(rng);
  std::vector<double> p = {0.2, 0.5, 0.3};
  conv.set_weight_mix({2, 3, 4}, &p);
  Tensor in(2, 3, 5, 5), out, grad;
  for (float& v : in.data) v = float(rng.normal());
  conv.forward(in, out);
  grad.resize(out.n, out.c, out.h, out.w);
  for (float& v : grad.data) v = float(rng.normal());
  conv.weight_mix_gradient().assign(3, 0.0);
  conv.backward(in, grad, nullptr);
  auto loss = [&](const std::vector<double>& probs) {
    p = probs;
    Tensor o;
    conv.forward(in, o);
    double l = 0;
    for (std::size_t i = 0; i < o.size(); ++i) l += double(grad.data[i]) * o.data[i];
    return l;
  };
  const std::vector<double> base = p;
  for (std::size_t i = 0; i < 3; ++i) {
    auto plus = base, minus = base;
    plus[i] += 1e-3;
    minus[i] -= 1e-3;
    const double numeric = (loss(plus) - loss(minus)) / 2e-3;
    EXPECT_NEAR(conv.weight_mix_gradient()[i], numeric, 1e-3 * std::max(1.0, std::fabs(numeric))) << i;
  }
}

TEST(PrecisionMix, ActivationMixIsTheWeightedCandidatesAndItsGradient) {
  std::vector<double> q = {0.6, 0.4};
  PactQuantizer pact("p", 2);
  pact.alpha_parameter().value[0] = 3.0f;
  pact.set_activation_mix({2, 4}, &q);
  Tensor in(1, 1, 1, 4), out, grad(1, 1, 1, 4), din;
  in.data = {-0.5f, 0.75f, 1.85f, 4.0f};
  grad.data = {1.0f, 2.0f, -1.0f, 0.5f};
  pact.forward(in, out);
  // 2 bits: step 1 -> 0, 1, 2, 3; 4 bits: step 0.2 -> 0, 0.8, 1.8, 3.
  const std::vector<float> q2 = {0.0f, 1.0f, 2.0f, 3.0f}, q4 = {0.0f, 0.8f, 1.8f, 3.0f};
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(out.data[i], 0.6f * q2[i] + 0.4f * q4[i], 1e-6) << i;
  pact.backward(in, grad, din);
  double g2 = 0, g4 = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    g2 += grad.data[i] * q2[i];
    g4 += grad.data[i] * q4[i];
  }
  EXPECT_NEAR(pact.activation_mix_gradient()[0], g2, 1e-6);
  EXPECT_NEAR(pact.activation_mix_gradient()[1], g4, 1e-6);
  EXPECT_FLOAT_EQ(pact.alpha_parameter().grad[0], 0.5f);  // PACT's: only the clipped input
  EXPECT_EQ(din.data[1], 2.0f);                            // straight through inside the range
}

}  // namespace
}  // namespace nce::train
