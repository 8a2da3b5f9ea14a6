#include "nce/train/layers.hpp"

#include <Eigen/Core>
#include <omp.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace nce::train {
namespace {

using ColMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using MapMat = Eigen::Map<ColMajor>;
using ConstMapMat = Eigen::Map<const ColMajor>;

// Images per GEMM chunk: enough output pixels (rows) that the GEMM is not starved, few enough
// that a chunk's im2col buffer stays in cache. 256 rows measured well for ResNet20's shapes.
int images_per_chunk(int pixels, int batch) {
  constexpr int kTargetRows = 256;
  return std::clamp((kTargetRows + pixels - 1) / pixels, 1, std::max(batch, 1));
}

// Scratch per thread, grown once and reused: hot loops do not allocate.
struct Scratch {
  std::vector<float> col;
  std::vector<float> out;
  std::vector<float> dcol;
};
Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}
float* grow(std::vector<float>& buffer, std::size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

struct ChunkGeometry {
  int channels, height, width, kernel, stride, padding, out_h, out_w;
  int pixels() const { return out_h * out_w; }
};

// Output columns ox whose input column ox*stride + q - pad lies inside [0, width): [lo, hi).
struct ValidRange {
  int lo, hi;
};
ValidRange valid_columns(int q, int stride, int padding, int width, int out_w) {
  const int offset = q - padding;
  int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int hi = (width - 1 - offset) >= 0 ? (width - 1 - offset) / stride + 1 : 0;
  hi = std::min(hi, out_w);
  lo = std::min(lo, hi);
  return {lo, hi};
}

// Stride 1 with the output the size of the input ("same" padding, ResNet's 3x3 convs): the
// column of tap (r, q) is the input plane shifted by (r - pad) rows and (q - pad) columns. The
// valid output rows [oy_lo, oy_hi) then read one contiguous stretch of the input, so a tap is
// one copy plus a fix-up of the border columns, instead of a short copy per row.
struct SameTap {
  int oy_lo, oy_hi;  // output rows whose input row is inside the plane
  int shift;         // input index minus output index inside the valid rows
  ValidRange cols;   // valid output columns
};
bool is_same_stride1(const ChunkGeometry& g) {
  return g.stride == 1 && g.out_h == g.height && g.out_w == g.width;
}
SameTap same_tap(const ChunkGeometry& g, int r, int q) {
  const int dy = r - g.padding;
  const int oy_lo = std::clamp(-dy, 0, g.out_h);
  const int oy_hi = std::clamp(g.height - dy, oy_lo, g.out_h);
  return {oy_lo, oy_hi, dy * g.width + (q - g.padding), valid_columns(q, 1, g.padding, g.width, g.out_w)};
}

void im2col_same(const Tensor& in, int first, int count, const ChunkGeometry& g, float* col) {
  const int pixels = g.pixels();
  const int w = g.width;
  const std::size_t rows = std::size_t(count) * pixels;
  for (int c = 0; c < g.channels; ++c) {
    for (int r = 0; r < g.kernel; ++r) {
      for (int q = 0; q < g.kernel; ++q) {
        const SameTap tap = same_tap(g, r, q);
        float* column = col + (std::size_t(c * g.kernel + r) * g.kernel + q) * rows;
        for (int i = 0; i < count; ++i) {
          const float* plane = in.image(first + i) + std::size_t(c) * pixels;
          float* dst = column + std::size_t(i) * pixels;
          std::fill(dst, dst + tap.oy_lo * w, 0.0f);
          std::fill(dst + tap.oy_hi * w, dst + pixels, 0.0f);
          if (tap.oy_lo == tap.oy_hi || tap.cols.lo == tap.cols.hi) {
            std::fill(dst + tap.oy_lo * w, dst + tap.oy_hi * w, 0.0f);
            continue;
          }
          // From the first valid pixel of the first valid row to the last of the last: every
          // source index in between lies inside the plane.
          const int begin = tap.oy_lo * w + tap.cols.lo;
          const int end = (tap.oy_hi - 1) * w + tap.cols.hi;
          std::copy(plane + begin + tap.shift, plane + end + tap.shift, dst + begin);
          for (int oy = tap.oy_lo; oy < tap.oy_hi; ++oy) {
            float* row = dst + oy * w;
            for (int ox = 0; ox < tap.cols.lo; ++ox) row[ox] = 0.0f;
            for (int ox = tap.cols.hi; ox < w; ++ox) row[ox] = 0.0f;
          }
        }
      }
    }
  }
}

// The adjoint of im2col_same. Entries of dcol at padding positions are discarded (zeroed, as
// dcol is scratch) so that each tap is one contiguous add. Same padding at stride 1 means
// kernel = 2 * padding + 1, so the centre tap covers the whole plane unshifted: it is copied
// first, which saves clearing din.
void col2im_same(float* dcol, int first, int count, const ChunkGeometry& g, Tensor& din) {
  const int pixels = g.pixels();
  const int w = g.width;
  const std::size_t rows = std::size_t(count) * pixels;
  const int centre = g.padding;
  for (int c = 0; c < g.channels; ++c) {
    const float* centre_column = dcol + (std::size_t(c * g.kernel + centre) * g.kernel + centre) * rows;
    for (int i = 0; i < count; ++i) {
      const float* src = centre_column + std::size_t(i) * pixels;
      std::copy(src, src + pixels, din.image(first + i) + std::size_t(c) * pixels);
    }
    for (int r = 0; r < g.kernel; ++r) {
      for (int q = 0; q < g.kernel; ++q) {
        if (r == centre && q == centre) continue;
        const SameTap tap = same_tap(g, r, q);
        if (tap.oy_lo == tap.oy_hi || tap.cols.lo == tap.cols.hi) continue;
        float* column = dcol + (std::size_t(c * g.kernel + r) * g.kernel + q) * rows;
        const int begin = tap.oy_lo * w + tap.cols.lo;
        const int end = (tap.oy_hi - 1) * w + tap.cols.hi;
        for (int i = 0; i < count; ++i) {
          float* __restrict src = column + std::size_t(i) * pixels;
          for (int oy = tap.oy_lo; oy < tap.oy_hi; ++oy) {
            float* row = src + oy * w;
            for (int ox = 0; ox < tap.cols.lo; ++ox) row[ox] = 0.0f;
            for (int ox = tap.cols.hi; ox < w; ++ox) row[ox] = 0.0f;
          }
          float* __restrict dst = din.image(first + i) + std::size_t(c) * pixels + tap.shift;
          for (int p = begin; p < end; ++p) dst[p] += src[p];
        }
      }
    }
  }
}

// col (R x K, column-major, R = images x pixels): col[k][i*P + p] = x_i[c][y*s + r - pad][x*s + q - pad]
void im2col(const Tensor& in, int first, int count, const ChunkGeometry& g, float* col) {
  if (is_same_stride1(g)) {
    im2col_same(in, first, count, g, col);
    return;
  }
  const int pixels = g.pixels();
  const std::size_t rows = std::size_t(count) * pixels;
  for (int c = 0; c < g.channels; ++c) {
    for (int r = 0; r < g.kernel; ++r) {
      for (int q = 0; q < g.kernel; ++q) {
        float* column = col + (std::size_t(c * g.kernel + r) * g.kernel + q) * rows;
        const ValidRange span = valid_columns(q, g.stride, g.padding, g.width, g.out_w);
        const int offset = q - g.padding;
        for (int i = 0; i < count; ++i) {
          const float* plane = in.image(first + i) + std::size_t(c) * g.height * g.width;
          float* dst = column + std::size_t(i) * pixels;
          for (int oy = 0; oy < g.out_h; ++oy) {
            const int y = oy * g.stride + r - g.padding;
            float* row = dst + oy * g.out_w;
            if (y < 0 || y >= g.height) {
              std::fill(row, row + g.out_w, 0.0f);
              continue;
            }
            const float* src = plane + std::size_t(y) * g.width + offset;
            std::fill(row, row + span.lo, 0.0f);
            if (g.stride == 1) {
              std::copy(src + span.lo, src + span.hi, row + span.lo);
            } else {
              for (int ox = span.lo; ox < span.hi; ++ox) row[ox] = src[ox * g.stride];
            }
            std::fill(row + span.hi, row + g.out_w, 0.0f);
          }
        }
      }
    }
  }
}

void col2im(float* col, int first, int count, const ChunkGeometry& g, Tensor& din) {
  if (is_same_stride1(g)) {
    col2im_same(col, first, count, g, din);
    return;
  }
  const int pixels = g.pixels();
  const std::size_t rows = std::size_t(count) * pixels;
  for (int i = 0; i < count; ++i) std::fill(din.image(first + i), din.image(first + i) + din.image_size(), 0.0f);
  for (int c = 0; c < g.channels; ++c) {
    for (int r = 0; r < g.kernel; ++r) {
      for (int q = 0; q < g.kernel; ++q) {
        const float* column = col + (std::size_t(c * g.kernel + r) * g.kernel + q) * rows;
        const ValidRange span = valid_columns(q, g.stride, g.padding, g.width, g.out_w);
        const int offset = q - g.padding;
        for (int i = 0; i < count; ++i) {
          float* plane = din.image(first + i) + std::size_t(c) * g.height * g.width;
          const float* src = column + std::size_t(i) * pixels;
          for (int oy = 0; oy < g.out_h; ++oy) {
            const int y = oy * g.stride + r - g.padding;
            if (y < 0 || y >= g.height) continue;
            float* dst = plane + std::size_t(y) * g.width + offset;
            const float* row = src + oy * g.out_w;
            if (g.stride == 1) {
              for (int ox = span.lo; ox < span.hi; ++ox) dst[ox] += row[ox];
            } else {
              for (int ox = span.lo; ox < span.hi; ++ox) dst[ox * g.stride] += row[ox];
            }
          }
        }
      }
    }
  }
}

}  // namespace

