#pragma once
// Convolutions without an im2col matrix ("implicit GEMM"), on libxsmm's JIT batch-reduce GEMM.
//
// Stride 1. Each input plane is copied once into a zero-bordered plane of pitch W + 2p. In that
// layout the input pixels that kernel tap (r, q) multiplies, for all output pixels of an image,
// form one pixels x C matrix: the padded planes shifted by r * (W + 2p) + q, with the planes as
// its columns. A convolution is then a sum of K^2 GEMMs whose left operands are pointers into the
// same buffer, which the batch-reduce GEMM (BRGEMM) computes in one call, holding the
// accumulators in registers across the taps. Outputs are computed at the padded pitch; the extra
// columns of each row are never read back.
//
// Stride s > 1. The padded input is split into s x s phase planes, phase (a, b) holding the
// padded pixels (s u + a, s v + b). Tap (r, q) then reads phase (r mod s, q mod s) shifted by
// (r div s, q div s): the same sum of shifted GEMMs, over the phases' buffer, at the phase
// planes' pitch. The input gradient of phase (a, b) is the sum over the taps of that phase of the
// zero-padded output gradient shifted back; the phases are interleaved into the input gradient.
//
// The three products of training, P' the output pixels at the working pitch:
//   forward        Y    (P' x M) = sum_t shift_t(X)   (P' x C) . W_t    (C x M)
//   input grad     dX   (P' x C) = sum_t shift'_t(dY)  (P' x M) . W_t^T (M x C), taps flipped
//   weight grad    dW_t (M x C) += sum_images dY_nhwc (M x P') . shift_t(X) (P' x C)
// where dY_nhwc is dY transposed to pixel-major at the working pitch, zero in the extra columns
// so that they add nothing.
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
  // Below this many output pixels per image the per-image GEMMs are too short (a fully
  // connected layer is a 1x1 convolution on a 1x1 input); im2col batches the images instead.
  static constexpr int kMinOutputPixels = 16;

  // Whether the caller should use the implicit GEMM for this geometry (im2col otherwise).
  static bool applies(const ConvShape& shape, int in_channels, int height, int width);

  // Kernels for `in` -> `out` channels of `shape`'s kernel, stride and padding on height x width
  // planes. ready() is false when libxsmm cannot JIT-compile for this CPU; the caller then uses
  // im2col.
  ImplicitConv(int in_channels, int out_channels, int height, int width, const ConvShape& shape);
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
  // Copies one image's C planes into the phase buffer (stride 1: one zero-bordered plane each).
  void split(const float* image, float* phases) const;
  // The input gradient of one image from its output gradient.
  void input_gradient(const float* dy, const float* tap_weights, float* dx) const;

  int in_, out_, height_, width_, kernel_, stride_, pad_;
  int out_h_, out_w_;
  int phase_h_, phase_w_;  // ceil((H + 2p) / s), ceil((W + 2p) / s): the phase planes
  int phase_plane_;        // phase_h_ * phase_w_
  int image_floats_;       // s^2 * C * phase_plane_: one image's phase buffer
  int pixels_;             // out_h_ * phase_w_: the output pixels at the phase pitch
  // Input gradient at stride 1: dY padded by kernel - 1 - p on every side.
  int grad_border_ = 0, grad_pitch_ = 0, grad_plane_ = 0, grad_pixels_ = 0;
  // Input gradient at stride s > 1, per phase (a, b): its rows [row_lo, row_lo + rows) and
  // columns [col_lo, col_lo + cols) of the phase plane hold input pixels; dY is padded by
  // shift = (kernel - 1) div s on the top and left, at pitch phase_w_ + shift.
  struct GradPhase {
    int row_lo, rows, col_lo, cols;
    std::vector<int> taps;
    libxsmm_smmfunction_reducebatch_offs kernel = nullptr;
  };
  std::vector<GradPhase> grad_phases_;
  int grad_shift_ = 0;
  bool ready_ = false;
  libxsmm_smmfunction_reducebatch_offs forward_kernel_ = nullptr;
  libxsmm_smmfunction_reducebatch_offs input_kernel_ = nullptr;  // stride 1
  libxsmm_smmfunction_reducebatch_offs weight_kernel_ = nullptr;
};

}  // namespace nce::train::detail
