// BatchNorm2d with running statistics, and its fused ReLU.
#include "nce/train/layers.hpp"

#include "plane_moments.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nce::train {

BatchNorm2d::BatchNorm2d(std::string name, int channels)
    : gamma(name + ".gamma", std::size_t(channels)),
      beta(name + ".beta", std::size_t(channels)),
      running_mean(std::size_t(channels), 0.0f),
      running_var(std::size_t(channels), 1.0f),
      batch_mean_(std::size_t(channels)),
      batch_inv_std_(std::size_t(channels)) {
  std::fill(gamma.value.begin(), gamma.value.end(), 1.0f);
}

namespace {

using detail::PlaneSums;
constexpr std::size_t kLanes = kReductionLanes;

// The normalized value, for forward and for the ReLU mask of backward: one expression in one
// place, so that the mask backward recomputes from x is exactly where forward's output was 0.
inline float affine(float x, float scale, float shift) { return x * scale + shift; }

// The fused ReLU's mask, recomputed from the input instead of read from the output (one tensor
// fewer to stream through memory, twice per backward).
struct ReluMask {
  bool on;
  float scale;
  float shift;
  bool clipped(float x) const { return on && !(affine(x, scale, shift) > 0.0f); }
};

// sum(g) and sum(g * (x - mean)), with g = dy masked by the ReLU when it is on.
PlaneSums gradient_sums(const float* __restrict x, const float* __restrict dy, ReluMask relu, float mean,
                        std::size_t count) {
  float sum[kLanes] = {};
  float sum_dx[kLanes] = {};
  std::size_t p = 0;
  for (; p + kLanes <= count; p += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      const float g = relu.clipped(x[p + l]) ? 0.0f : dy[p + l];
      sum[l] += g;
      sum_dx[l] += g * (x[p + l] - mean);
    }
  }
  PlaneSums result;
  for (std::size_t l = 0; l < kLanes; ++l) {
    result.first += sum[l];
    result.second += sum_dx[l];
  }
  for (; p < count; ++p) {
    const float g = relu.clipped(x[p]) ? 0.0f : dy[p];
    result.first += g;
    result.second += double(g) * (x[p] - mean);
  }
  return result;
}

}  // namespace

void BatchNorm2d::forward(const Tensor& in, Tensor& out, bool training, bool relu, const ChannelMoments* moments) {
  if (in.c != channels()) throw std::invalid_argument("batch norm " + gamma.name + ": channel count differs");
  const bool given = moments != nullptr && moments->sum.size() == std::size_t(in.c);
  out.resize(in.n, in.c, in.h, in.w);
  last_training_ = training;
  const std::size_t plane = std::size_t(in.h) * in.w;
  const double count = double(in.n) * double(plane);
#pragma omp parallel for schedule(static) if (in.size() > kParallelElements)
  for (int c = 0; c < in.c; ++c) {
    float mean = running_mean[c];
    float var = running_var[c];
    if (training) {
      PlaneSums total;
      if (given) {
        total = {moments->sum[std::size_t(c)], moments->sum_squares[std::size_t(c)]};
      } else {
        for (int i = 0; i < in.n; ++i) {
          const PlaneSums sums = detail::plane_moments(in.image(i) + c * plane, plane);
          total.first += sums.first;
          total.second += sums.second;
        }
      }
      const double m = total.first / count;
      const double v = std::max(total.second / count - m * m, 0.0);
      mean = float(m);
      var = float(v);
      running_mean[c] = (1.0f - kMomentum) * running_mean[c] + kMomentum * mean;
      const double unbiased = count > 1 ? v * count / (count - 1) : v;
      running_var[c] = (1.0f - kMomentum) * running_var[c] + kMomentum * float(unbiased);
    }
    const float inv_std = 1.0f / std::sqrt(var + kEps);
    batch_mean_[c] = mean;
    batch_inv_std_[c] = inv_std;
    const float scale = gamma.value[c] * inv_std;
    const float shift = beta.value[c] - mean * scale;
    const float floor = relu ? 0.0f : -std::numeric_limits<float>::infinity();
    for (int i = 0; i < in.n; ++i) {
      const float* __restrict x = in.image(i) + c * plane;
      float* __restrict y = out.image(i) + c * plane;
      for (std::size_t p = 0; p < plane; ++p) y[p] = std::max(affine(x[p], scale, shift), floor);
    }
  }
}

void BatchNorm2d::backward(const Tensor& in, const Tensor& dout, Tensor& din, bool relu) {
  din.resize(in.n, in.c, in.h, in.w);
  const std::size_t plane = std::size_t(in.h) * in.w;
  const double count = double(in.n) * double(plane);
#pragma omp parallel for schedule(static) if (in.size() > kParallelElements)
  for (int c = 0; c < in.c; ++c) {
    const float mean = batch_mean_[c];
    const float inv_std = batch_inv_std_[c];
    const float scale = gamma.value[c] * inv_std;
    const ReluMask mask{relu, scale, beta.value[c] - mean * scale};  // forward's scale and shift
    PlaneSums total;
    for (int i = 0; i < in.n; ++i) {
      const std::size_t at = std::size_t(i) * in.image_size() + c * plane;
      const PlaneSums sums = gradient_sums(in.data.data() + at, dout.data.data() + at, mask, mean, plane);
      total.first += sums.first;
      total.second += sums.second;
    }
    const double sum_dy = total.first;
    const double sum_dy_xhat = total.second * inv_std;
    gamma.grad[c] += float(sum_dy_xhat);
    beta.grad[c] += float(sum_dy);
    const float g = gamma.value[c] * inv_std;
    // Eval mode: the statistics are constants, so dx = gamma/sigma dy.
    const float mean_dy = last_training_ ? float(sum_dy / count) : 0.0f;
    const float mean_dy_xhat = last_training_ ? float(sum_dy_xhat / count) : 0.0f;
    for (int i = 0; i < in.n; ++i) {
      const std::size_t at = std::size_t(i) * in.image_size() + c * plane;
      const float* __restrict x = in.data.data() + at;
      const float* __restrict dy = dout.data.data() + at;
      float* __restrict dx = din.data.data() + at;
      for (std::size_t p = 0; p < plane; ++p) {
        const float xhat = (x[p] - mean) * inv_std;
        const float grad = mask.clipped(x[p]) ? 0.0f : dy[p];
        dx[p] = g * (grad - mean_dy - xhat * mean_dy_xhat);
      }
    }
  }
}

}  // namespace nce::train
