#include "nce/cost_models/layer_stats.hpp"

#include <cmath>

#include "nce/cost_models/dataflow.hpp"

namespace nce::cost_models {

double multiplier_pj(const EnergyTable& table, int weight_bits, int act_bits) {
  // A multiplier's energy grows with the product of its operand widths (docs/ENERGY.md section 1).
  return table.multiplier_8x8_pj * double(weight_bits * act_bits) / 64.0;
}

double sram_pj_per_bit(const EnergyTable& table, double capacity_bytes) {
  return table.sram_reference_pj_per_bit * std::sqrt(capacity_bytes / 1024.0 / table.sram_reference_kib);
}

double EnergyBreakdown::total() const {
  return multiplier_pj + accumulator_pj + register_pj + output_adder_pj + sram_ifmap_pj + sram_weight_pj +
         sram_ofmap_pj + dram_pj + leakage_pj;
}

double LayerStats::utilization(std::int64_t pes) const {
  return cycles == 0 ? 0.0 : double(array_macs) / (double(pes) * double(cycles));
}

double LayerStats::mapping_efficiency(std::int64_t pes) const {
  return compute_cycles == 0 ? 0.0 : double(array_macs) / (double(pes) * double(compute_cycles));
}

EnergyBreakdown price_energy(const LayerStats& s, const AcceleratorConfig& c) {
  const EnergyTable& t = c.energy;
  EnergyBreakdown e;
  const double macs = double(s.array_macs);
  e.multiplier_pj = macs * multiplier_pj(t, 2, 2);
  e.accumulator_pj = macs * c.accumulator_bits * t.adder_pj_per_bit;
  e.register_pj = (macs * dataflow_of(c).forwarded_register_bits(c) + double(s.stationary_register_bits)) * t.register_pj_per_bit;
  e.output_adder_pj = double(s.output_accumulations) * 32 * t.adder_pj_per_bit;
  auto sram = [&](const BufferAccessCounts& a, const BufferConfig& b) {
    return double(a.reads + a.writes) * effective_word_bits(c, b) * sram_pj_per_bit(t, double(b.capacity_bytes));
  };
  e.sram_ifmap_pj = sram(s.ifmap, c.ifmap);
  e.sram_weight_pj = sram(s.weight, c.weight);
  e.sram_ofmap_pj = sram(s.ofmap, c.ofmap);
  e.dram_pj = double(s.dram_read_bytes + s.dram_write_bytes) * t.dram_pj_per_byte;
  const double kib = double(c.ifmap.capacity_bytes + c.weight.capacity_bytes + c.ofmap.capacity_bytes) / 1024.0;
  e.leakage_pj = double(s.cycles) * (double(c.pes()) * t.leakage_pj_per_pe_cycle + kib * t.leakage_pj_per_kib_cycle);
  return e;
}

WorkloadStats summarize(std::string workload, std::vector<LayerStats> layers) {
  WorkloadStats w;
  w.workload = std::move(workload);
  LayerStats& t = w.total;
  // Move-assigned temporaries: GCC 12's -Wrestrict misfires on assigning literals here at -O3.
  t.layer = std::string("total");
  t.type = std::string("-");
  for (const LayerStats& l : layers) {
    t.on_array = t.on_array || l.on_array;
    t.macs += l.macs;
    t.array_macs += l.array_macs;
    t.passes = std::max(t.passes, l.passes);
    t.folds += l.folds;
    t.steps += l.steps;
    t.cycles += l.cycles;
    t.compute_cycles += l.compute_cycles;
    t.stall_dram += l.stall_dram;
    t.stall_stationary_load += l.stall_stationary_load;
    t.stall_fill_drain += l.stall_fill_drain;
    t.stall_other += l.stall_other;
    for (auto [dst, src] : {std::pair{&t.ifmap, &l.ifmap}, {&t.weight, &l.weight}, {&t.ofmap, &l.ofmap}}) {
      dst->reads += src->reads;
      dst->writes += src->writes;
      dst->read_bits += src->read_bits;
      dst->write_bits += src->write_bits;
    }
    t.psum_readback_words += l.psum_readback_words;
    t.output_accumulations += l.output_accumulations;
    t.stationary_register_bits += l.stationary_register_bits;
    t.dram_read_bytes += l.dram_read_bytes;
    t.dram_write_bytes += l.dram_write_bytes;
    t.energy.multiplier_pj += l.energy.multiplier_pj;
    t.energy.accumulator_pj += l.energy.accumulator_pj;
    t.energy.register_pj += l.energy.register_pj;
    t.energy.output_adder_pj += l.energy.output_adder_pj;
    t.energy.sram_ifmap_pj += l.energy.sram_ifmap_pj;
    t.energy.sram_weight_pj += l.energy.sram_weight_pj;
    t.energy.sram_ofmap_pj += l.energy.sram_ofmap_pj;
    t.energy.dram_pj += l.energy.dram_pj;
    t.energy.leakage_pj += l.energy.leakage_pj;
  }
  w.layers = std::move(layers);
  return w;
}

}  // namespace nce::cost_models
