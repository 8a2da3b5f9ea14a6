#include "nce/reports/simulation_report.hpp"

#include <fmt/format.h>

#include "nce/core/atomic_file.hpp"
#include "nce/cost_models/dataflow.hpp"
#include "nce/reports/charts.hpp"

namespace nce::reports {
namespace {

std::string num(double value, int digits = 4) { return fmt::format("{:.{}f}", value, digits); }
std::string num(std::int64_t value) { return std::to_string(value); }

std::string array_text(const cost_models::AcceleratorConfig& c) { return fmt::format("{}x{}", c.rows, c.cols); }

double accumulator_share(const cost_models::EnergyBreakdown& e) {
  const double pe = e.multiplier_pj + e.accumulator_pj + e.register_pj;
  return pe == 0 ? 0.0 : e.accumulator_pj / pe;
}

struct EnergyColumn {
  const char* name;
  double cost_models::EnergyBreakdown::*field;
};
constexpr EnergyColumn kEnergyColumns[] = {
    {"multiplier", &cost_models::EnergyBreakdown::multiplier_pj},   {"accumulator", &cost_models::EnergyBreakdown::accumulator_pj},
    {"register", &cost_models::EnergyBreakdown::register_pj},       {"output_adder", &cost_models::EnergyBreakdown::output_adder_pj},
    {"sram_ifmap", &cost_models::EnergyBreakdown::sram_ifmap_pj},   {"sram_weight", &cost_models::EnergyBreakdown::sram_weight_pj},
    {"sram_ofmap", &cost_models::EnergyBreakdown::sram_ofmap_pj},   {"dram", &cost_models::EnergyBreakdown::dram_pj},
    {"leakage", &cost_models::EnergyBreakdown::leakage_pj},
};

std::vector<std::string> layer_row(const cost_models::LayerStats& l, const std::string& precision, std::int64_t pes) {
  std::vector<std::string> row = {l.layer,
                                  l.type,
                                  precision,
                                  num(l.macs),
                                  num(l.array_macs),
                                  num(std::int64_t{l.passes}),
                                  num(l.cycles),
                                  num(l.compute_cycles),
                                  num(l.stall_cycles()),
                                  num(l.stall_dram),
                                  num(l.stall_stationary_load),
                                  num(l.stall_fill_drain),
                                  num(l.stall_other),
                                  num(l.utilization(pes)),
                                  num(l.mapping_efficiency(pes)),
                                  num(l.sram_reads()),
                                  num(l.sram_writes()),
                                  num(l.ifmap.read_bits + l.weight.read_bits + l.ofmap.read_bits),
                                  num(l.ifmap.write_bits + l.weight.write_bits + l.ofmap.write_bits),
                                  num(l.ifmap.reads),
                                  num(l.ifmap.writes),
                                  num(l.weight.reads),
                                  num(l.weight.writes),
                                  num(l.ofmap.reads),
                                  num(l.ofmap.writes),
                                  num(l.psum_readback_words),
                                  num(l.dram_read_bytes),
                                  num(l.dram_write_bytes),
                                  num(l.dram_read_bytes * 8),
                                  num(l.dram_write_bytes * 8),
                                  num(l.steps),
                                  num(l.folds),
                                  num(l.energy.total(), 1)};
  for (const EnergyColumn& column : kEnergyColumns) row.push_back(num(l.energy.*column.field, 1));
  return row;
}

BarChart utilization_chart(const SimulationReport& r) {
  BarChart chart;
  chart.title = "PE utilization per layer (array MACs / (PEs x cycles))";
  chart.y_label = "utilization";
  chart.y_max = 1.0;
  Series util{"utilization", {}};
  Series mapping{"mapping efficiency", {}};
  for (const cost_models::LayerStats& l : r.stats.layers) {
    if (!l.on_array) continue;
    chart.categories.push_back(l.layer);
    util.values.push_back(l.utilization(r.config.pes()));
    mapping.values.push_back(l.mapping_efficiency(r.config.pes()));
  }
  chart.series = {util, mapping};
  return chart;
}

BarChart cycle_chart(const SimulationReport& r) {
  BarChart chart;
  chart.title = "Cycles per layer: compute and stalls by cause";
  chart.y_label = "cycles";
  chart.stacked = true;
  std::vector<Series> series = {{"compute", {}}, {"DRAM bandwidth", {}}, {"stationary load", {}},
                                {"pipeline fill/drain", {}}, {"other (SRAM ports)", {}}};
  for (const cost_models::LayerStats& l : r.stats.layers) {
    if (!l.on_array) continue;
    chart.categories.push_back(l.layer);
    series[0].values.push_back(double(l.compute_cycles));
    series[1].values.push_back(double(l.stall_dram));
    series[2].values.push_back(double(l.stall_stationary_load));
    series[3].values.push_back(double(l.stall_fill_drain));
    series[4].values.push_back(double(l.stall_other));
  }
  chart.series = std::move(series);
  return chart;
}

BarChart energy_chart(const SimulationReport& r) {
  BarChart chart;
  chart.title = fmt::format("Energy per layer by component (pJ, preset {})", r.config.energy.name);
  chart.y_label = "pJ";
  chart.stacked = true;
  for (const EnergyColumn& column : kEnergyColumns) chart.series.push_back({column.name, {}});
  for (const cost_models::LayerStats& l : r.stats.layers) {
    if (!l.on_array) continue;
    chart.categories.push_back(l.layer);
    for (std::size_t i = 0; i < std::size(kEnergyColumns); ++i) {
      chart.series[i].values.push_back(l.energy.*kEnergyColumns[i].field);
    }
  }
  return chart;
}

BarChart energy_total_chart(const SimulationReport& r) {
  BarChart chart;
  chart.title = "Total energy by component (pJ)";
  chart.y_label = "pJ";
  Series total{"energy", {}};
  for (const EnergyColumn& column : kEnergyColumns) {
    chart.categories.push_back(column.name);
    total.values.push_back(r.stats.total.energy.*column.field);
  }
  chart.series = {total};
  return chart;
}

Table summary_table(const SimulationReport& r) {
  const cost_models::LayerStats& t = r.stats.total;
  const std::int64_t pes = r.config.pes();
  Table table;
  table.header = {"quantity", "value"};
  table.numeric = {false, true};
  auto add = [&](std::string name, std::string value) { table.rows.push_back({std::move(name), std::move(value)}); };
  add("workload", r.stats.workload);
  add("array", fmt::format("{} ({}, {} PE model)", array_text(r.config), r.config.dataflow, r.pe_model));
  add("config", fmt::format("{} ({})", r.config.name, r.source));
  add("energy preset", r.config.energy.name);
  add("total cycles", num(t.cycles));
  add("latency (us)", num(double(t.cycles) / r.config.clock_mhz, 2));
  add("utilization", num(t.utilization(pes)));
  add("mapping efficiency", num(t.mapping_efficiency(pes)));
  add("MACs / array MACs (with digit passes)", fmt::format("{} / {}", t.macs, t.array_macs));
  add("compute cycles", num(t.compute_cycles));
  add("stall: DRAM bandwidth", num(t.stall_dram));
  add("stall: stationary operand load", num(t.stall_stationary_load));
  add("stall: pipeline fill/drain", num(t.stall_fill_drain));
  add("stall: other (SRAM ports)", num(t.stall_other));
  add("DRAM read / write bytes", fmt::format("{} / {}", t.dram_read_bytes, t.dram_write_bytes));
  add("SRAM reads / writes (words)", fmt::format("{} / {}", t.sram_reads(), t.sram_writes()));
  add("total energy (pJ)", num(t.energy.total(), 1));
  add("accumulator share of PE energy", num(accumulator_share(t.energy), 3));
  return table;
}

}  // namespace

Table layer_table(const SimulationReport& r) {
  Table table;
  table.header = {"layer", "type", "precision", "macs", "array_macs", "passes", "cycles", "compute_cycles",
                  "stall_cycles", "stall_dram", "stall_stationary_load", "stall_fill_drain", "stall_other", "utilization",
                  "mapping_efficiency", "sram_reads", "sram_writes", "sram_read_bits", "sram_write_bits",
                  "ifmap_reads", "ifmap_writes", "weight_reads", "weight_writes", "ofmap_reads", "ofmap_writes",
                  "psum_readback_words", "dram_read_bytes", "dram_write_bytes", "dram_read_bits", "dram_write_bits",
                  "steps", "folds", "energy_pj"};
  for (const EnergyColumn& column : kEnergyColumns) table.header.push_back(fmt::format("energy_{}_pj", column.name));
  table.numeric.assign(table.header.size(), true);
  table.numeric[0] = table.numeric[1] = table.numeric[2] = false;
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    const std::string precision = i < r.precisions.size() ? r.precisions[i] : "-";
    table.rows.push_back(layer_row(r.stats.layers[i], precision, r.config.pes()));
  }
  return table;
}

