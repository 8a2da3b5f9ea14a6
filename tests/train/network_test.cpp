// A small quantized ResNet built from a workload, checked against a forward pass written
// independently here (direct loops in double, quantizers re-derived from docs/NCE.md section 1),
// and its backward against finite differences (full precision) and hand-derived STE
// gradients of the classifier (quantized).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "nce/train/network.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"
#include "test_util.hpp"
#include "tiny_resnet.hpp"

namespace nce::train {
namespace {

using testing::random_tensor;
using testing::tiny_resnet;

// ---- The independent model: NCHW vectors of double --------------------------------------
struct Map4 {
  int n, c, h, w;
  std::vector<double> v;
  double& at(int i, int ch, int y, int x) { return v[((std::size_t(i) * c + ch) * h + y) * w + x]; }
  double at(int i, int ch, int y, int x) const { return v[((std::size_t(i) * c + ch) * h + y) * w + x]; }
};

Map4 from_tensor(const Tensor& t) { return {t.n, t.c, t.h, t.w, std::vector<double>(t.data.begin(), t.data.end())}; }

// w_q = s clamp(round(w/s), -2^(b-1), 2^(b-1)-1); s = 2 mean|w| / 2^(b-1) for b <= 4, else max|w| / (2^(b-1)-1).
std::vector<double> quantize(const std::vector<float>& w, int bits) {
  if (bits >= 32) return {w.begin(), w.end()};
  float sum = 0.0f;
  float top = 0.0f;
  double dsum = 0.0;
  for (float x : w) {
    dsum += std::fabs(x);
    top = std::max(top, std::fabs(x));
  }
  sum = float(2.0 * dsum / double(w.size()) / double(1 << (bits - 1)));
  const float s = bits <= 4 ? sum : top / float((1 << (bits - 1)) - 1);
  std::vector<double> q;
  for (float x : w) {
    const float code = std::clamp(std::nearbyint(x / s), float(-(1 << (bits - 1))), float((1 << (bits - 1)) - 1));
    q.push_back(double(code) * double(s));
  }
  return q;
}

Map4 pact(const Map4& x, float alpha, int bits) {
  Map4 y = x;
  const float levels = float((1 << bits) - 1);
  for (double& v : y.v) {
    const float clipped = std::clamp(float(v), 0.0f, alpha);
    v = double(std::nearbyint(clipped * (levels / alpha))) * double(alpha / levels);
  }
  return y;
}

Map4 conv(const Map4& x, const std::vector<double>& w, const std::vector<float>& bias, int out, int k, int stride,
          int pad) {
  const int oh = (x.h + 2 * pad - k) / stride + 1;
  const int ow = (x.w + 2 * pad - k) / stride + 1;
  Map4 y{x.n, out, oh, ow, std::vector<double>(std::size_t(x.n) * out * oh * ow)};
  for (int i = 0; i < x.n; ++i)
    for (int m = 0; m < out; ++m)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          double sum = bias.empty() ? 0.0 : bias[std::size_t(m)];
          for (int c = 0; c < x.c; ++c)
            for (int r = 0; r < k; ++r)
              for (int q = 0; q < k; ++q) {
                const int yy = oy * stride + r - pad;
                const int xx = ox * stride + q - pad;
                if (yy < 0 || yy >= x.h || xx < 0 || xx >= x.w) continue;
                sum += w[((std::size_t(m) * x.c + c) * k + r) * k + q] * x.at(i, c, yy, xx);
              }
          y.at(i, m, oy, ox) = sum;
        }
  return y;
}

Map4 batch_norm(const Map4& x, const std::vector<float>& gamma, const std::vector<float>& beta) {
  Map4 y = x;
  const double count = double(x.n) * x.h * x.w;
  for (int c = 0; c < x.c; ++c) {
    double mean = 0.0;
    for (int i = 0; i < x.n; ++i)
      for (int p = 0; p < x.h * x.w; ++p) mean += x.at(i, c, p / x.w, p % x.w);
    mean /= count;
    double var = 0.0;
    for (int i = 0; i < x.n; ++i)
      for (int p = 0; p < x.h * x.w; ++p) var += std::pow(x.at(i, c, p / x.w, p % x.w) - mean, 2);
    var /= count;
    for (int i = 0; i < x.n; ++i)
      for (int p = 0; p < x.h * x.w; ++p) {
        double& v = y.at(i, c, p / x.w, p % x.w);
        v = (v - mean) / std::sqrt(var + 1e-5) * gamma[std::size_t(c)] + beta[std::size_t(c)];
      }
  }
  return y;
}

Map4 relu(Map4 x) {
  for (double& v : x.v) v = std::max(v, 0.0);
  return x;
}
Map4 add(Map4 a, const Map4& b) {
  for (std::size_t i = 0; i < a.v.size(); ++i) a.v[i] += b.v[i];
  return a;
}

struct Independent {
  Map4 pooled_quantized;  // FC input after its PACT
  Map4 pooled;            // FC input before PACT
  std::vector<double> fc_weights;
  Map4 logits;
};

// The tiny ResNet of tiny_resnet.hpp, layer by layer.
Independent independent_forward(Network& net, const Tensor& image, int bits) {
  const auto layer = [&](const std::string& name, const Map4& x, int out, int k, int stride, int pad, bool act_relu) {
    Conv2d& c = net.conv(name);
    const PactQuantizer* q = net.pact(name);
    const Map4 in = q ? pact(x, q->alpha(), q->bits()) : x;
    Map4 y = conv(in, quantize(c.weight.value, c.weight_bits()), {}, out, k, stride, pad);
    y = batch_norm(y, net.batch_norm(name)->gamma.value, net.batch_norm(name)->beta.value);
    return act_relu ? relu(y) : y;
  };
  const Map4 x = from_tensor(image);
  const Map4 c1 = layer("conv1", x, 4, 3, 1, 1, true);
  const Map4 ba = layer("b.conv_a", c1, 4, 3, 1, 1, true);
  const Map4 bb = layer("b.conv_b", ba, 4, 3, 1, 1, false);
  const Map4 badd = relu(add(bb, c1));
  const Map4 da = layer("d.conv_a", badd, 8, 3, 2, 1, true);
  const Map4 db = layer("d.conv_b", da, 8, 3, 1, 1, false);
  const Map4 ds = layer("d.shortcut", badd, 8, 1, 2, 0, false);
  const Map4 dadd = relu(add(db, ds));
  Independent result;
  result.pooled = Map4{dadd.n, dadd.c, 1, 1, std::vector<double>(std::size_t(dadd.n) * dadd.c)};
  for (int i = 0; i < dadd.n; ++i)
    for (int c = 0; c < dadd.c; ++c) {
      double sum = 0.0;
      for (int p = 0; p < dadd.h * dadd.w; ++p) sum += dadd.at(i, c, p / dadd.w, p % dadd.w);
      result.pooled.at(i, c, 0, 0) = sum / (dadd.h * dadd.w);
    }
  const PactQuantizer* q = net.pact("fc");
  result.pooled_quantized = (bits < 32) ? pact(result.pooled, q->alpha(), q->bits()) : result.pooled;
  Conv2d& fc = net.conv("fc");
  result.fc_weights = quantize(fc.weight.value, fc.weight_bits());
  result.logits = conv(result.pooled_quantized, result.fc_weights, fc.bias.value, 10, 1, 1, 0);
  return result;
}

// Non-trivial BN affine parameters, biases and clips (alpha small enough that some inputs clip).
void perturb(Network& net) {
  Rng rng(99);
  for (Parameter* p : net.parameters()) {
    if (p->name.ends_with(".gamma")) for (float& v : p->value) v = float(1.0 + 0.3 * rng.normal());
    if (p->name.ends_with(".beta") || p->name.ends_with(".bias")) for (float& v : p->value) v = float(0.3 * rng.normal());
    if (p->name.ends_with(".alpha")) p->value[0] = float(1.0 + rng.uniform());
  }
}

const std::vector<std::int32_t> kLabels = {3, 1, 4, 1};

class TinyResnetForward : public ::testing::TestWithParam<int> {};

TEST_P(TinyResnetForward, MatchesIndependentComputation) {
  const int bits = GetParam();
  auto net_owner = testing::tiny_network(bits, 5);
  Network& net = *net_owner;
  perturb(net);
  const Tensor image = random_tensor(4, 1, 8, 8, 6);
  const Tensor& logits = net.forward(image, true);
  const Independent expected = independent_forward(net, image, bits);
  ASSERT_EQ(logits.size(), expected.logits.v.size());
  for (std::size_t i = 0; i < logits.size(); ++i) EXPECT_NEAR(logits.data[i], expected.logits.v[i], 1e-4) << i;
}

INSTANTIATE_TEST_SUITE_P(Bits, TinyResnetForward, ::testing::Values(32, 2, 3, 4));

TEST(TinyResnetBackward, QuantizedClassifierGradientsMatchStraightThroughRules) {
  auto net_owner = testing::tiny_network(2, 5);
  Network& net = *net_owner;
  perturb(net);
  net.pact("fc")->alpha_parameter().value[0] = 0.2f;  // some pooled features exceed alpha
  const Tensor image = random_tensor(4, 1, 8, 8, 6);
  Tensor dlogits;
  softmax_cross_entropy(net.forward(image, true), kLabels, dlogits);
  net.zero_grad();
  net.backward(dlogits);
  const Independent f = independent_forward(net, image, 2);
  // Softmax gradient, independently: (softmax - onehot) / N.
  std::vector<double> g(40);
  for (int i = 0; i < 4; ++i) {
    double top = -1e300;
    for (int m = 0; m < 10; ++m) top = std::max(top, f.logits.at(i, m, 0, 0));
    double sum = 0.0;
    for (int m = 0; m < 10; ++m) sum += std::exp(f.logits.at(i, m, 0, 0) - top);
    for (int m = 0; m < 10; ++m) {
      g[std::size_t(i * 10 + m)] = (std::exp(f.logits.at(i, m, 0, 0) - top) / sum - (m == kLabels[std::size_t(i)])) / 4.0;
    }
  }
  Conv2d& fc = net.conv("fc");
  // dL/dW[m][k] = sum_i g[i][m] a_q[i][k] (8-bit max scaling clips nothing: STE passes all).
  for (int m = 0; m < 10; ++m) {
    double bias = 0.0;
    for (int i = 0; i < 4; ++i) bias += g[std::size_t(i * 10 + m)];
    EXPECT_NEAR(fc.bias.grad[std::size_t(m)], bias, 1e-5);
    for (int k = 0; k < 8; ++k) {
      double expected = 0.0;
      for (int i = 0; i < 4; ++i) expected += g[std::size_t(i * 10 + m)] * f.pooled_quantized.at(i, k, 0, 0);
      EXPECT_NEAR(fc.weight.grad[std::size_t(m * 8 + k)], expected, 1e-5);
    }
  }
  // dL/dalpha = sum over (i, k) with x > alpha of dL/dq[i][k] = sum_m g[i][m] W_q[m][k].
  double alpha_grad = 0.0;
  int clipped = 0;
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 8; ++k) {
      if (f.pooled.at(i, k, 0, 0) <= 0.2) continue;
      ++clipped;
      for (int m = 0; m < 10; ++m) alpha_grad += g[std::size_t(i * 10 + m)] * f.fc_weights[std::size_t(m * 8 + k)];
    }
  ASSERT_GT(clipped, 0);
  EXPECT_NEAR(net.pact("fc")->alpha_parameter().grad[0], alpha_grad, 1e-5);
}

