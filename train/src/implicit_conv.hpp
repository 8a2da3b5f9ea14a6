#pragma once
// Stride-1 "same" convolutions (output the size of the input, kernel = 2 * padding + 1: ResNet's
// 3x3 body convs and 1x1 projections) without an im2col matrix. Each input plane is copied once
// into a zero-bordered plane of pitch W + 2p. In that layout the input pixels that kernel tap
// (r, q) multiplies, for all output pixels of an image, form one pixels x C matrix: the padded
// planes shifted by r * (W + 2p) + q, with the planes as its columns. A convolution is then a sum
// of K^2 GEMMs whose left operands are pointers into the same buffer, which libxsmm's
// batch-reduce GEMM (BRGEMM) computes in one JIT-compiled call, holding the accumulators in
// registers across the taps. Outputs are computed at the padded pitch; the 2p extra columns of
// each row are never read back.
//
// The three products of training:
//   forward        Y   (P' x M) = sum_t shift_t(X_pad)  (P' x C) . W_t    (C x M)
//   input grad     dX  (P' x C) = sum_t shift'_t(dY_pad) (P' x M) . W_t^T (M x C), taps flipped
//   weight grad    dW_t (M x C) += sum_images dY_nhwc (M x P') . shift_t(X_pad) (P' x C)
// with P' = H (W + 2p); dY_nhwc is dY transposed to pixel-major at the padded pitch, zero in the
// extra columns so that they add nothing.
//
// Weight gradients are summed per chunk of kImagesPerChunk images, in image order inside a chunk;
// the caller sums the chunks in chunk order. Neither depends on the thread count.
#include <libxsmm.h>

#include <vector>

#include "nce/train/layers.hpp"
#include "nce/train/tensor.hpp"

namespace nce::train::detail {

class ImplicitConv {
 public:
  static constexpr int kImagesPerChunk = 8;

  // Below this many input channels each tap's GEMM is too thin (the stem's C = 1 ran its
  // backward 1.8x slower than im2col; bench/engine_layer_times.cpp).
  static constexpr int kMinInChannels = 8;
  // Whether the geometry is a stride-1 same convolution with at least kMinInChannels input
  // channels (the caller uses im2col otherwise).
  static bool applies(const ConvShape& shape, int in_channels, int height, int width);

  // Kernels for `in` -> `out` channels on height x width planes. ready() is false when libxsmm
  // cannot JIT-compile for this CPU; the caller then uses im2col.
  ImplicitConv(int in_channels, int out_channels, int height, int width, int kernel);
  bool ready() const { return ready_; }

  // weights: the active slice, [out][in][kernel][kernel]; bias may be null. image_moments, when
  // not null, receives each output plane's plane_moments at [(image * out + o) * 2 + {0, 1}].
  void forward(const Tensor& in, const float* weights, const float* bias, Tensor& out, double* image_moments) const;

  // Accumulates the weight gradient of chunk i (images [i * kImagesPerChunk, ...)) into
  // chunk_grads[i], laid out [(c * K^2 + tap) * M + o] with the bias gradient at [C K^2 M + o]
  // when has_bias; chunk_grads must hold chunks(n) zeroed buffers. Writes din when not null.
  void backward(const Tensor& in, const Tensor& dout, const float* weights, bool has_bias,
                std::vector<std::vector<float>>& chunk_grads, Tensor* din) const;
  static int chunks(int images) { return (images + kImagesPerChunk - 1) / kImagesPerChunk; }

 private:
  int in_, out_, height_, width_, kernel_, pad_;
  int pitch_;   // W + 2p
  int plane_;   // (H + 2p) * pitch_
  int pixels_;  // H * pitch_: the output pixels at the padded pitch
  bool ready_ = false;
  libxsmm_smmfunction_reducebatch_offs forward_kernel_ = nullptr;
  libxsmm_smmfunction_reducebatch_offs input_kernel_ = nullptr;
  libxsmm_smmfunction_reducebatch_offs weight_kernel_ = nullptr;
};

}  // namespace nce::train::detail
