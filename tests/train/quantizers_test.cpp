// Quantizer values and straight-through gradients, derived by hand in the comments.
#include <gtest/gtest.h>

#include "nce/train/quantizers.hpp"

namespace nce::train {
namespace {

TEST(PactQuantizer, QuantizesToAlphaOverThreeSteps) {
  PactQuantizer pact("a", 2);
  pact.alpha_parameter().value[0] = 3.0f;  // step alpha/3 = 1
  Tensor x(1, 1, 1, 6);
  x.data = {-1.0f, 0.4f, 0.6f, 1.5f, 2.9f, 7.0f};
  Tensor q;
  pact.forward(x, q);
  const std::vector<float> expected = {0.0f, 0.0f, 1.0f, 2.0f, 3.0f, 3.0f};  // 1.5 rounds to even: 2
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ(q.data[i], expected[i]) << i;
}

TEST(PactQuantizer, StraightThroughGradients) {
  PactQuantizer pact("a", 2);
  pact.alpha_parameter().value[0] = 2.0f;
  Tensor x(1, 1, 1, 5);
  x.data = {-0.5f, 0.3f, 1.9f, 2.5f, 4.0f};
  Tensor q;
  pact.forward(x, q);
  Tensor g(1, 1, 1, 5);
  g.data = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
  Tensor dx;
  pact.backward(x, g, dx);
  // dq/dx = 1 on [0, alpha]; dq/dalpha = 1 where x > alpha: 4 + 5.
  const std::vector<float> expected = {0.0f, 2.0f, 3.0f, 0.0f, 0.0f};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ(dx.data[i], expected[i]) << i;
  EXPECT_FLOAT_EQ(pact.alpha_parameter().grad[0], 9.0f);
  EXPECT_FLOAT_EQ(pact.alpha_parameter().weight_decay, 1e-3f);
}

TEST(PactQuantizer, FullPrecisionIsRelu) {
  PactQuantizer pact("a", kFullPrecisionBits);
  Tensor x(1, 1, 1, 3);
  x.data = {-1.0f, 0.3f, 100.0f};
  Tensor q;
  pact.forward(x, q);
  EXPECT_EQ(q.data, (std::vector<float>{0.0f, 0.3f, 100.0f}));
}

TEST(PactQuantizer, AlphaStaysPositive) {
  PactQuantizer pact("a", 2);
  pact.alpha_parameter().value[0] = -0.5f;
  pact.clamp_alpha();
  EXPECT_GT(pact.alpha(), 0.0f);
}

TEST(WeightQuantizer, TwoBitCodesAndMeanAbsoluteScale) {
  // mean|w| = (0.5 + 0.3 + 0.1 + 1.2 + 2.0 + 0)/6 = 0.68333 = s (2 bits: s = 2 mean|w| / 2).
  // w/s = 0.73, -0.44, 0.15, -1.76, 2.93, 0 -> codes 1, 0, 0, -2, 1 (clamped), 0.
  const std::vector<float> w = {0.5f, -0.3f, 0.1f, -1.2f, 2.0f, 0.0f};
  std::vector<float> q(w.size());
  std::vector<float> pass(w.size());
  WeightQuantization used;
  quantize_weights(w.data(), w.size(), 2, q.data(), pass.data(), &used);
  const float s = 4.1f / 6.0f;
  EXPECT_NEAR(used.scale, s, 1e-6);
  EXPECT_EQ(used.code_min, -2);
  EXPECT_EQ(used.code_max, 1);
  const std::vector<float> codes = {1, 0, 0, -2, 1, 0};
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_FLOAT_EQ(q[i], codes[i] * used.scale) << i;
  // Straight-through inside [-2.5 s, 1.5 s] = [-1.708, 1.025]: only 2.0 is outside.
  EXPECT_EQ(pass, (std::vector<float>{1, 1, 1, 1, 0, 1}));
}

TEST(WeightQuantizer, ThreeAndFourBitsUseTheMeanRuleEightBitsTheMaximum) {
  const std::vector<float> w = {1.0f, -2.0f, 0.5f, 0.5f};  // mean|w| = 1, max|w| = 2
  EXPECT_FLOAT_EQ(weight_quantization(w.data(), w.size(), 3).scale, 0.5f);   // 2*1/4
  EXPECT_FLOAT_EQ(weight_quantization(w.data(), w.size(), 4).scale, 0.25f);  // 2*1/8
  EXPECT_FLOAT_EQ(weight_quantization(w.data(), w.size(), 8).scale, 2.0f / 127.0f);
  std::vector<float> q(w.size());
  quantize_weights(w.data(), w.size(), 8, q.data());
  EXPECT_FLOAT_EQ(q[1], -2.0f);  // code -127 * 2/127
}

TEST(WeightQuantizer, ThirtyTwoBitsIsIdentity) {
  const std::vector<float> w = {0.123f, -4.5f};
  std::vector<float> q(2);
  std::vector<float> pass(2);
  quantize_weights(w.data(), w.size(), kFullPrecisionBits, q.data(), pass.data());
  EXPECT_EQ(q, w);
  EXPECT_EQ(pass, (std::vector<float>{1, 1}));
}

}  // namespace
}  // namespace nce::train
