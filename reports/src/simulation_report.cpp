#include "nce/reports/simulation_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"
#include "nce/cost_models/dataflow.hpp"
#include "nce/cost_models/pe_synthesis.hpp"
#include "nce/reports/charts.hpp"

namespace nce::reports {
namespace {

std::string num(double value, int digits = 4) { return fmt::format("{:.{}f}", value, digits); }
std::string num(std::int64_t value) { return std::to_string(value); }

// 1234567 -> "1,234,567" (the formatted tables; CSV and JSON keep plain numbers).
std::string grouped(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}
std::string percent(double fraction, int digits = 1) { return fmt::format("{:.{}f}%", 100.0 * fraction, digits); }
std::string shape_text(const workloads::TensorShape& s) { return fmt::format("{}x{}x{}", s.channels, s.height, s.width); }

std::string array_text(const cost_models::AcceleratorConfig& c) { return fmt::format("{}x{}", c.rows, c.cols); }

double accumulator_share(const cost_models::EnergyBreakdown& e) {
  const double pe = e.multiplier_pj + e.accumulator_pj + e.register_pj;
  return pe == 0 ? 0.0 : e.accumulator_pj / pe;
}
double ratio(double a, double b) { return b == 0 ? 0.0 : a / b; }

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

// What the report knows about the network besides the statistics: shapes and the mapping, when
// the workload came with it (and matches the statistics layer for layer).
struct Network {
  std::vector<workloads::LayerInfo> infos;
  std::vector<cost_models::LayerSchedule> schedules;
  std::vector<std::string> precisions;
  bool known() const { return !infos.empty(); }
};

Network network_of(const SimulationReport& r) {
  Network net;
  const std::size_t n = r.stats.layers.size();
  if (!r.workload.layers.empty() && r.workload.layers.size() == n) {
    net.infos = analyze(r.workload);
    net.schedules = cost_models::map_workload(r.workload, r.config);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (i < r.precisions.size()) {
      net.precisions.push_back(r.precisions[i]);
    } else if (net.known() && r.workload.layers[i].has_weights()) {
      const workloads::Precision p = r.workload.layers[i].precision;
      net.precisions.push_back(fmt::format("W{}A{}", p.weight_bits, p.act_bits));
    } else {
      net.precisions.push_back("-");
    }
  }
  return net;
}

// "conv 3x3/2", "dwconv 3x3", "fc", "max pool 3x3/2", "add".
std::string type_text(const SimulationReport& r, const Network& net, std::size_t i) {
  if (!net.known()) return r.stats.layers[i].type;
  const workloads::Layer& l = r.workload.layers[i];
  const std::string window =
      fmt::format("{}x{}{}", l.kernel_h, l.kernel_w, l.stride == 1 ? "" : fmt::format("/{}", l.stride));
  switch (l.type) {
    case workloads::LayerType::conv: {
      if (l.groups == 1) return "conv " + window;
      const bool depthwise = l.groups == net.infos[i].in.channels && l.groups == l.out_channels;
      return depthwise ? "dwconv " + window : fmt::format("gconv {} g{}", window, l.groups);
    }
    case workloads::LayerType::fc: return "fc";
    case workloads::LayerType::pool:
      if (l.pool == workloads::PoolType::global_avg) return "global avg pool";
      return fmt::format("{} pool {}", l.pool == workloads::PoolType::max ? "max" : "avg", window);
    case workloads::LayerType::add: return l.join == workloads::Join::prefix ? "add (prefix)" : "add";
  }
  return r.stats.layers[i].type;
}

// A layer that runs in the post-processing unit and costs nothing on the array.
bool all_zero(const cost_models::LayerStats& l) { return !l.on_array && l.cycles == 0 && l.energy.total() == 0; }

// ------------------------------------------------------------------ the mapping's words

// Which GEMM dimension sits on the array's rows and columns for a dataflow (docs/ARCHITECTURE.md
// section 6); empty for a dataflow the report does not know.
struct Placement {
  std::string row_name, col_name;
  std::int64_t rows_dim = 0, cols_dim = 0;
  bool known = false;
};
Placement placement(const std::string& dataflow, const workloads::GemmDims& g) {
  if (dataflow == "ws") return {"reduction K", "output channels M", g.k, g.m, true};
  if (dataflow == "is") return {"reduction K", "output pixels N", g.k, g.n, true};
  if (dataflow == "os") return {"output pixels N", "output channels M", g.n, g.m, true};
  return {};
}

double occupancy(std::int64_t dim, std::int64_t edge) {
  if (dim <= 0 || edge <= 0) return 0.0;
  const std::int64_t tiles = (dim + edge - 1) / edge;
  return double(dim) / double(tiles * edge);
}

}  // namespace

// ------------------------------------------------------------------ derived figures

std::string config_label(const SimulationReport& r) {
  if (r.overrides.empty()) return r.config.name;
  std::vector<std::string> parts;
  std::string rows, cols;
  for (const auto& [key, value] : r.overrides) {
    if (key == "array.rows") rows = value;
    else if (key == "array.cols") cols = value;
  }
  bool array_done = false;
  for (const auto& [key, value] : r.overrides) {
    if (key == "array.rows" || key == "array.cols") {
      if (array_done) continue;
      array_done = true;
      parts.push_back(fmt::format("array {}x{}", rows.empty() ? std::to_string(r.config.rows) : rows,
                                  cols.empty() ? std::to_string(r.config.cols) : cols));
    } else if (key == "array.dataflow") {
      parts.push_back("dataflow " + value);
    } else if (key == "energy") {
      parts.push_back("energy " + value);
    } else {
      parts.push_back(key + "=" + value);
    }
  }
  std::string text;
  for (const std::string& p : parts) text += (text.empty() ? "" : ", ") + p;
  return r.config.name + " + " + text;
}

std::vector<PrecisionShare> precision_split(const SimulationReport& r) {
  const Network net = network_of(r);
  std::map<std::string, PrecisionShare> groups;
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    const cost_models::LayerStats& l = r.stats.layers[i];
    PrecisionShare& g = groups[net.precisions[i]];
    g.precision = net.precisions[i];
    ++g.layers;
    g.macs += l.macs;
    g.array_macs += l.array_macs;
    g.cycles += l.cycles;
    g.energy_pj += l.energy.total();
  }
  std::vector<PrecisionShare> out;
  for (auto& [key, g] : groups) {
    g.cycle_share = ratio(double(g.cycles), double(r.stats.total.cycles));
    g.energy_share = ratio(g.energy_pj, r.stats.total.energy.total());
    out.push_back(g);
  }
  std::stable_sort(out.begin(), out.end(), [](const PrecisionShare& a, const PrecisionShare& b) {
    return a.cycles != b.cycles ? a.cycles > b.cycles : a.energy_pj > b.energy_pj;
  });
  return out;
}

