#include "nce/explore/metrics.hpp"

#include <fmt/format.h>

#include <array>

#include "nce/core/input_error.hpp"

namespace nce::explore {
namespace {

constexpr std::array<const char*, 9> kComponents = {"multiplier", "accumulator", "register", "output_adder", "sram_ifmap",
                                                    "sram_weight", "sram_ofmap", "dram", "leakage"};

std::array<double, 9> components(const cost_models::EnergyBreakdown& e) {
  return {e.multiplier_pj, e.accumulator_pj, e.register_pj, e.output_adder_pj, e.sram_ifmap_pj,
          e.sram_weight_pj, e.sram_ofmap_pj, e.dram_pj, e.leakage_pj};
}

std::vector<MetricInfo> make_catalog() {
  const Direction min = Direction::minimize, max = Direction::maximize;
  std::vector<MetricInfo> c = {
      {"cycles", "cycles", min, "array cycles of one inference"},
      {"latency_us", "us", min, "cycles at the config's clock"},
      {"energy_pj", "pJ", min, "energy of one inference"},
      {"edp_j_s", "J s", min, "energy x latency"},
      {"area_mm2", "mm2", min, "PE + SRAM area"},
      {"accuracy", "fraction", max, "test accuracy of the retrained searched network"},
      {"utilization", "fraction", max, "array MACs / (PEs x cycles)"},
      {"tops_per_w", "TOPS/W", max, "2 x network MACs / energy"},
      {"inferences_per_s", "1/s", max, "1 / latency"},
      {"inferences_per_s_per_mm2", "1/s/mm2", max, "inferences per second per mm2"},
      {"tops_per_mm2", "TOPS/mm2", max, "2 x network MACs x inferences per second / area"},
      {"pes", "PEs", min, "rows x columns"},
      {"area_pe_mm2", "mm2", min, "area of the PEs"},
      {"area_sram_mm2", "mm2", min, "area of the three buffers"},
      {"pe_um2", "um2", min, "area of one PE"},
      {"sram_kib", "KiB", min, "capacity of the three buffers"},
      {"macs", "MACs", min, "network MACs (each at its layer's precision)"},
      {"array_macs", "MACs", min, "2-bit MACs the array performs (digit passes included)"},
      {"params", "params", min, "network parameters"},
      {"low_cycles", "cycles", min, "cycles of the 2-bit layers"},
      {"wide_cycles", "cycles", min, "cycles of the layers above 2 bits (digit passes)"},
      {"wide_cycle_share", "fraction", min, "wide_cycles / cycles"},
      {"low_energy_pj", "pJ", min, "energy of the 2-bit layers"},
      {"wide_energy_pj", "pJ", min, "energy of the layers above 2 bits"},
      {"wide_energy_share", "fraction", min, "wide_energy_pj / energy_pj"},
      {"stall_cycles", "cycles", min, "cycles the array waits (DRAM, loads, fill/drain, ports)"},
      {"dram_bytes", "bytes", min, "DRAM bytes read and written"},
  };
  for (const char* component : kComponents) {
    c.push_back({fmt::format("energy_{}_pj", component), "pJ", min, fmt::format("energy of {}", component)});
  }
  return c;
}

}  // namespace

const std::vector<MetricInfo>& metric_catalog() {
  static const std::vector<MetricInfo> catalog = make_catalog();
  return catalog;
}

const MetricInfo& metric_named(std::string_view name, std::string_view context) {
  static const std::map<std::string, std::string, std::less<>> aliases = {
      {"energy", "energy_pj"}, {"area", "area_mm2"}, {"latency", "latency_us"}, {"edp", "edp_j_s"}};
  const auto alias = aliases.find(name);
  const std::string_view wanted = alias == aliases.end() ? name : std::string_view(alias->second);
  for (const MetricInfo& m : metric_catalog()) {
    if (m.name == wanted) return m;
  }
  std::string known = "energy, area, latency, edp";
  for (const MetricInfo& m : metric_catalog()) known += fmt::format(", {}", m.name);
  throw core::InputError(fmt::format("{} names no metric '{}' (known: {})", context, name, known));
}

MetricValues compute_metrics(const cost_models::WorkloadStats& stats, const workloads::Workload& network,
                             const std::vector<workloads::LayerInfo>& infos, const cost_models::AcceleratorConfig& config,
                             const cost_models::AreaEstimate& area) {
  const cost_models::LayerStats& t = stats.total;
  MetricValues v;
  const double cycles = double(t.cycles);
  const double energy = t.energy.total();
  v["cycles"] = cycles;
  v["latency_us"] = cycles / config.clock_mhz;
  v["energy_pj"] = energy;
  v["edp_j_s"] = energy * 1e-12 * cycles / config.clock_mhz * 1e-6;
  v["area_mm2"] = area.total_mm2;
  v["utilization"] = t.utilization(config.pes());
  v["pes"] = double(config.pes());
  v["area_pe_mm2"] = area.pe_mm2;
  v["area_sram_mm2"] = area.sram_mm2;
  v["pe_um2"] = area.pe_um2;
  v["sram_kib"] = double(config.ifmap.capacity_bytes + config.weight.capacity_bytes + config.ofmap.capacity_bytes) / 1024;
  v["macs"] = double(t.macs);
  v["array_macs"] = double(t.array_macs);
  v["params"] = double(workloads::totals(infos).params);
  const double inferences = cycles > 0 ? config.clock_mhz * 1e6 / cycles : 0;
  v["inferences_per_s"] = inferences;
  v["tops_per_w"] = energy > 0 ? 2.0 * double(t.macs) / energy : 0;
  v["inferences_per_s_per_mm2"] = inferences / area.total_mm2;
  v["tops_per_mm2"] = 2.0 * double(t.macs) * inferences / 1e12 / area.total_mm2;
  double wide_cycles = 0, wide_energy = 0;
  for (std::size_t i = 0; i < stats.layers.size(); ++i) {
    const workloads::Precision p = network.layers[i].precision;
    if (!network.layers[i].has_weights() || (p.weight_bits <= 2 && p.act_bits <= 2)) continue;
    wide_cycles += double(stats.layers[i].cycles);
    wide_energy += stats.layers[i].energy.total();
  }
  v["low_cycles"] = cycles - wide_cycles;
  v["wide_cycles"] = wide_cycles;
  v["wide_cycle_share"] = cycles > 0 ? wide_cycles / cycles : 0;
  v["low_energy_pj"] = energy - wide_energy;
  v["wide_energy_pj"] = wide_energy;
  v["wide_energy_share"] = energy > 0 ? wide_energy / energy : 0;
  v["stall_cycles"] = double(t.stall_cycles());
  v["dram_bytes"] = double(t.dram_read_bytes + t.dram_write_bytes);
  const std::array<double, 9> parts = components(t.energy);
  for (std::size_t i = 0; i < kComponents.size(); ++i) v[fmt::format("energy_{}_pj", kComponents[i])] = parts[i];
  return v;
}

}  // namespace nce::explore
