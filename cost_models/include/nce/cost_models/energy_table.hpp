#pragma once
// Per-action energies (pJ) and how a 2-bit PE's energy is built from them. The numbers live in
// configs/energy/<preset>.yaml with their sources; this header only says how they combine.
#include <string>

namespace nce::cost_models {

// Area figures of the preset's node, from which cost_models/include/nce/cost_models/area.hpp
// estimates an accelerator's area (docs/ENERGY.md section 4). The numbers live in the preset
// YAML (`area:` inside the energy table) with their sources. Defaults mirror horowitz45.yaml.
struct AreaTable {
  std::string source =
      "PE logic: Yosys CMOS transistor estimate of rtl/mac_pe.sv / 4 per NAND2 x NanGate FreePDK45 NAND2_X1 "
      "0.798 um2, flip-flops x DFFR_X1 5.32 um2 (NanGate 45nm Open Cell Library); SRAM: 6T cell 0.346 um2 "
      "(Mistry et al., IEDM 2007, Intel 45 nm) / array efficiency 0.6 (assumed)";
  double node_nm = 45.0;
  double nand2_um2 = 0.798;             // one gate equivalent (NAND2_X1) at the node
  double transistors_per_nand2 = 4.0;   // Yosys' CMOS transistor estimate -> gate equivalents
  double flip_flop_um2 = 5.32;          // one flip-flop with asynchronous reset (DFFR_X1)
  double pe_um2 = 0.0;                  // > 0: a given area per PE instead of the Yosys-based one
  double sram_bit_um2 = 0.346;          // one 6T bit cell
  double sram_array_efficiency = 0.6;   // bit-cell area / macro area (periphery, sense amps, decoders)
  bool operator==(const AreaTable&) const = default;
};

// Defaults mirror configs/energy/horowitz45.yaml, where the sources are (a test keeps them equal).
struct EnergyTable {
  std::string name = "horowitz45";
  std::string source;
  double multiplier_8x8_pj = 0.2;           // scaled by (w_bits * a_bits) / 64 for narrower operands
  double adder_pj_per_bit = 0.003125;       // per accumulator bit per addition
  double register_pj_per_bit = 0.00333;     // per flip-flop bit written
  double sram_reference_pj_per_bit = 0.3125;    // per bit accessed in a 32 KiB SRAM
  double sram_reference_kib = 32.0;         // capacity the SRAM figure was measured at
  double dram_pj_per_byte = 162.5;
  double leakage_pj_per_pe_cycle = 0.0005;  // per PE per cycle
  double leakage_pj_per_kib_cycle = 0.001;  // per KiB of SRAM per cycle
  AreaTable area;                           // not energy, but of the same node and preset
  bool operator==(const EnergyTable&) const = default;
};

// Energy of one 2-bit multiply on the array (the PE's precision; wider layers run as passes).
double multiplier_pj(const EnergyTable& table, int weight_bits, int act_bits);
// Per-bit access energy of an SRAM of `capacity_bytes`: the reference figure scaled with the
// square root of capacity (Horowitz 2014: 8 KB -> 10 pJ, 32 KB -> 20 pJ per 64-bit read).
double sram_pj_per_bit(const EnergyTable& table, double capacity_bytes);

}  // namespace nce::cost_models
