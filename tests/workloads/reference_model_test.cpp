#include <gtest/gtest.h>

#include <random>

#include "nce/core/input_error.hpp"
#include "nce/workloads/reference_model.hpp"

namespace nce::workloads::ref {
namespace {

FeatureMap random_activations(std::mt19937& rng, int c, int h, int w, int bits) {
  FeatureMap fm(c, h, w);
  std::uniform_int_distribution<std::int32_t> code(0, activation_max(bits));
  for (auto& v : fm.values) v = code(rng);
  return fm;
}

Filters random_weights(std::mt19937& rng, int m, int c, int r, int s, int bits) {
  Filters f(m, c, r, s);
  std::uniform_int_distribution<std::int32_t> code(weight_min(bits), weight_max(bits));
  for (auto& v : f.values) v = code(rng);
  return f;
}

TEST(ReferenceModel, ConvMatchesAHandComputedExample) {
  // 1 channel 3x3 input, one 2x2 filter, stride 1, no padding.
  FeatureMap a(1, 3, 3);
  a.values = {0, 1, 2, 3, 0, 1, 2, 3, 0};
  Filters w(1, 1, 2, 2);
  w.values = {1, -2, -1, 0};
  const FeatureMap out = conv2d(a, w, {});
  // out(0,0) = 0*1 + 1*-2 + 3*-1 + 0*0 = -5; out(0,1) = 1 - 4 - 0 + 0 = -3
  // out(1,0) = 3 + 0 - 2 + 0 = 1;             out(1,1) = 0 - 2 - 3 + 0 = -5
  EXPECT_EQ(out.values, (std::vector<std::int32_t>{-5, -3, 1, -5}));
}

TEST(ReferenceModel, PaddingAndStrideReadZerosOutsideTheMap) {
  FeatureMap a(1, 2, 2);
  a.values = {1, 2, 3, 3};
  Filters w(1, 1, 3, 3);
  std::fill(w.values.begin(), w.values.end(), 1);
  const FeatureMap out = conv2d(a, w, {2, 1, 1});
  ASSERT_EQ(out.height, 1);
  EXPECT_EQ(out.values, (std::vector<std::int32_t>{9}));  // the window covers the whole map
}

TEST(ReferenceModel, GroupedConvOnlyMixesChannelsWithinAGroup) {
  std::mt19937 rng(7);
  const FeatureMap a = random_activations(rng, 4, 5, 5, 2);
  const Filters w = random_weights(rng, 4, 2, 3, 3, 2);
  const FeatureMap grouped = conv2d(a, w, {1, 1, 2});
  // Group 1 (output channels 2,3) equals a plain conv of input channels 2,3.
  FeatureMap upper(2, 5, 5);
  std::copy(a.values.begin() + 50, a.values.end(), upper.values.begin());
  Filters upper_w(2, 2, 3, 3);
  std::copy(w.values.begin() + 36, w.values.end(), upper_w.values.begin());
  const FeatureMap plain = conv2d(upper, upper_w, {1, 1, 1});
  EXPECT_TRUE(std::equal(plain.values.begin(), plain.values.end(), grouped.values.begin() + 50));
}

TEST(ReferenceModel, FullyConnectedIsADotProductPerOutput) {
  FeatureMap a(3, 1, 1);
  a.values = {1, 2, 3};
  Filters w(2, 3, 1, 1);
  w.values = {1, 1, 1, -2, 0, 1};
  EXPECT_EQ(fully_connected(a, w), (std::vector<std::int32_t>{6, 1}));
}

TEST(Digits, CountsPerBitWidth) {
  EXPECT_EQ(activation_digit_count(2), 1);
  EXPECT_EQ(activation_digit_count(4), 2);
  EXPECT_EQ(activation_digit_count(8), 4);
  EXPECT_EQ(weight_digit_count(2), 1);  // {-2..1} is exactly the 2-bit range
  EXPECT_EQ(weight_digit_count(3), 2);  // -4..3 within -10..5
  EXPECT_EQ(weight_digit_count(4), 3);  // 7 > 5 = (4^2-1)/3 needs a third digit
  EXPECT_EQ(weight_digit_count(8), 5);  // 127 > 85 = (4^4-1)/3
}

TEST(Digits, EveryCodeRecomposesExactlyWithDigitsInThePeRange) {
  for (int bits : {2, 3, 4, 5, 8}) {
    for (std::int32_t a = 0; a <= activation_max(bits); ++a) {
      std::int32_t value = 0, scale = 1;
      for (std::int32_t d : activation_digits(a, bits)) {
        ASSERT_GE(d, 0);
        ASSERT_LE(d, 3);
        value += d * scale;
        scale *= 4;
      }
      ASSERT_EQ(value, a) << bits;
    }
    for (std::int32_t w = weight_min(bits); w <= weight_max(bits); ++w) {
      std::int32_t value = 0, scale = 1;
      for (std::int32_t d : weight_digits(w, bits)) {
        ASSERT_GE(d, -2);
        ASSERT_LE(d, 1);
        value += d * scale;
        scale *= 4;
      }
      ASSERT_EQ(value, w) << bits;
    }
  }
  EXPECT_EQ(weight_digits(127, 8), (std::vector<std::int32_t>{-1, 0, 0, -2, 1}));
  EXPECT_EQ(weight_digits(-128, 8), (std::vector<std::int32_t>{0, 0, 0, -2, 0}));
}

struct DigitCase {
  int act_bits;
  int weight_bits;
  int expected_passes;
};

class DigitDecomposition : public ::testing::TestWithParam<DigitCase> {};

TEST_P(DigitDecomposition, RandomLayersAreBitExact) {
  const DigitCase param = GetParam();
  std::mt19937 rng(1234 + param.act_bits * 31 + param.weight_bits);
  for (int trial = 0; trial < 5; ++trial) {
    const FeatureMap a = random_activations(rng, 6, 7, 7, param.act_bits);
    const Filters w = random_weights(rng, 5, 6, 3, 3, param.weight_bits);
    const ConvGeometry geometry{1 + trial % 2, 1, 1};
    int passes = 0;
    EXPECT_EQ(conv2d_by_digits(a, param.act_bits, w, param.weight_bits, geometry, &passes), conv2d(a, w, geometry));
    EXPECT_EQ(passes, param.expected_passes);
  }
}

INSTANTIATE_TEST_SUITE_P(Widths, DigitDecomposition,
                         ::testing::Values(DigitCase{2, 2, 1}, DigitCase{4, 4, 6}, DigitCase{8, 8, 20},
                                           DigitCase{8, 2, 4}, DigitCase{2, 8, 5}, DigitCase{3, 5, 6}));

TEST(ReferenceModel, OutOfRangeCodesAreRejected) {
  FeatureMap a(1, 1, 2);
  a.values = {0, 4};
  EXPECT_THROW(check_activation_codes(a, 2), core::InputError);
  Filters w(1, 1, 1, 2);
  w.values = {-2, 2};
  EXPECT_THROW(check_weight_codes(w, 2), core::InputError);
  EXPECT_THROW(weight_digits(2, 2), core::InputError);
  EXPECT_THROW(activation_max(0), core::InputError);
}

}  // namespace
}  // namespace nce::workloads::ref