// ---------------------------------------------------------------- Conv2d

Conv2d::Conv2d(std::string name, ConvShape shape, int weight_bits, bool has_bias)
    : weight(name + ".weight", std::size_t(shape.out_channels) * shape.in_channels * shape.kernel * shape.kernel),
      bias(name + ".bias", has_bias ? std::size_t(shape.out_channels) : 0),
      name_(std::move(name)),
      shape_(shape),
      weight_bits_(weight_bits),
      active_in_(shape.in_channels),
      active_out_(shape.out_channels) {
  if (shape.in_channels <= 0 || shape.out_channels <= 0 || shape.kernel <= 0 || shape.stride <= 0 ||
      shape.padding < 0) {
    throw std::invalid_argument("conv " + name_ + ": non-positive shape");
  }
}

void Conv2d::init(Rng& rng) {
  const double std_dev = std::sqrt(2.0 / double(shape_.in_channels * shape_.kernel * shape_.kernel));
  for (float& w : weight.value) w = float(rng.normal() * std_dev);
  std::fill(bias.value.begin(), bias.value.end(), 0.0f);
}

void Conv2d::set_active(int in_channels, int out_channels) {
  if (in_channels <= 0 || in_channels > shape_.in_channels || out_channels <= 0 || out_channels > shape_.out_channels) {
    throw std::invalid_argument("conv " + name_ + ": active widths outside the allocation");
  }
  active_in_ = in_channels;
  active_out_ = out_channels;
}