Efficiency efficiency(const SimulationReport& r) {
  const cost_models::LayerStats& t = r.stats.total;
  Efficiency e;
  e.pes = r.config.pes();
  e.area = r.area;
  if (!e.area) {
    try {
      e.area = cost_models::estimate_area(r.config, cost_models::load_pe_synthesis(cost_models::default_config_dir()));
    } catch (const core::InputError&) {
      e.area.reset();  // no synthesis table installed: the report says so
    }
  }
  const double energy = t.energy.total();
  e.latency_us = double(t.cycles) / r.config.clock_mhz;
  e.inferences_per_s = e.latency_us > 0 ? 1e6 / e.latency_us : 0.0;
  e.pj_per_mac = ratio(energy, double(t.macs));
  e.pj_per_array_mac = ratio(energy, double(t.array_macs));
  e.tops_per_w = ratio(2.0 * double(t.macs), energy);
  e.tops = 2.0 * double(t.macs) * e.inferences_per_s / 1e12;
  e.tops_per_mm2 = e.area && e.area->total_mm2 > 0 ? e.tops / e.area->total_mm2 : 0.0;
  e.power_mw = energy * 1e-12 * e.inferences_per_s * 1e3;
  return e;
}

std::vector<UtilizationNote> utilization_notes(const SimulationReport& r) {
  const Network net = network_of(r);
  const std::int64_t pes = r.config.pes();
  std::vector<UtilizationNote> notes;
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    const cost_models::LayerStats& l = r.stats.layers[i];
    if (!l.on_array || l.cycles == 0 || l.utilization(pes) >= kLowUtilization) continue;
    UtilizationNote note;
    note.layer = i;
    note.name = l.layer;
    note.utilization = l.utilization(pes);
    note.cycle_share = ratio(double(l.cycles), double(r.stats.total.cycles));
    if (net.known()) {
      const workloads::GemmDims& g = net.infos[i].gemm;
      const Placement p = placement(r.config.dataflow, g);
      const int groups = r.workload.layers[i].groups;
      if (groups > 1) {
        const bool depthwise = g.m == 1 && groups == net.infos[i].in.channels;
        note.reasons.push_back(fmt::format(
            "{} conv: each of its {} groups is a GEMM of its own (K = {}, M = {}, N = {}) and a fold holds one group, so "
            "{}",
            depthwise ? "depthwise" : "grouped", groups, g.k, g.m, g.n,
            p.known ? fmt::format("at most {} of the {} PEs hold work", std::min(p.rows_dim, std::int64_t{r.config.rows}) *
                                                                        std::min(p.cols_dim, std::int64_t{r.config.cols}),
                                  pes)
                    : "most PEs idle"));
      }
      if (p.known) {
        note.occupancy = occupancy(p.rows_dim, r.config.rows) * occupancy(p.cols_dim, r.config.cols);
        auto edge = [&](const std::string& name, std::int64_t dim, int size, const char* edge_name) {
          if (dim < size) {
            note.reasons.push_back(fmt::format("{} = {} fills {} of the {} {}s", name, dim, dim, size, edge_name));
          } else if (dim % size != 0 && occupancy(dim, size) < 0.9) {
            note.reasons.push_back(fmt::format("{} = {} takes {} {} folds, the last {} of {} full", name, dim,
                                               (dim + size - 1) / size, edge_name, dim % size, size));
          }
        };
        edge(p.row_name, p.rows_dim, r.config.rows, "row");
        edge(p.col_name, p.cols_dim, r.config.cols, "column");
      }
    }
    auto stall = [&](std::int64_t cycles, const std::string& what) {
      const double share = ratio(double(cycles), double(l.cycles));
      if (share >= 0.1) note.reasons.push_back(fmt::format("{}: {} of the layer's cycles", what, percent(share)));
    };
    stall(l.stall_dram, fmt::format("waiting for DRAM ({} B/cycle, {} cycles latency)", r.config.dram.bytes_per_cycle,
                                    r.config.dram.latency_cycles));
    stall(l.stall_stationary_load, "loading the stationary operand (a fold's stream is too short to hide the next load)");
    stall(l.stall_fill_drain, "filling and draining the systolic pipeline");
    stall(l.stall_other, "SRAM port conflicts");
    if (note.reasons.empty()) note.reasons.push_back("no single cause: short streams and partial tiles together");
    notes.push_back(std::move(note));
  }
  std::stable_sort(notes.begin(), notes.end(),
                   [](const UtilizationNote& a, const UtilizationNote& b) { return a.cycle_share > b.cycle_share; });
  return notes;
}

