// Conv2d: the implicit GEMM of train/src/implicit_conv.hpp where it applies (ResNet's body and
// downsampling convolutions), im2col + Eigen GEMM over chunks of the batch for the others (the
// stem's single input channel, fully connected layers) (train/include/nce/train/layers.hpp).
#include "nce/train/layers.hpp"

#include "implicit_conv.hpp"
#include "plane_moments.hpp"
#include "scratch.hpp"

#include <Eigen/Core>
#include <omp.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

namespace nce::train {
namespace {

using detail::grow;

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

// The implicit-GEMM kernels for this layer on an height x width input, when its algorithm allows
// them, the geometry suits them and libxsmm could compile them; otherwise none (im2col runs).
std::optional<detail::ImplicitConv> implicit_kernels(const Conv2d& conv, int height, int width) {
  if (conv.algorithm() != ConvAlgorithm::automatic ||
      !detail::ImplicitConv::applies(conv.shape(), conv.active_in(), height, width)) {
    return std::nullopt;
  }
  detail::ImplicitConv kernels(conv.active_in(), conv.active_out(), height, width, conv.shape());
  if (!kernels.ready()) return std::nullopt;
  return kernels;
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

Conv2d::Conv2d(std::string name, ConvShape shape, int weight_bits, bool has_bias, QuantRecipe::WeightScale weight_scale)
    : weight(name + ".weight", std::size_t(shape.out_channels) * shape.in_channels * shape.kernel * shape.kernel),
      bias(name + ".bias", has_bias ? std::size_t(shape.out_channels) : 0),
      name_(std::move(name)),
      shape_(shape),
      weight_bits_(weight_bits),
      weight_scale_(weight_scale),
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
  if (mix_bits_.empty()) {
    quantize_weights(packed_.data(), count, weight_bits_, packed_.data(), pass_.data(), &quantization_, weight_scale_);
    return;
  }
  // Mixed precision: every candidate quantizes the same float slice (no copies of the weights).
  const std::vector<double>& p = *mix_probabilities_;
  mix_quantized_.resize(mix_bits_.size());
  std::vector<float> pass(count);
  std::vector<float> mixed(count, 0.0f);
  std::fill(pass_.begin(), pass_.end(), 0.0f);
  for (std::size_t i = 0; i < mix_bits_.size(); ++i) {
    mix_quantized_[i].resize(count);
    quantize_weights(packed_.data(), count, mix_bits_[i], mix_quantized_[i].data(), pass.data(), &quantization_,
                     weight_scale_);
    const float pi = float(p[i]);
    for (std::size_t j = 0; j < count; ++j) {
      mixed[j] += pi * mix_quantized_[i][j];
      pass_[j] += pi * pass[j];
    }
  }
  packed_ = std::move(mixed);
}

void Conv2d::set_weight_mix(std::vector<int> bits, const std::vector<double>* probabilities) {
  if (!bits.empty() && (probabilities == nullptr)) throw std::invalid_argument("conv " + name_ + ": mix without probabilities");
  mix_bits_ = std::move(bits);
  mix_probabilities_ = probabilities;
  mix_gradient_.assign(mix_bits_.size(), 0.0);
  mix_quantized_.clear();
}

// Each output plane's moments, read while the plane is still in cache; summed in image order by
// sum_image_moments, as BatchNorm2d sums its own.
void Conv2d::record_moments(const Tensor& out, int first, int count) {
  const std::size_t plane = std::size_t(out.h) * out.w;
  for (int i = first; i < first + count; ++i) {
    for (int o = 0; o < out.c; ++o) {
      const detail::PlaneSums sums = detail::plane_moments(out.image(i) + o * plane, plane);
      image_moments_[(std::size_t(i) * out.c + o) * 2] = sums.first;
      image_moments_[(std::size_t(i) * out.c + o) * 2 + 1] = sums.second;
    }
  }
}

void Conv2d::sum_image_moments(int images, ChannelMoments& moments) const {
  const int m = active_out_;
  moments.sum.assign(std::size_t(m), 0.0);
  moments.sum_squares.assign(std::size_t(m), 0.0);
  for (int i = 0; i < images; ++i) {
    for (int o = 0; o < m; ++o) {
      moments.sum[std::size_t(o)] += image_moments_[(std::size_t(i) * m + o) * 2];
      moments.sum_squares[std::size_t(o)] += image_moments_[(std::size_t(i) * m + o) * 2 + 1];
    }
  }
}

void Conv2d::forward(const Tensor& in, Tensor& out, ChannelMoments* moments) {
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
  const float* bias_values = bias.value.empty() ? nullptr : bias.value.data();
  if (moments) image_moments_.resize(std::size_t(in.n) * active_out_ * 2);
  if (const auto implicit = implicit_kernels(*this, in.h, in.w)) {
    implicit->forward(in, packed_.data(), bias_values, out, moments ? image_moments_.data() : nullptr);
    if (moments) sum_image_moments(in.n, *moments);
    return;
  }
  out.resize(in.n, active_out_, g.out_h, g.out_w);
  const int pixels = g.pixels();
  const int chunk = images_per_chunk(pixels, in.n);
  const int chunks = (in.n + chunk - 1) / chunk;
  const int k = patch_size();
  const int m = active_out_;
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
      if (moments) record_moments(out, first, 1);
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
    if (moments) record_moments(out, first, count);
  }
  if (moments) sum_image_moments(in.n, *moments);
}

void Conv2d::backward(const Tensor& in, const Tensor& dout, Tensor* din) {
  const ChunkGeometry g{in.c, in.h, in.w, shape_.kernel, shape_.stride, shape_.padding, dout.h, dout.w};
  const int pixels = g.pixels();
  const int chunk = images_per_chunk(pixels, in.n);
  const int chunks = (in.n + chunk - 1) / chunk;
  const int k = patch_size();
  const int m = active_out_;
  if (const auto implicit = implicit_kernels(*this, in.h, in.w)) {
    zero_chunk_grads(detail::ImplicitConv::chunks(in.n));
    implicit->backward(in, dout, packed_.data(), !bias.value.empty(), chunk_grads_, din);
    reduce_chunk_grads();
    return;
  }
  if (din) din->resize(in.n, in.c, in.h, in.w);
  zero_chunk_grads(chunks);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int index = 0; index < chunks; ++index) {
    const int first = index * chunk;
    const int count = std::min(chunk, in.n - first);
    const Eigen::Index rows = Eigen::Index(count) * pixels;
    Scratch& s = thread_scratch();
    float* col = grow(s.col, std::size_t(rows) * k);
    std::vector<float>& grads = chunk_grads_[std::size_t(index)];
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
      // A plain loop, not dy.col(o).sum(): Eigen vectorizes a reduction from the first aligned
      // element, so its rounding would depend on where the heap put this buffer (it did: two
      // runs differing only in the output directory's name trained differently).
      for (int o = 0; o < m; ++o) {
        const float* column = dresult + std::size_t(o) * std::size_t(rows);
        float sum = 0.0f;
        for (int r = 0; r < rows; ++r) sum += column[r];
        grads[std::size_t(k) * m + o] += sum;
      }
    }
    if (din) {
      float* dcol = grow(s.dcol, std::size_t(rows) * k);
      MapMat(dcol, rows, k).noalias() = dy * ConstMapMat(packed_.data(), k, m).transpose();
      col2im(dcol, first, count, g, *din);
    }
  }
  reduce_chunk_grads();
}

