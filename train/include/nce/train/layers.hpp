#pragma once
// The engine's layers. Each owns its parameters and scratch; forward(in, out) and
// backward(in, dout, din) take the input again rather than caching a pointer, so that a
// supernet can run one layer on several slices of the same tensors. Layers are composable:
// Conv2d is allocated at its widest and can run on a prefix of its input and output channels.
#include <cstdint>
#include <string>
#include <vector>

#include "nce/train/quantizers.hpp"
#include "nce/train/random.hpp"
#include "nce/train/tensor.hpp"

namespace nce::train {

struct ConvShape {
  int in_channels = 0;
  int out_channels = 0;
  int kernel = 1;
  int stride = 1;
  int padding = 0;
};

// Per-channel sum(x) and sum(x * x) over a batch: what training-mode batch norm needs of its input.
// Conv2d::forward computes them of its output while that is still in cache, saving batch norm a
// pass over the tensor; the figures are bit-identical to batch norm's own (train/src/plane_moments.hpp).
struct ChannelMoments {
  std::vector<double> sum;
  std::vector<double> sum_squares;
};

// How Conv2d computes. `automatic`: convolutions with at least 8 input channels and 16 output
// pixels (ResNet's body and downsampling layers) run as an implicit GEMM on libxsmm's JIT
// batch-reduce kernels, with no im2col matrix (train/src/implicit_conv.hpp); the others, and every
// convolution on a CPU libxsmm cannot JIT for, use im2col + Eigen. `im2col` forces the latter
// (the tests compare the two).
enum class ConvAlgorithm { automatic, im2col };

// 2-D convolution (groups = 1). The im2col GEMM is laid out with the output pixels of a chunk of
// images as the rows of a column-major product (R x K times K x M), so the large dimension
// R = images x H_out x W_out is the long one and the two cores split the batch between them (one
// chunk each at a time), rather than letting Eigen split a GEMM whose M = 16..64 columns are too
// few for two threads (measured: Eigen splits such narrow products badly on two threads).
class Conv2d {
 public:
  Conv2d(std::string name, ConvShape shape, int weight_bits, bool bias,
         QuantRecipe::WeightScale weight_scale = QuantRecipe::WeightScale::mean);
  void init(Rng& rng);  // He-normal weights (He et al. 2015, fan-in), zero bias
  // Channels in use, each <= the allocated count; the first `in` input and `out` output
  // channels (a supernet slices widths this way, docs/NCE.md section 2).
  void set_active(int in_channels, int out_channels);
  int active_in() const { return active_in_; }
  int active_out() const { return active_out_; }
  const ConvShape& shape() const { return shape_; }
  int weight_bits() const { return weight_bits_; }
  // Mixed precision (EBS, docs/NCE.md section 10): the layer quantizes its one set of float
  // weights at each of `bits` and uses sum_i p_i Q_{bits_i}(W), with p the caller's
  // probabilities (one per entry of `bits`, read at every forward). Backward passes
  // sum_i p_i STE_i to the weights and accumulates dL/dp_i = <dL/dW_mix, Q_{bits_i}(W)> into
  // weight_mix_gradient(). An empty `bits` turns mixing off.
  void set_weight_mix(std::vector<int> bits, const std::vector<double>* probabilities);
  std::vector<double>& weight_mix_gradient() { return mix_gradient_; }
  QuantRecipe::WeightScale weight_scale() const { return weight_scale_; }

  void set_algorithm(ConvAlgorithm algorithm) { algorithm_ = algorithm; }
  ConvAlgorithm algorithm() const { return algorithm_; }
  // Whether a height x width input takes the implicit GEMM (where libxsmm has kernels).
  bool implicit_gemm(int height, int width) const;

  // moments: when not null, receives the output's per-channel moments (ChannelMoments).
  void forward(const Tensor& in, Tensor& out, ChannelMoments* moments = nullptr);
  // Accumulates weight/bias gradients; writes the input gradient when din is not null.
  void backward(const Tensor& in, const Tensor& dout, Tensor* din);

  Parameter weight;  // [out][in][k][k] at the allocated widths
  Parameter bias;    // empty when the layer has none
  // The active slice of the quantized weights used by the last forward, [out][in*k*k], and
  // the quantization it used (export reads both).
  const std::vector<float>& effective_weights() const { return packed_; }
  const WeightQuantization& last_quantization() const { return quantization_; }