TEST(TinyResnetBackward, FullPrecisionGradientsMatchFiniteDifferences) {
  auto net_owner = testing::tiny_network(32, 5);
  Network& net = *net_owner;
  perturb(net);
  const Tensor image = random_tensor(4, 1, 8, 8, 6);
  Tensor dlogits;
  softmax_cross_entropy(net.forward(image, true), kLabels, dlogits);
  net.zero_grad();
  net.backward(dlogits);
  const auto loss = [&] {
    Tensor unused;
    return softmax_cross_entropy(net.forward(image, true), kLabels, unused).loss;
  };
  // A few elements of every parameter: through the residual joins, the shortcut, pooling, FC.
  for (Parameter* p : net.parameters()) {
    for (std::size_t i = 0; i < p->value.size(); i += std::max<std::size_t>(1, p->value.size() / 5)) {
      const double numeric = testing::numeric_derivative(p->value, i, loss, 2e-3f);
      EXPECT_NEAR(p->grad[i], numeric, 2e-3 + 2e-2 * std::fabs(numeric)) << p->name << "[" << i << "]";
    }
  }
}

TEST(NetworkFromZoo, ResNet20OnFashionMnistShapesRunForwardAndBackward) {
  Network net(workloads::zoo::make("resnet20-fmnist"), 1);
  const Tensor image = random_tensor(2, 1, 28, 28, 3);
  const Tensor& logits = net.forward(image, true);
  EXPECT_EQ(logits.n, 2);
  EXPECT_EQ(logits.image_size(), 10u);
  Tensor dlogits;
  softmax_cross_entropy(logits, {0, 1}, dlogits);
  net.zero_grad();
  net.backward(dlogits);
  // W2A2 body convs have PACT clips; conv1 (reads the image) has none.
  EXPECT_NE(net.pact("stage1.block0.conv_a"), nullptr);
  EXPECT_EQ(net.pact("conv1"), nullptr);
  EXPECT_EQ(net.conv("stage1.block0.conv_a").weight_bits(), 2);
  EXPECT_EQ(net.conv("stage2.block0.shortcut").weight_bits(), 8);
  double norm = 0.0;
  for (float g : net.conv("conv1").weight.grad) norm += std::fabs(g);
  EXPECT_GT(norm, 0.0);
}

