#include "nce/cost_models/area.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "nce/core/input_error.hpp"

namespace nce::cost_models {
namespace {

constexpr int kPeOperandBits = 2;  // the array's PE; wider layers run as radix-4 digit passes

}  // namespace

PeCells pe_cells_at(const PeSynthesisTable& table, int bits, int accumulator_bits) {
  if (const PeSynthesis* exact = table.find(bits, accumulator_bits)) {
    return {double(exact->cells), double(exact->flip_flops), double(exact->transistors), false};
  }
  std::vector<const PeSynthesis*> same_bits;
  for (const PeSynthesis& e : table.entries) {
    if (e.bits == bits) same_bits.push_back(&e);
  }
  if (same_bits.size() < 2) {
    throw core::InputError(fmt::format(
        "{}: no Yosys counts of mac_pe at {}-bit operands and a {}-bit accumulator, and fewer than two "
        "accumulator widths at {} bits to interpolate from",
        table.file.string(), bits, accumulator_bits, bits));
  }
  // The two synthesized widths nearest to the asked one (ties: the narrower first).
  std::sort(same_bits.begin(), same_bits.end(), [&](const PeSynthesis* a, const PeSynthesis* b) {
    const int da = std::abs(a->accumulator_bits - accumulator_bits);
    const int db = std::abs(b->accumulator_bits - accumulator_bits);
    return da != db ? da < db : a->accumulator_bits < b->accumulator_bits;
  });
  const PeSynthesis* lo = same_bits[0];
  const PeSynthesis* hi = same_bits[1];
  if (lo->accumulator_bits > hi->accumulator_bits) std::swap(lo, hi);
  const double t = double(accumulator_bits - lo->accumulator_bits) / double(hi->accumulator_bits - lo->accumulator_bits);
  auto at = [&](double a, double b) { return a + t * (b - a); };
  PeCells out{at(double(lo->cells), double(hi->cells)), at(double(lo->flip_flops), double(hi->flip_flops)),
              at(double(lo->transistors), double(hi->transistors)), true};
  if (!(out.cells > 0 && out.flip_flops > 0 && out.transistors > 0)) {
    throw core::InputError(fmt::format("{}: extrapolating mac_pe's counts to a {}-bit accumulator gives no cells",
                                       table.file.string(), accumulator_bits));
  }
  return out;
}

AreaEstimate estimate_area(const AcceleratorConfig& config, const PeSynthesisTable& synthesis) {
  const AreaTable& a = config.energy.area;
  AreaEstimate out;
  std::string pe_source;
  if (a.pe_um2 > 0) {
    out.pe_um2 = a.pe_um2;
    pe_source = fmt::format("PE {:.1f} um2 (energy.area.pe_um2, given)", a.pe_um2);
  } else {
    out.pe_cells = pe_cells_at(synthesis, kPeOperandBits, config.accumulator_bits);
    const double gate_equivalents = out.pe_cells.transistors / a.transistors_per_nand2;
    out.pe_um2 = gate_equivalents * a.nand2_um2 + out.pe_cells.flip_flops * a.flip_flop_um2;
    pe_source = fmt::format(
        "PE {:.1f} um2 = {:.1f} NAND2-eq ({:.0f} transistors / {:g}) x {:g} um2 + {:.0f} flip-flops x {:g} um2 "
        "(Yosys mac_pe W{}A{} acc{}{})",
        out.pe_um2, gate_equivalents, out.pe_cells.transistors, a.transistors_per_nand2, a.nand2_um2,
        out.pe_cells.flip_flops, a.flip_flop_um2, kPeOperandBits, kPeOperandBits, config.accumulator_bits,
        out.pe_cells.interpolated ? ", interpolated in accumulator width" : "");
  }
  out.pe_mm2 = out.pe_um2 * double(config.pes()) * 1e-6;
  const double bytes = double(config.ifmap.capacity_bytes + config.weight.capacity_bytes + config.ofmap.capacity_bytes);
  out.sram_mm2 = bytes * 8.0 * a.sram_bit_um2 / a.sram_array_efficiency * 1e-6;
  out.total_mm2 = out.pe_mm2 + out.sram_mm2;
  out.source = fmt::format("{} x {} PEs; SRAM {:g} KiB x 8192 bits x {:g} um2 / {:g} at {:g} nm [{}: {}]", pe_source,
                           config.pes(), bytes / 1024.0, a.sram_bit_um2, a.sram_array_efficiency, a.node_nm,
                           config.energy.name, a.source);
  return out;
}

}  // namespace nce::cost_models
