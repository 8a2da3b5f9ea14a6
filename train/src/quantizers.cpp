#include "nce/train/quantizers.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "nce/core/input_error.hpp"

namespace nce::train {

std::string to_string(const QuantRecipe& r) {
  return fmt::format("alpha-init={} alpha-grad={} weight-scale={}",
                     r.alpha_init == QuantRecipe::AlphaInit::fixed ? "fixed" : "calibrated",
                     r.alpha_gradient == QuantRecipe::AlphaGradient::clipped ? "clipped" : "full",
                     r.weight_scale == QuantRecipe::WeightScale::mean ? "mean" : "mse");
}

QuantRecipe::AlphaInit alpha_init_from_string(std::string_view text) {
  if (text == "fixed") return QuantRecipe::AlphaInit::fixed;
  if (text == "calibrated") return QuantRecipe::AlphaInit::calibrated;
  throw core::InputError(fmt::format("--alpha-init must be fixed or calibrated, got '{}'", text));
}

QuantRecipe::AlphaGradient alpha_gradient_from_string(std::string_view text) {
  if (text == "clipped") return QuantRecipe::AlphaGradient::clipped;
  if (text == "full") return QuantRecipe::AlphaGradient::full;
  throw core::InputError(fmt::format("--alpha-grad must be clipped or full, got '{}'", text));
}

QuantRecipe::WeightScale weight_scale_from_string(std::string_view text) {
  if (text == "mean") return QuantRecipe::WeightScale::mean;
  if (text == "mse") return QuantRecipe::WeightScale::mse;
  throw core::InputError(fmt::format("--weight-scale must be mean or mse, got '{}'", text));
}

PactQuantizer::PactQuantizer(std::string name, int bits, QuantRecipe::AlphaGradient gradient)
    : bits_(bits), gradient_(gradient), alpha_(std::move(name), 1, kAlphaDecay) {
  alpha_.value[0] = kInitialAlpha;
}

float mse_clip(const float* values, std::size_t count, int bits) {
  constexpr std::size_t kSample = 65536;
  constexpr int kCandidates = 64;
  const std::size_t stride = std::max<std::size_t>(1, (count + kSample - 1) / kSample);  // at most kSample values
  float top = 0.0f;
  for (std::size_t i = 0; i < count; i += stride) top = std::max(top, values[i]);
  if (!(top > 0.0f)) return PactQuantizer::kInitialAlpha;  // nothing positive to fit
  const float levels = float((1 << bits) - 1);
  float best = top;
  double best_error = -1.0;
  for (int k = 1; k <= kCandidates; ++k) {
    const float alpha = top * float(k) / float(kCandidates);
    double error = 0.0;
    for (std::size_t i = 0; i < count; i += stride) {
      const float x = std::max(values[i], 0.0f);
      const float q = std::nearbyint(std::min(x, alpha) * levels / alpha) * alpha / levels;
      error += double(q - x) * double(q - x);
    }
    if (best_error < 0.0 || error < best_error) {
      best_error = error;
      best = alpha;
    }
  }
  return best;
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
  if (calibrate_) {
    alpha_.value[0] = std::max(mse_clip(x, count, bits_), kMinAlpha);
    calibrate_ = false;
  }
  const float a = alpha();
  if (!mix_bits_.empty()) {
    const std::vector<double>& q = *mix_probabilities_;
    std::fill(y, y + count, 0.0f);
    for (std::size_t j = 0; j < mix_bits_.size(); ++j) {
      const float levels = float((1 << mix_bits_[j]) - 1);
      const float to_code = levels / a;
      const float to_real = a / levels;
      const float qj = float(q[j]);
#pragma omp parallel for schedule(static) if (count > kParallelElements)
      for (std::size_t i = 0; i < count; ++i) y[i] += qj * std::nearbyint(std::clamp(x[i], 0.0f, a) * to_code) * to_real;
    }
    return;
  }
  const float levels = float((1 << bits_) - 1);
  const float to_code = levels / a;
  const float to_real = a / levels;
#pragma omp parallel for schedule(static) if (count > kParallelElements)
  for (std::size_t i = 0; i < count; ++i) {
    const float clipped = std::clamp(x[i], 0.0f, a);
    y[i] = std::nearbyint(clipped * to_code) * to_real;
  }
}

void PactQuantizer::set_activation_mix(std::vector<int> bits, const std::vector<double>* probabilities) {
  if (!bits.empty() && probabilities == nullptr) throw std::invalid_argument("pact: mix without probabilities");
  mix_bits_ = std::move(bits);
  mix_probabilities_ = probabilities;
  mix_gradient_.assign(mix_bits_.size(), 0.0);
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

// The full straight-through alpha gradient: also (q - x)/alpha inside [0, alpha).
double pact_block_backward_full(const float* __restrict x, const float* __restrict g, float* __restrict dx,
                                std::size_t count, float alpha, float levels) {
  constexpr std::size_t kLanes = kReductionLanes;
  const float to_code = levels / alpha;
  const float to_real = alpha / levels;
  const float inv_alpha = 1.0f / alpha;
  float lanes[kLanes] = {};
  auto one = [&](std::size_t i) {
    const float v = x[i];
    dx[i] = v >= 0.0f && v <= alpha ? g[i] : 0.0f;
    if (v >= alpha) return g[i];
    if (v <= 0.0f) return 0.0f;
    const float q = std::nearbyint(v * to_code) * to_real;
    return g[i] * (q - v) * inv_alpha;
  };
  std::size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) lanes[l] += one(i + l);
  }
  double sum = 0.0;
  for (float lane : lanes) sum += lane;
  for (; i < count; ++i) sum += one(i);
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
  if (!mix_bits_.empty()) {
    // dL/dq_j = sum g Q_j(x), per candidate, summed in fixed blocks (deterministic at any thread count).
    constexpr std::size_t kBlocks = 64;
    const std::size_t block_size = (count + kBlocks - 1) / kBlocks;
    for (std::size_t j = 0; j < mix_bits_.size(); ++j) {
      const float levels = float((1 << mix_bits_[j]) - 1);
      const float to_code = levels / a;
      const float to_real = a / levels;
      std::array<double, kBlocks> partial{}, inside{};
#pragma omp parallel for schedule(static) if (count > kParallelElements)
      for (std::size_t b = 0; b < kBlocks; ++b) {
        double sum = 0.0, straight = 0.0;
        for (std::size_t i = std::min(count, b * block_size); i < std::min(count, (b + 1) * block_size); ++i) {
          const float q = std::nearbyint(std::clamp(x[i], 0.0f, a) * to_code) * to_real;
          sum += double(g[i]) * double(q);
          if (x[i] > 0.0f && x[i] < a) straight += double(g[i]) * double(q - x[i]) / double(a);
        }
        partial[b] = sum;
        inside[b] = straight;
      }
      for (double v : partial) mix_gradient_[j] += v;
      if (gradient_ == QuantRecipe::AlphaGradient::full) {
        double straight = 0.0;
        for (double v : inside) straight += v;
        alpha_.grad[0] += float((*mix_probabilities_)[j] * straight);
      }
    }
  }
  // dalpha is summed per fixed block and the blocks in order: an OpenMP reduction combines
  // the threads' partial sums in arrival order, which made training differ from run to run.
  constexpr std::size_t kBlocks = 64;
  std::array<double, kBlocks> partial{};
  const std::size_t block_size = (count + kBlocks - 1) / kBlocks;
#pragma omp parallel for schedule(static) if (count > kParallelElements)
  for (std::size_t b = 0; b < kBlocks; ++b) {
    const std::size_t begin = std::min(count, b * block_size);
    const std::size_t end = std::min(count, (b + 1) * block_size);
    // A mix adds its own straight-through terms above; here only the part above alpha.
    partial[b] = gradient_ == QuantRecipe::AlphaGradient::full && mix_bits_.empty()
                     ? pact_block_backward_full(x + begin, g + begin, dx + begin, end - begin, a,
                                                float((1 << bits_) - 1))
                     : pact_block_backward(x + begin, g + begin, dx + begin, end - begin, a);
  }
  double dalpha = 0.0;
  for (double sum : partial) dalpha += sum;
  alpha_.grad[0] += float(dalpha);
}

