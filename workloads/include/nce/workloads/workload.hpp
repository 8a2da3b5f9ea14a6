#pragma once
// A network as an ordered list of layers plus the shapes, MACs and parameters derived from it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nce/workloads/layer.hpp"

namespace nce::workloads {

struct Workload {
  std::string name;
  TensorShape input;
  std::vector<Layer> layers;  // topological order: producers come first

  const Layer& layer(std::string_view name) const;  // throws InputError when absent
  Layer& layer(std::string_view name);
  // Changes a conv/fc layer's output channels; consumers' input channels follow from the graph.
  void set_out_channels(std::string_view name, int channels);
  bool operator==(const Workload&) const = default;
};

// im2col GEMM of a conv/fc layer for one image: K = C_in/groups * R * S is the reduction,
// M = C_out the output channels, N = H_out * W_out the output pixels. Grouped convs repeat
// the GEMM `groups` times with M = C_out/groups each.
struct GemmDims {
  std::int64_t k = 0;
  std::int64_t m = 0;
  std::int64_t n = 0;
  std::int64_t groups = 1;
  bool operator==(const GemmDims&) const = default;
};

struct LayerInfo {
  TensorShape in;   // first input
  TensorShape out;
  std::int64_t macs = 0;    // multiply-accumulates per image
  std::int64_t params = 0;  // weights + bias + BN affine (gamma, beta)
  GemmDims gemm;            // zero for pool/add
};

struct WorkloadTotals {
  std::int64_t macs = 0;
  std::int64_t params = 0;
};

// Checks the graph (names unique, producers earlier, shapes consistent, sizes positive) and
// derives every layer's shapes. Throws InputError naming the layer and field on any problem.
std::vector<LayerInfo> analyze(const Workload& workload);
WorkloadTotals totals(const std::vector<LayerInfo>& infos);

// Default precision policy of the architecture page: first conv, last FC and 1x1 shortcut
// convs at W8A8, every other conv/fc at W2A2; searchable = the W2A2 convs, except grouped convs
// and the convs feeding them (their channel counts are tied to the groups).
void apply_default_precision(Workload& workload);

}  // namespace nce::workloads
