// Implicit-GEMM stride-1 convolutions on libxsmm's batch-reduce GEMM (train/src/implicit_conv.hpp).
#include "implicit_conv.hpp"

#include "plane_moments.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace nce::train::detail {
namespace {

using Offsets = std::vector<unsigned long long>;

// Scratch per thread, grown once and reused.
struct Scratch {
  std::vector<float> x_pad;   // a chunk of images' zero-bordered input planes
  std::vector<float> dy_pad;  // one image's zero-bordered output-gradient planes
  std::vector<float> dy_nhwc; // a chunk of images' output gradients, pixel-major at the padded pitch
  std::vector<float> result;  // one image's product at the padded pitch, pixels x channels
};
Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}
float* grow(std::vector<float>& buffer, std::size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
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

}  // namespace

bool ImplicitConv::applies(const ConvShape& shape, int in_channels, int height, int width) {
  return shape.stride == 1 && shape.kernel == 2 * shape.padding + 1 && in_channels >= kMinInChannels && height > 0 &&
         width > 0;
}

ImplicitConv::ImplicitConv(int in_channels, int out_channels, int height, int width, int kernel)
    : in_(in_channels),
      out_(out_channels),
      height_(height),
      width_(width),
      kernel_(kernel),
      pad_((kernel - 1) / 2),
      pitch_(width + 2 * pad_),
      plane_((height + 2 * pad_) * pitch_),
      pixels_(height * pitch_) {
  static const bool initialised = [] {
    libxsmm_init();
    return true;
  }();
  (void)initialised;
  const int taps = kernel * kernel;
  forward_kernel_ = dispatch(pixels_, out_, in_, plane_, in_, pixels_, 0.0f);
  input_kernel_ = dispatch(pixels_, in_, out_, plane_, out_, pixels_, 0.0f);
  weight_kernel_ = dispatch(out_, in_, pixels_, out_, plane_, taps * out_, 1.0f);
  ready_ = forward_kernel_ && input_kernel_ && weight_kernel_;
}

void ImplicitConv::forward(const Tensor& in, const float* weights, const float* bias, Tensor& out,
                           double* image_moments) const {
  const int taps = kernel_ * kernel_;
  const int c_in = in_;
  const int m = out_;
  // W_t (C x M, column-major) for each tap t: [t][o][c].
  std::vector<float> tap_weights(std::size_t(taps) * c_in * m);
  for (int o = 0; o < m; ++o) {
    for (int c = 0; c < c_in; ++c) {
      for (int t = 0; t < taps; ++t) {
        tap_weights[(std::size_t(t) * m + o) * c_in + c] = weights[(std::size_t(o) * c_in + c) * taps + t];
      }
    }
  }
  Offsets a_offsets(std::size_t(taps), 0);
  Offsets b_offsets(std::size_t(taps), 0);
  for (int t = 0; t < taps; ++t) {
    a_offsets[std::size_t(t)] = (unsigned long long)((t / kernel_) * pitch_ + t % kernel_) * kFloat;
    b_offsets[std::size_t(t)] = (unsigned long long)(t) * c_in * m * kFloat;
  }
  out.resize(in.n, m, height_, width_);
  const unsigned long long count = (unsigned long long)(taps);
#pragma omp parallel for schedule(static) if (in.n > 1)
  for (int i = 0; i < in.n; ++i) {
    Scratch& s = thread_scratch();
    // kernel_ floats of slack: the last rows' extra columns read up to kernel - 2 past the end.
    const std::size_t padded = std::size_t(c_in) * plane_;
    float* x_pad = grow(s.x_pad, padded + std::size_t(kernel_));
    pad_planes(in.image(i), c_in, height_, width_, pad_, x_pad);
    std::fill(x_pad + padded, x_pad + padded + kernel_, 0.0f);
    float* result = grow(s.result, std::size_t(pixels_) * m);
    forward_kernel_(x_pad, tap_weights.data(), result, &count, a_offsets.data(), b_offsets.data());
    crop(result, m, height_, width_, pitch_, bias, out.image(i));
    if (image_moments == nullptr) continue;
    const std::size_t plane = std::size_t(height_) * width_;
    for (int o = 0; o < m; ++o) {
      const PlaneSums sums = plane_moments(out.image(i) + o * plane, plane);
      image_moments[(std::size_t(i) * m + o) * 2] = sums.first;
      image_moments[(std::size_t(i) * m + o) * 2 + 1] = sums.second;
    }
  }
}

