// Per-operation times of the training engine on ResNet20's shapes (batch 128, Fashion-MNIST's
// 28x28 input): conv forward, conv backward (weights + input gradient, and the weight gradient alone), batch norm forward and
// backward. bench/torch_layer_times.py times PyTorch on the same shapes; the speed work of
// issue 12 used the pair to see where the engine loses time.
//   Usage: nce_bench_layers [REPEATS]   (prints one JSON line per operation, milliseconds)
#include "nce/train/layers.hpp"
#include "nce/train/random.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

using nce::train::Tensor;

struct Shape {
  const char* name;
  int in_channels, out_channels, size, stride;
};

double best_ms(int repeats, const std::function<void()>& op) {
  op();  // warm: buffers grown, caches filled
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    op();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

void fill(Tensor& t, nce::train::Rng& rng) {
  for (float& v : t.data) v = float(rng.normal());
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
  constexpr int kBatch = 128;
  const std::vector<Shape> shapes = {{"stem 1->16 @28", 1, 16, 28, 1},   {"stage1 16->16 @28", 16, 16, 28, 1},
                                     {"stage2 16->32 @28 s2", 16, 32, 28, 2}, {"stage2 32->32 @14", 32, 32, 14, 1},
                                     {"stage3 32->64 @14 s2", 32, 64, 14, 2}, {"stage3 64->64 @7", 64, 64, 7, 1}};
  nce::train::Rng rng(1);
  for (const Shape& s : shapes) {
    nce::train::Conv2d conv("conv", {s.in_channels, s.out_channels, 3, s.stride, 1}, 32, false);
    conv.init(rng);
    Tensor x(kBatch, s.in_channels, s.size, s.size);
    fill(x, rng);
    Tensor y;
    conv.forward(x, y);
    Tensor dy(y.n, y.c, y.h, y.w);
    fill(dy, rng);
    Tensor dx;
    const bool input_grad = s.in_channels > 1;
    const double forward = best_ms(repeats, [&] { conv.forward(x, y); });
    const double backward = best_ms(repeats, [&] { conv.backward(x, dy, input_grad ? &dx : nullptr); });
    const double weight_grad = best_ms(repeats, [&] { conv.backward(x, dy, nullptr); });
    nce::train::BatchNorm2d bn("bn", s.out_channels);
    Tensor z;
    Tensor dz;
    const double bn_forward = best_ms(repeats, [&] { bn.forward(y, z, true, true); });
    const double bn_backward = best_ms(repeats, [&] { bn.backward(y, dy, dz, true); });
    fmt::print("{{\"shape\": \"{}\", \"conv_forward_ms\": {:.3f}, \"conv_backward_ms\": {:.3f}, \"conv_weight_grad_ms\": {:.3f}, \"bn_relu_forward_ms\": "
               "{:.3f}, \"bn_relu_backward_ms\": {:.3f}}}\n",
               s.name, forward, backward, weight_grad, bn_forward, bn_backward);
  }
}
