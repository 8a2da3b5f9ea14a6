#include "nce/cost_models/pe_synthesis.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "nce/core/input_error.hpp"

namespace nce::cost_models {

const PeSynthesis* PeSynthesisTable::find(int bits, int accumulator_bits) const {
  for (const PeSynthesis& e : entries) {
    if (e.bits == bits && e.accumulator_bits == accumulator_bits) return &e;
  }
  return nullptr;
}

PeSynthesisTable load_pe_synthesis(const std::filesystem::path& config_dir) {
  PeSynthesisTable table;
  table.file = config_dir / "synth" / "mac_pe_cells.yaml";
  try {
    const YAML::Node root = YAML::LoadFile(table.file.string());
    if (!root.IsMap() || !root["mac_pe"] || !root["mac_pe"].IsSequence()) {
      throw core::InputError(fmt::format("{}: expected a map with a 'mac_pe' list", table.file.string()));
    }
    table.source = root["source"].as<std::string>("");
    for (const YAML::Node& row : root["mac_pe"]) {
      PeSynthesis e;
      e.bits = row["bits"].as<int>();
      e.accumulator_bits = row["accumulator_bits"].as<int>();
      e.cells = row["cells"].as<std::int64_t>();
      e.flip_flops = row["flip_flops"].as<std::int64_t>();
      e.transistors = row["transistors"].as<std::int64_t>();
      if (e.bits <= 0 || e.accumulator_bits <= 0 || e.cells <= 0) {
        throw core::InputError(fmt::format("{}: entries need positive bits, accumulator_bits and cells", table.file.string()));
      }
      table.entries.push_back(e);
    }
  } catch (const YAML::Exception& error) {
    throw core::InputError(fmt::format("{}: {}", table.file.string(), error.what()));
  }
  return table;
}

}  // namespace nce::cost_models