WeightQuantization weight_quantization(const float* weights, std::size_t count, int bits,
                                       QuantRecipe::WeightScale mode) {
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
  if (mode == QuantRecipe::WeightScale::mse && bits <= 4) {
    // The least squared error among 0.5 .. 2 x the mean-based scale, in steps of 1/16.
    const float base = q.scale;
    double best_error = -1.0;
    for (int k = 8; k <= 32; ++k) {
      WeightQuantization trial = q;
      trial.scale = base * float(k) / 16.0f;
      double error = 0.0;
      for (std::size_t i = 0; i < count; ++i) {
        const float e = float(weight_code(weights[i], trial)) * trial.scale - weights[i];
        error += double(e) * double(e);
      }
      if (best_error < 0.0 || error < best_error) {
        best_error = error;
        q.scale = trial.scale;
      }
    }
  }
  return q;
}

std::int32_t weight_code(float weight, const WeightQuantization& q) {
  const float code = std::nearbyint(weight / q.scale);
  return std::int32_t(std::clamp(code, float(q.code_min), float(q.code_max)));
}

void quantize_weights(const float* weights, std::size_t count, int bits, float* out, float* pass,
                      WeightQuantization* used, QuantRecipe::WeightScale mode) {
  if (!quantized(bits)) {
    std::copy(weights, weights + count, out);
    if (pass) std::fill(pass, pass + count, 1.0f);
    return;
  }
  const WeightQuantization q = weight_quantization(weights, count, bits, mode);
  if (used) *used = q;
  const float low = (float(q.code_min) - 0.5f) * q.scale;
  const float high = (float(q.code_max) + 0.5f) * q.scale;
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = float(weight_code(weights[i], q)) * q.scale;
    if (pass) pass[i] = (weights[i] >= low && weights[i] <= high) ? 1.0f : 0.0f;
  }
}

}  // namespace nce::train
