#pragma once
// Silicon area of an accelerator: its PEs and its three SRAM buffers, at the node of its energy
// preset, with the source of every figure (docs/ENERGY.md section 4).
//
// PE: the Yosys cell counts of rtl/mac_pe.sv (configs/synth/mac_pe_cells.yaml, read through
// pe_synthesis.hpp) at the PE's operand width (2 bits: wider layers run as digit passes) and the
// config's array.accumulator_bits. Logic area = Yosys' CMOS transistor estimate (which leaves
// the flip-flops out) / area.transistors_per_nand2 x area.nand2_um2; flip-flop area =
// flip-flops x area.flip_flop_um2. An accumulator width that was not synthesized is interpolated
// (beyond the synthesized range: extrapolated) linearly between the two nearest synthesized
// widths of the same operand width; counts are linear in the accumulator width (its adder and
// its register), e.g. exactly one flip-flop per bit. area.pe_um2 > 0 replaces the per-PE figure.
// SRAM: capacity in bits x area.sram_bit_um2 / area.sram_array_efficiency, per buffer.
// Not modelled: placement utilization and routing, clock tree, control, DMA, DRAM interface.
#include <string>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/pe_synthesis.hpp"

namespace nce::cost_models {

// The PE's synthesis figures at one operand and accumulator width, possibly interpolated.
struct PeCells {
  double cells = 0;
  double flip_flops = 0;
  double transistors = 0;  // Yosys' CMOS estimate, flip-flops excluded
  bool interpolated = false;
};

// InputError naming the file when the table cannot give (bits, accumulator_bits): no exact entry
// and fewer than two entries of that operand width.
PeCells pe_cells_at(const PeSynthesisTable& table, int bits, int accumulator_bits);

struct AreaEstimate {
  double pe_um2 = 0;    // one PE
  double pe_mm2 = 0;    // every PE of the array
  double sram_mm2 = 0;  // ifmap + weight + ofmap buffers (whole double buffers)
  double total_mm2 = 0;
  PeCells pe_cells;     // what the PE figure came from (zero when area.pe_um2 gives it)
  // How the figures were obtained for this config, then the preset's citations.
  std::string source;
};

AreaEstimate estimate_area(const AcceleratorConfig& config, const PeSynthesisTable& synthesis);

}  // namespace nce::cost_models
