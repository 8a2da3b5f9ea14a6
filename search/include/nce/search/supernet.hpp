#pragma once
// The TAS-style searchable network of NCE (docs/NCE.md sections 2 and 4) over any workload graph of
// conv/fc/pool/add layers. Every searchable conv has candidate output widths c_1 < ... < c_n,
// architecture logits theta (N(0, 0.01)), weights allocated at the widest candidate and one
// BatchNorm per candidate. A forward pass runs each searchable conv once at the larger of its
// sampled candidates, normalises each candidate's prefix with that candidate's BN, aligns both
// to the larger width by channel-wise interpolation (CWI) and mixes them with the Gumbel
// weights; the backward pass delivers gradients to the weights and to theta.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nce/search/expected_cost.hpp"
#include "nce/train/layers.hpp"
#include "nce/train/quantizers.hpp"
#include "nce/train/random.hpp"
#include "nce/train/tensor.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::search {

// CWI(O, C') of docs/NCE.md section 2: adaptive average pooling over the channel axis; output
// channel k averages input channels floor(k C / C') .. ceil((k+1) C / C') - 1.
void cwi_forward(const train::Tensor& in, int channels, train::Tensor& out);
// Adjoint of cwi_forward: din (with in_channels channels) from dout.
void cwi_backward(const train::Tensor& dout, int in_channels, train::Tensor& din);

// TAS's width ratios {0.3, 0.4, ..., 1.0} of `width`, rounded, at least 1, duplicates removed.
std::vector<int> tas_candidates(int width);

enum class SampleMode {
  uniform,  // warm-up: one candidate per layer, uniformly (weights only)
  gumbel,   // search: two distinct candidates from the Gumbel-softmax, mixed (docs/NCE.md section 2)
  argmax,   // evaluation / derivation: the most probable candidate
};

class Supernet {
 public:
  // `candidates` by layer name (searchable convs only); other layers keep their width.
  // `low_bits` > 0 sets the weight and activation bits of the low-precision (searchable or
  // 2-bit) layers; 32 trains them in float.
  Supernet(const workloads::Workload& workload, const std::map<std::string, std::vector<int>>& candidates, std::uint64_t seed,
           int low_bits = 0, train::QuantRecipe recipe = {});
  ~Supernet();
  Supernet(const Supernet&) = delete;
  Supernet& operator=(const Supernet&) = delete;

  const train::Tensor& forward(const train::Tensor& input, bool training, SampleMode mode, double tau, train::Rng* rng);
  void backward(const train::Tensor& dlogits);  // weights' and theta's gradients (theta only in gumbel mode)
  void zero_grad();
  void after_step();  // keeps PACT alphas > 0
  // train::QuantRecipe::AlphaInit::calibrated: one argmax-mode training forward of `images` in
  // which every PACT first fits its alpha to its input.
  void calibrate(const train::Tensor& images);

  std::vector<train::Parameter*> weight_parameters();
  std::vector<train::Parameter*> arch_parameters();  // theta, one per searchable layer, in layer order
  std::vector<train::Buffer> buffers();

  // Searchable layers in workload order, their candidate widths and logits.
  std::vector<std::string> searchable() const;
  const std::vector<int>& widths(const std::string& layer) const;
  train::Parameter& theta(const std::string& layer);
  std::map<std::string, std::vector<int>> candidates() const;

  // docs/NCE.md section 4: appends `extra` channels to the layer's candidates (copying the widest
  // logit), grows its weights (He-normal new filters), adds a BN, and grows the consumers'
  // input channels. Returns the parameter names whose storage changed shape with their old
  // [out][in][k*k] shape, so optimizer state can be remapped.
  struct Growth {
    std::string parameter;
    int old_out = 0;
    int old_in = 0;
    int new_out = 0;
    int new_in = 0;
    int kk = 1;
  };
  std::vector<Growth> expand(const std::string& layer, int extra, train::Rng& rng);

  const workloads::Workload& workload() const { return workload_; }
  // The workload at the argmax widths (derivation), residual blocks joined as `join` says.
  workloads::Workload derive(JoinMode join) const;

 private:
  struct Node;
  Node& node(const std::string& layer);
  const Node& node(const std::string& layer) const;
  const train::Tensor& input_of(const Node& node, std::size_t which) const;
  int max_width(int node) const;
  void grow_input(Node& node, int in_channels, train::Rng& rng, std::vector<Growth>& growth);
  void forward_weighted(Node& node, bool training, SampleMode mode, double tau, train::Rng* rng);
  void backward_weighted(Node& node);
  void accumulate(int index, const train::Tensor& grad);

  workloads::Workload workload_;
  train::QuantRecipe recipe_;
  std::vector<std::unique_ptr<Node>> nodes_;
  const train::Tensor* input_ = nullptr;
  bool gumbel_ = false;
  double tau_ = 1.0;
};

// Workload with the given output widths per searchable layer (docs/NCE.md section 6). Residual
// adds whose inputs may differ become prefix joins (JoinMode::prefix: the network the supernet
// trained), or, for a projection join, get their fixed-width shortcut conv (a projection, or the
// stem) resized to the main branch, as bind_widths ties them, or else a new 1x1 projection at the
// join's precision on the identity side.
workloads::Workload derive_workload(const workloads::Workload& base, const std::map<std::string, int>& widths,
                                    JoinMode join = JoinMode::prefix);

}  // namespace nce::search
