// Every layer's backward against central finite differences of L = sum(out * R), R random.
// The engine computes in float: eps = 1e-2 and a tolerance of 1e-2 (relative to the largest
// gradient) are well above float rounding for these small tensors and well below any real error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nce/train/datasets.hpp"
#include "nce/train/layers.hpp"
#include "test_util.hpp"

namespace nce::train {
namespace {

using testing::numeric_derivative;
using testing::random_tensor;
using testing::weighted_sum;

double max_abs(const std::vector<float>& v) {
  double m = 0.0;
  for (float x : v) m = std::max(m, double(std::fabs(x)));
  return m;
}

// Compares analytic gradients with finite differences at every element.
void expect_gradients(std::vector<float>& values, const std::vector<float>& analytic,
                      const std::function<double()>& loss, double tolerance = 1e-2) {
  const double scale = std::max(1.0, max_abs(analytic));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double numeric = numeric_derivative(values, i, loss);
    EXPECT_NEAR(analytic[i], numeric, tolerance * scale) << "element " << i;
  }
}

struct ConvCase {
  ConvShape shape;
  bool bias;
  int batch;
  int size;
  bool implicit = false;  // the layer takes the implicit GEMM (train/src/implicit_conv.hpp), not im2col
};

class ConvGradient : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvGradient, MatchesFiniteDifferences) {
  const ConvCase c = GetParam();
  Conv2d conv("conv", c.shape, kFullPrecisionBits, c.bias);
  ASSERT_EQ(conv.implicit_gemm(c.size, c.size), c.implicit);
  Rng rng(7);
  conv.init(rng);
  for (float& b : conv.bias.value) b = float(rng.normal());
  Tensor x = random_tensor(c.batch, c.shape.in_channels, c.size, c.size, 11);
  Tensor out;
  conv.forward(x, out);
  const Tensor r = random_tensor(out.n, out.c, out.h, out.w, 13);
  Tensor dx;
  conv.backward(x, r, &dx);
  const auto loss = [&] {
    Tensor y;
    conv.forward(x, y);
    return weighted_sum(y, r);
  };
  expect_gradients(x.data, dx.data, loss);
  expect_gradients(conv.weight.value, conv.weight.grad, loss);
  if (c.bias) expect_gradients(conv.bias.value, conv.bias.grad, loss);
}

// 3x3/s1/p1 (the ResNet body), 3x3/s2/p1 (downsampling), 1x1/s2 (shortcut), 5x5 no padding,
// and a batch large enough to span several GEMM chunks and both threads. The 16x16 cases have
// 256 output pixels, so each image is its own GEMM chunk (computed in place in the NCHW
// tensors); with stride 1 and same padding at 3x3, 5x5 and 1x1 they take the contiguous
// im2col/col2im path. The last two have 8 input channels and take the implicit GEMM, at stride 1
// and at stride 2 (phase planes): its gradients are checked against finite differences too, not
// only against im2col (ConvAlgorithms below), which could share a mistake.
INSTANTIATE_TEST_SUITE_P(Shapes, ConvGradient,
                         ::testing::Values(ConvCase{{2, 3, 3, 1, 1}, true, 2, 5}, ConvCase{{3, 4, 3, 2, 1}, false, 2, 6},
                                           ConvCase{{3, 2, 1, 2, 0}, true, 3, 5}, ConvCase{{2, 2, 5, 1, 0}, false, 1, 7},
                                           ConvCase{{2, 2, 3, 1, 1}, false, 37, 3}, ConvCase{{2, 3, 3, 1, 1}, true, 2, 16},
                                           ConvCase{{1, 2, 5, 1, 2}, false, 1, 16}, ConvCase{{2, 2, 1, 1, 0}, true, 2, 16},
                                           ConvCase{{8, 4, 3, 1, 1}, true, 2, 8, true},
                                           ConvCase{{8, 3, 3, 2, 1}, true, 2, 8, true}));

