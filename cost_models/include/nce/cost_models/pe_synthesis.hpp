#pragma once
// Yosys cell counts of rtl/mac_pe.sv per operand width and accumulator width, as
// rtl/synth/cell_counts.sh --yaml writes them to configs/synth/mac_pe_cells.yaml. They scale
// published per-MAC energy figures (nce cost-table --explain-energy) and give the PE's area
// (docs/ENERGY.md section 4).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nce::cost_models {

struct PeSynthesis {
  int bits = 0;  // weight and activation width
  int accumulator_bits = 0;
  std::int64_t cells = 0;
  std::int64_t flip_flops = 0;
  std::int64_t transistors = 0;  // Yosys' CMOS estimate
};

struct PeSynthesisTable {
  std::string source;
  std::filesystem::path file;
  std::vector<PeSynthesis> entries;
  const PeSynthesis* find(int bits, int accumulator_bits) const;  // nullptr when not synthesized
};

// Reads <config_dir>/synth/mac_pe_cells.yaml; InputError names the file and field on any problem.
PeSynthesisTable load_pe_synthesis(const std::filesystem::path& config_dir);

}  // namespace nce::cost_models
