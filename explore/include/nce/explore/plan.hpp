#pragma once
// A resolved, validated grid (docs/EXPLORE.md section 1): every network built and analyzed,
// every accelerator config loaded and validated with its area, every point enumerated with its
// key. make_plan performs every check of the spec (unknown workloads, --set keys or dataflows,
// illegal arrays, widths below one channel, stage patterns that do not fit, networks files of
// another input shape, search settings out of range) and throws core::InputError naming the
// problem, so nothing is evaluated or written for a bad spec. A planned point can then only fail
// by not fitting its accelerator (a layer that fits no buffer), which is a result: the point is
// recorded as infeasible.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/area.hpp"
#include "nce/explore/grid.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::explore {

struct PlannedNetwork {
  std::string workload;  // the group: Pareto fronts and "best" points are per workload
  std::string label;     // "x1.25", "stages 1/1.5/2", a --networks path, or "searched"
  workloads::Workload network;  // search points: the network the search starts from
  std::vector<workloads::LayerInfo> infos;
  // Width patterns: networks/<workload>-<pattern>.yaml in the run directory (written by the run);
  // --networks: the file's absolute path; search points: empty (each point derives its own).
  std::string file;
};

struct PlannedConfig {
  std::string array;     // "16x16"
  std::string dataflow;  // "ws"
  std::vector<std::pair<std::string, std::string>> sets;  // this point's --set values
  cost_models::AcceleratorConfig config;
  cost_models::AreaEstimate area;
  std::string label() const;  // "16x16 ws buffers.ifmap.capacity_kib=32"
};

struct SearchVariant {
  std::string method;
  std::string hw_loss;
  double target = 1.0;
  std::string label() const;  // "nce latency r=1"
};

struct PlannedPoint {
  std::size_t index = 0;  // position in the grid's enumeration; shards split by index
  std::size_t network = 0;
  std::size_t config = 0;
  std::size_t search = 0;  // into Plan::searches (0 without --search)
  std::string key;         // "resnet50|x1.25|16x16|ws|buffers.ifmap.capacity_kib=32|"
};

struct Plan {
  GridSpec spec;
  std::string hash;  // of the canonical spec and every file it reads (see grid.hpp)
  std::vector<PlannedNetwork> networks;
  std::vector<PlannedConfig> configs;
  std::vector<SearchVariant> searches;  // empty without --search
  std::vector<PlannedPoint> points;
  bool searching() const { return spec.search.enabled; }
};

// The largest grid one run plans. A run keeps every point's record in memory until it writes
// points.json, the fronts and report.html: measured 3.3 GB peak for 112,575 ResNet20 points
// (about 30 KB each; 690 MB of output files), and 2.25 million points were killed by the kernel
// at 23 GB. So a grid is refused, with its size and memory estimate, before anything is loaded
// when it has more than 1 million points or needs more than the machine's memory.
constexpr std::size_t kMaxGridPoints = 1'000'000;
constexpr std::size_t kBytesPerPoint = 32 * 1024;

Plan make_plan(const GridSpec& spec);

// The network a search starts from: a CIFAR zoo name on Fashion-MNIST means its 1x28x28
// variant ("resnet20" -> "resnet20-fmnist"), as in nce search and nce train.
workloads::Workload resolve_search_workload(const std::string& name, const std::string& dataset);

}  // namespace nce::explore
