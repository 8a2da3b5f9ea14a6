#pragma once
// The integer pipeline of a trained network (docs/INFER.md section 3): every conv and FC runs on
// the array model (sim::simulate_layer on the layer's schedule, behavioural PE or the verilated
// RTL array) as an integer GEMM on the exported codes, layers above 2 bits by radix-4 digit
// passes; everything else runs in the post-processing unit (PPU), modelled functionally in
// float32 with the engine's own kernels so that it matches the engine's fake-quant forward by
// construction:
//   dequantization  y = fl( s_w * (alpha / (2^b - 1)) * sum )  (+ bias, a float add)
//                   (image-reading layers: the dataset normalisation folded in, see below)
//   batch norm      the engine's eval-mode BN (train::BatchNorm2d: per-channel scale and shift
//                   from the running statistics), ReLU fused
//   pooling, residual adds (prefix joins included), ReLU: train::Pool2d, add_forward, relu_forward
//   requantization  code = nearbyint(clamp(y, 0, alpha) * ((2^b - 1) / alpha)), with the
//                   consuming layer's PACT clip alpha and bits (PACT's own expression)
// The only place where the two can differ is the float summation inside the engine's conv GEMM
// (the array's integer sums are exact); docs/INFER.md section 4 says what follows from that.
//
// A layer reading the network input reads the 8-bit pixels p (codes 0..255) instead of the
// engine's normalised floats x' = p * scale_c + shift_c (scale_c = 1/(255 std_c),
// shift_c = -mean_c/std_c) and the PPU folds the normalisation back in:
//   out = s_w * sum_c ( scale_c * S_c + shift_c * C_c )
// with S_c = conv(pixels of channel c) from the array and C_c = the sum of channel c's weight codes
// over the taps that fall inside the image at that output position (precomputed per layer: the
// engine zero-pads in normalised space, so padded taps contribute nothing). Channels that share
// one (scale, shift) run as one array pass; otherwise each input channel runs as its own
// single-channel conv (docs/INFER.md section 3.2).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/layer_stats.hpp"
#include "nce/cost_models/schedule.hpp"
#include "nce/sim/simulator.hpp"
#include "nce/train/datasets.hpp"
#include "nce/train/layers.hpp"
#include "nce/train/network.hpp"
#include "nce/train/tensor.hpp"
#include "nce/workloads/reference_model.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::infer {

struct PipelineOptions {
  sim::PeModel pe_model = sim::PeModel::behavioral;
  // Also compute every layer's sums with the integer reference model (workloads::ref) and count
  // differences (LayerResult::reference_differences): a third, independent check of the array.
  bool check_reference = false;
};

// One array run of a layer: its schedule, the weight codes it holds, and (image layers) the
// normalisation of the input channels it reads.
struct ArrayPass {
  cost_models::LayerSchedule schedule;
  workloads::ref::Filters weights;
  int first_channel = 0;  // image layers: the input channels this pass reads
  int channels = 0;
  double input_scale = 1.0;  // image layers: scale_c, shift_c of those channels
  double input_shift = 0.0;
  std::vector<std::int32_t> correction;  // image layers: C_c per output (m, y, x)
};

// A conv or FC layer as loaded into the accelerator.
struct WeightedLayer {
  std::size_t node = 0;  // index in the workload
  std::string name;
  workloads::LayerType type = workloads::LayerType::conv;
  bool reads_image = false;
  int weight_bits = 2;
  int act_bits = 2;  // of the array's input codes (8 for the pixels of an image layer)
  float weight_scale = 1.0f;
  float alpha = 0.0f;     // PACT clip of the input (quantized layers)
  float to_code = 0.0f;   // (2^b - 1) / alpha, as PACT computes it (float)
  float step = 0.0f;      // alpha / (2^b - 1), the real value of code 1 (float)
  workloads::ref::ConvGeometry geometry;
  int out_h = 1;
  int out_w = 1;
  std::vector<float> bias;
  std::optional<train::BatchNorm2d> batch_norm;
  bool relu = false;
  std::vector<ArrayPass> passes;  // one, or one per input channel (image layers, see above)
  std::int64_t max_abs_sum = 0;   // worst-case |sum| from the code ranges (accumulator range check)
};

// One weighted layer of one image.
struct LayerResult {
  workloads::ref::FeatureMap input_codes;             // what the array read (pixels for image layers)
  std::vector<workloads::ref::FeatureMap> sums;       // int32 sums of each ArrayPass
  std::vector<cost_models::LayerStats> pass_stats;    // per ArrayPass
  std::vector<float> conv_out;                        // dequantized (+ bias), before BN: the engine's conv_output
  std::int64_t reference_differences = -1;            // check_reference: sums differing from workloads::ref
};

struct ImageRun {
  std::vector<float> logits;
  std::vector<LayerResult> layers;                  // per WeightedLayer
  std::vector<cost_models::LayerStats> stats;       // per workload layer (off-array layers count zero)
  std::vector<std::int64_t> ppu_elements;           // per workload layer: values the PPU produced
};

class IntegerNetwork {
 public:
  // Exports `network` (its weights as quantized by one eval-mode forward, PACT clips, BN
  // statistics) for `config`. `normalization` is the dataset's (train::dataset_normalization).
  // InputError when a layer fits no buffer or its worst-case sum exceeds the 32-bit output buffer.
  IntegerNetwork(train::Network& network, const cost_models::AcceleratorConfig& config,
                 const train::Normalization& normalization);

  // One image (8-bit pixels, CHW) through the array and the PPU.
  ImageRun run(const std::uint8_t* pixels, const PipelineOptions& options = {});

  const workloads::Workload& workload() const { return workload_; }
  const std::vector<workloads::LayerInfo>& infos() const { return infos_; }
  const std::vector<WeightedLayer>& layers() const { return layers_; }
  const cost_models::AcceleratorConfig& config() const { return config_; }
  // Index in layers() of a weighted layer; -1 for other layers.
  int weighted_index(std::size_t node) const { return weighted_of_node_[node]; }
  // The codes one pass holds (tests corrupt one to show that the comparison can fail).
  workloads::ref::Filters& weights(std::size_t layer, std::size_t pass = 0) { return layers_[layer].passes[pass].weights; }

 private:
  workloads::Workload workload_;
  std::vector<workloads::LayerInfo> infos_;
  std::vector<std::vector<int>> inputs_;  // per node: producer indices, -1 = the network input
  cost_models::AcceleratorConfig config_;
  train::Normalization normalization_;
  std::vector<WeightedLayer> layers_;
  std::vector<int> weighted_of_node_;
  std::vector<std::optional<train::Pool2d>> pools_;
};

// code = nearbyint(clamp(x, 0, alpha) * to_code): PACT's codes (train::export_activations).
workloads::ref::FeatureMap requantize(const float* values, int channels, int height, int width, float alpha,
                                      float to_code);

}  // namespace nce::infer