 private:
  int patch_size() const { return active_in_ * shape_.kernel * shape_.kernel; }
  void pack_weights();
  void zero_chunk_grads(int chunks);
  void record_moments(const Tensor& out, int first, int count);
  void sum_image_moments(int images, ChannelMoments& moments) const;
  void reduce_chunk_grads();

  std::string name_;
  ConvShape shape_;
  int weight_bits_;
  QuantRecipe::WeightScale weight_scale_;
  int active_in_;
  int active_out_;
  ConvAlgorithm algorithm_ = ConvAlgorithm::automatic;
  std::vector<float> packed_;  // quantized active weights
  std::vector<float> pass_;    // straight-through mask
  WeightQuantization quantization_;
  std::vector<std::vector<float>> chunk_grads_;  // per-chunk weight gradients, summed in chunk order
  std::vector<double> image_moments_;  // forward with moments: [image][channel][sum, sum of squares]
  std::vector<int> mix_bits_;
  const std::vector<double>* mix_probabilities_ = nullptr;
  std::vector<std::vector<float>> mix_quantized_;  // Q_{bits_i} of the packed slice, per candidate
  std::vector<double> mix_gradient_;
};

// Batch normalization (Ioffe & Szegedy 2015) over N, H, W per channel; running statistics
// with PyTorch's momentum 0.1 and eps 1e-5 so results compare with the PyTorch reference.
class BatchNorm2d {
 public:
  static constexpr float kMomentum = 0.1f;
  static constexpr float kEps = 1e-5f;
  BatchNorm2d(std::string name, int channels);
  // relu = true applies max(0, .) to the output in the same pass (conv-BN-ReLU layers).
  // moments: the input's moments when the caller has them (its producer computed them), else
  // null; used in training mode only.
  void forward(const Tensor& in, Tensor& out, bool training, bool relu = false, const ChannelMoments* moments = nullptr);
  // relu: the forward had the ReLU fused; the gradient is masked where its output was 0 (the
  // mask is recomputed from `in`, bit-identical to the forward's).
  void backward(const Tensor& in, const Tensor& dout, Tensor& din, bool relu = false);
  Parameter gamma;
  Parameter beta;
  std::vector<float> running_mean;
  std::vector<float> running_var;
  int channels() const { return int(gamma.value.size()); }

 private:
  std::vector<float> batch_mean_;
  std::vector<float> batch_inv_std_;
  bool last_training_ = true;
};

void relu_forward(const Tensor& in, Tensor& out);
void relu_backward(const Tensor& out, const Tensor& dout, Tensor& din);  // uses the output's sign; din aliases neither

enum class PoolKind { max, avg, global_avg };
struct PoolShape {
  PoolKind kind = PoolKind::max;
  int kernel = 2;
  int stride = 2;
  int padding = 0;
};
// Pooling; average pooling divides by the full window (PyTorch's count_include_pad).
class Pool2d {
 public:
  explicit Pool2d(PoolShape shape) : shape_(shape) {}
  void forward(const Tensor& in, Tensor& out);
  void backward(const Tensor& in, const Tensor& dout, Tensor& din);

 private:
  PoolShape shape_;
  std::vector<std::int32_t> argmax_;  // max pooling: input offset of each output's maximum
};

// out = a + b. Tensors of different widths: the narrower is added into the first channels of
// the wider (docs/NCE.md section 2, residual joins of different widths).
// relu = true applies max(0, .) in the same pass (a residual block's closing ReLU).
void add_forward(const Tensor& a, const Tensor& b, Tensor& out, bool relu = false);
void add_backward_slice(const Tensor& dout, int channels, Tensor& din);  // din = dout[:, :channels]

// Mean softmax cross-entropy over the batch; logits are N x classes (x 1 x 1). Returns the
// loss, writes dloss/dlogits, and counts correct argmax predictions.
struct LossResult {
  double loss = 0.0;
  int correct = 0;
};
LossResult softmax_cross_entropy(const Tensor& logits, const std::vector<std::int32_t>& labels, Tensor& dlogits);

}  // namespace nce::train