nlohmann::json summary_json(const SimulationReport& r) {
  const cost_models::LayerStats& t = r.stats.total;
  const std::int64_t pes = r.config.pes();
  nlohmann::json energy = nlohmann::json::object();
  for (const EnergyColumn& column : kEnergyColumns) energy[column.name] = t.energy.*column.field;
  return {
      {"workload", r.stats.workload},
      {"array", array_text(r.config)},
      {"rows", r.config.rows},
      {"cols", r.config.cols},
      {"dataflow", r.config.dataflow},
      {"pe_model", r.pe_model},
      {"config", r.config.name},
      {"config_source", r.source},
      {"energy_preset", r.config.energy.name},
      {"clock_mhz", r.config.clock_mhz},
      {"layers", r.stats.layers.size()},
      {"total_cycles", t.cycles},
      {"latency_us", double(t.cycles) / r.config.clock_mhz},
      {"total_energy_pj", t.energy.total()},
      {"energy_pj", energy},
      {"accumulator_share_of_pe_energy", accumulator_share(t.energy)},
      {"utilization", t.utilization(pes)},
      {"mapping_efficiency", t.mapping_efficiency(pes)},
      {"macs", t.macs},
      {"array_macs", t.array_macs},
      {"compute_cycles", t.compute_cycles},
      {"stall_cycles",
       {{"dram", t.stall_dram},
        {"stationary_load", t.stall_stationary_load},
        {"fill_drain", t.stall_fill_drain},
        {"other", t.stall_other},
        {"total", t.stall_cycles()}}},
      {"sram",
       {{"reads", t.sram_reads()},
        {"writes", t.sram_writes()},
        {"read_bits", t.ifmap.read_bits + t.weight.read_bits + t.ofmap.read_bits},
        {"write_bits", t.ifmap.write_bits + t.weight.write_bits + t.ofmap.write_bits},
        {"psum_readback_words", t.psum_readback_words}}},
      {"dram_read_bytes", t.dram_read_bytes},
      {"dram_write_bytes", t.dram_write_bytes},
      {"dram_read_bits", t.dram_read_bytes * 8},
      {"dram_write_bits", t.dram_write_bytes * 8},
  };
}