void Conv2d::pack_weights() {
  const int k2 = shape_.kernel * shape_.kernel;
  const std::size_t patch = std::size_t(patch_size());
  const std::size_t count = patch * active_out_;
  packed_.resize(count);
  pass_.resize(count);
  // Gather the active slice [out < active_out][in < active_in] contiguously, then quantize it
  // in place: the scale belongs to the slice actually used.
  for (int m = 0; m < active_out_; ++m) {
    const float* src = weight.value.data() + std::size_t(m) * shape_.in_channels * k2;
    std::copy(src, src + patch, packed_.data() + m * patch);
  }
  quantize_weights(packed_.data(), count, weight_bits_, packed_.data(), pass_.data(), &quantization_);
}

void Conv2d::forward(const Tensor& in, Tensor& out) {
  assert(in.c == active_in_);
  if (in.c != active_in_) throw std::invalid_argument("conv " + name_ + ": input channels differ from the active width");
  pack_weights();
  const ChunkGeometry g{in.c,
                        in.h,
                        in.w,
                        shape_.kernel,
                        shape_.stride,
                        shape_.padding,
                        (in.h + 2 * shape_.padding - shape_.kernel) / shape_.stride + 1,
                        (in.w + 2 * shape_.padding - shape_.kernel) / shape_.stride + 1};
  out.resize(in.n, active_out_, g.out_h, g.out_w);
  const int pixels = g.pixels();
  const int chunk = images_per_chunk(pixels, in.n);
  const int chunks = (in.n + chunk - 1) / chunk;
  const int k = patch_size();
  const int m = active_out_;
  const float* bias_values = bias.value.empty() ? nullptr : bias.value.data();
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int index = 0; index < chunks; ++index) {
    const int first = index * chunk;
    const int count = std::min(chunk, in.n - first);
    const Eigen::Index rows = Eigen::Index(count) * pixels;
    Scratch& s = thread_scratch();
    float* col = grow(s.col, std::size_t(rows) * k);
    im2col(in, first, count, g, col);
    if (count == 1) {
      // One image: its NCHW output is already the column-major pixels x M product.
      MapMat result(out.image(first), rows, m);
      result.noalias() = ConstMapMat(col, rows, k) * ConstMapMat(packed_.data(), k, m);
      if (bias_values) result.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias_values, m);
      continue;
    }
    float* result = grow(s.out, std::size_t(rows) * m);
    MapMat(result, rows, m).noalias() = ConstMapMat(col, rows, k) * ConstMapMat(packed_.data(), k, m);
    for (int i = 0; i < count; ++i) {
      float* dst = out.image(first + i);
      for (int o = 0; o < m; ++o) {
        const float* src = result + std::size_t(o) * rows + std::size_t(i) * pixels;
        const float b = bias_values ? bias_values[o] : 0.0f;
        float* plane = dst + std::size_t(o) * pixels;
        for (int p = 0; p < pixels; ++p) plane[p] = src[p] + b;
      }
    }
  }
}

