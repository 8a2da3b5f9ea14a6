#pragma once
// Cost tables: what one layer costs on one accelerator at every channel count and precision a
// search may choose. A table holds T[p][i][j], the cost of the layer at precision candidate p
// with input-width candidate i and output-width candidate j. Tables are built in parallel from
// any registered cost model and cached on disk per (model, model version, accelerator config
// with its energy table, layer geometry, precision), so a changed config never reuses an entry.
// What the entries mean for a search (expected cost over distributions) is the search's
// business (search/include/nce/search/expected_cost.hpp).
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nce/cost_models/cost_model.hpp"

namespace nce::cost_models {

// bitops: MACs x weight bits x activation bits (the mixed-precision searches' budget).
enum class CostMetric { macs, params, cycles, energy, bitops };
std::string_view to_string(CostMetric metric);
CostMetric cost_metric_from_string(std::string_view text);  // macs|flops, params, cycles|latency, energy, bitops

struct CostEntry {
  std::int64_t macs = 0;
  std::int64_t params = 0;
  std::int64_t cycles = 0;
  double energy_pj = 0;
  std::int64_t bitops = 0;
  double metric(CostMetric metric) const;
  bool operator==(const CostEntry&) const = default;
};

// One layer to price: its geometry (with `layer.input_shape` set, which fixes the spatial size;
// its channel counts and precision are replaced cell by cell) and the candidates.
struct LayerTableSpec {
  std::string name;
  std::size_t layer = std::numeric_limits<std::size_t>::max();  // index in its workload, if any
  workloads::Layer geometry;
  std::vector<int> in_widths;
  std::vector<int> out_widths;
  std::vector<workloads::Precision> precisions;  // empty: the layer's own precision only
};

struct LayerCostTable {
  std::string name;
  std::size_t layer = std::numeric_limits<std::size_t>::max();
  std::vector<int> in_widths;
  std::vector<int> out_widths;
  std::vector<workloads::Precision> precisions;  // at least one
  std::vector<CostEntry> entries;                // row-major [precision][in][out]
  const CostEntry& at(std::size_t in, std::size_t out, std::size_t precision = 0) const {
    return entries.at((precision * in_widths.size() + in) * out_widths.size() + out);
  }
};

struct CostTable {
  std::string workload;
  std::string model;
  std::string config;
  std::vector<LayerTableSpec> specs;  // what was priced, one per table
  std::vector<LayerCostTable> layers;
};

struct CostTableBuildStats {
  std::int64_t entries = 0;     // table cells
  std::int64_t evaluated = 0;   // distinct layer variants the model evaluated
  std::int64_t from_cache = 0;  // distinct layer variants read from the disk cache
  double seconds = 0;
  int threads = 1;
};

// Every searchable conv/fc layer's output-width candidates for uniform multipliers of its base
// width: round(m x base), at least 1, ascending and unique (what --widths means in nce
// cost-table, nce lut and the Python module). An empty list gives an empty map.
std::map<std::string, std::vector<int>> multiplier_candidates(const workloads::Workload& workload,
                                                              const std::vector<workloads::LayerInfo>& infos,
                                                              const std::vector<double>& multipliers);

// The spec of workload layer `layer` (conv/fc) with the given candidates.
LayerTableSpec layer_table_spec(const workloads::Workload& workload, const std::vector<workloads::LayerInfo>& infos,
                                std::size_t layer, std::vector<int> in_widths, std::vector<int> out_widths,
                                std::vector<workloads::Precision> precisions = {});

// The single layer a spec describes at one cell: `in_channels` input channels (the input tensor
// keeps its spatial size; an FC's input features scale with the channels), `out_channels`
// outputs, `precision`.
std::pair<workloads::Layer, workloads::LayerInfo> layer_variant(const LayerTableSpec& spec, int in_channels,
                                                                int out_channels, workloads::Precision precision);

// Prices every cell of every spec with `model` on `config`; with `cache_dir` reads and extends
// the on-disk cache there. Throws InputError naming the layer and cell a model refuses.
CostTable build_cost_table(const std::string& workload_name, std::vector<LayerTableSpec> specs, const CostModel& model,
                           const AcceleratorConfig& config, const std::optional<std::filesystem::path>& cache_dir,
                           CostTableBuildStats* stats = nullptr);

// The cache key of one layer geometry at one precision (channel counts excluded) on one model
// and config.
std::string cost_cache_key(const workloads::Layer& layer, const workloads::LayerInfo& info, const CostModel& model,
                           const AcceleratorConfig& config);

// $XDG_CACHE_HOME/nce/cost-tables, else ~/.cache/nce/cost-tables (outside any build directory, so
// tables survive rebuilds; entries are keyed by model version).
std::filesystem::path default_cost_cache_dir();

}  // namespace nce::cost_models
