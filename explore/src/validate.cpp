#include "nce/explore/validate.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <ostream>
#include <random>

#include "nce/sim/simulator.hpp"
#include "nce/workloads/workload_file.hpp"

namespace nce::explore {

std::vector<std::string> differing_fields(const cost_models::LayerStats& a, const cost_models::LayerStats& b) {
  std::vector<std::string> out;
  auto check = [&](const char* name, bool equal) {
    if (!equal) out.emplace_back(name);
  };
  check("layer", a.layer == b.layer);
  check("type", a.type == b.type);
  check("on_array", a.on_array == b.on_array);
  check("macs", a.macs == b.macs);
  check("array_macs", a.array_macs == b.array_macs);
  check("passes", a.passes == b.passes);
  check("folds", a.folds == b.folds);
  check("steps", a.steps == b.steps);
  check("cycles", a.cycles == b.cycles);
  check("compute_cycles", a.compute_cycles == b.compute_cycles);
  check("stall_dram", a.stall_dram == b.stall_dram);
  check("stall_stationary_load", a.stall_stationary_load == b.stall_stationary_load);
  check("stall_fill_drain", a.stall_fill_drain == b.stall_fill_drain);
  check("stall_other", a.stall_other == b.stall_other);
  check("ifmap", a.ifmap == b.ifmap);
  check("weight", a.weight == b.weight);
  check("ofmap", a.ofmap == b.ofmap);
  check("psum_readback_words", a.psum_readback_words == b.psum_readback_words);
  check("output_accumulations", a.output_accumulations == b.output_accumulations);
  check("stationary_register_bits", a.stationary_register_bits == b.stationary_register_bits);
  check("dram_read_bytes", a.dram_read_bytes == b.dram_read_bytes);
  check("dram_write_bytes", a.dram_write_bytes == b.dram_write_bytes);
  check("energy", a.energy == b.energy);
  if (out.empty() && !(a == b)) out.emplace_back("(another field)");
  return out;
}

ValidationResult validate_points(const Plan& plan, const std::filesystem::path& out,
                                 const std::vector<PointRecord>& finished, int count, std::uint64_t seed,
                                 Evaluator& evaluator, std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, const PlannedPoint*> by_key;
  for (const PlannedPoint& p : plan.points) by_key[p.key] = &p;
  std::vector<const PointRecord*> candidates;
  for (const PointRecord& r : finished) {
    if (r.feasible && by_key.contains(r.key)) candidates.push_back(&r);
  }
  std::sort(candidates.begin(), candidates.end(), [](const PointRecord* a, const PointRecord* b) { return a->index < b->index; });
  std::mt19937_64 rng(seed);
  std::shuffle(candidates.begin(), candidates.end(), rng);
  candidates.resize(std::min(candidates.size(), std::size_t(std::max(count, 0))));

  ValidationResult result;
  for (const PointRecord* record : candidates) {
    const PlannedPoint& point = *by_key.at(record->key);
    const PlannedConfig& config = plan.configs[point.config];
    workloads::Workload network = plan.networks[point.network].network;
    if (plan.searching()) network = workloads::read_workload_file(out / record->network_file);
    const std::vector<workloads::LayerInfo> infos = workloads::analyze(network);
    const cost_models::WorkloadStats analytical = evaluator.evaluate(network, infos, point.config, config.config);
    const cost_models::WorkloadStats simulated = sim::simulate_workload(network, config.config);
    ++result.checked;
    result.simulated_cycles += simulated.total.cycles;
    std::string difference;
    if (analytical.layers.size() != simulated.layers.size()) difference = "layer count";
    for (std::size_t i = 0; difference.empty() && i < analytical.layers.size(); ++i) {
      const std::vector<std::string> fields = differing_fields(analytical.layers[i], simulated.layers[i]);
      if (!fields.empty()) difference = fmt::format("layer {}: {}", analytical.layers[i].layer, fmt::join(fields, ", "));
    }
    if (difference.empty()) {
      const std::vector<std::string> fields = differing_fields(analytical.total, simulated.total);
      if (!fields.empty()) difference = fmt::format("total: {}", fmt::join(fields, ", "));
    }
    if (difference.empty() && record->has("cycles") && record->metric("cycles") != double(simulated.total.cycles)) {
      difference = "the recorded cycles";
    }
    if (!difference.empty()) ++result.differing;
    log << fmt::format("validate: #{} {}: {} simulated cycles, {}\n", record->index, record->key, simulated.total.cycles,
                       difference.empty() ? std::string("equal in every field") : fmt::format("DIFFERS in {}", difference))
        << std::flush;
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace nce::explore