std::string compute_report_csv(const SimulationReport& r) {
  // SCALE-Sim v2's COMPUTE_REPORT.csv columns.
  Table table;
  table.header = {"LayerID", "Total Cycles", "Stall Cycles", "Overall Util %", "Mapping Efficiency %",
                  "Compute Util %"};
  int id = 0;
  for (const cost_models::LayerStats& l : r.stats.layers) {
    if (!l.on_array) continue;
    // SCALE-Sim's compute utilization leaves memory stalls out of the denominator.
    const std::int64_t busy = l.cycles - l.stall_dram;
    const double compute_util = busy == 0 ? 0.0 : double(l.array_macs) / (double(r.config.pes()) * double(busy));
    table.rows.push_back({std::to_string(id++), num(l.cycles), num(l.stall_cycles()),
                          num(100 * l.utilization(r.config.pes())), num(100 * l.mapping_efficiency(r.config.pes())),
                          num(100 * compute_util)});
  }
  return to_csv(table);
}

std::string report_markdown(const SimulationReport& r) {
  std::string md = fmt::format("# nce simulate: {} on {} ({})\n\n", r.stats.workload, array_text(r.config),
                               r.config.dataflow);
  md += to_markdown(summary_table(r));
  md += "\n## Layers\n\n";
  Table brief;
  brief.header = {"layer", "type", "precision", "passes", "cycles", "compute", "stall DRAM", "stall stationary load",
                  "stall fill/drain", "stall other", "utilization", "DRAM bytes", "energy (pJ)"};
  brief.numeric = {false, false, false, true, true, true, true, true, true, true, true, true, true};
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    const cost_models::LayerStats& l = r.stats.layers[i];
    brief.rows.push_back({l.layer, l.type, i < r.precisions.size() ? r.precisions[i] : "-",
                          std::to_string(l.passes), num(l.cycles), num(l.compute_cycles), num(l.stall_dram),
                          num(l.stall_stationary_load), num(l.stall_fill_drain), num(l.stall_other),
                          num(l.utilization(r.config.pes()), 3), num(l.dram_read_bytes + l.dram_write_bytes),
                          num(l.energy.total(), 1)});
  }
  md += to_markdown(brief);
  md += "\nPool and add layers run in the post-processing unit, not on the MAC array, and count zero here.\n";
  return md;
}

std::string report_html(const SimulationReport& r) {
  HtmlPage page(fmt::format("nce simulate: {} on a {} {} array", r.stats.workload, array_text(r.config),
                            cost_models::dataflow_of(r.config).description()));
  page.add_paragraph(fmt::format(
      "Cycle-accurate SystemC model ({} PE model), config {} ({}), energy preset {}. Utilization = array MACs "
      "(digit passes included) / (PEs x cycles).",
      r.pe_model, r.config.name, r.source, r.config.energy.name));
  page.add_heading("Summary");
  page.add_table(summary_table(r), "summary");
  page.add_heading("Utilization");
  page.add_svg(render_svg(utilization_chart(r)), "PE utilization and mapping efficiency per layer");
  page.add_heading("Cycle breakdown");
  page.add_svg(render_svg(cycle_chart(r)), "Compute cycles and stall cycles by cause per layer");
  page.add_heading("Energy");
  page.add_svg(render_svg(energy_chart(r)), "Energy per layer by component");
  page.add_svg(render_svg(energy_total_chart(r)), "Total energy by component");
  page.add_heading("Layers");
  page.add_table(layer_table(r), "layers");
  return page.render();
}

void write_simulation_report(const std::filesystem::path& dir, const SimulationReport& r) {
  core::prepare_output_directory(dir);
  core::write_file_atomically(dir / "layers.csv", to_csv(layer_table(r)));
  core::write_file_atomically(dir / "summary.json", summary_json(r).dump(2) + "\n");
  core::write_file_atomically(dir / "report.md", report_markdown(r));
  core::write_file_atomically(dir / "report.html", report_html(r));
  core::write_file_atomically(dir / "COMPUTE_REPORT.csv", compute_report_csv(r));
}

}  // namespace nce::reports