// The implicit GEMM (train/src/implicit_conv.hpp) against im2col. On integer-valued inputs,
// weights and output gradients every partial sum is an integer below 2^24, exact in float in any
// order, so the two algorithms must agree bit for bit: outputs, weight, bias and input gradients
// and the batch-norm moments. The cases cover stride 1 (same, valid and 1x1), strides 2 and 3
// (phase planes, including phases that no tap of a 1x1 kernel reaches), odd sizes, a batch of
// three gradient chunks, and an active slice of a wider allocation.
struct AlgorithmCase {
  ConvShape shape;
  int active_in, active_out, batch, height, width;
};

class ConvAlgorithms : public ::testing::TestWithParam<AlgorithmCase> {};

Tensor integer_tensor(int n, int c, int h, int w, std::uint64_t seed, int low, int high) {
  Tensor t(n, c, h, w);
  Rng rng(seed);
  for (float& v : t.data) v = float(low + int(rng.below(std::uint64_t(high - low + 1))));
  return t;
}

TEST_P(ConvAlgorithms, ImplicitGemmEqualsIm2colBitForBit) {
  const AlgorithmCase c = GetParam();
  Conv2d implicit("implicit", c.shape, kFullPrecisionBits, true);
  Conv2d reference("im2col", c.shape, kFullPrecisionBits, true);
  reference.set_algorithm(ConvAlgorithm::im2col);
  Rng rng(17);
  for (std::size_t i = 0; i < implicit.weight.value.size(); ++i) {
    implicit.weight.value[i] = reference.weight.value[i] = float(int(rng.below(4)) - 2);
  }
  for (std::size_t i = 0; i < implicit.bias.value.size(); ++i) {
    implicit.bias.value[i] = reference.bias.value[i] = float(int(rng.below(5)) - 2);
  }
  implicit.set_active(c.active_in, c.active_out);
  reference.set_active(c.active_in, c.active_out);
  ASSERT_TRUE(implicit.implicit_gemm(c.height, c.width));
  ASSERT_FALSE(reference.implicit_gemm(c.height, c.width));
  const Tensor x = integer_tensor(c.batch, c.active_in, c.height, c.width, 41, -3, 3);
  Tensor y_implicit;
  Tensor y_reference;
  ChannelMoments m_implicit;
  ChannelMoments m_reference;
  implicit.forward(x, y_implicit, &m_implicit);
  reference.forward(x, y_reference, &m_reference);
  ASSERT_EQ(y_implicit.size(), y_reference.size());
  ASSERT_EQ(y_implicit.c, c.active_out);
  for (std::size_t i = 0; i < y_implicit.size(); ++i) ASSERT_EQ(y_implicit.data[i], y_reference.data[i]) << i;
  EXPECT_EQ(m_implicit.sum, m_reference.sum);
  EXPECT_EQ(m_implicit.sum_squares, m_reference.sum_squares);
  const Tensor dy = integer_tensor(y_implicit.n, y_implicit.c, y_implicit.h, y_implicit.w, 43, -2, 2);
  Tensor dx_implicit;
  Tensor dx_reference;
  implicit.backward(x, dy, &dx_implicit);
  reference.backward(x, dy, &dx_reference);
  ASSERT_EQ(dx_implicit.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_EQ(dx_implicit.data[i], dx_reference.data[i]) << i;
  EXPECT_EQ(implicit.weight.grad, reference.weight.grad);
  EXPECT_EQ(implicit.bias.grad, reference.bias.grad);
  EXPECT_GT(max_abs(implicit.weight.grad), 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    Geometries, ConvAlgorithms,
    ::testing::Values(AlgorithmCase{{8, 8, 3, 1, 1}, 8, 8, 3, 7, 7}, AlgorithmCase{{16, 24, 3, 1, 1}, 16, 24, 19, 14, 14},
                      AlgorithmCase{{9, 5, 5, 1, 2}, 9, 5, 2, 9, 6}, AlgorithmCase{{8, 6, 5, 1, 0}, 8, 6, 2, 9, 10},
                      AlgorithmCase{{12, 7, 1, 1, 0}, 12, 7, 2, 5, 6}, AlgorithmCase{{16, 32, 3, 2, 1}, 16, 32, 9, 28, 28},
                      AlgorithmCase{{10, 6, 3, 2, 1}, 10, 6, 2, 7, 9}, AlgorithmCase{{8, 4, 3, 2, 0}, 8, 4, 2, 13, 10},
                      AlgorithmCase{{8, 8, 1, 2, 0}, 8, 8, 2, 9, 9}, AlgorithmCase{{8, 5, 3, 3, 1}, 8, 5, 2, 13, 14},
                      AlgorithmCase{{24, 20, 3, 1, 1}, 10, 12, 3, 8, 8}, AlgorithmCase{{24, 20, 3, 2, 1}, 9, 7, 2, 10, 10}));

TEST(ConvSlice, ActiveWidthsUsePrefixFiltersAndScatterGradients) {
  // A conv allocated at 4 -> 6 channels run as 2 -> 3 equals a 2 -> 3 conv holding the
  // first filters, and only that slice of the gradient is touched.
  Conv2d wide("wide", {4, 6, 3, 1, 1}, kFullPrecisionBits, false);
  Rng rng(3);
  wide.init(rng);
  wide.set_active(2, 3);
  Conv2d narrow("narrow", {2, 3, 3, 1, 1}, kFullPrecisionBits, false);
  for (int m = 0; m < 3; ++m) {
    for (int c = 0; c < 2; ++c) {
      for (int k = 0; k < 9; ++k) narrow.weight.value[(m * 2 + c) * 9 + k] = wide.weight.value[(m * 4 + c) * 9 + k];
    }
  }
  const Tensor x = random_tensor(2, 2, 4, 4, 5);
  Tensor a;
  Tensor b;
  wide.forward(x, a);
  narrow.forward(x, b);
  ASSERT_EQ(a.c, 3);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a.data[i], b.data[i]);
  const Tensor r = random_tensor(2, 3, 4, 4, 6);
  wide.backward(x, r, nullptr);
  narrow.backward(x, r, nullptr);
  for (int m = 0; m < 6; ++m) {
    for (int c = 0; c < 4; ++c) {
      for (int k = 0; k < 9; ++k) {
        const float g = wide.weight.grad[(m * 4 + c) * 9 + k];
        if (m < 3 && c < 2) {
          EXPECT_FLOAT_EQ(g, narrow.weight.grad[(m * 2 + c) * 9 + k]);
        } else {
          EXPECT_EQ(g, 0.0f);
        }
      }
    }
  }
}

TEST(BatchNormGradient, TrainingModeMatchesFiniteDifferences) {
  BatchNorm2d bn("bn", 3);
  Rng rng(1);
  for (float& g : bn.gamma.value) g = float(1.0 + 0.5 * rng.normal());
  for (float& b : bn.beta.value) b = float(rng.normal());
  Tensor x = random_tensor(4, 3, 3, 3, 2, 2.0f);
  Tensor out;
  bn.forward(x, out, true);
  const Tensor r = random_tensor(4, 3, 3, 3, 4);
  Tensor dx;
  bn.backward(x, r, dx);
  const auto loss = [&] {
    Tensor y;
    bn.forward(x, y, true);
    return weighted_sum(y, r);
  };
  expect_gradients(x.data, dx.data, loss);
  expect_gradients(bn.gamma.value, bn.gamma.grad, loss);
  expect_gradients(bn.beta.value, bn.beta.grad, loss);
}

TEST(BatchNormRelu, FusedPassesEqualBatchNormThenRelu) {
  // The network runs conv-BN-ReLU as BN with the ReLU folded in; forward and backward must be
  // what the two layers compute one after the other.
  BatchNorm2d fused("fused", 3);
  BatchNorm2d plain("plain", 3);
  Rng rng(9);
  for (int c = 0; c < 3; ++c) {
    fused.gamma.value[c] = plain.gamma.value[c] = float(1.0 + 0.5 * rng.normal());
    fused.beta.value[c] = plain.beta.value[c] = float(rng.normal());
  }
  const Tensor x = random_tensor(5, 3, 7, 7, 21, 2.0f);
  Tensor y_fused;
  Tensor normalized;
  Tensor y_plain;
  fused.forward(x, y_fused, true, true);
  plain.forward(x, normalized, true);
  relu_forward(normalized, y_plain);
  ASSERT_EQ(y_fused.size(), y_plain.size());
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < y_fused.size(); ++i) {
    EXPECT_EQ(y_fused.data[i], y_plain.data[i]) << "element " << i;
    zeros += y_fused.data[i] == 0.0f;
  }
  EXPECT_GT(zeros, y_fused.size() / 5);  // the ReLU really clips something
  const Tensor r = random_tensor(5, 3, 7, 7, 22);
  Tensor dx_fused;
  Tensor masked;
  Tensor dx_plain;
  fused.backward(x, r, dx_fused, true);
  relu_backward(y_plain, r, masked);
  plain.backward(x, masked, dx_plain);
  for (std::size_t i = 0; i < dx_fused.size(); ++i) EXPECT_EQ(dx_fused.data[i], dx_plain.data[i]) << "element " << i;
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(fused.gamma.grad[c], plain.gamma.grad[c]);
    EXPECT_EQ(fused.beta.grad[c], plain.beta.grad[c]);
  }
}