void Conv2d::backward(const Tensor& in, const Tensor& dout, Tensor* din) {
  const ChunkGeometry g{in.c, in.h, in.w, shape_.kernel, shape_.stride, shape_.padding, dout.h, dout.w};
  const int pixels = g.pixels();
  const int chunk = images_per_chunk(pixels, in.n);
  const int chunks = (in.n + chunk - 1) / chunk;
  const int k = patch_size();
  const int m = active_out_;
  if (din) din->resize(in.n, in.c, in.h, in.w);
  const int threads = omp_get_max_threads();
  thread_grads_.resize(std::size_t(threads));
  for (auto& grads : thread_grads_) grads.assign(std::size_t(k) * m + m, 0.0f);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int index = 0; index < chunks; ++index) {
    const int first = index * chunk;
    const int count = std::min(chunk, in.n - first);
    const Eigen::Index rows = Eigen::Index(count) * pixels;
    Scratch& s = thread_scratch();
    float* col = grow(s.col, std::size_t(rows) * k);
    std::vector<float>& grads = thread_grads_[std::size_t(omp_get_thread_num())];
    const float* dresult = dout.image(first);  // one image: already pixels x M, column-major
    if (count > 1) {
      float* gathered = grow(s.out, std::size_t(rows) * m);
      for (int i = 0; i < count; ++i) {
        const float* src = dout.image(first + i);
        for (int o = 0; o < m; ++o) {
          std::copy(src + std::size_t(o) * pixels, src + std::size_t(o + 1) * pixels,
                    gathered + std::size_t(o) * rows + std::size_t(i) * pixels);
        }
      }
      dresult = gathered;
    }
    ConstMapMat dy(dresult, rows, m);
    im2col(in, first, count, g, col);
    MapMat(grads.data(), m, k).noalias() += dy.transpose() * ConstMapMat(col, rows, k);
    if (!bias.value.empty()) {
      for (int o = 0; o < m; ++o) grads[std::size_t(k) * m + o] += dy.col(o).sum();
    }
    if (din) {
      float* dcol = grow(s.dcol, std::size_t(rows) * k);
      MapMat(dcol, rows, k).noalias() = dy * ConstMapMat(packed_.data(), k, m).transpose();
      col2im(dcol, first, count, g, *din);
    }
  }
  // Sum the per-thread gradients in thread order (deterministic), apply the STE mask, and
  // scatter the active slice back into the full-width gradient.
  const int k2 = shape_.kernel * shape_.kernel;
  for (int o = 0; o < m; ++o) {
    float* dst = weight.grad.data() + std::size_t(o) * shape_.in_channels * k2;
    for (int j = 0; j < k; ++j) {
      float sum = 0.0f;
      for (const auto& grads : thread_grads_) sum += grads[std::size_t(j) * m + o];
      dst[j] += sum * pass_[std::size_t(o) * k + j];
    }
    if (!bias.value.empty()) {
      float sum = 0.0f;
      for (const auto& grads : thread_grads_) sum += grads[std::size_t(k) * m + o];
      bias.grad[o] += sum;
    }
  }
}

