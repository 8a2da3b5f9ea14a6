// Max, average and global-average pooling.
#include "nce/train/layers.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace nce::train {

void Pool2d::forward(const Tensor& in, Tensor& out) {
  if (shape_.kind == PoolKind::global_avg) {
    out.resize(in.n, in.c, 1, 1);
    const std::size_t plane = std::size_t(in.h) * in.w;
    const float inv = 1.0f / float(plane);
#pragma omp parallel for schedule(static) if (in.size() > kParallelElements)
    for (int i = 0; i < in.n; ++i) {
      for (int c = 0; c < in.c; ++c) {
        const float* x = in.image(i) + c * plane;
        float sum = 0.0f;
        for (std::size_t p = 0; p < plane; ++p) sum += x[p];
        out.at(i, c, 0, 0) = sum * inv;
      }
    }
    return;
  }
  const int k = shape_.kernel;
  const int oh = (in.h + 2 * shape_.padding - k) / shape_.stride + 1;
  const int ow = (in.w + 2 * shape_.padding - k) / shape_.stride + 1;
  out.resize(in.n, in.c, oh, ow);
  const bool is_max = shape_.kind == PoolKind::max;
  if (is_max) argmax_.resize(out.size());
  const float inv = 1.0f / float(k * k);
#pragma omp parallel for schedule(static) if (in.size() > kParallelElements)
  for (int i = 0; i < in.n; ++i) {
    for (int c = 0; c < in.c; ++c) {
      const float* x = in.image(i) + std::size_t(c) * in.h * in.w;
      for (int oy = 0; oy < oh; ++oy) {
        for (int ox = 0; ox < ow; ++ox) {
          float best = -std::numeric_limits<float>::infinity();
          std::int32_t best_at = -1;
          float sum = 0.0f;
          for (int r = 0; r < k; ++r) {
            const int y = oy * shape_.stride + r - shape_.padding;
            if (y < 0 || y >= in.h) continue;
            for (int q = 0; q < k; ++q) {
              const int xx = ox * shape_.stride + q - shape_.padding;
              if (xx < 0 || xx >= in.w) continue;
              const float v = x[y * in.w + xx];
              sum += v;
              if (v > best) {
                best = v;
                best_at = y * in.w + xx;
              }
            }
          }
          const std::size_t o = ((std::size_t(i) * in.c + c) * oh + oy) * ow + ox;
          if (is_max) {
            out.data[o] = best;
            argmax_[o] = best_at;
          } else {
            out.data[o] = sum * inv;
          }
        }
      }
    }
  }
}

void Pool2d::backward(const Tensor& in, const Tensor& dout, Tensor& din) {
  din.resize(in.n, in.c, in.h, in.w);
  din.zero();
  const std::size_t plane = std::size_t(in.h) * in.w;
  if (shape_.kind == PoolKind::global_avg) {
    const float inv = 1.0f / float(plane);
#pragma omp parallel for schedule(static) if (in.size() > kParallelElements)
    for (int i = 0; i < in.n; ++i) {
      for (int c = 0; c < in.c; ++c) {
        float* dx = din.image(i) + c * plane;
        const float g = dout.at(i, c, 0, 0) * inv;
        for (std::size_t p = 0; p < plane; ++p) dx[p] = g;
      }
    }
    return;
  }
  const int k = shape_.kernel;
  const int oh = dout.h;
  const int ow = dout.w;
  const float inv = 1.0f / float(k * k);
#pragma omp parallel for schedule(static) if (in.size() > kParallelElements)
  for (int i = 0; i < in.n; ++i) {
    for (int c = 0; c < in.c; ++c) {
      float* dx = din.image(i) + c * plane;
      for (int oy = 0; oy < oh; ++oy) {
        for (int ox = 0; ox < ow; ++ox) {
          const std::size_t o = ((std::size_t(i) * in.c + c) * oh + oy) * ow + ox;
          if (shape_.kind == PoolKind::max) {
            if (argmax_[o] >= 0) dx[argmax_[o]] += dout.data[o];
            continue;
          }
          for (int r = 0; r < k; ++r) {
            const int y = oy * shape_.stride + r - shape_.padding;
            if (y < 0 || y >= in.h) continue;
            for (int q = 0; q < k; ++q) {
              const int xx = ox * shape_.stride + q - shape_.padding;
              if (xx >= 0 && xx < in.w) dx[y * in.w + xx] += dout.data[o] * inv;
            }
          }
        }
      }
    }
  }
}

}  // namespace nce::train