TEST(BatchNormGradient, EvalModeUsesRunningStatistics) {
  BatchNorm2d bn("bn", 2);
  bn.running_mean = {1.0f, -2.0f};
  bn.running_var = {4.0f, 0.25f};
  bn.gamma.value = {2.0f, 1.0f};
  bn.beta.value = {0.5f, 0.0f};
  Tensor x(1, 2, 1, 1);
  x.data = {3.0f, -1.0f};
  Tensor y;
  bn.forward(x, y, false);
  // (3 - 1)/sqrt(4 + 1e-5) * 2 + 0.5 = 2.5 (to 1e-5); (-1 + 2)/sqrt(0.25 + 1e-5) = 2.
  EXPECT_NEAR(y.data[0], 2.5f, 1e-5);
  EXPECT_NEAR(y.data[1], 2.0f, 1e-4);
  Tensor dx;
  Tensor ones(1, 2, 1, 1);
  ones.data = {1.0f, 1.0f};
  bn.backward(x, ones, dx);
  EXPECT_NEAR(dx.data[0], 1.0f, 1e-5);  // gamma / sigma = 2/2
  EXPECT_NEAR(dx.data[1], 2.0f, 1e-4);  // 1/0.5
}

TEST(BatchNormStatistics, RunningStatisticsFollowPyTorchMomentum) {
  BatchNorm2d bn("bn", 1);
  Tensor x(2, 1, 1, 2);
  x.data = {1.0f, 2.0f, 3.0f, 6.0f};  // mean 3, biased var 3.5, unbiased 14/3
  Tensor y;
  bn.forward(x, y, true);
  EXPECT_NEAR(bn.running_mean[0], 0.3f, 1e-6);
  EXPECT_NEAR(bn.running_var[0], 0.9f + 0.1f * 14.0f / 3.0f, 1e-5);
}

