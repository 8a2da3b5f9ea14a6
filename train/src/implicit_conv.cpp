// Implicit-GEMM convolutions on libxsmm's batch-reduce GEMM (train/src/implicit_conv.hpp).
#include "implicit_conv.hpp"

#include "plane_moments.hpp"
#include "scratch.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace nce::train::detail {
namespace {

using Offsets = std::vector<unsigned long long>;

// Scratch per thread, grown once and reused.
struct Scratch {
  std::vector<float> x_pad;   // a chunk of images' phase buffers (stride 1: zero-bordered planes)
  std::vector<float> dy_pad;  // one image's zero-bordered output-gradient planes
  std::vector<float> dy_nhwc; // a chunk of images' output gradients, pixel-major at the padded pitch
  std::vector<float> result;  // one image's product at the padded pitch, pixels x channels
};
Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Copies `planes` h x w planes into zero-bordered planes of pitch w + 2p and height h + 2p.
// Every element of the destination is written (borders as zeros), so no clearing pass is needed.
void pad_planes(const float* src, int planes, int h, int w, int p, float* dst) {
  const int pitch = w + 2 * p;
  for (int c = 0; c < planes; ++c) {
    const float* s = src + std::size_t(c) * h * w;
    float* d = dst + std::size_t(c) * (h + 2 * p) * pitch;
    std::fill(d, d + p * pitch, 0.0f);
    for (int y = 0; y < h; ++y) {
      float* row = d + (p + y) * pitch;
      std::fill(row, row + p, 0.0f);
      std::copy(s + y * w, s + (y + 1) * w, row + p);
      std::fill(row + p + w, row + pitch, 0.0f);
    }
    std::fill(d + (p + h) * pitch, d + (h + 2 * p) * pitch, 0.0f);
  }
}

// Drops the padded pitch's extra columns: dst[c][y][x] = src[c * pixels + y * pitch + x] (+ bias[c]).
void crop(const float* src, int planes, int h, int w, int pitch, const float* bias, float* dst) {
  const std::size_t pixels = std::size_t(h) * pitch;
  for (int c = 0; c < planes; ++c) {
    const float b = bias ? bias[c] : 0.0f;
    for (int y = 0; y < h; ++y) {
      const float* s = src + c * pixels + std::size_t(y) * pitch;
      float* d = dst + (std::size_t(c) * h + y) * w;
      for (int x = 0; x < w; ++x) d[x] = s[x] + b;
    }
  }
}

libxsmm_smmfunction_reducebatch_offs dispatch(int m, int n, int k, int lda, int ldb, int ldc, float beta) {
  const libxsmm_blasint mm = m, nn = n, kk = k, a = lda, b = ldb, c = ldc;
  const float alpha = 1.0f;
  const int flags = LIBXSMM_GEMM_FLAGS('N', 'N');
  return libxsmm_smmdispatch_reducebatch_offs(mm, nn, kk, &a, &b, &c, &alpha, &beta, &flags, nullptr);
}

constexpr unsigned long long kFloat = sizeof(float);

int ceil_div(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The weights of every tap as the right operand of the forward GEMM, W_t (C x M, column-major):
// [t][o][c]; transposed = true gives W_t^T (M x C) for the input gradient: [t][c][o].
std::vector<float> tap_major(const float* weights, int c_in, int m, int taps, bool transposed) {
  std::vector<float> result(std::size_t(taps) * c_in * m);
  for (int o = 0; o < m; ++o) {
    for (int c = 0; c < c_in; ++c) {
      for (int t = 0; t < taps; ++t) {
        const std::size_t at = transposed ? (std::size_t(t) * c_in + c) * m + o : (std::size_t(t) * m + o) * c_in + c;
        result[at] = weights[(std::size_t(o) * c_in + c) * taps + t];
      }
    }
  }
  return result;
}

}  // namespace

bool ImplicitConv::applies(const ConvShape& shape, int in_channels, int height, int width) {
  if (shape.stride < 1 || shape.kernel < 1 || shape.padding < 0 || shape.padding > shape.kernel - 1) return false;
  if (height + 2 * shape.padding < shape.kernel || width + 2 * shape.padding < shape.kernel) return false;
  const int out_h = (height + 2 * shape.padding - shape.kernel) / shape.stride + 1;
  const int out_w = (width + 2 * shape.padding - shape.kernel) / shape.stride + 1;
  return in_channels >= kMinInChannels && out_h * out_w >= kMinOutputPixels;
}

ImplicitConv::ImplicitConv(int in_channels, int out_channels, int height, int width, const ConvShape& shape)
    : in_(in_channels),
      out_(out_channels),
      height_(height),
      width_(width),
      kernel_(shape.kernel),
      stride_(shape.stride),
      pad_(shape.padding),
      out_h_((height + 2 * pad_ - kernel_) / stride_ + 1),
      out_w_((width + 2 * pad_ - kernel_) / stride_ + 1),
      phase_h_(ceil_div(height + 2 * pad_, stride_)),
      phase_w_(ceil_div(width + 2 * pad_, stride_)),
      phase_plane_(phase_h_ * phase_w_),
      image_floats_(stride_ * stride_ * in_channels * phase_plane_),
      pixels_(out_h_ * phase_w_) {
  static const bool initialised = [] {
    libxsmm_init();
    return true;
  }();
  (void)initialised;
  const int taps = kernel_ * kernel_;
  forward_kernel_ = dispatch(pixels_, out_, in_, phase_plane_, in_, pixels_, 0.0f);
  weight_kernel_ = dispatch(out_, in_, pixels_, out_, phase_plane_, taps * out_, 1.0f);
  ready_ = forward_kernel_ && weight_kernel_;
  if (stride_ == 1) {
    grad_border_ = kernel_ - 1 - pad_;
    grad_pitch_ = out_w_ + 2 * grad_border_;  // = W + K - 1
    grad_plane_ = (out_h_ + 2 * grad_border_) * grad_pitch_;
    grad_pixels_ = height_ * grad_pitch_;
    input_kernel_ = dispatch(grad_pixels_, in_, out_, grad_plane_, out_, grad_pixels_, 0.0f);
    ready_ = ready_ && input_kernel_;
    return;
  }
  grad_shift_ = (kernel_ - 1) / stride_;
  grad_pitch_ = phase_w_ + grad_shift_;
  grad_plane_ = (phase_h_ + grad_shift_ + 1) * grad_pitch_;
  for (int a = 0; a < stride_; ++a) {
    for (int b = 0; b < stride_; ++b) {
      GradPhase phase;
      // Phase rows u with input row s u + a - p inside [0, H).
      phase.row_lo = std::max(0, ceil_div(pad_ - a, stride_));
      phase.rows = std::max(0, floor_div(pad_ + height_ - 1 - a, stride_) - phase.row_lo + 1);
      phase.col_lo = std::max(0, ceil_div(pad_ - b, stride_));
      phase.cols = std::max(0, floor_div(pad_ + width_ - 1 - b, stride_) - phase.col_lo + 1);
      for (int t = 0; t < taps; ++t) {
        if ((t / kernel_) % stride_ == a && (t % kernel_) % stride_ == b) phase.taps.push_back(t);
      }
      if (phase.rows > 0 && phase.cols > 0 && !phase.taps.empty()) {
        const int rows = phase.rows * grad_pitch_;
        phase.kernel = dispatch(rows, in_, out_, grad_plane_, out_, rows, 0.0f);
        ready_ = ready_ && phase.kernel;
      }
      grad_phases_.push_back(std::move(phase));
    }
  }
}

void ImplicitConv::split(const float* image, float* phases) const {
  if (stride_ == 1) {
    pad_planes(image, in_, height_, width_, pad_, phases);
    return;
  }
  for (int a = 0; a < stride_; ++a) {
    for (int b = 0; b < stride_; ++b) {
      for (int c = 0; c < in_; ++c) {
        const float* src = image + std::size_t(c) * height_ * width_;
        float* dst = phases + (std::size_t(a * stride_ + b) * in_ + c) * phase_plane_;
        // Phase columns v whose input column s v + b - p lies inside [0, W): [v_lo, v_hi).
        const int v_lo = std::min(phase_w_, std::max(0, ceil_div(pad_ - b, stride_)));
        const int v_hi = std::max(v_lo, std::min(phase_w_, floor_div(pad_ + width_ - 1 - b, stride_) + 1));
        for (int u = 0; u < phase_h_; ++u) {
          const int y = stride_ * u + a - pad_;
          float* __restrict row = dst + std::size_t(u) * phase_w_;
          if (y < 0 || y >= height_) {
            std::fill(row, row + phase_w_, 0.0f);
            continue;
          }
          const float* __restrict from = src + y * width_ + b - pad_;
          std::fill(row, row + v_lo, 0.0f);
          for (int v = v_lo; v < v_hi; ++v) row[v] = from[stride_ * v];
          std::fill(row + v_hi, row + phase_w_, 0.0f);
        }
      }
    }
  }
}

void ImplicitConv::forward(const Tensor& in, const float* weights, const float* bias, Tensor& out,
                           double* image_moments) const {
  const int taps = kernel_ * kernel_;
  const int c_in = in_;
  const int m = out_;
  const std::vector<float> tap_weights = tap_major(weights, c_in, m, taps, false);
  // Tap (r, q) reads phase (r mod s, q mod s) shifted by (r div s, q div s).
  Offsets a_offsets(std::size_t(taps), 0);
  Offsets b_offsets(std::size_t(taps), 0);
  for (int t = 0; t < taps; ++t) {
    const int r = t / kernel_;
    const int q = t % kernel_;
    const int phase = (r % stride_) * stride_ + q % stride_;
    const std::size_t shift = std::size_t(phase) * c_in * phase_plane_ + (r / stride_) * phase_w_ + q / stride_;
    a_offsets[std::size_t(t)] = shift * kFloat;
    b_offsets[std::size_t(t)] = (unsigned long long)(t) * c_in * m * kFloat;
  }
  out.resize(in.n, m, out_h_, out_w_);
  const unsigned long long count = (unsigned long long)(taps);
  const std::size_t plane = std::size_t(out_h_) * out_w_;
#pragma omp parallel for schedule(static) if (in.n > 1)
  for (int i = 0; i < in.n; ++i) {
    Scratch& s = thread_scratch();
    // kernel_ floats of slack: the last rows' extra columns read up to (kernel - 1) / s past the end.
    float* x_pad = grow(s.x_pad, std::size_t(image_floats_) + std::size_t(kernel_));
    split(in.image(i), x_pad);
    std::fill(x_pad + image_floats_, x_pad + image_floats_ + kernel_, 0.0f);
    float* result = grow(s.result, std::size_t(pixels_) * m);
    forward_kernel_(x_pad, tap_weights.data(), result, &count, a_offsets.data(), b_offsets.data());
    crop(result, m, out_h_, out_w_, phase_w_, bias, out.image(i));
    if (image_moments == nullptr) continue;
    for (int o = 0; o < m; ++o) {
      const PlaneSums sums = plane_moments(out.image(i) + o * plane, plane);
      image_moments[(std::size_t(i) * m + o) * 2] = sums.first;
      image_moments[(std::size_t(i) * m + o) * 2 + 1] = sums.second;
    }
  }
}

void ImplicitConv::input_gradient(const float* dy, const float* tap_weights, float* dx) const {
  const int taps = kernel_ * kernel_;
  const int m = out_;
  Scratch& s = thread_scratch();
  const std::size_t padded = std::size_t(m) * grad_plane_;
  float* dy_pad = grow(s.dy_pad, padded + std::size_t(kernel_));
  if (stride_ == 1) {
    // dX[y][x] = sum_t dY_pad[y + K-1-r][x + K-1-q] W_t: the flipped kernel over dY padded by K-1-p.
    pad_planes(dy, m, out_h_, out_w_, grad_border_, dy_pad);
    std::fill(dy_pad + padded, dy_pad + padded + kernel_, 0.0f);
    Offsets a_offsets(std::size_t(taps), 0);
    Offsets b_offsets(std::size_t(taps), 0);
    for (int t = 0; t < taps; ++t) {
      const int r = t / kernel_;
      const int q = t % kernel_;
      a_offsets[std::size_t(t)] = (unsigned long long)((kernel_ - 1 - r) * grad_pitch_ + (kernel_ - 1 - q)) * kFloat;
      b_offsets[std::size_t(t)] = (unsigned long long)(t) * in_ * m * kFloat;
    }
    float* result = grow(s.result, std::size_t(grad_pixels_) * in_);
    const unsigned long long count = (unsigned long long)(taps);
    input_kernel_(dy_pad, tap_weights, result, &count, a_offsets.data(), b_offsets.data());
    crop(result, in_, height_, width_, grad_pitch_, nullptr, dx);
    return;
  }
  // dY at (y + shift, x + shift) of planes of pitch grad_pitch_, zero elsewhere.
  std::fill(dy_pad, dy_pad + padded + kernel_, 0.0f);
  for (int o = 0; o < m; ++o) {
    for (int y = 0; y < out_h_; ++y) {
      const float* src = dy + (std::size_t(o) * out_h_ + y) * out_w_;
      std::copy(src, src + out_w_, dy_pad + std::size_t(o) * grad_plane_ + (y + grad_shift_) * grad_pitch_ + grad_shift_);
    }
  }
  bool uncovered = false;
  for (const GradPhase& phase : grad_phases_) uncovered = uncovered || (phase.rows > 0 && phase.cols > 0 && !phase.kernel);
  if (uncovered) std::fill(dx, dx + std::size_t(in_) * height_ * width_, 0.0f);
  for (std::size_t index = 0; index < grad_phases_.size(); ++index) {
    const GradPhase& phase = grad_phases_[index];
    if (!phase.kernel) continue;
    const int a = int(index) / stride_;
    const int b = int(index) % stride_;
    // Phase pixel (u, v) = (row_lo + i, col_lo + j) sums dY[u - r div s][v - q div s] W_rq over its taps.
    Offsets a_offsets(phase.taps.size(), 0);
    Offsets b_offsets(phase.taps.size(), 0);
    for (std::size_t k = 0; k < phase.taps.size(); ++k) {
      const int t = phase.taps[k];
      const int r = t / kernel_;
      const int q = t % kernel_;
      const int row = phase.row_lo - r / stride_ + grad_shift_;
      const int col = phase.col_lo - q / stride_ + grad_shift_;
      a_offsets[k] = (unsigned long long)(row * grad_pitch_ + col) * kFloat;
      b_offsets[k] = (unsigned long long)(t) * in_ * m * kFloat;
    }
    const std::size_t rows = std::size_t(phase.rows) * grad_pitch_;
    float* result = grow(s.result, rows * in_);
    const unsigned long long count = phase.taps.size();
    phase.kernel(dy_pad, tap_weights, result, &count, a_offsets.data(), b_offsets.data());
    for (int c = 0; c < in_; ++c) {
      for (int i = 0; i < phase.rows; ++i) {
        const int y = stride_ * (phase.row_lo + i) + a - pad_;
        const float* src = result + c * rows + std::size_t(i) * grad_pitch_;
        float* dst = dx + (std::size_t(c) * height_ + y) * width_;
        for (int j = 0; j < phase.cols; ++j) dst[stride_ * (phase.col_lo + j) + b - pad_] = src[j];
      }
    }
  }
}

void ImplicitConv::backward(const Tensor& in, const Tensor& dout, const float* weights, bool has_bias,
                            std::vector<std::vector<float>>& chunk_grads, Tensor* din) const {
  const int taps = kernel_ * kernel_;
  const int c_in = in_;
  const int m = out_;
  const int out_plane = out_h_ * out_w_;
  const std::vector<float> tap_weights = tap_major(weights, c_in, m, taps, true);
  if (din) din->resize(in.n, c_in, height_, width_);
  const int chunk_count = chunks(in.n);
#pragma omp parallel for schedule(static) if (chunk_count > 1)
  for (int chunk = 0; chunk < chunk_count; ++chunk) {
    const int first = chunk * kImagesPerChunk;
    const int count = std::min(kImagesPerChunk, in.n - first);
    Scratch& s = thread_scratch();
    const std::size_t image_floats = std::size_t(image_floats_);
    float* x_pad = grow(s.x_pad, image_floats * count + std::size_t(kernel_));
    const std::size_t image_nhwc = std::size_t(pixels_) * m;
    float* dy_nhwc = grow(s.dy_nhwc, image_nhwc * count);
    for (int i = 0; i < count; ++i) {
      split(in.image(first + i), x_pad + image_floats * i);
      // dY transposed to [pixel at the phase pitch][o], zero in the extra columns.
      const float* dy = dout.image(first + i);
      float* dst = dy_nhwc + image_nhwc * i;
      for (int y = 0; y < out_h_; ++y) {
        for (int x = 0; x < phase_w_; ++x) {
          float* pixel = dst + (std::size_t(y) * phase_w_ + x) * m;
          if (x >= out_w_) {
            std::fill(pixel, pixel + m, 0.0f);
            continue;
          }
          const float* src = dy + y * out_w_ + x;
          for (int o = 0; o < m; ++o) pixel[o] = src[std::size_t(o) * out_plane];
        }
      }
    }
    std::fill(x_pad + image_floats * count, x_pad + image_floats * count + kernel_, 0.0f);
    // dW_t += sum over the chunk's images, one batch-reduce call per tap.
    std::vector<float>& grads = chunk_grads[std::size_t(chunk)];
    Offsets a_offsets(std::size_t(count), 0);
    Offsets b_offsets(std::size_t(count), 0);
    const unsigned long long images = (unsigned long long)(count);
    for (int t = 0; t < taps; ++t) {
      const int r = t / kernel_;
      const int q = t % kernel_;
      const int phase = (r % stride_) * stride_ + q % stride_;
      const std::size_t shift = std::size_t(phase) * c_in * phase_plane_ + (r / stride_) * phase_w_ + q / stride_;
      for (int i = 0; i < count; ++i) {
        a_offsets[std::size_t(i)] = (unsigned long long)(image_nhwc * i) * kFloat;
        b_offsets[std::size_t(i)] = (unsigned long long)(image_floats * i + shift) * kFloat;
      }
      weight_kernel_(dy_nhwc, x_pad, grads.data() + std::size_t(t) * m, &images, a_offsets.data(), b_offsets.data());
    }
    if (has_bias) {
      float* bias_grad = grads.data() + std::size_t(c_in) * taps * m;
      for (int i = 0; i < count; ++i) {
        const float* dy = dout.image(first + i);
        for (int o = 0; o < m; ++o) {
          float sum = 0.0f;
          for (int p = 0; p < out_plane; ++p) sum += dy[std::size_t(o) * out_plane + p];
          bias_grad[o] += sum;
        }
      }
    }
    if (!din) continue;
    for (int i = 0; i < count; ++i) input_gradient(dout.image(first + i), tap_weights.data(), din->image(first + i));
  }
}

}  // namespace nce::train::detail
