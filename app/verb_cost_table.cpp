// nce cost-table: build (or load from the on-disk cache) the per-layer cost tables T_l[i][j] of a
// workload over width candidates, validate entries against the SystemC model, explain the
// per-MAC energy and show a layer's cycles-versus-channels staircase.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "accelerator_options.hpp"
#include "cli.hpp"
#include "flag_ranges.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/analytical_model.hpp"
#include "nce/cost_models/cost_table.hpp"
#include "nce/cost_models/pe_synthesis.hpp"
#include "nce/core/lists.hpp"
#include "nce/search/expected_cost.hpp"
#include "nce/reports/charts.hpp"
#include "nce/reports/html_page.hpp"
#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/reference_model.hpp"
#include "nce/workloads/workload_file.hpp"

namespace nce::app {
namespace {

std::string range(const std::vector<int>& widths) {
  return widths.size() == 1 ? fmt::format("{}", widths.front())
                            : fmt::format("{}..{} ({})", widths.front(), widths.back(), widths.size());
}

void print_table(const cost_models::CostTable& table) {
  std::cout << fmt::format("{:<28} {:>16} {:>16} {:>22} {:>24}\n", "layer", "in widths", "out widths", "cycles min..max",
                           "energy uJ min..max");
  for (const cost_models::LayerCostTable& l : table.layers) {
    auto [cmin, cmax] = std::minmax_element(l.entries.begin(), l.entries.end(),
                                            [](const cost_models::CostEntry& a, const cost_models::CostEntry& b) { return a.cycles < b.cycles; });
    auto [emin, emax] = std::minmax_element(
        l.entries.begin(), l.entries.end(), [](const cost_models::CostEntry& a, const cost_models::CostEntry& b) { return a.energy_pj < b.energy_pj; });
    std::cout << fmt::format("{:<28} {:>16} {:>16} {:>22} {:>24}\n", l.name, range(l.in_widths), range(l.out_widths),
                             fmt::format("{}..{}", cmin->cycles, cmax->cycles),
                             fmt::format("{:.4f}..{:.4f}", emin->energy_pj / 1e6, emax->energy_pj / 1e6));
  }
}

void write_json(const std::filesystem::path& path, const cost_models::CostTable& table, const cost_models::AcceleratorConfig& config) {
  nlohmann::json json;
  json["workload"] = table.workload;
  json["model"] = table.model;
  json["config"] = cost_models::accelerator_config_to_yaml(config);
  json["layers"] = nlohmann::json::array();
  for (const cost_models::LayerCostTable& l : table.layers) {
    nlohmann::json layer{{"name", l.name}, {"index", l.layer}, {"in_widths", l.in_widths}, {"out_widths", l.out_widths}};
    for (const char* field : {"macs", "params", "cycles", "energy_pj"}) layer[field] = nlohmann::json::array();
    for (std::size_t i = 0; i < l.in_widths.size(); ++i) {
      nlohmann::json macs, params, cycles, energy;
      for (std::size_t j = 0; j < l.out_widths.size(); ++j) {
        const cost_models::CostEntry& e = l.at(i, j);
        macs.push_back(e.macs);
        params.push_back(e.params);
        cycles.push_back(e.cycles);
        energy.push_back(e.energy_pj);
      }
      layer["macs"].push_back(macs);
      layer["params"].push_back(params);
      layer["cycles"].push_back(cycles);
      layer["energy_pj"].push_back(energy);
    }
    json["layers"].push_back(layer);
  }
  core::write_file_atomically(path, json.dump(1) + "\n");
}

// Re-simulates `count` random cells in SystemC; returns the number that differ (each printed).
int validate(const cost_models::CostTable& table, const cost_models::CostModel& model, const cost_models::AcceleratorConfig& config,
             int count, std::uint64_t seed) {
  std::vector<std::tuple<std::size_t, std::size_t, std::size_t>> cells;
  for (std::size_t t = 0; t < table.layers.size(); ++t) {
    for (std::size_t i = 0; i < table.layers[t].in_widths.size(); ++i) {
      for (std::size_t j = 0; j < table.layers[t].out_widths.size(); ++j) cells.emplace_back(t, i, j);
    }
  }
  std::mt19937_64 rng(seed);
  std::shuffle(cells.begin(), cells.end(), rng);
  cells.resize(std::min(cells.size(), std::size_t(count)));
  const std::unique_ptr<cost_models::CostModel> simulated = cost_models::make_cost_model("simulated", {seed});
  const bool analytical = model.name() == "analytical";
  int differences = 0;
  std::int64_t cycles = 0;
  for (auto [t, i, j] : cells) {
    const cost_models::LayerCostTable& l = table.layers[t];
    const auto [layer, info] = cost_models::layer_variant(table.specs[t], l.in_widths[i], l.out_widths[j], l.precisions[0]);
    const cost_models::LayerStats s = simulated->evaluate(layer, info, config);
    cycles += s.cycles;
    const cost_models::CostEntry expected{info.macs, info.params, s.cycles, s.energy.total(),
                                          info.macs * layer.precision.weight_bits * layer.precision.act_bits};
    const cost_models::CostEntry& got = l.at(i, j);
    // The table cell (possibly from the cache) and, for the analytical model, every statistic.
    bool same = got == expected;
    if (analytical) same = same && cost_models::analytical_layer_stats(cost_models::map_layer(layer, info, config), config) == s;
    if (!same) {
      ++differences;
      std::cout << fmt::format("DIFFERENT {} at {}x{} channels: table {} cycles {:.6f} pJ, SystemC {} cycles {:.6f} pJ\n",
                               l.name, l.in_widths[i], l.out_widths[j], got.cycles, got.energy_pj, s.cycles,
                               s.energy.total());
    }
  }
  std::cout << fmt::format("validate: {} of {} random entries equal the SystemC model ({} simulated cycles)\n",
                           cells.size() - std::size_t(differences), cells.size(), cycles);
  return differences;
}

void explain_energy(const cost_models::AcceleratorConfig& config) {
  const cost_models::EnergyTable& t = config.energy;
  const cost_models::PeSynthesisTable synthesis = cost_models::load_pe_synthesis(cost_models::default_config_dir());
  std::map<int, double> cells;
  for (int bits : {2, 4, 8}) {
    if (const cost_models::PeSynthesis* e = synthesis.find(bits, config.accumulator_bits)) cells[bits] = double(e->cells);
  }
  const bool synthesized = cells.size() == 3;
  std::cout << fmt::format("energy table '{}': {}\n", t.name, t.source);
  std::cout << fmt::format("published 8x8-bit multiply: {} pJ\n", t.multiplier_8x8_pj);
  if (synthesized) {
    std::cout << fmt::format("scaling: Yosys cell counts of our mac_pe (acc{}) from {}: W2A2 {}, W4A4 {}, W8A8 {}\n",
                             config.accumulator_bits, synthesis.file.string(), cells.at(2), cells.at(4), cells.at(8));
  } else {
    std::cout << fmt::format(
        "scaling: by the operand-width product (w*a/64); no acc{} mac_pe cell counts (rtl/synth/cell_counts.sh --yaml) in {}\n",
        config.accumulator_bits, synthesis.file.string());
  }
  const double add = config.accumulator_bits * t.adder_pj_per_bit;
  const double reg = cost_models::dataflow_of(config).forwarded_register_bits(config) * t.register_pj_per_bit;
  std::cout << fmt::format("per MAC also: {}-bit accumulate {:.6f} pJ + {} forwarded register bits ({}) {:.6f} pJ\n",
                           config.accumulator_bits, add, cost_models::dataflow_of(config).forwarded_register_bits(config), config.dataflow,
                           reg);
  std::cout << fmt::format("{:>5} {:>14} {:>16} {:>8} {:>24}\n", "bits", "multiply pJ", "native PE MAC pJ", "passes",
                           "as digit passes, pJ/MAC");
  // What the cost models charge: every 2-bit MAC at the table's multiplier x 2*2/64.
  const double two_bit_mac = cost_models::multiplier_pj(t, 2, 2) + add + reg;
  for (int bits : {2, 4, 8}) {
    const double scale = synthesized ? cells.at(bits) / cells.at(8) : double(bits * bits) / 64.0;
    const double mult = t.multiplier_8x8_pj * scale;
    const int passes = workloads::ref::weight_digit_count(bits) * workloads::ref::activation_digit_count(bits);
    std::cout << fmt::format("{:>5} {:>14.6f} {:>16.6f} {:>8} {:>24.6f}\n", bits, mult, mult + add + reg, passes,
                             passes * two_bit_mac);
  }
  std::cout << fmt::format(
      "priced by the cost models (price_energy): one 2-bit MAC = {:.6f} pJ multiply (table x 4/64) + add + registers "
      "= {:.6f} pJ;\na WbAb layer runs its radix-4 digit passes on the 2-bit array (last column).\n",
      cost_models::multiplier_pj(t, 2, 2), two_bit_mac);
  if (synthesized) {
    std::cout << fmt::format(
        "the cell-count scaling above would price the 2-bit multiply at {:.6f} pJ ({:.2f}x); the energy table "
        "(configs/energy/) decides which one the models use.\n",
        t.multiplier_8x8_pj * cells.at(2) / cells.at(8), cells.at(2) / cells.at(8) * 16.0);
  }
}

void staircase(const workloads::Workload& workload, const std::string& name, const cost_models::CostModel& model,
               const cost_models::AcceleratorConfig& config, const std::string& svg) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  std::size_t index = workload.layers.size();
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    if (workload.layers[i].name == name) index = i;
  }
  if (index == workload.layers.size()) {
    throw UsageError(fmt::format("--staircase: workload '{}' has no layer '{}'", workload.name, name));
  }
  if (!workload.layers[index].has_weights()) throw UsageError(fmt::format("--staircase: '{}' is not a conv/fc layer", name));
  const int base = infos[index].out.channels;
  const cost_models::LayerTableSpec spec = cost_models::layer_table_spec(workload, infos, index, {}, {});
  reports::LineChart chart;
  chart.title = fmt::format("{}: cycles vs output channels ({} on {}x{} {})", name, model.name(), config.rows,
                            config.cols, config.dataflow);
  chart.x_label = "output channels";
  chart.y_label = "cycles";
  chart.steps = true;
  reports::Series cycles{"cycles", {}};
  reports::Series macs{"MACs x cycles/MAC at base width", {}};
  std::cout << fmt::format("{:>8} {:>12} {:>14}\n", "out ch", "cycles", "MACs");
  std::vector<std::int64_t> mac_counts;
  for (int out = 1; out <= 2 * base; ++out) {
    const auto [layer, info] = cost_models::layer_variant(spec, infos[index].in.channels, out, spec.geometry.precision);
    const cost_models::LayerStats s = model.evaluate(layer, info, config);
    std::cout << fmt::format("{:>8} {:>12} {:>14}\n", out, s.cycles, info.macs);
    chart.x.push_back(out);
    cycles.values.push_back(double(s.cycles));
    mac_counts.push_back(info.macs);
  }
  // FLOPs on the same axis: MACs scaled to equal the cycles at the base width, a straight line
  // where the cycles climb in array-width steps.
  const double per_mac = double(cycles.values[std::size_t(base - 1)]) / double(mac_counts[std::size_t(base - 1)]);
  for (std::int64_t m : mac_counts) macs.values.push_back(double(m) * per_mac);
  chart.series = {cycles, macs};
  if (!svg.empty()) {
    core::write_file_atomically(svg, reports::render_svg(chart) + "\n");
    std::cout << fmt::format("staircase: {}\n", svg);
  }
}

}  // namespace