TEST(ReluGradient, MatchesFiniteDifferences) {
  Tensor x = random_tensor(2, 2, 3, 3, 9);
  for (float& v : x.data) v += (v >= 0 ? 0.1f : -0.1f);  // keep clear of the kink
  Tensor out;
  relu_forward(x, out);
  const Tensor r = random_tensor(2, 2, 3, 3, 10);
  Tensor dx;
  relu_backward(out, r, dx);
  expect_gradients(x.data, dx.data, [&] {
    Tensor y;
    relu_forward(x, y);
    return weighted_sum(y, r);
  });
}

class PoolGradient : public ::testing::TestWithParam<PoolShape> {};

TEST_P(PoolGradient, MatchesFiniteDifferences) {
  Pool2d pool(GetParam());
  // Distinct values 0.05 apart: finite differences of max pooling need no near-ties.
  Tensor x(2, 2, 6, 6);
  const std::vector<std::int32_t> order = shuffled_order(int(x.size()), 21);
  for (std::size_t i = 0; i < x.size(); ++i) x.data[i] = 0.05f * float(order[i]) - 3.0f;
  Tensor out;
  pool.forward(x, out);
  const Tensor r = random_tensor(out.n, out.c, out.h, out.w, 22);
  Tensor dx;
  pool.backward(x, r, dx);
  expect_gradients(x.data, dx.data, [&] {
    Tensor y;
    pool.forward(x, y);
    return weighted_sum(y, r);
  });
}

