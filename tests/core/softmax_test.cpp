#include <gtest/gtest.h>

#include <cmath>

#include "nce/core/softmax.hpp"

namespace nce::core {
namespace {

TEST(Softmax, MatchesTheDefinitionAndSurvivesLargeLogits) {
  const std::vector<double> p = softmax(std::vector<double>{0.0, std::log(3.0)});
  EXPECT_DOUBLE_EQ(p[0], 0.25);
  EXPECT_DOUBLE_EQ(p[1], 0.75);
  // exp(1000) overflows; the shift by the maximum keeps it exact.
  const std::vector<double> q = softmax(std::vector<float>{1000.0f, 1000.0f});
  EXPECT_DOUBLE_EQ(q[0], 0.5);
  EXPECT_TRUE(softmax(std::vector<double>{}).empty());
}

}  // namespace
}  // namespace nce::core