// ------------------------------------------------------------------ tables

namespace {

std::vector<std::string> layer_row(std::size_t id, const cost_models::LayerStats& l, const std::string& precision,
                                   std::int64_t pes) {
  std::vector<std::string> row = {num(std::int64_t(id)),
                                  l.layer,
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

// DRAM bytes of a mapped layer by operand.
struct DramSplit {
  std::int64_t input = 0, weight = 0, output = 0;
};
DramSplit dram_split(const cost_models::LayerSchedule& s) {
  DramSplit d;
  for (const cost_models::ScheduleStep& step : s.steps) {
    d.input += step.input_bytes;
    d.weight += step.weight_bytes;
    d.output += step.output_bytes;
  }
  return d;
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

BarChart precision_chart(const std::vector<PrecisionShare>& split) {
  BarChart chart;
  chart.title = "Share of cycles and energy by layer precision";
  chart.y_label = "share";
  chart.y_max = 1.0;
  Series cycles{"cycles", {}};
  Series energy{"energy", {}};
  for (const PrecisionShare& p : split) {
    chart.categories.push_back(p.precision == "-" ? "pool/add" : p.precision);
    cycles.values.push_back(p.cycle_share);
    energy.values.push_back(p.energy_share);
  }
  chart.series = {cycles, energy};
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
  add("config", fmt::format("{} ({})", config_label(r), r.source));
  add("energy preset", r.config.energy.name);
  add("total cycles", grouped(t.cycles));
  add("latency (us)", num(double(t.cycles) / r.config.clock_mhz, 2));
  add("utilization", percent(t.utilization(pes)));
  add("mapping efficiency", percent(t.mapping_efficiency(pes)));
  add("MACs / array MACs (with digit passes)", fmt::format("{} / {}", grouped(t.macs), grouped(t.array_macs)));
  add("compute cycles", grouped(t.compute_cycles));
  add("stall: DRAM bandwidth", grouped(t.stall_dram));
  add("stall: stationary operand load", grouped(t.stall_stationary_load));
  add("stall: pipeline fill/drain", grouped(t.stall_fill_drain));
  add("stall: other (SRAM ports)", grouped(t.stall_other));
  add("DRAM read / write bytes", fmt::format("{} / {}", grouped(t.dram_read_bytes), grouped(t.dram_write_bytes)));
  add("SRAM reads / writes (words)", fmt::format("{} / {}", grouped(t.sram_reads()), grouped(t.sram_writes())));
  add("total energy (uJ)", num(t.energy.total() / 1e6, 3));
  add("accumulator share of PE energy", num(accumulator_share(t.energy), 3));
  return table;
}

std::string buffer_text(const cost_models::AcceleratorConfig& c, const cost_models::BufferConfig& b) {
  return fmt::format("{} KiB (two {} KiB slots), {}-bit words{}, {} port{}", double(b.capacity_bytes) / 1024.0,
                     double(b.capacity_bytes) / 2048.0, cost_models::effective_word_bits(c, b), b.word_bits == 0 ? " (auto)" : "",
                     b.ports, b.ports == 1 ? "" : "s");
}

Table config_table(const SimulationReport& r) {
  const cost_models::AcceleratorConfig& c = r.config;
  Table table;
  table.header = {"setting", "value"};
  auto add = [&](std::string name, std::string value) { table.rows.push_back({std::move(name), std::move(value)}); };
  add("configuration", config_label(r));
  add("read from", r.source.empty() ? "-" : r.source);
  std::string overrides;
  for (const auto& [key, value] : r.overrides) overrides += (overrides.empty() ? "" : ", ") + key + "=" + value;
  add("overrides (in order)", overrides.empty() ? "none" : overrides);
  add("array", fmt::format("{} = {} PEs, {} ({}), {}-bit accumulators", array_text(c), c.pes(), c.dataflow,
                           cost_models::dataflow_of(c).description(), c.accumulator_bits));
  add("layers above 2 bits", c.offload_wide_layers ? "offloaded: no array cycles, traffic or energy"
                                                   : "radix-4 digit passes on the array (W8A8: 20)");
  add("clock", fmt::format("{} MHz", c.clock_mhz));
  add("ifmap SRAM", buffer_text(c, c.ifmap));
  add("weight SRAM", buffer_text(c, c.weight));
  add("ofmap SRAM", buffer_text(c, c.ofmap));
  add("DRAM", fmt::format("{} bytes/cycle ({:.2f} GB/s), latency {} cycles", c.dram.bytes_per_cycle,
                          c.dram.bytes_per_cycle * c.clock_mhz / 1e3, c.dram.latency_cycles));
  add("energy preset", c.energy.name);
  add("PE model", r.pe_model);
  return table;
}

Table precision_table(const std::vector<PrecisionShare>& split) {
  Table table;
  table.header = {"precision", "layers", "MACs", "array MACs", "cycles", "share of cycles", "energy (uJ)", "share of energy"};
  table.numeric = {false, true, true, true, true, true, true, true};
  for (const PrecisionShare& p : split) {
    table.rows.push_back({p.precision == "-" ? "pool/add (post-processing)" : p.precision, std::to_string(p.layers),
                          grouped(p.macs), grouped(p.array_macs), grouped(p.cycles), percent(p.cycle_share),
                          num(p.energy_pj / 1e6, 3), percent(p.energy_share)});
  }
  return table;
}

Table efficiency_table(const Efficiency& e) {
  Table table;
  table.header = {"quantity", "value"};
  table.numeric = {false, true};
  auto add = [&](std::string name, std::string value) { table.rows.push_back({std::move(name), std::move(value)}); };
  add("PEs", grouped(e.pes));
  if (e.area) {
    add("area (mm2)", num(e.area->total_mm2, 4));
    add("  PEs (mm2)", fmt::format("{} ({:.1f} um2 per PE)", num(e.area->pe_mm2, 4), e.area->pe_um2));
    add("  SRAM (mm2)", num(e.area->sram_mm2, 4));
  } else {
    add("area", "unavailable: no PE synthesis table (configs/synth/mac_pe_cells.yaml) found");
  }
  add("latency per inference (us)", num(e.latency_us, 2));
  add("inferences per second", num(e.inferences_per_s, 1));
  add("energy per network MAC (pJ)", num(e.pj_per_mac, 4));
  add("energy per 2-bit array MAC (pJ)", num(e.pj_per_array_mac, 4));
  add("TOPS/W (2 ops per network MAC)", num(e.tops_per_w, 3));
  add("TOPS", num(e.tops, 4));
  if (e.area) add("TOPS/mm2", num(e.tops_per_mm2, 4));
  add("average power (mW)", num(e.power_mw, 3));
  return table;
}

std::string area_source(const Efficiency& e) {
  return e.area ? e.area->source : "no synthesis table found, so no area";
}

Table notes_table(const std::vector<UtilizationNote>& notes) {
  Table table;
  table.header = {"ID", "layer", "utilization", "share of cycles", "PEs holding work", "why"};
  table.numeric = {true, false, true, true, true, false};
  for (const UtilizationNote& n : notes) {
    std::string why;
    for (const std::string& reason : n.reasons) why += (why.empty() ? "" : "; ") + reason;
    table.rows.push_back({std::to_string(n.layer), n.name, percent(n.utilization), percent(n.cycle_share),
                          n.occupancy > 0 ? percent(n.occupancy) : "-", why});
  }
  return table;
}

// The readable per-layer table; `optional` marks the all-zero pool/add rows.
Table formatted_layers(const SimulationReport& r, const Network& net, std::vector<bool>* optional) {
  const std::int64_t pes = r.config.pes();
  Table table;
  table.header = {"ID",     "layer",    "type",        "precision", "input CxHxW", "output CxHxW", "MACs",
                  "cycles", "% cycles", "utilization", "stall %",   "energy (nJ)", "pJ/MAC",      "DRAM (KiB)"};
  table.numeric = {true, false, false, false, false, false, true, true, true, true, true, true, true, true};
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    const cost_models::LayerStats& l = r.stats.layers[i];
    table.rows.push_back({std::to_string(i), l.layer, type_text(r, net, i), net.precisions[i],
                          net.known() ? shape_text(net.infos[i].in) : "-", net.known() ? shape_text(net.infos[i].out) : "-",
                          grouped(l.macs), grouped(l.cycles), percent(ratio(double(l.cycles), double(r.stats.total.cycles))),
                          l.on_array ? percent(l.utilization(pes)) : "-",
                          l.on_array ? percent(ratio(double(l.stall_cycles()), double(l.cycles))) : "-",
                          num(l.energy.total() / 1e3, 1), l.macs > 0 ? num(l.energy.total() / double(l.macs), 3) : "-",
                          num(double(l.dram_read_bytes + l.dram_write_bytes) / 1024.0, 1)});
    if (optional) optional->push_back(all_zero(l));
  }
  return table;
}

Table mapping_table(const SimulationReport& r, const Network& net) {
  Table table;
  table.header = {"ID", "layer", "GEMM K x M x N", "groups", "block (M x out rows)", "loop order",
                  "steps", "folds", "digit passes", "folds per step", "K chunk"};
  table.numeric = {true, false, false, true, false, false, true, true, true, true, true};
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    const cost_models::LayerStats& l = r.stats.layers[i];
    if (!l.on_array) continue;
    if (net.known()) {
      const cost_models::LayerSchedule& s = net.schedules[i];
      table.rows.push_back({std::to_string(i), l.layer, fmt::format("{} x {} x {}", s.gemm.k, s.gemm.m, s.gemm.n),
                            std::to_string(s.groups), fmt::format("{} x {}", s.m_block, s.out_rows_block),
                            std::string(cost_models::to_string(s.order)), grouped(l.steps), grouped(l.folds),
                            std::to_string(l.passes), num(ratio(double(l.folds), double(l.steps)), 1), std::to_string(s.k_chunk)});
    } else {
      table.rows.push_back({std::to_string(i), l.layer, "-", "-", "-", "-", grouped(l.steps), grouped(l.folds),
                            std::to_string(l.passes), num(ratio(double(l.folds), double(l.steps)), 1), "-"});
    }
  }
  return table;
}

std::vector<std::string> mapping_legend(const SimulationReport& r) {
  return {
      "GEMM K x M x N: the layer as an im2col matrix product per group: K = C_in/groups x kernel height x kernel width "
      "(the reduction), M = C_out/groups (output channels), N = H_out x W_out (output pixels); an FC layer has N = 1.",
      "groups: grouped convs repeat the GEMM per group; a depthwise conv has one channel per group (K = 9, M = 1 for 3x3).",
      "block: the output channels x output rows one step computes; a step is one double-buffered round of DMA loads "
      "(inputs and weights for the block, the whole K) and one writeback of its outputs.",
      "loop order: weights_outer keeps a block of weights while the row blocks stream past it; inputs_outer keeps a block "
      "of input rows while the weight blocks stream past it (the mapping picks the order with the least DRAM traffic).",
      "steps: buffer-level blocks of the layer. folds: passes of the array over one tile of the GEMM (" +
          std::string(r.config.dataflow == "ws"   ? "ws: a K-chunk x M-chunk of weights held in the PEs while the N pixels stream"
                      : r.config.dataflow == "is" ? "is: a K-chunk x N-chunk of im2col inputs held while the M filters stream"
                      : r.config.dataflow == "os" ? "os: an N-chunk x M-chunk of partial sums held while K streams"
                                                  : "as the dataflow defines them") +
          "), digit passes included.",
      "digit passes: layers above 2 bits run as radix-4 digit pairs on the 2-bit PEs: activation digits x weight digits "
      "(W2A2 1, W4A4 6, W8A8 20), each pass shifted and added in the output buffer.",
      "K chunk: reduction steps one fold covers (ws and is: the array rows; os: bounded by the accumulator width).",
  };
}

std::string low_utilization_text() {
  return fmt::format(
      "Layers below {} utilization (array MACs / (PEs x cycles)), most cycles first. \"PEs holding work\" is the share of "
      "the array that holds an operand in an average fold of the layer's GEMM; stalls lower utilization further.",
      percent(kLowUtilization, 0));
}

}  // namespace

Table layer_table(const SimulationReport& r) {
  const Network net = network_of(r);
  Table table;
  table.header = {"layer_id", "layer", "type", "precision", "macs", "array_macs", "passes", "cycles", "compute_cycles",
                  "stall_cycles", "stall_dram", "stall_stationary_load", "stall_fill_drain", "stall_other", "utilization",
                  "mapping_efficiency", "sram_reads", "sram_writes", "sram_read_bits", "sram_write_bits",
                  "ifmap_reads", "ifmap_writes", "weight_reads", "weight_writes", "ofmap_reads", "ofmap_writes",
                  "psum_readback_words", "dram_read_bytes", "dram_write_bytes", "dram_read_bits", "dram_write_bits",
                  "steps", "folds", "energy_pj"};
  for (const EnergyColumn& column : kEnergyColumns) table.header.push_back(fmt::format("energy_{}_pj", column.name));
  for (const char* column : {"in_channels", "in_height", "in_width", "out_channels", "out_height", "out_width", "gemm_k",
                             "gemm_m", "gemm_n", "groups", "loop_order", "m_block", "rows_block", "k_chunk"}) {
    table.header.push_back(column);
  }
  table.numeric.assign(table.header.size(), true);
  table.numeric[1] = table.numeric[2] = table.numeric[3] = false;
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    std::vector<std::string> row = layer_row(i, r.stats.layers[i], net.precisions[i], r.config.pes());
    if (net.known()) {
      const workloads::LayerInfo& info = net.infos[i];
      const cost_models::LayerSchedule& s = net.schedules[i];
      for (int v : {info.in.channels, info.in.height, info.in.width, info.out.channels, info.out.height, info.out.width}) {
        row.push_back(std::to_string(v));
      }
      for (std::int64_t v : {info.gemm.k, info.gemm.m, info.gemm.n, info.gemm.groups}) row.push_back(std::to_string(v));
      row.push_back(s.on_array ? std::string(cost_models::to_string(s.order)) : "");
      row.push_back(s.on_array ? std::to_string(s.m_block) : "");
      row.push_back(s.on_array ? std::to_string(s.out_rows_block) : "");
      row.push_back(s.on_array ? std::to_string(s.k_chunk) : "");
    } else {
      row.resize(table.header.size());
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

nlohmann::json summary_json(const SimulationReport& r) {
  const cost_models::LayerStats& t = r.stats.total;
  const cost_models::AcceleratorConfig& c = r.config;
  const std::int64_t pes = c.pes();
  nlohmann::json energy = nlohmann::json::object();
  for (const EnergyColumn& column : kEnergyColumns) energy[column.name] = t.energy.*column.field;
  nlohmann::json overrides = nlohmann::json::array();
  for (const auto& [key, value] : r.overrides) overrides.push_back(key + "=" + value);
  auto buffer = [&](const cost_models::BufferConfig& b) {
    return nlohmann::json{{"capacity_kib", double(b.capacity_bytes) / 1024.0},
                          {"word_bits", cost_models::effective_word_bits(c, b)},
                          {"word_bits_auto", b.word_bits == 0},
                          {"ports", b.ports}};
  };
  nlohmann::json by_precision = nlohmann::json::array();
  for (const PrecisionShare& p : precision_split(r)) {
    by_precision.push_back({{"precision", p.precision},
                            {"layers", p.layers},
                            {"macs", p.macs},
                            {"array_macs", p.array_macs},
                            {"cycles", p.cycles},
                            {"cycle_share", p.cycle_share},
                            {"energy_pj", p.energy_pj},
                            {"energy_share", p.energy_share}});
  }
  const Efficiency e = efficiency(r);
  nlohmann::json eff = {{"pes", e.pes},
                        {"latency_us", e.latency_us},
                        {"inferences_per_s", e.inferences_per_s},
                        {"pj_per_mac", e.pj_per_mac},
                        {"pj_per_array_mac", e.pj_per_array_mac},
                        {"tops_per_w", e.tops_per_w},
                        {"tops", e.tops},
                        {"power_mw", e.power_mw}};
  if (e.area) {
    eff["area_mm2"] = e.area->total_mm2;
    eff["area_pe_mm2"] = e.area->pe_mm2;
    eff["area_sram_mm2"] = e.area->sram_mm2;
    eff["pe_um2"] = e.area->pe_um2;
    eff["tops_per_mm2"] = e.tops_per_mm2;
    eff["area_source"] = e.area->source;
  } else {
    eff["area_mm2"] = nullptr;
  }
  nlohmann::json low = nlohmann::json::array();
  for (const UtilizationNote& n : utilization_notes(r)) {
    low.push_back({{"layer_id", n.layer},
                   {"layer", n.name},
                   {"utilization", n.utilization},
                   {"cycle_share", n.cycle_share},
                   {"occupancy", n.occupancy},
                   {"reasons", n.reasons}});
  }
  return {
      {"workload", r.stats.workload},
      {"array", array_text(c)},
      {"rows", c.rows},
      {"cols", c.cols},
      {"dataflow", c.dataflow},
      {"pe_model", r.pe_model},
      {"config", config_label(r)},
      {"config_name", c.name},
      {"config_source", r.source},
      {"overrides", overrides},
      {"configuration",
       {{"array", array_text(c)},
        {"pes", pes},
        {"dataflow", c.dataflow},
        {"accumulator_bits", c.accumulator_bits},
        {"offload_wide_layers", c.offload_wide_layers},
        {"clock_mhz", c.clock_mhz},
        {"buffers", {{"ifmap", buffer(c.ifmap)}, {"weight", buffer(c.weight)}, {"ofmap", buffer(c.ofmap)}}},
        {"dram", {{"bytes_per_cycle", c.dram.bytes_per_cycle}, {"latency_cycles", c.dram.latency_cycles}}},
        {"energy_preset", c.energy.name}}},
      {"energy_preset", c.energy.name},
      {"clock_mhz", c.clock_mhz},
      {"layers", r.stats.layers.size()},
      {"total_cycles", t.cycles},
      {"latency_us", double(t.cycles) / c.clock_mhz},
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
      {"by_precision", by_precision},
      {"efficiency", eff},
      {"low_utilization", low},
  };
}

std::string compute_report_csv(const SimulationReport& r) {
  // SCALE-Sim v2's COMPUTE_REPORT.csv columns; LayerID is the layer's row in layers.csv (layer_id).
  Table table;
  table.header = {"LayerID", "Total Cycles", "Stall Cycles", "Overall Util %", "Mapping Efficiency %",
                  "Compute Util %"};
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    const cost_models::LayerStats& l = r.stats.layers[i];
    if (!l.on_array) continue;
    // SCALE-Sim's compute utilization leaves memory stalls out of the denominator.
    const std::int64_t busy = l.cycles - l.stall_dram;
    const double compute_util = busy == 0 ? 0.0 : double(l.array_macs) / (double(r.config.pes()) * double(busy));
    table.rows.push_back({std::to_string(i), num(l.cycles), num(l.stall_cycles()),
                          num(100 * l.utilization(r.config.pes())), num(100 * l.mapping_efficiency(r.config.pes())),
                          num(100 * compute_util)});
  }
  return to_csv(table);
}

std::string bandwidth_report_csv(const SimulationReport& r) {
  // SCALE-Sim's BANDWIDTH_REPORT.csv: average traffic per cycle of the layer. SRAM columns in
  // words per cycle (each buffer's word width, summary.json "configuration"), DRAM in bytes per
  // cycle; OFMAP columns count writes.
  const Network net = network_of(r);
  Table table;
  table.header = {"LayerID",           "Avg IFMAP SRAM BW",  "Avg FILTER SRAM BW", "Avg OFMAP SRAM BW",
                  "Avg IFMAP DRAM BW", "Avg FILTER DRAM BW", "Avg OFMAP DRAM BW"};
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    const cost_models::LayerStats& l = r.stats.layers[i];
    if (!l.on_array) continue;
    const double cycles = double(l.cycles);
    std::vector<std::string> row = {std::to_string(i), num(ratio(double(l.ifmap.reads), cycles)),
                                    num(ratio(double(l.weight.reads), cycles)), num(ratio(double(l.ofmap.writes), cycles))};
    if (net.known()) {
      const DramSplit d = dram_split(net.schedules[i]);
      row.push_back(num(ratio(double(d.input), cycles)));
      row.push_back(num(ratio(double(d.weight), cycles)));
    } else {
      row.push_back("");  // the split by operand needs the workload
      row.push_back("");
    }
    row.push_back(num(ratio(double(l.dram_write_bytes), cycles)));
    table.rows.push_back(std::move(row));
  }
  return to_csv(table);
}

std::string detailed_access_report_csv(const SimulationReport& r) {
  // SCALE-Sim's DETAILED_ACCESS_REPORT.csv. nce runs layers one after another and does not time
  // each buffer separately: every start/stop pair is the layer's first and last cycle on the
  // network's timeline. SRAM counts are words, DRAM counts bytes.
  const Network net = network_of(r);
  Table table;
  table.header = {"LayerID",
                  "SRAM IFMAP Start Cycle",  "SRAM IFMAP Stop Cycle",  "SRAM IFMAP Reads",
                  "SRAM Filter Start Cycle", "SRAM Filter Stop Cycle", "SRAM Filter Reads",
                  "SRAM OFMAP Start Cycle",  "SRAM OFMAP Stop Cycle",  "SRAM OFMAP Writes",
                  "DRAM IFMAP Start Cycle",  "DRAM IFMAP Stop Cycle",  "DRAM IFMAP Reads",
                  "DRAM Filter Start Cycle", "DRAM Filter Stop Cycle", "DRAM Filter Reads",
                  "DRAM OFMAP Start Cycle",  "DRAM OFMAP Stop Cycle",  "DRAM OFMAP Writes"};
  std::int64_t start = 0;
  for (std::size_t i = 0; i < r.stats.layers.size(); ++i) {
    const cost_models::LayerStats& l = r.stats.layers[i];
    const std::int64_t first = start;
    start += l.cycles;
    if (!l.on_array) continue;
    const std::string a = std::to_string(first);
    const std::string b = std::to_string(first + std::max<std::int64_t>(l.cycles, 1) - 1);
    std::string dram_in, dram_weight;
    if (net.known()) {
      const DramSplit d = dram_split(net.schedules[i]);
      dram_in = std::to_string(d.input);
      dram_weight = std::to_string(d.weight);
    }
    table.rows.push_back({std::to_string(i), a, b, num(l.ifmap.reads), a, b, num(l.weight.reads), a, b, num(l.ofmap.writes),
                          a, b, dram_in, a, b, dram_weight, a, b, num(l.dram_write_bytes)});
  }
  return to_csv(table);
}

std::string report_markdown(const SimulationReport& r) {
  const Network net = network_of(r);
  const std::vector<PrecisionShare> split = precision_split(r);
  const Efficiency e = efficiency(r);
  const std::vector<UtilizationNote> notes = utilization_notes(r);
  std::string md = fmt::format("# nce simulate: {} on {} ({})\n\n", r.stats.workload, array_text(r.config),
                               r.config.dataflow);
  md += to_markdown(summary_table(r));
  md += "\n## Configuration\n\n" + to_markdown(config_table(r));
  md += "\n## Cycles and energy by precision\n\n" + to_markdown(precision_table(split));
  md += "\n## Area and efficiency\n\n" + to_markdown(efficiency_table(e));
  md += "\nArea: " + area_source(e) + "\n";
  md += "\n## Low-utilization layers\n\n";
  md += notes.empty() ? std::string("None: every layer on the array is at or above ") + percent(kLowUtilization, 0) + ".\n"
                      : low_utilization_text() + "\n\n" + to_markdown(notes_table(notes));
  md += "\n## Layers\n\n";
  std::vector<bool> optional;
  Table layers = formatted_layers(r, net, &optional);
  std::size_t hidden = 0;
  if (!r.show_all_layers) {
    Table shown = layers;
    shown.rows.clear();
    for (std::size_t i = 0; i < layers.rows.size(); ++i) {
      if (optional[i]) {
        ++hidden;
      } else {
        shown.rows.push_back(layers.rows[i]);
      }
    }
    layers = std::move(shown);
  }
  md += to_markdown(layers);
  md += hidden > 0 ? fmt::format("\n{} pool/add layers are not listed: they run in the post-processing unit and cost 0 "
                                 "cycles on the array (nce simulate --all-layers lists them).\n",
                                 hidden)
                   : std::string("\nPool and add layers run in the post-processing unit, not on the MAC array, and count zero here.\n");
  md += "\n## Mapping\n\n" + to_markdown(mapping_table(r, net)) + "\n";
  for (const std::string& line : mapping_legend(r)) md += "- " + line + "\n";
  return md;
}

std::string report_html(const SimulationReport& r) {
  const Network net = network_of(r);
  const std::vector<PrecisionShare> split = precision_split(r);
  const Efficiency e = efficiency(r);
  const std::vector<UtilizationNote> notes = utilization_notes(r);
  HtmlPage page(fmt::format("nce simulate: {} on a {} {} array", r.stats.workload, array_text(r.config),
                            cost_models::dataflow_of(r.config).description()));
  page.add_paragraph(fmt::format(
      "Cycle-accurate SystemC model ({} PE model), configuration {}, energy preset {}. Utilization = array MACs "
      "(digit passes included) / (PEs x cycles).",
      r.pe_model, config_label(r), r.config.energy.name));
  page.add_heading("Summary");
  page.add_table(summary_table(r), "summary");
  page.add_heading("Configuration");
  page.add_table(config_table(r), "configuration");
  page.add_heading("Cycles and energy by precision");
  page.add_table(precision_table(split), "precision");
  page.add_svg(render_svg(precision_chart(split)), "Share of the network's cycles and energy by layer precision");
  page.add_heading("Area and efficiency");
  page.add_table(efficiency_table(e), "efficiency");
  page.add_paragraph("Area: " + area_source(e) + ". TOPS/W counts 2 operations per network MAC at the layers' own "
                     "precisions (docs/ENERGY.md section 4, docs/EXPLORE.md section 3).");
  page.add_heading("Low-utilization layers");
  if (notes.empty()) {
    page.add_paragraph("None: every layer on the array is at or above " + percent(kLowUtilization, 0) + " utilization.");
  } else {
    page.add_paragraph(low_utilization_text());
    page.add_table(notes_table(notes), "low-utilization");
  }
  page.add_heading("Utilization");
  page.add_svg(render_svg(utilization_chart(r)), "PE utilization and mapping efficiency per layer");
  page.add_heading("Cycle breakdown");
  page.add_svg(render_svg(cycle_chart(r)), "Compute cycles and stall cycles by cause per layer");
  page.add_heading("Energy");
  page.add_svg(render_svg(energy_chart(r)), "Energy per layer by component");
  page.add_svg(render_svg(energy_total_chart(r)), "Total energy by component");
  page.add_heading("Layers (click a column's arrows to sort)");
  SortableTable sortable;
  sortable.table = formatted_layers(r, net, &sortable.optional_rows);
  if (r.show_all_layers) sortable.optional_rows.clear();  // --all-layers: every row shown, nothing to tick
  const auto hidden = std::count(sortable.optional_rows.begin(), sortable.optional_rows.end(), true);
  if (hidden > 0) {
    sortable.toggle_label = fmt::format("show the {} pool/add layers (post-processing unit: 0 cycles on the array)", hidden);
  }
  page.add_raw_html(sortable_table_html(sortable, "layer-table"));
  page.add_heading("Mapping");
  page.add_table(mapping_table(r, net), "mapping");
  std::string legend = "<ul class=\"legend\">\n";
  for (const std::string& line : mapping_legend(r)) legend += "<li>" + escape_html(line) + "</li>\n";
  page.add_raw_html(legend + "</ul>\n");
  page.add_raw_html("<details><summary>Every counter per layer (the columns of layers.csv)</summary>\n");
  page.add_table(layer_table(r), "layers");
  page.add_raw_html("</details>\n");
  return page.render();
}

std::string summary_text(const SimulationReport& r) {
  const cost_models::AcceleratorConfig& c = r.config;
  std::string out = fmt::format(
      "configuration: {} ({} {}, {}-bit accumulators, {} MHz; SRAM ifmap {} KiB/{}-bit words, weight {} KiB/{}-bit, "
      "ofmap {} KiB/{}-bit x{} ports; DRAM {} B/cycle, {} cycles latency; energy {})\n",
      config_label(r), array_text(c), c.dataflow, c.accumulator_bits, c.clock_mhz, double(c.ifmap.capacity_bytes) / 1024.0,
      cost_models::effective_word_bits(c, c.ifmap), double(c.weight.capacity_bytes) / 1024.0,
      cost_models::effective_word_bits(c, c.weight), double(c.ofmap.capacity_bytes) / 1024.0,
      cost_models::effective_word_bits(c, c.ofmap), c.ofmap.ports, c.dram.bytes_per_cycle, c.dram.latency_cycles,
      c.energy.name);
  std::string split_text;
  for (const PrecisionShare& p : precision_split(r)) {
    if (p.precision == "-" && p.cycles == 0 && p.energy_pj == 0 && !r.show_all_layers) continue;
    split_text += fmt::format("{}{} ({} layers) {} of cycles, {} of energy", split_text.empty() ? "" : "; ",
                              p.precision == "-" ? "pool/add" : p.precision, p.layers, percent(p.cycle_share),
                              percent(p.energy_share));
  }
  out += "by precision: " + split_text + "\n";
  const Efficiency e = efficiency(r);
  out += fmt::format("efficiency: {} PEs, {}, {:.3f} pJ/MAC, {:.3f} TOPS/W, {:.1f} inferences/s\n", e.pes,
                     e.area ? fmt::format("area {:.4f} mm2 (PEs {:.4f}, SRAM {:.4f})", e.area->total_mm2, e.area->pe_mm2,
                                          e.area->sram_mm2)
                            : std::string("area unavailable"),
                     e.pj_per_mac, e.tops_per_w, e.inferences_per_s);
  const std::vector<UtilizationNote> notes = utilization_notes(r);
  if (!notes.empty()) {
    double share = 0;
    for (const UtilizationNote& n : notes) share += n.cycle_share;
    out += fmt::format("low utilization (below {}): {} layers, {} of cycles\n", percent(kLowUtilization, 0), notes.size(),
                       percent(share));
    for (std::size_t i = 0; i < std::min<std::size_t>(notes.size(), 3); ++i) {
      out += fmt::format("  {} {} ({} of cycles): {}\n", notes[i].name, percent(notes[i].utilization),
                         percent(notes[i].cycle_share), notes[i].reasons.front());
    }
  }
  return out;
}

void write_simulation_report(const std::filesystem::path& dir, const SimulationReport& r) {
  core::prepare_output_directory(dir);
  core::write_file_atomically(dir / "layers.csv", to_csv(layer_table(r)));
  core::write_file_atomically(dir / "summary.json", summary_json(r).dump(2) + "\n");
  core::write_file_atomically(dir / "report.md", report_markdown(r));
  core::write_file_atomically(dir / "report.html", report_html(r));
  core::write_file_atomically(dir / "COMPUTE_REPORT.csv", compute_report_csv(r));
  core::write_file_atomically(dir / "BANDWIDTH_REPORT.csv", bandwidth_report_csv(r));
  core::write_file_atomically(dir / "DETAILED_ACCESS_REPORT.csv", detailed_access_report_csv(r));
}

}  // namespace nce::reports