INSTANTIATE_TEST_SUITE_P(Kinds, PoolGradient,
                         ::testing::Values(PoolShape{PoolKind::max, 2, 2, 0}, PoolShape{PoolKind::avg, 3, 2, 1},
                                           PoolShape{PoolKind::global_avg, 1, 1, 0}));

TEST(AddGradient, DifferentWidthsAddIntoTheFirstChannels) {
  Tensor a = random_tensor(2, 3, 2, 2, 31);
  Tensor b = random_tensor(2, 2, 2, 2, 32);
  Tensor out;
  add_forward(a, b, out);
  ASSERT_EQ(out.c, 3);
  EXPECT_FLOAT_EQ(out.at(1, 1, 1, 0), a.at(1, 1, 1, 0) + b.at(1, 1, 1, 0));
  EXPECT_FLOAT_EQ(out.at(1, 2, 1, 0), a.at(1, 2, 1, 0));
  const Tensor r = random_tensor(2, 3, 2, 2, 33);
  Tensor db;
  add_backward_slice(r, 2, db);
  expect_gradients(b.data, db.data, [&] {
    Tensor y;
    add_forward(a, b, y);
    return weighted_sum(y, r);
  });
}

TEST(AddRelu, FusedPassEqualsAddThenRelu) {
  // A residual block's add and closing ReLU run as one pass; it must be what the two compute
  // one after the other, in the shared channels and in the wider operand's own.
  const Tensor a = random_tensor(3, 4, 5, 5, 34);
  const Tensor b = random_tensor(3, 2, 5, 5, 35);
  Tensor fused;
  Tensor sum;
  Tensor plain;
  add_forward(a, b, fused, true);
  add_forward(a, b, sum);
  relu_forward(sum, plain);
  ASSERT_EQ(fused.size(), plain.size());
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < fused.size(); ++i) {
    EXPECT_EQ(fused.data[i], plain.data[i]) << "element " << i;
    zeros += fused.data[i] == 0.0f;
  }
  EXPECT_GT(zeros, fused.size() / 5);
}

TEST(CrossEntropyGradient, MatchesFiniteDifferencesAndCountsCorrect) {
  Tensor logits = random_tensor(3, 4, 1, 1, 41, 2.0f);
  const std::vector<std::int32_t> labels = {0, 3, 1};
  Tensor dlogits;
  const LossResult result = softmax_cross_entropy(logits, labels, dlogits);
  int correct = 0;
  for (int i = 0; i < 3; ++i) {
    const float* z = logits.image(i);
    if (std::max_element(z, z + 4) - z == labels[std::size_t(i)]) ++correct;
  }
  EXPECT_EQ(result.correct, correct);
  expect_gradients(logits.data, dlogits.data, [&] {
    Tensor unused;
    return softmax_cross_entropy(logits, labels, unused).loss;
  });
}

TEST(CrossEntropyValue, UniformLogitsGiveLogOfClassCount) {
  Tensor logits(2, 10, 1, 1);
  Tensor dlogits;
  EXPECT_NEAR(softmax_cross_entropy(logits, {3, 7}, dlogits).loss, std::log(10.0), 1e-6);
}

}  // namespace
}  // namespace nce::train
