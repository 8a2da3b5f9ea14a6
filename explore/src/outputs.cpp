#include "nce/explore/outputs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "nce/core/atomic_file.hpp"
#include "nce/explore/pareto.hpp"
#include "nce/reports/html_page.hpp"

namespace nce::explore {
namespace {

bool any_accuracy(const std::vector<PointRecord>& records) {
  return std::any_of(records.begin(), records.end(), [](const PointRecord& r) { return r.has("accuracy"); });
}

std::vector<std::string> workloads_of(const std::vector<PointRecord>& records) {
  std::vector<std::string> out;
  for (const PointRecord& r : records) {
    if (std::find(out.begin(), out.end(), r.workload) == out.end()) out.push_back(r.workload);
  }
  return out;
}

// The --set keys, in order of appearance.
std::vector<std::string> set_keys(const std::vector<PointRecord>& records) {
  std::vector<std::string> keys;
  for (const PointRecord& r : records) {
    for (const auto& [key, value] : r.sets) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
  }
  return keys;
}

// The catalog's metrics that any record carries, in catalog order.
std::vector<std::string> metric_columns(const std::vector<PointRecord>& records) {
  std::vector<std::string> out;
  for (const MetricInfo& m : metric_catalog()) {
    if (std::any_of(records.begin(), records.end(), [&](const PointRecord& r) { return r.has(m.name); })) out.push_back(m.name);
  }
  return out;
}

std::string front_name(const std::vector<std::string>& objectives) { return fmt::format("{}", fmt::join(objectives, ",")); }

reports::Table points_table(const std::vector<PointRecord>& records, const Findings& findings) {
  const std::vector<std::string> keys = set_keys(records);
  const std::vector<std::string> metrics = metric_columns(records);
  std::vector<std::vector<std::string>> on_fronts(records.size());
  for (const Front& f : findings.fronts) {
    for (std::size_t m : f.members) on_fronts[m].push_back(front_name(f.objectives));
  }
  reports::Table table;
  table.header = {"index", "key", "workload", "network", "array", "dataflow"};
  table.header.insert(table.header.end(), keys.begin(), keys.end());
  table.header.insert(table.header.end(), {"search", "feasible", "problem"});
  table.header.insert(table.header.end(), metrics.begin(), metrics.end());
  table.header.insert(table.header.end(), {"area_source", "network_file", "fronts"});
  for (std::size_t i = 0; i < records.size(); ++i) {
    const PointRecord& r = records[i];
    std::vector<std::string> row = {std::to_string(r.index), r.key, r.workload, r.network, r.array, r.dataflow};
    for (const std::string& key : keys) {
      const auto it = std::find_if(r.sets.begin(), r.sets.end(), [&](const auto& s) { return s.first == key; });
      row.push_back(it == r.sets.end() ? "" : it->second);
    }
    row.insert(row.end(), {r.search, r.feasible ? "true" : "false", r.problem});
    for (const std::string& m : metrics) row.push_back(r.has(m) ? fmt::format("{}", r.metric(m)) : "");
    row.insert(row.end(), {r.area_source, r.network_file, fmt::format("{}", fmt::join(on_fronts[i], ";"))});
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace

std::string describe(const PointRecord& r) {
  std::string out = fmt::format("{} {} {} {}", r.workload, r.network, r.array, r.dataflow);
  for (const auto& [key, value] : r.sets) out += fmt::format(" {}={}", key, value);
  if (!r.search.empty()) out += fmt::format(" ({})", r.search);
  return out;
}

Findings find(const std::vector<PointRecord>& records, const OutputOptions& options) {
  Findings findings;
  std::vector<std::vector<std::string>> fronts = options.fronts;
  if (fronts.empty()) {
    fronts.push_back({"cycles", "energy_pj", "area_mm2"});
    if (any_accuracy(records)) fronts.push_back({"accuracy", "cycles"});
  }
  const std::vector<std::string> workloads = workloads_of(records);
  for (const std::vector<std::string>& objectives : fronts) {
    std::vector<Direction> directions;
    for (const std::string& name : objectives) directions.push_back(metric_named(name, "--pareto").direction);
    for (const std::string& workload : workloads) {
      std::vector<std::size_t> candidates;
      std::vector<std::vector<double>> values;
      for (std::size_t i = 0; i < records.size(); ++i) {
        const PointRecord& r = records[i];
        if (r.workload != workload || !r.feasible) continue;
        if (!std::all_of(objectives.begin(), objectives.end(), [&](const std::string& m) { return r.has(m); })) continue;
        candidates.push_back(i);
        std::vector<double> row;
        for (const std::string& m : objectives) row.push_back(r.metric(m));
        values.push_back(std::move(row));
      }
      if (candidates.empty()) continue;
      Front front{objectives, workload, {}};
      for (std::size_t p : pareto_front(values, directions)) front.members.push_back(candidates[p]);
      findings.fronts.push_back(std::move(front));
    }
  }
  const std::string best = options.best.empty() ? (any_accuracy(records) ? "accuracy" : "cycles")
                                                : metric_named(options.best, "--best").name;
  const Direction direction = metric_named(best, "--best").direction;
  for (const std::string& workload : workloads) {
    BestPoint b{workload, best, std::nullopt};
    for (std::size_t i = 0; i < records.size(); ++i) {
      const PointRecord& r = records[i];
      if (r.workload != workload || !r.has(best) || !meets_all(r, options.constraints)) continue;
      if (!b.record) {
        b.record = i;
        continue;
      }
      const double x = r.metric(best), y = records[*b.record].metric(best);
      if (direction == Direction::minimize ? x < y : x > y) b.record = i;
    }
    findings.best.push_back(b);
  }
  return findings;
}

Findings write_outputs(const std::filesystem::path& dir, const SpecHeader& header, std::vector<PointRecord> records,
                       const OutputOptions& options) {
  std::sort(records.begin(), records.end(), [](const PointRecord& a, const PointRecord& b) { return a.index < b.index; });
  const Findings findings = find(records, options);
  const reports::Table table = points_table(records, findings);
  core::write_file_atomically(dir / "points.csv", reports::to_csv(table));

  reports::Table pareto;
  pareto.header = table.header;
  pareto.header.insert(pareto.header.begin(), "front");
  for (const Front& f : findings.fronts) {
    for (std::size_t m : f.members) {
      std::vector<std::string> row = table.rows[m];
      row.insert(row.begin(), front_name(f.objectives));
      pareto.rows.push_back(std::move(row));
    }
  }
  core::write_file_atomically(dir / "pareto.csv", reports::to_csv(pareto));

  nlohmann::json json;
  json["hash"] = header.hash;
  json["spec"] = header.spec;
  json["grid_points"] = header.points;
  json["metrics"] = nlohmann::json::array();
  for (const MetricInfo& m : metric_catalog()) {
    json["metrics"].push_back({{"name", m.name},
                               {"unit", m.unit},
                               {"direction", m.direction == Direction::minimize ? "minimize" : "maximize"},
                               {"description", m.description}});
  }
  json["points"] = nlohmann::json::array();
  for (const PointRecord& r : records) {
    nlohmann::json point = to_json(r);
    point.erase("spec");
    point.erase("rank");
    point.erase("seconds");
    json["points"].push_back(std::move(point));
  }
  json["fronts"] = nlohmann::json::array();
  for (const Front& f : findings.fronts) {
    std::vector<std::size_t> indices;
    for (std::size_t m : f.members) indices.push_back(records[m].index);
    json["fronts"].push_back({{"objectives", f.objectives}, {"workload", f.workload}, {"indices", indices}});
  }
  std::vector<std::string> constraints;
  for (const Constraint& c : options.constraints) constraints.push_back(c.text);
  json["best"] = nlohmann::json::array();
  for (const BestPoint& b : findings.best) {
    json["best"].push_back({{"workload", b.workload},
                            {"metric", b.metric},
                            {"constraints", constraints},
                            {"index", b.record ? nlohmann::json(records[*b.record].index) : nlohmann::json()}});
  }
  core::write_file_atomically(dir / "points.json", json.dump(1) + "\n");
  core::write_file_atomically(dir / "report.html", render_report(header, records, findings, options));
  return findings;
}

}  // namespace nce::explore
