#pragma once
// A trainable network built from a workload (the layer graph of workloads/): any channel
// counts, any per-layer precision. Each conv/fc layer runs as
//   [PACT on its input] -> conv with quantized weights (+ bias) -> [BN] -> [ReLU];
// pool and add layers as themselves (+ ReLU when the layer says so).
// PACT sits on the consuming layer's input with that layer's act_bits and its own alpha (so a
// tensor read by an A2 conv and an A8 shortcut is quantized once per reader, as the hardware
// stores it per layer). The network input is not PACT-quantized: it is already the 8-bit image
// (pixels are 8-bit codes; the per-channel normalisation is an affine map folded into conv1).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nce/train/layers.hpp"
#include "nce/train/quantizers.hpp"
#include "nce/train/random.hpp"
#include "nce/train/tensor.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::train {

class Network {
 public:
  // Validates the workload (analyze) and initialises weights from `seed`. With `quantize`
  // false every layer runs in float (W32A32, the full-precision baseline: workload files cap
  // precisions at 16 bits, so "32 = off" is a property of the run, not of the workload).
  Network(const workloads::Workload& workload, std::uint64_t seed, bool quantize = true, QuantRecipe recipe = {});
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Returns the last layer's output (the logits).
  const Tensor& forward(const Tensor& input, bool training);
  void backward(const Tensor& dlogits);  // accumulates parameter gradients
  void zero_grad();
  void after_step();  // keeps every PACT alpha > 0
  // QuantRecipe::AlphaInit::calibrated: one training-mode forward of `images` in which every
  // PACT first fits its alpha to its input (layer by layer, so each sees calibrated producers).
  void calibrate(const Tensor& images);
  const QuantRecipe& recipe() const { return recipe_; }
  bool quantized_network() const { return quantize_; }  // false: every layer in float (W32A32)

  std::vector<Parameter*> parameters();
  std::vector<Buffer> buffers();  // BN running statistics
  const workloads::Workload& workload() const { return workload_; }

  // Per-layer access (tests, export, the search): throws std::out_of_range for unknown names.
  Conv2d& conv(std::string_view layer);
  BatchNorm2d* batch_norm(std::string_view layer);
  PactQuantizer* pact(std::string_view layer);
  const Tensor& layer_input(std::string_view layer) const;   // before PACT
  const Tensor& conv_output(std::string_view layer) const;   // after conv (+bias), before BN
  const Tensor& layer_output(std::string_view layer) const;

 private:
  struct Node {
    workloads::Layer layer;
    std::vector<int> inputs;  // node indices; -1 is the network input
    std::unique_ptr<PactQuantizer> pact;
    std::unique_ptr<Conv2d> conv;
    std::unique_ptr<BatchNorm2d> bn;
    std::unique_ptr<Pool2d> pool;
    Tensor flat_in;    // fc: input viewed as N x CHW x 1 x 1
    Tensor quant_in;   // PACT output
    Tensor conv_out;
    ChannelMoments moments;  // conv_out's, for batch norm
    Tensor bn_out;
    Tensor out;        // after ReLU / add / pool
    const Tensor* result = nullptr;  // whichever of the above is the layer's output
    Tensor grad;       // dloss/d(result), summed over consumers
    bool has_grad = false;
    Tensor scratch_a;
    Tensor scratch_b;
  };
  const Tensor& input_tensor(const Node& node, std::size_t which) const;
  // Adds grad into node's gradient. last_use: the caller no longer needs grad, so the node's first
  // gradient takes its buffer by exchange instead of a copy.
  void accumulate(int node, Tensor& grad, bool last_use);
  std::size_t index_of(std::string_view layer) const;
  void forward_weighted(Node& node, bool training);
  void backward_weighted(Node& node);

  workloads::Workload workload_;
  QuantRecipe recipe_;
  bool quantize_ = true;
  std::vector<Node> nodes_;
  const Tensor* input_ = nullptr;
};

}  // namespace nce::train
