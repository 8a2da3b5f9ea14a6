#pragma once
// The metrics of a point (docs/EXPLORE.md section 3), by name, with units and the direction a
// Pareto front or "best" pick prefers. Their names are the columns of points.csv and the keys of
// points.json, and what --pareto, --constraint and --best accept (plus the aliases energy,
// area, latency and edp).
//
// Definitions (one inference, batch 1, layers one after another as nce simulate runs them):
//   cycles, energy_pj, energy_<component>_pj, utilization   the summed LayerStats
//   latency_us = cycles / clock_mhz;  inferences_per_s = 1e6 / latency_us
//   edp_j_s = energy (J) x latency (s)
//   wide_*: layers above 2 bits (the W8A8 stem, shortcuts and classifier: digit passes);
//   low_* = the 2-bit layers; *_share = wide / total
//   tops_per_w = 2 x network MACs / energy_pj (network operations at the layers' own precisions,
//   not the 2-bit array MACs of their digit passes); tops_per_mm2 = 2 x MACs x inferences/s /
//   1e12 / area_mm2; inferences_per_s_per_mm2 = inferences_per_s / area_mm2
//   area_*: cost_models::estimate_area (PE + SRAM), area_source says how
//   accuracy: test accuracy of the retrained searched network (search points only)
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "nce/cost_models/area.hpp"
#include "nce/cost_models/layer_stats.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::explore {

enum class Direction { minimize, maximize };

struct MetricInfo {
  std::string name;
  std::string unit;  // for axes and tables
  Direction direction = Direction::minimize;
  std::string description;
};

// Every metric, in column order.
const std::vector<MetricInfo>& metric_catalog();
// The metric `name` (or an alias); InputError "<context> names no metric '<name>' (known: ...)".
const MetricInfo& metric_named(std::string_view name, std::string_view context);

using MetricValues = std::map<std::string, double>;

MetricValues compute_metrics(const cost_models::WorkloadStats& stats, const workloads::Workload& network,
                             const std::vector<workloads::LayerInfo>& infos, const cost_models::AcceleratorConfig& config,
                             const cost_models::AreaEstimate& area);

}  // namespace nce::explore
