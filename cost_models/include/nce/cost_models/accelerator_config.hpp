#pragma once
// The accelerator as a validated value: array, buffers, DRAM, clock, energy table. Configuration
// flows one way (file/flags -> this struct -> components); validation happens once, here, and
// every error names the offending field.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "nce/cost_models/energy_table.hpp"

namespace nce::cost_models {

// One on-chip SRAM. Half of the capacity is one slot of the double buffer.
struct BufferConfig {
  std::int64_t capacity_bytes = 64 * 1024;
  int word_bits = 0;  // 0: auto, one array edge of operands per word (see effective_word_bits)
  int ports = 1;      // word accesses per cycle on the array side
  bool operator==(const BufferConfig&) const = default;
};

struct DramConfig {
  double bytes_per_cycle = 8.0;
  int latency_cycles = 100;
  bool operator==(const DramConfig&) const = default;
};

// Defaults mirror configs/default.yaml (a test keeps them equal).
struct AcceleratorConfig {
  std::string name = "default";
  int rows = 16;
  int cols = 16;
  std::string dataflow = "ws";  // a registered dataflow (cost_models/include/nce/cost_models/dataflow.hpp)
  int accumulator_bits = 16;  // partial-sum width inside the array
  // Layers wider than the PE's 2 bits (the W8A8 stem, shortcuts, classifier) run elsewhere, e.g.
  // on a host CPU, for users who offload them: they cost nothing on the array (no cycles, traffic
  // or energy; their MACs still count). Off: they run as radix-4 digit passes (20 for W8A8).
  bool offload_wide_layers = false;
  double clock_mhz = 500.0;
  BufferConfig ifmap;
  BufferConfig weight;
  BufferConfig ofmap{64 * 1024, 0, 2};
  DramConfig dram;
  EnergyTable energy;

  std::int64_t pes() const { return std::int64_t{rows} * cols; }
  bool operator==(const AcceleratorConfig&) const = default;
};

// `buffer` must be one of config's three members. Auto word widths: the ifmap buffer delivers one column of `rows` 2-bit digits, the weight
// buffer one row of `cols` 2-bit digits, the ofmap buffer one row of `cols` 32-bit sums, so a
// matching array never waits on a single port.
int effective_word_bits(const AcceleratorConfig& config, const BufferConfig& buffer);

// Throws InputError naming the field ("buffers.ifmap.capacity_kib must be positive, got 0").
void validate(const AcceleratorConfig& config);

// `key=value` overrides on the YAML field paths of configs/default.yaml, e.g.
// {"array.rows", "32"}, {"dram.bytes_per_cycle", "4"}, {"energy", "accelergy45"}.
using ConfigOverrides = std::vector<std::pair<std::string, std::string>>;

// Directory holding default.yaml, energy/<preset>.yaml and synth/: $NCE_CONFIG_DIR, else
// share/nce/configs next to the program (installed: <prefix>/share/nce/configs; build tree:
// <build>/share/nce/configs), else the install prefix given at configure time. Throws
// InputError naming the places searched.
std::filesystem::path default_config_dir();

// Reads our YAML format (.yaml/.yml) or a SCALE-Sim .cfg, applies overrides, validates.
// An empty path means configs/default.yaml.
AcceleratorConfig load_accelerator_config(const std::filesystem::path& path, const ConfigOverrides& overrides = {});
AcceleratorConfig accelerator_config_from_yaml(const std::string& text, const std::string& source_name,
                                               const ConfigOverrides& overrides = {},
                                               const std::filesystem::path& preset_dir = default_config_dir());
AcceleratorConfig accelerator_config_from_scalesim(const std::string& text, const std::string& source_name,
                                                   const ConfigOverrides& overrides = {});
std::string accelerator_config_to_yaml(const AcceleratorConfig& config);

}  // namespace nce::cost_models
