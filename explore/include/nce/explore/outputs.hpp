#pragma once
// What an exploration reports, computed from its records alone (so a run and a merge of shards
// write the same files), and the files, each written atomically (docs/EXPLORE.md section 4):
//   points.csv   one row per point in grid order: coordinates, every metric, area_source, fronts
//   points.json  spec hash and spec, the metric catalog, every point, the fronts, the best points
//   pareto.csv   one row per front member: the front ("cycles,energy_pj,area_mm2"), then
//                points.csv's columns
//   report.html  self-contained (inline SVG and CSS, no scripts): the best point per workload
//                under the constraints, scatter plots per workload and front with the front
//                highlighted and every point labelled on hover, a table sortable by any column
// Fronts and best points are per workload: points of different networks do not compete.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nce/explore/constraint.hpp"
#include "nce/explore/record.hpp"
#include "nce/explore/run_directory.hpp"

namespace nce::explore {

struct OutputOptions {
  // Objective lists (canonical metric names). Empty: cycles,energy_pj,area_mm2, plus
  // accuracy,cycles when any point carries an accuracy.
  std::vector<std::vector<std::string>> fronts;
  std::vector<Constraint> constraints;
  std::string best;     // the metric the best point optimizes; empty: accuracy if present, else cycles
  std::string command;  // shown in the report
};

struct Front {
  std::vector<std::string> objectives;
  std::string workload;
  std::vector<std::size_t> members;  // positions in the records, ascending
};

struct BestPoint {
  std::string workload;
  std::string metric;
  std::optional<std::size_t> record;  // none when no point meets the constraints
};

struct Findings {
  std::vector<Front> fronts;
  std::vector<BestPoint> best;
};

// `records` in grid order (by index).
Findings find(const std::vector<PointRecord>& records, const OutputOptions& options);

// Sorts `records` by index and writes the four files into `dir`.
Findings write_outputs(const std::filesystem::path& dir, const SpecHeader& header, std::vector<PointRecord> records,
                       const OutputOptions& options);

// report.html's content (report.cpp).
std::string render_report(const SpecHeader& header, const std::vector<PointRecord>& records, const Findings& findings,
                          const OutputOptions& options);

// "resnet50 x1.25 16x16 ws buffers.ifmap.capacity_kib=32": a point in words.
std::string describe(const PointRecord& record);

}  // namespace nce::explore
