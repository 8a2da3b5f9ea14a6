// A trained quantized layer exported to integer codes + scales reproduces the engine's
// forward through the integer reference model:
//   conv_output = s_w * (alpha/3) * ref::conv2d(w_codes, a_codes)   (docs/NCE.md section 1).
#include <gtest/gtest.h>

#include <cmath>

#include "nce/train/export.hpp"
#include "nce/train/network.hpp"
#include "nce/train/optimizers.hpp"
#include "test_util.hpp"
#include "tiny_resnet.hpp"

namespace nce::train {
namespace {

TEST(Export, TrainedTwoBitLayersMatchTheIntegerReferenceModel) {
  auto net_owner = testing::tiny_network(2, 17);
  Network& net = *net_owner;
  Sgd sgd(net.parameters(), 0.9, 4e-4);
  const Tensor images = testing::random_tensor(8, 1, 8, 8, 18);
  const std::vector<std::int32_t> labels = {0, 1, 2, 3, 4, 5, 6, 7};
  Tensor dlogits;
  for (int step = 0; step < 5; ++step) {  // a few real training steps move weights and alphas
    softmax_cross_entropy(net.forward(images, true), labels, dlogits);
    net.zero_grad();
    net.backward(dlogits);
    sgd.step(0.05);
    net.after_step();
  }
  net.forward(images, false);
  for (const char* name : {"b.conv_a", "b.conv_b", "d.conv_a"}) {  // 3x3/s1 and 3x3/s2 layers
    const Conv2d& conv = net.conv(name);
    const PactQuantizer& pact = *net.pact(name);
    ASSERT_EQ(pact.bits(), 2);
    EXPECT_NE(pact.alpha(), PactQuantizer::kInitialAlpha);  // trained
    const ExportedConv exported = export_conv(conv);
    workloads::ref::check_weight_codes(exported.weights, 2);
    const Tensor& out = net.conv_output(name);
    for (int image = 0; image < images.n; ++image) {
      const workloads::ref::FeatureMap codes = export_activations(pact, net.layer_input(name), image);
      workloads::ref::check_activation_codes(codes, 2);
      const workloads::ref::FeatureMap integer = workloads::ref::conv2d(codes, exported.weights, exported.geometry);
      ASSERT_EQ(integer.values.size(), out.image_size());
      const double step = double(pact.alpha()) / 3.0;
      for (std::size_t i = 0; i < integer.values.size(); ++i) {
        const double expected = double(exported.weight_scale) * step * integer.values[i];
        EXPECT_NEAR(out.image(image)[i], expected, 1e-5 * (1.0 + std::fabs(expected))) << name << " " << i;
      }
    }
  }
}

TEST(Export, RefusesFullPrecisionLayers) {
  auto net_owner = testing::tiny_network(32, 1);
  Network& net = *net_owner;
  net.forward(testing::random_tensor(2, 1, 8, 8, 2), false);
  EXPECT_THROW(export_conv(net.conv("b.conv_a")), std::invalid_argument);
}

}  // namespace
}  // namespace nce::train
