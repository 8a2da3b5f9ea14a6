#include "nce/train/quantizers.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace nce::train {

PactQuantizer::PactQuantizer(std::string name, int bits)
    : bits_(bits), alpha_(std::move(name), 1, kAlphaDecay) {
  alpha_.value[0] = kInitialAlpha;
}

float PactQuantizer::step() const { return alpha() / float((1 << bits_) - 1); }

void PactQuantizer::clamp_alpha() { alpha_.value[0] = std::max(alpha_.value[0], kMinAlpha); }

void PactQuantizer::forward(const Tensor& in, Tensor& out) {
  out.resize(in.n, in.c, in.h, in.w);
  const std::size_t count = in.size();
  const float* x = in.data.data();
  float* y = out.data.data();
  if (!quantized(bits_)) {
#pragma omp parallel for schedule(static) if (count > kParallelElements)
    for (std::size_t i = 0; i < count; ++i) y[i] = std::max(x[i], 0.0f);
    return;
  }
  const float a = alpha();
  const float levels = float((1 << bits_) - 1);
  const float to_code = levels / a;
  const float to_real = a / levels;
#pragma omp parallel for schedule(static) if (count > kParallelElements)
  for (std::size_t i = 0; i < count; ++i) {
    const float clipped = std::clamp(x[i], 0.0f, a);
    y[i] = std::nearbyint(clipped * to_code) * to_real;
  }
}

namespace {

// dx = g inside [0, alpha], else 0; returns the sum of g where x > alpha (dalpha), summed in
// kReductionLanes lanes.
double pact_block_backward(const float* __restrict x, const float* __restrict g, float* __restrict dx,
                           std::size_t count, float alpha) {
  constexpr std::size_t kLanes = kReductionLanes;
  float lanes[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      const float v = x[i + l];
      dx[i + l] = v >= 0.0f && v <= alpha ? g[i + l] : 0.0f;
      lanes[l] += v > alpha ? g[i + l] : 0.0f;
    }
  }
  double sum = 0.0;
  for (float lane : lanes) sum += lane;
  for (; i < count; ++i) {
    dx[i] = x[i] >= 0.0f && x[i] <= alpha ? g[i] : 0.0f;
    if (x[i] > alpha) sum += g[i];
  }
  return sum;
}

}  // namespace

void PactQuantizer::backward(const Tensor& in, const Tensor& dout, Tensor& din) {
  din.resize(in.n, in.c, in.h, in.w);
  const std::size_t count = in.size();
  const float* x = in.data.data();
  const float* g = dout.data.data();
  float* dx = din.data.data();
  if (!quantized(bits_)) {
#pragma omp parallel for schedule(static) if (count > kParallelElements)
    for (std::size_t i = 0; i < count; ++i) dx[i] = x[i] > 0.0f ? g[i] : 0.0f;
    return;
  }
  const float a = alpha();
  // dalpha is summed per fixed block and the blocks in order: an OpenMP reduction combines
  // the threads' partial sums in arrival order, which made training differ from run to run.
  constexpr std::size_t kBlocks = 64;
  std::array<double, kBlocks> partial{};
  const std::size_t block_size = (count + kBlocks - 1) / kBlocks;
#pragma omp parallel for schedule(static) if (count > kParallelElements)
  for (std::size_t b = 0; b < kBlocks; ++b) {
    const std::size_t begin = std::min(count, b * block_size);
    const std::size_t end = std::min(count, (b + 1) * block_size);
    partial[b] = pact_block_backward(x + begin, g + begin, dx + begin, end - begin, a);
  }
  double dalpha = 0.0;
  for (double sum : partial) dalpha += sum;
  alpha_.grad[0] += float(dalpha);
}

WeightQuantization weight_quantization(const float* weights, std::size_t count, int bits) {
  WeightQuantization q;
  q.code_min = -(1 << (bits - 1));
  q.code_max = (1 << (bits - 1)) - 1;
  double sum_abs = 0.0;
  float max_abs = 0.0f;
  for (std::size_t i = 0; i < count; ++i) {
    sum_abs += std::fabs(weights[i]);
    max_abs = std::max(max_abs, std::fabs(weights[i]));
  }
  if (bits <= 4) {
    q.scale = float(2.0 * (sum_abs / double(std::max<std::size_t>(count, 1))) / double(1 << (bits - 1)));
  } else {
    q.scale = max_abs / float(q.code_max);
  }
  if (!(q.scale > 0.0f)) q.scale = 1.0f;  // all-zero layer: any scale represents it exactly
  return q;
}

std::int32_t weight_code(float weight, const WeightQuantization& q) {
  const float code = std::nearbyint(weight / q.scale);
  return std::int32_t(std::clamp(code, float(q.code_min), float(q.code_max)));
}

void quantize_weights(const float* weights, std::size_t count, int bits, float* out, float* pass,
                      WeightQuantization* used) {
  if (!quantized(bits)) {
    std::copy(weights, weights + count, out);
    if (pass) std::fill(pass, pass + count, 1.0f);
    return;
  }
  const WeightQuantization q = weight_quantization(weights, count, bits);
  if (used) *used = q;
  const float low = (float(q.code_min) - 0.5f) * q.scale;
  const float high = (float(q.code_max) + 0.5f) * q.scale;
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = float(weight_code(weights[i], q)) * q.scale;
    if (pass) pass[i] = (weights[i] >= low && weights[i] <= high) ? 1.0f : 0.0f;
  }
}

}  // namespace nce::train