TEST(NetworkFromZoo, AnyChannelCountsWork) {
  workloads::Workload w = workloads::zoo::make("resnet20-fmnist");
  w.set_out_channels("stage1.block0.conv_a", 5);
  w.set_out_channels("stage3.block2.conv_a", 13);
  Network net(w, 1);
  const Tensor image = random_tensor(2, 1, 28, 28, 3);
  EXPECT_EQ(net.forward(image, false).image_size(), 10u);
}

TEST(NetworkFromZoo, Vgg16WithMaxPoolingRuns) {
  workloads::Workload w = workloads::zoo::make("vgg16-fmnist");
  for (const workloads::Layer& layer : workloads::zoo::make("vgg16-fmnist").layers) {  // narrow: the structure is what is tested
    if (layer.type == workloads::LayerType::conv) w.set_out_channels(layer.name, 8);
  }
  Network net(w, 1);
  const Tensor image = random_tensor(2, 1, 28, 28, 3);
  const Tensor& logits = net.forward(image, true);
  EXPECT_EQ(logits.image_size(), 10u);
  Tensor dlogits;
  softmax_cross_entropy(logits, {0, 1}, dlogits);
  net.zero_grad();
  net.backward(dlogits);
}

TEST(NetworkFromWorkloadFile, DerivedNetworksLoadFromYaml) {
  // The search writes derived networks as workload files; the engine must train them.
  workloads::Workload w = workloads::zoo::make("resnet20-fmnist");
  w.set_out_channels("stage2.block1.conv_a", 40);
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "nce-search-derived.yaml";
  workloads::write_workload_file(w, file);
  Network net(workloads::load_workload(file.string()), 1);
  EXPECT_EQ(net.conv("stage2.block1.conv_a").shape().out_channels, 40);
  EXPECT_EQ(net.conv("stage2.block1.conv_b").shape().in_channels, 40);
  EXPECT_EQ(net.forward(random_tensor(2, 1, 28, 28, 3), true).image_size(), 10u);
}

}  // namespace
}  // namespace nce::train