bool Conv2d::implicit_gemm(int height, int width) const { return implicit_kernels(*this, height, width).has_value(); }

// One gradient buffer per chunk of images, summed in chunk order by reduce_chunk_grads: the
// result does not depend on how many threads ran the chunks (docs/ARCHITECTURE.md, "Determinism").
void Conv2d::zero_chunk_grads(int chunks) {
  chunk_grads_.resize(std::size_t(chunks));
  for (auto& grads : chunk_grads_) grads.assign(std::size_t(patch_size()) * active_out_ + active_out_, 0.0f);
}

void Conv2d::reduce_chunk_grads() {
  // Sum the per-chunk gradients in chunk order, apply the STE mask, and scatter the active slice
  // back into the full-width gradient.
  const int k = patch_size();
  const int m = active_out_;
  const int k2 = shape_.kernel * shape_.kernel;
  for (int o = 0; o < m; ++o) {
    float* dst = weight.grad.data() + std::size_t(o) * shape_.in_channels * k2;
    for (int j = 0; j < k; ++j) {
      float sum = 0.0f;
      for (const auto& grads : chunk_grads_) sum += grads[std::size_t(j) * m + o];
      dst[j] += sum * pass_[std::size_t(o) * k + j];
      for (std::size_t i = 0; i < mix_bits_.size(); ++i) {
        mix_gradient_[i] += double(sum) * mix_quantized_[i][std::size_t(o) * k + j];
      }
    }
    if (!bias.value.empty()) {
      float sum = 0.0f;
      for (const auto& grads : chunk_grads_) sum += grads[std::size_t(k) * m + o];
      bias.grad[o] += sum;
    }
  }
}

}  // namespace nce::train
