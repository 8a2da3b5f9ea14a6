#pragma once
// One finished point as points.jsonl holds it (docs/EXPLORE.md section 4): its coordinates,
// its metrics (metrics.hpp) or why it could not run, and how it ran (rank, seconds). Everything
// the outputs need is in the record, so `nce explore merge` writes them from records alone.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nce/explore/metrics.hpp"
#include "nce/explore/plan.hpp"

namespace nce::explore {

struct PointRecord {
  std::size_t index = 0;
  std::string key;
  std::string workload;  // the group of fronts and best picks
  std::string network;   // the width pattern's label, a --networks path, or "searched"
  std::string array;     // "16x16"
  std::string dataflow;
  std::vector<std::pair<std::string, std::string>> sets;
  std::string search;    // "nce latency r=1", empty without --search
  bool feasible = true;
  std::string problem;   // why not, when infeasible (e.g. a layer that fits no buffer)
  MetricValues metrics;  // empty when infeasible
  std::string area_source;
  // The point's network as a workload file: networks/<workload>-<pattern>.yaml for width patterns
  // and search/point-NNNNN/derived.yaml for search points (relative to the run directory), the
  // absolute path of a --networks file.
  std::string network_file;
  // How it ran: not part of points.csv, pareto.csv or the fronts.
  std::string spec;      // the spec hash
  int rank = 0;
  double seconds = 0;

  bool has(const std::string& metric) const { return metrics.contains(metric); }
  double metric(const std::string& metric) const { return metrics.at(metric); }
};

// The record of `point` with its coordinates filled in (metrics to be added).
PointRecord record_of(const Plan& plan, const PlannedPoint& point);

nlohmann::json to_json(const PointRecord& record);
// InputError naming `source` when a field is missing or of the wrong type.
PointRecord record_from_json(const nlohmann::json& json, const std::string& source);

}  // namespace nce::explore