void ImplicitConv::backward(const Tensor& in, const Tensor& dout, const float* weights, bool has_bias,
                            std::vector<std::vector<float>>& chunk_grads, Tensor* din) const {
  const int taps = kernel_ * kernel_;
  const int c_in = in_;
  const int m = out_;
  const int plane_pixels = height_ * width_;
  // W_t^T (M x C, column-major) for each tap t: [t][c][o].
  std::vector<float> tap_weights(std::size_t(taps) * c_in * m);
  for (int o = 0; o < m; ++o) {
    for (int c = 0; c < c_in; ++c) {
      for (int t = 0; t < taps; ++t) {
        tap_weights[(std::size_t(t) * c_in + c) * m + o] = weights[(std::size_t(o) * c_in + c) * taps + t];
      }
    }
  }
  // Input gradient: tap (r, q) reads the padded dY shifted by (K-1-r, K-1-q), the flipped kernel.
  Offsets dx_a(std::size_t(taps), 0);
  Offsets dx_b(std::size_t(taps), 0);
  for (int t = 0; t < taps; ++t) {
    const int r = t / kernel_;
    const int q = t % kernel_;
    dx_a[std::size_t(t)] = (unsigned long long)((kernel_ - 1 - r) * pitch_ + (kernel_ - 1 - q)) * kFloat;
    dx_b[std::size_t(t)] = (unsigned long long)(t) * c_in * m * kFloat;
  }
  if (din) din->resize(in.n, c_in, height_, width_);
  const int chunk_count = chunks(in.n);
  const unsigned long long tap_count = (unsigned long long)(taps);
#pragma omp parallel for schedule(static) if (chunk_count > 1)
  for (int chunk = 0; chunk < chunk_count; ++chunk) {
    const int first = chunk * kImagesPerChunk;
    const int count = std::min(kImagesPerChunk, in.n - first);
    Scratch& s = thread_scratch();
    const std::size_t image_padded = std::size_t(c_in) * plane_;
    float* x_pad = grow(s.x_pad, image_padded * count + std::size_t(kernel_));
    const std::size_t image_nhwc = std::size_t(pixels_) * m;
    float* dy_nhwc = grow(s.dy_nhwc, image_nhwc * count);
    for (int i = 0; i < count; ++i) {
      pad_planes(in.image(first + i), c_in, height_, width_, pad_, x_pad + image_padded * i);
      // dY transposed to [pixel at the padded pitch][o], zero in the extra columns.
      const float* dy = dout.image(first + i);
      float* dst = dy_nhwc + image_nhwc * i;
      for (int y = 0; y < height_; ++y) {
        for (int x = 0; x < pitch_; ++x) {
          float* pixel = dst + (std::size_t(y) * pitch_ + x) * m;
          if (x >= width_) {
            std::fill(pixel, pixel + m, 0.0f);
            continue;
          }
          const float* src = dy + y * width_ + x;
          for (int o = 0; o < m; ++o) pixel[o] = src[std::size_t(o) * plane_pixels];
        }
      }
    }
    std::fill(x_pad + image_padded * count, x_pad + image_padded * count + kernel_, 0.0f);
    // dW_t += sum over the chunk's images, one batch-reduce call per tap.
    std::vector<float>& grads = chunk_grads[std::size_t(chunk)];
    Offsets a_offsets(std::size_t(count), 0);
    Offsets b_offsets(std::size_t(count), 0);
    const unsigned long long images = (unsigned long long)(count);
    for (int t = 0; t < taps; ++t) {
      const int shift = (t / kernel_) * pitch_ + t % kernel_;
      for (int i = 0; i < count; ++i) {
        a_offsets[std::size_t(i)] = (unsigned long long)(image_nhwc * i) * kFloat;
        b_offsets[std::size_t(i)] = (unsigned long long)(image_padded * i + shift) * kFloat;
      }
      weight_kernel_(dy_nhwc, x_pad, grads.data() + std::size_t(t) * m, &images, a_offsets.data(), b_offsets.data());
    }
    if (has_bias) {
      float* bias_grad = grads.data() + std::size_t(c_in) * taps * m;
      for (int i = 0; i < count; ++i) {
        const float* dy = dout.image(first + i);
        for (int o = 0; o < m; ++o) {
          float sum = 0.0f;
          for (int p = 0; p < plane_pixels; ++p) sum += dy[std::size_t(o) * plane_pixels + p];
          bias_grad[o] += sum;
        }
      }
    }
    if (!din) continue;
    const std::size_t dy_padded = std::size_t(m) * plane_;
    float* dy_pad = grow(s.dy_pad, dy_padded + std::size_t(kernel_));
    std::fill(dy_pad + dy_padded, dy_pad + dy_padded + kernel_, 0.0f);
    float* result = grow(s.result, std::size_t(pixels_) * c_in);
    for (int i = 0; i < count; ++i) {
      pad_planes(dout.image(first + i), m, height_, width_, pad_, dy_pad);
      input_kernel_(dy_pad, tap_weights.data(), result, &tap_count, dx_a.data(), dx_b.data());
      crop(result, c_in, height_, width_, pitch_, nullptr, din->image(first + i));
    }
  }
}

}  // namespace nce::train::detail
