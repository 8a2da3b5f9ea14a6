#pragma once
// The report of `nce simulate`: layers.csv, summary.json, report.html (self-contained, inline
// SVG), report.md and, for SCALE-Sim users, COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and
// DETAILED_ACCESS_REPORT.csv. Column and key names are the stable output schema of
// docs/ARCHITECTURE.md ("Output schemas"); README.md ("Simulation") describes each section.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/area.hpp"
#include "nce/cost_models/layer_stats.hpp"
#include "nce/cost_models/schedule.hpp"
#include "nce/reports/html_page.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::reports {

struct SimulationReport {
  cost_models::WorkloadStats stats;
  cost_models::AcceleratorConfig config;
  std::vector<std::string> precisions;  // per layer, "W2A2" or "-" (derived from `workload` when empty)
  std::string pe_model = "behavioral";
  std::string source;  // config file or "configs/default.yaml"
  // Optional. The simulated network: with it the report shows every layer's shapes, im2col GEMM
  // and mapping (steps, folds, digit passes, loop order) and splits DRAM reads by operand.
  workloads::Workload workload;
  // The overrides applied to `source` (--array, --dataflow, --energy, --set, in that order):
  // they name the configuration ("default-16x16 + array 32x32, dataflow os").
  cost_models::ConfigOverrides overrides;
  // Optional: estimated from the PE synthesis table in default_config_dir() when absent.
  std::optional<cost_models::AreaEstimate> area;
  bool show_all_layers = false;  // report.md and the summary text list pool/add rows too
};

// The configuration's name after overrides: the base name alone, or "<base> + <what changed>".
std::string config_label(const SimulationReport& report);

// Cycles, energy and MACs of the layers at one precision ("W8A8", "W2A2"; "-" = pool/add).
struct PrecisionShare {
  std::string precision;
  int layers = 0;
  std::int64_t macs = 0;
  std::int64_t array_macs = 0;
  std::int64_t cycles = 0;
  double energy_pj = 0;
  double cycle_share = 0;   // of the network's cycles
  double energy_share = 0;  // of the network's energy
};
std::vector<PrecisionShare> precision_split(const SimulationReport& report);  // most cycles first

// Area and efficiency of one inference (batch 1, layers one after another), defined as in
// docs/EXPLORE.md: TOPS/W = 2 x network MACs / energy (pJ); inferences/s = 1e6 / latency (us).
struct Efficiency {
  std::int64_t pes = 0;
  std::optional<cost_models::AreaEstimate> area;  // empty when no synthesis table was found
  double latency_us = 0;
  double inferences_per_s = 0;
  double pj_per_mac = 0;        // energy / network MACs (at the layers' own precisions)
  double pj_per_array_mac = 0;  // energy / 2-bit array MACs (digit passes included)
  double tops_per_w = 0;
  double tops = 0;              // 2 x MACs x inferences/s / 1e12
  double tops_per_mm2 = 0;      // 0 without an area
  double power_mw = 0;          // energy per inference x inferences/s
};
Efficiency efficiency(const SimulationReport& report);

// Why an on-array layer keeps most PEs idle: one note per layer below kLowUtilization, with the
// reasons that apply (depthwise/grouped GEMMs, a GEMM dimension below the array edge, partial
// tiles, stalls by cause), most cycles first.
constexpr double kLowUtilization = 0.5;
struct UtilizationNote {
  std::size_t layer = 0;  // index in stats.layers (= layer_id)
  std::string name;
  double utilization = 0;
  double cycle_share = 0;
  double occupancy = 0;  // fraction of the PEs that hold an operand in an average fold (0: unknown)
  std::vector<std::string> reasons;
};
std::vector<UtilizationNote> utilization_notes(const SimulationReport& report);

Table layer_table(const SimulationReport& report);  // the layers.csv table (all columns)
nlohmann::json summary_json(const SimulationReport& report);
std::string compute_report_csv(const SimulationReport& report);          // SCALE-Sim's COMPUTE_REPORT.csv
std::string bandwidth_report_csv(const SimulationReport& report);        // SCALE-Sim's BANDWIDTH_REPORT.csv
std::string detailed_access_report_csv(const SimulationReport& report);  // SCALE-Sim's DETAILED_ACCESS_REPORT.csv
std::string report_markdown(const SimulationReport& report);
std::string report_html(const SimulationReport& report);
// What `nce simulate` prints after its first line: configuration, split by precision,
// efficiency, the low-utilization layers.
std::string summary_text(const SimulationReport& report);

// Writes the files above into `dir` (created if needed), each atomically.
void write_simulation_report(const std::filesystem::path& dir, const SimulationReport& report);

}  // namespace nce::reports
