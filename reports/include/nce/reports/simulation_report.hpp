#pragma once
// The report of `nce simulate`: layers.csv, summary.json, report.html (self-contained, inline
// SVG), report.md and, for SCALE-Sim users, COMPUTE_REPORT.csv. Column and key names are the
// stable output schema of docs/ARCHITECTURE.md ("Output schemas").
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nce/cost_models/layer_stats.hpp"
#include "nce/reports/html_page.hpp"

namespace nce::reports {

struct SimulationReport {
  cost_models::WorkloadStats stats;
  cost_models::AcceleratorConfig config;
  std::vector<std::string> precisions;  // per layer, "W2A2" or "-"
  std::string pe_model = "behavioral";
  std::string source;  // config file or "configs/default.yaml"
};

Table layer_table(const SimulationReport& report);  // the layers.csv table (all columns)
nlohmann::json summary_json(const SimulationReport& report);
std::string compute_report_csv(const SimulationReport& report);  // SCALE-Sim's COMPUTE_REPORT.csv
std::string report_markdown(const SimulationReport& report);
std::string report_html(const SimulationReport& report);

// Writes the files above into `dir` (created if needed), each atomically.
void write_simulation_report(const std::filesystem::path& dir, const SimulationReport& report);

}  // namespace nce::reports