// ---------------------------------------------------------------- BatchNorm2d

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

// Sums over one plane in kReductionLanes float lanes, combined in double.
constexpr std::size_t kLanes = kReductionLanes;

struct PlaneSums {
  double first = 0.0;
  double second = 0.0;
};

// sum(x) and sum(x * x)
PlaneSums moments(const float* __restrict x, std::size_t count) {
  float sum[kLanes] = {};
  float sum_sq[kLanes] = {};
  std::size_t p = 0;
  for (; p + kLanes <= count; p += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      sum[l] += x[p + l];
      sum_sq[l] += x[p + l] * x[p + l];
    }
  }
  PlaneSums result;
  for (std::size_t l = 0; l < kLanes; ++l) {
    result.first += sum[l];
    result.second += sum_sq[l];
  }
  for (; p < count; ++p) {
    result.first += x[p];
    result.second += double(x[p]) * x[p];
  }
  return result;
}

// sum(g) and sum(g * (x - mean)), with g = dy masked by relu_out > 0 when relu_out is given.
PlaneSums gradient_sums(const float* __restrict x, const float* __restrict dy, const float* __restrict relu_out,
                        float mean, std::size_t count) {
  float sum[kLanes] = {};
  float sum_dx[kLanes] = {};
  std::size_t p = 0;
  for (; p + kLanes <= count; p += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      const float g = relu_out && !(relu_out[p + l] > 0.0f) ? 0.0f : dy[p + l];
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
    const float g = relu_out && !(relu_out[p] > 0.0f) ? 0.0f : dy[p];
    result.first += g;
    result.second += double(g) * (x[p] - mean);
  }
  return result;
}

}  // namespace

void BatchNorm2d::forward(const Tensor& in, Tensor& out, bool training, bool relu) {
  if (in.c != channels()) throw std::invalid_argument("batch norm " + gamma.name + ": channel count differs");
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
      for (int i = 0; i < in.n; ++i) {
        const PlaneSums sums = moments(in.image(i) + c * plane, plane);
        total.first += sums.first;
        total.second += sums.second;
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
      for (std::size_t p = 0; p < plane; ++p) y[p] = std::max(x[p] * scale + shift, floor);
    }
  }
}

void BatchNorm2d::backward(const Tensor& in, const Tensor& dout, Tensor& din, const Tensor* relu_out) {
  din.resize(in.n, in.c, in.h, in.w);
  const std::size_t plane = std::size_t(in.h) * in.w;
  const double count = double(in.n) * double(plane);
#pragma omp parallel for schedule(static) if (in.size() > kParallelElements)
  for (int c = 0; c < in.c; ++c) {
    const float mean = batch_mean_[c];
    const float inv_std = batch_inv_std_[c];
    PlaneSums total;
    for (int i = 0; i < in.n; ++i) {
      const std::size_t at = std::size_t(i) * in.image_size() + c * plane;
      const PlaneSums sums = gradient_sums(in.data.data() + at, dout.data.data() + at,
                                           relu_out ? relu_out->data.data() + at : nullptr, mean, plane);
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
      const float* __restrict y = relu_out ? relu_out->data.data() + at : nullptr;
      float* __restrict dx = din.data.data() + at;
      for (std::size_t p = 0; p < plane; ++p) {
        const float xhat = (x[p] - mean) * inv_std;
        const float grad = y && !(y[p] > 0.0f) ? 0.0f : dy[p];
        dx[p] = g * (grad - mean_dy - xhat * mean_dy_xhat);
      }
    }
  }
}

