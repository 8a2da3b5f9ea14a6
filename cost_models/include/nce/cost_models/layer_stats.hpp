#pragma once
// Statistics of one layer on the array, filled by a cost model (the SystemC model counts them,
// the analytical model computes them) and rendered by reports/. Energy is a function of the
// counts and the energy table, so every model prices the same counts the same way.
#include <cstdint>
#include <string>
#include <vector>

#include "nce/cost_models/accelerator_config.hpp"

namespace nce::cost_models {

struct BufferAccessCounts {
  std::int64_t reads = 0;  // words
  std::int64_t writes = 0;
  std::int64_t read_bits = 0;  // useful bits moved (2-bit operands make words misleading)
  std::int64_t write_bits = 0;
  bool operator==(const BufferAccessCounts&) const = default;
};

struct EnergyBreakdown {
  double multiplier_pj = 0;   // 2-bit multiplies in the PEs
  double accumulator_pj = 0;  // partial-sum adders in the PEs
  double register_pj = 0;     // pipeline/forwarding and weight registers
  double output_adder_pj = 0; // shift-and-add of passes/folds in the output buffer
  double sram_ifmap_pj = 0;
  double sram_weight_pj = 0;
  double sram_ofmap_pj = 0;
  double dram_pj = 0;
  double leakage_pj = 0;
  double total() const;
  bool operator==(const EnergyBreakdown&) const = default;
};

struct LayerStats {
  std::string layer;
  std::string type;
  bool on_array = false;
  std::int64_t macs = 0;        // the layer's multiply-accumulates (one image)
  std::int64_t array_macs = 0;  // 2-bit MACs the array performed: macs x passes
  int passes = 0;
  std::int64_t folds = 0;
  std::int64_t steps = 0;

  std::int64_t cycles = 0;
  std::int64_t compute_cycles = 0;      // cycles in which a real operand column entered the array
  std::int64_t stall_dram = 0;          // array idle, waiting for a DMA load or writeback
  std::int64_t stall_stationary_load = 0;  // waiting for the stationary operand to shift into the PEs
  std::int64_t stall_fill_drain = 0;    // systolic pipeline filling or draining
  std::int64_t stall_other = 0;         // SRAM port conflicts (bubbles)
  std::int64_t stall_cycles() const { return stall_dram + stall_stationary_load + stall_fill_drain + stall_other; }

  BufferAccessCounts ifmap;
  BufferAccessCounts weight;
  BufferAccessCounts ofmap;
  std::int64_t psum_readback_words = 0;  // part of ofmap.reads: partial sums read back between folds/passes
  std::int64_t output_accumulations = 0; // output-buffer shift-adds
  std::int64_t stationary_register_bits = 0;  // bits shifted into the PEs' stationary registers
  std::int64_t dram_read_bytes = 0;
  std::int64_t dram_write_bytes = 0;

  EnergyBreakdown energy;

  double utilization(std::int64_t pes) const;        // array_macs / (pes x cycles)
  double mapping_efficiency(std::int64_t pes) const; // array_macs / (pes x compute_cycles)
  std::int64_t sram_reads() const { return ifmap.reads + weight.reads + ofmap.reads; }
  std::int64_t sram_writes() const { return ifmap.writes + weight.writes + ofmap.writes; }
  bool operator==(const LayerStats&) const = default;
};

// Prices the counts of `stats` (cycles, MACs, accesses, bytes) with config.energy.
// PE energy is built bit by bit (docs/ENERGY.md section 1): per 2-bit MAC one multiplier, an
// accumulator_bits-wide add and the forwarded register bits of the config's dataflow
// (Dataflow::forwarded_register_bits); stationary loads write 2 bits per PE register.
EnergyBreakdown price_energy(const LayerStats& stats, const AcceleratorConfig& config);

struct WorkloadStats {
  std::string workload;
  std::vector<LayerStats> layers;
  LayerStats total;  // sums (layer = "total")
};
WorkloadStats summarize(std::string workload, std::vector<LayerStats> layers);

}  // namespace nce::cost_models
