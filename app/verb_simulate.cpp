// nce simulate: run a workload through the cycle-accurate SystemC model and write the report.
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include <unistd.h>

#include "accelerator_options.hpp"
#include "cli.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/reports/simulation_report.hpp"
#include "nce/sim/simulator.hpp"
#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/workload_file.hpp"

namespace nce::app {

int run_simulate(const std::vector<std::string>& args) {
  std::string workload_name;
  std::string pe_model = "behavioral";
  std::string out;
  std::uint64_t seed = 1;
  bool all_layers = false;
  AcceleratorOptions accelerator;
  po::options_description options;
  options.add_options()("workload", po::value(&workload_name)->required(), "zoo model name or workload file");
  accelerator.add_to(options);
  options.add_options()("pe-model", po::value(&pe_model)->default_value("behavioral"), "behavioral or rtl")(
      "seed", po::value(&seed)->default_value(1), "seed of the random operand codes")(
      "all-layers", po::bool_switch(&all_layers), "list pool/add layers (0 array cycles) in report.md and stdout too")(
      "out", po::value(&out)->required(), "output directory (layers.csv, summary.json, report.html, report.md)");
  po::positional_options_description positionals;
  po::variables_map values;
  if (!parse("usage: nce simulate --workload NAME|FILE [--config FILE] [--array RxC] [--dataflow ws|os|is] "
             "[--pe-model behavioral|rtl] [--set KEY=VALUE ...] [--all-layers] --out DIR",
             options, positionals, args, values)) {
    return kExitOk;
  }

  const cost_models::AcceleratorConfig config = accelerator.resolve();
  sim::SimulationOptions sim_options;
  sim_options.pe_model = sim::pe_model_from_string(pe_model);
  sim_options.seed = seed;
  const workloads::Workload workload = workloads::load_workload(workload_name);
  // Map every layer first so that a tile that fits no buffer is reported before any simulation.
  (void)cost_models::map_workload(workload, config);
  core::prepare_output_directory(out);  // after every check of the input: a refused run creates nothing
  const core::DirectoryLock lock(out);   // a second run on this --out is refused, not interleaved

  reports::SimulationReport report;
  report.config = config;
  report.pe_model = std::string(sim::to_string(sim_options.pe_model));
  report.source = accelerator.source();
  report.overrides = accelerator.overrides();
  report.workload = workload;
  report.show_all_layers = all_layers;
  for (const workloads::Layer& layer : workload.layers) {
    report.precisions.push_back(layer.has_weights() ? fmt::format("W{}A{}", layer.precision.weight_bits,
                                                                  layer.precision.act_bits)
                                                    : "-");
  }
  const bool terminal = isatty(STDERR_FILENO) != 0;  // progress only where a person watches
  const auto started = std::chrono::steady_clock::now();
  report.stats = sim::simulate_workload(workload, config, sim_options, [terminal](std::size_t done, std::size_t total) {
    if (terminal) std::cerr << fmt::format("\rsimulating layer {}/{}", done, total) << (done == total ? "\n" : "") << std::flush;
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  reports::write_simulation_report(out, report);

  const cost_models::LayerStats& t = report.stats.total;
  std::cout << fmt::format(
      "{} on {}x{} {}: {} cycles ({:.1f} us at {} MHz), utilization {:.3f}, energy {:.3f} uJ ({})\n",
      workload.name, config.rows, config.cols, config.dataflow, t.cycles, double(t.cycles) / config.clock_mhz,
      config.clock_mhz, t.utilization(config.pes()), t.energy.total() / 1e6, config.energy.name);
  std::cout << reports::summary_text(report);
  std::cout << fmt::format("simulated {} cycles in {:.3f} s wall ({:.2f} M cycles/s)\n", t.cycles, seconds,
                           seconds > 0 ? double(t.cycles) / seconds / 1e6 : 0.0);
  std::cout << fmt::format(
      "report: {}/report.html (also layers.csv, summary.json, report.md, COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv, "
      "DETAILED_ACCESS_REPORT.csv)\n",
      out);
  return kExitOk;
}

}  // namespace nce::app
