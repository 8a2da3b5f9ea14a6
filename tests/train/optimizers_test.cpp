#include <gtest/gtest.h>

#include <cmath>

#include "nce/train/optimizers.hpp"

namespace nce::train {
namespace {

TEST(Sgd, MomentumAndWeightDecayFollowPyTorch) {
  Parameter p("w", 1);
  p.value[0] = 2.0f;
  Sgd sgd({&p}, 0.9, 0.1);
  p.grad[0] = 1.0f;
  sgd.step(0.5);  // v = 1 + 0.1*2 = 1.2; w = 2 - 0.6 = 1.4
  EXPECT_FLOAT_EQ(p.value[0], 1.4f);
  sgd.step(0.5);  // v = 0.9*1.2 + (1 + 0.14) = 2.22; w = 1.4 - 1.11 = 0.29
  EXPECT_NEAR(p.value[0], 0.29f, 1e-6);
}

TEST(Sgd, ParameterOwnDecayOverridesTheDefault) {
  Parameter alpha("alpha", 1, 1e-3f);
  alpha.value[0] = 8.0f;
  Sgd sgd({&alpha}, 0.0, 0.5);
  sgd.step(1.0);  // only its own 1e-3: 8 - 0.008
  EXPECT_FLOAT_EQ(alpha.value[0], 7.992f);
}

TEST(Adam, FirstStepMovesByLearningRateAgainstTheGradientSign) {
  Parameter p("theta", 2);
  p.grad = {0.3f, -5.0f};
  Adam adam({&p});
  adam.step(0.01);  // m_hat = g, v_hat = g^2: step = lr g/|g|
  EXPECT_NEAR(p.value[0], -0.01f, 1e-6);
  EXPECT_NEAR(p.value[1], 0.01f, 1e-6);
}

TEST(CosineLr, StartsAtBaseHalvesAtMidpointEndsAtZero) {
  EXPECT_DOUBLE_EQ(cosine_lr(0.1, 0, 100), 0.1);
  EXPECT_NEAR(cosine_lr(0.1, 50, 100), 0.05, 1e-12);
  EXPECT_NEAR(cosine_lr(0.1, 100, 100), 0.0, 1e-12);
}

}  // namespace
}  // namespace nce::train
