#pragma once
// The outcome of `nce search`, told plainly: the derived network simulated beside the plain one
// (cycles, energy, MACs, parameters), the search metric's target against what was achieved with
// a "target missed by X%" verdict, the search's prediction against the simulation, and how the
// architecture distribution moved (per layer: the leading candidates at the start and the end,
// expansions and when). Rendered as one stdout block and RUN/report.html.
#include <filesystem>
#include <string>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/layer_stats.hpp"
#include "nce/search/search_method.hpp"

namespace nce::reports {

struct SearchReport {
  workloads::Workload plain;
  search::SearchResult result;
  search::SearchConfig config;
  std::string method;  // label: "NCE", "TAS", ...
  cost_models::AcceleratorConfig accelerator;
  cost_models::WorkloadStats plain_stats;    // SystemC
  cost_models::WorkloadStats derived_stats;  // SystemC
  double plain_cost = 0;                     // the search metric of the plain network (F_max)
  double predicted_cost = 0;                 // the search's prediction for the derived network
  double seconds = 0;
};

// The search metric of a simulated network: cycles, energy (pJ), MACs or parameters.
double achieved_cost(const SearchReport& report, const cost_models::WorkloadStats& stats,
                     const workloads::Workload& workload);
double target_cost(const SearchReport& report);  // r x F_max
// Positive: by how much (fraction) the derived network exceeds target x (1 + tolerance).
double target_overshoot(const SearchReport& report);

std::string search_summary_text(const SearchReport& report);  // the stdout block
std::string search_report_html(const SearchReport& report);
void write_search_report(const std::filesystem::path& dir, const SearchReport& report);  // dir/report.html

}  // namespace nce::reports