int run_cost_table(const std::vector<std::string>& args) {
  std::string workload_name;
  AcceleratorOptions accelerator;
  std::string widths;
  std::string model_name = "analytical";
  std::string out;
  std::string cache_dir;
  std::string staircase_layer;
  std::string svg;
  int validate_count = 0;
  std::uint64_t seed = 1;
  po::options_description options;
  options.add_options()("workload", po::value(&workload_name)->required(), "zoo model name or workload file");
  accelerator.add_to(options);
  options.add_options()(
      "widths", po::value(&widths),
      "width candidates as multipliers of each searchable layer's base width: a:b:step or m1,m2,... "
      "(rounded, at least 1, deduplicated; base widths only when absent)")(
      "model", po::value(&model_name)->default_value("analytical"),
      fmt::format("cost model: {}", cost_models::CostModelRegistry::names_text()).c_str())(
      "out", po::value(&out), "write the table as JSON")(
      "cache-dir", po::value(&cache_dir),
      "entry cache ($XDG_CACHE_HOME/nce/cost-tables or ~/.cache/nce/cost-tables when absent; 'none' disables)")(
      "validate", ranged(&validate_count, "--validate", non_negative())->default_value(0),
      "re-simulate K random entries in SystemC; exit 1 on any difference")(
      "seed", po::value(&seed)->default_value(1), "seed of --validate's choice and the simulated operands")(
      "explain-energy", "print the per-MAC energy at 2, 4 and 8 bits and where it comes from")(
      "staircase", po::value(&staircase_layer), "print cycles vs output channels (1..2x base) of one layer")(
      "svg", po::value(&svg), "with --staircase: write the staircase as an SVG chart");
  po::positional_options_description positionals;
  po::variables_map values;
  if (!parse("usage: nce cost-table --workload NAME|FILE [--config FILE] [--set KEY=VALUE ...] [--widths a:b:step|m1,m2,...] "
             "[--model analytical|simulated|shape] [--out FILE.json] [--cache-dir DIR] [--validate K] [--seed S] "
             "[--explain-energy] [--staircase LAYER [--svg FILE]]",
             options, positionals, args, values)) {
    return kExitOk;
  }
  if (!svg.empty() && staircase_layer.empty()) throw UsageError("--svg needs --staircase LAYER");

  const cost_models::AcceleratorConfig config = accelerator.resolve();
  const workloads::Workload workload = workloads::load_workload(workload_name);
  const std::unique_ptr<cost_models::CostModel> model = cost_models::make_cost_model(model_name, {seed});
  if (validate_count > 0 && model->name() == "shape") {
    throw UsageError("--validate compares cycles and energy; the shape model has neither (use analytical)");
  }

  const bool extra = values.count("explain-energy") > 0 || !staircase_layer.empty();
  if (values.count("explain-energy")) explain_energy(config);
  if (!staircase_layer.empty()) staircase(workload, staircase_layer, *model, config, svg);
  // The explanations alone need no table.
  if (extra && widths.empty() && out.empty() && validate_count == 0) return kExitOk;

  const std::vector<double> multipliers = widths.empty() ? std::vector<double>{1.0} : core::parse_multipliers(widths, "--widths");
  const search::WidthBinding binding =
      search::bind_widths(workload, cost_models::multiplier_candidates(workload, analyze(workload), multipliers));
  std::optional<std::filesystem::path> cache;
  if (cache_dir != "none") cache = cache_dir.empty() ? cost_models::default_cost_cache_dir() : std::filesystem::path(cache_dir);
  cost_models::CostTableBuildStats stats;
  const cost_models::CostTable table =
      cost_models::build_cost_table(workload.name, search::table_specs(workload, binding), *model, config, cache, &stats);
  print_table(table);
  std::cout << fmt::format(
      "{} entries ({} layer variants evaluated, {} from cache{}) in {:.3f} s on {} thread{}: {:.0f} entries/s ({} model "
      "on {}x{} {})\n",
      stats.entries, stats.evaluated, stats.from_cache, cache ? fmt::format(" {}", cache->string()) : "", stats.seconds,
      stats.threads, stats.threads == 1 ? "" : "s", stats.seconds > 0 ? double(stats.entries) / stats.seconds : 0.0,
      model->name(), config.rows, config.cols, config.dataflow);
  if (!out.empty()) {
    write_json(out, table, config);
    std::cout << fmt::format("table: {}\n", out);
  }
  if (validate_count > 0 && validate(table, *model, config, validate_count, seed) > 0) return kExitFailure;
  return kExitOk;
}

}  // namespace nce::app
