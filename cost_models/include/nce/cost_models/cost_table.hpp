#pragma once
// Cost tables T_l[i][j]: the cost of layer l with input-width candidate i and output-width
// candidate j, for every conv/fc layer of a workload whose widths a search chooses (NCE.md §3).
// Built in parallel, cached on disk per (model, model version, accelerator config with its
// energy table, layer geometry and precision), so a changed config never reuses an entry.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nce/cost_models/cost_model.hpp"
#include "nce/cost_models/expected_cost.hpp"

namespace nce {

enum class CostMetric { macs, params, cycles, energy };
std::string_view to_string(CostMetric metric);
CostMetric cost_metric_from_string(std::string_view text);  // macs|flops, params, cycles|latency, energy

struct CostEntry {
  std::int64_t macs = 0;
  std::int64_t params = 0;
  std::int64_t cycles = 0;
  double energy_pj = 0;
  double metric(CostMetric metric) const;
  bool operator==(const CostEntry&) const = default;
};

struct LayerCostTable {
  std::size_t layer = 0;  // index in the workload
  std::string name;
  std::vector<int> in_widths;   // one entry when the input width is fixed
  std::vector<int> out_widths;  // one entry when the output width is fixed
  std::vector<CostEntry> entries;  // row-major [in][out]
  const CostEntry& at(std::size_t in, std::size_t out) const { return entries.at(in * out_widths.size() + out); }
};

struct CostTable {
  std::string workload;
  std::string model;
  std::string config;
  std::vector<LayerCostTable> layers;
  // The expected-cost terms of one metric, matching `binding`.
  std::vector<CostTerm> terms(const WidthBinding& binding, CostMetric metric) const;
};

struct CostTableBuildStats {
  std::int64_t entries = 0;     // table cells
  std::int64_t evaluated = 0;   // distinct layer variants the model evaluated
  std::int64_t from_cache = 0;  // distinct layer variants read from the disk cache
  double seconds = 0;
  int threads = 1;
};

// The single-layer variant of workload layer `layer` with the given channel counts (its
// input tensor keeps the spatial size; an FC's input features scale with the channels).
std::pair<Layer, LayerInfo> layer_variant(const Workload& workload, std::size_t layer, int in_channels,
                                          int out_channels);

// Builds the table; with `cache_dir` reads and extends the on-disk cache there.
CostTable build_cost_table(const Workload& workload, const WidthBinding& binding, const CostModel& model,
                           const AcceleratorConfig& config, const std::optional<std::filesystem::path>& cache_dir,
                           CostTableBuildStats* stats = nullptr);

// The cache key of one layer geometry (channel counts excluded) on one model and config.
std::string cost_cache_key(const Layer& layer, const LayerInfo& info, const CostModel& model,
                           const AcceleratorConfig& config);

}  // namespace nce