// ---------------------------------------------------------------- ReLU, add

void relu_forward(const Tensor& in, Tensor& out) {
  out.resize(in.n, in.c, in.h, in.w);
  const std::size_t count = in.size();
  const float* __restrict x = in.data.data();
  float* __restrict y = out.data.data();
#pragma omp parallel for schedule(static) if (count > kParallelElements)
  for (std::size_t i = 0; i < count; ++i) y[i] = std::max(x[i], 0.0f);
}

void relu_backward(const Tensor& out, const Tensor& dout, Tensor& din) {
  din.resize(out.n, out.c, out.h, out.w);
  const std::size_t count = out.size();
  // Raw restrict pointers: through std::vector the compiler reloads the data pointers after
  // every store and emits a branch per element, about 6x slower than this select.
  const float* __restrict y = out.data.data();
  const float* __restrict g = dout.data.data();
  float* __restrict dx = din.data.data();
#pragma omp parallel for schedule(static) if (count > kParallelElements)
  for (std::size_t i = 0; i < count; ++i) dx[i] = y[i] > 0.0f ? g[i] : 0.0f;
}

void add_forward(const Tensor& a, const Tensor& b, Tensor& out) {
  if (a.n != b.n || a.h != b.h || a.w != b.w) throw std::invalid_argument("add: operands differ in batch or size");
  const Tensor& wide = a.c >= b.c ? a : b;
  const Tensor& narrow = a.c >= b.c ? b : a;
  out.resize(wide.n, wide.c, wide.h, wide.w);
  const std::size_t wide_image = wide.image_size();
  const std::size_t narrow_image = narrow.image_size();
#pragma omp parallel for schedule(static) if (out.size() > kParallelElements)
  for (int i = 0; i < wide.n; ++i) {
    const float* x = wide.image(i);
    const float* y = narrow.image(i);
    float* z = out.image(i);
    for (std::size_t j = 0; j < narrow_image; ++j) z[j] = x[j] + y[j];
    for (std::size_t j = narrow_image; j < wide_image; ++j) z[j] = x[j];
  }
}

void add_backward_slice(const Tensor& dout, int channels, Tensor& din) {
  din.resize(dout.n, channels, dout.h, dout.w);
  const std::size_t image = din.image_size();
#pragma omp parallel for schedule(static) if (din.size() > kParallelElements)
  for (int i = 0; i < dout.n; ++i) std::copy(dout.image(i), dout.image(i) + image, din.image(i));
}

// ---------------------------------------------------------------- pooling

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

// ---------------------------------------------------------------- loss

LossResult softmax_cross_entropy(const Tensor& logits, const std::vector<std::int32_t>& labels, Tensor& dlogits) {
  const int classes = int(logits.image_size());
  if (labels.size() != std::size_t(logits.n)) throw std::invalid_argument("cross entropy: label count differs from batch");
  dlogits.resize(logits.n, logits.c, logits.h, logits.w);
  LossResult result;
  const float inv_n = 1.0f / float(logits.n);
  for (int i = 0; i < logits.n; ++i) {
    const float* z = logits.image(i);
    float* dz = dlogits.image(i);
    const int label = labels[std::size_t(i)];
    if (label < 0 || label >= classes) throw std::invalid_argument("cross entropy: label outside the classes");
    const float top = *std::max_element(z, z + classes);
    double sum = 0.0;
    for (int j = 0; j < classes; ++j) sum += std::exp(double(z[j] - top));
    const double log_sum = std::log(sum) + top;
    result.loss += log_sum - z[label];
    int best = 0;
    for (int j = 0; j < classes; ++j) {
      dz[j] = float(std::exp(double(z[j]) - log_sum)) * inv_n;
      if (z[j] > z[best]) best = j;
    }
    dz[label] -= inv_n;
    if (best == label) ++result.correct;
  }
  result.loss /= logits.n;
  return result;
}

}  // namespace nce::train
