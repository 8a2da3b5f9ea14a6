// Accelerator configs: the shipped files load, overrides reach every field, and invalid configs
// fail once with an error that names the field.
#include <gtest/gtest.h>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/core/input_error.hpp"

namespace nce::cost_models {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::InputError& error) {
    return error.what();
  }
  return "";
}

TEST(AcceleratorConfig, ShippedDefaultIsThe16x16WeightStationaryArray) {
  const AcceleratorConfig c = load_accelerator_config("");
  EXPECT_EQ(c.name, "default-16x16");
  EXPECT_EQ(c.rows, 16);
  EXPECT_EQ(c.cols, 16);
  EXPECT_EQ(c.dataflow, "ws");
  EXPECT_EQ(c.accumulator_bits, 16);
  EXPECT_EQ(c.ifmap.capacity_bytes, 64 * 1024);
  EXPECT_EQ(c.ofmap.ports, 2);
  EXPECT_EQ(c.dram.bytes_per_cycle, 8.0);
  EXPECT_EQ(c.dram.latency_cycles, 100);
  EXPECT_EQ(c.energy.name, "horowitz45");
  EXPECT_EQ(c.energy.multiplier_8x8_pj, 0.2);  // Horowitz 2014, 8-bit multiply
  EXPECT_EQ(c.energy.dram_pj_per_byte, 162.5);
}

TEST(AcceleratorConfig, StructDefaultsMirrorTheShippedDefaultFile) {
  // Tests and library callers that build AcceleratorConfig{} get configs/default.yaml's machine.
  AcceleratorConfig loaded = load_accelerator_config("");
  loaded.name = AcceleratorConfig{}.name;
  loaded.energy.source = EnergyTable{}.source;
  EXPECT_EQ(loaded, AcceleratorConfig{});
}

TEST(AcceleratorConfig, OverridesReachNestedFieldsAndPresets) {
  const AcceleratorConfig c = load_accelerator_config(
      "", {{"array.rows", "32"}, {"array.dataflow", "os"}, {"buffers.ofmap.word_bits", "256"},
           {"dram.latency_cycles", "0"}, {"energy", "accelergy45"}, {"energy.dram_pj_per_byte", "50"}});
  EXPECT_EQ(c.rows, 32);
  EXPECT_EQ(c.dataflow, "os");
  EXPECT_EQ(c.ofmap.word_bits, 256);
  EXPECT_EQ(c.dram.latency_cycles, 0);
  EXPECT_EQ(c.energy.name, "accelergy45");
  EXPECT_EQ(c.energy.register_pj_per_bit, 0.009);  // Accelergy: 16-bit register 0.144 pJ
  EXPECT_EQ(c.energy.dram_pj_per_byte, 50.0);
}

TEST(AcceleratorConfig, YamlRoundTrips) {
  AcceleratorConfig c = load_accelerator_config("", {{"array.cols", "8"}, {"buffers.ifmap.capacity_kib", "0.5"}});
  EXPECT_EQ(c.ifmap.capacity_bytes, 512);
  EXPECT_EQ(accelerator_config_from_yaml(accelerator_config_to_yaml(c), "roundtrip"), c);
}

TEST(AcceleratorConfig, ScaleSimCfgMapsArchitecturePresets) {
  const AcceleratorConfig c = load_accelerator_config(std::string(NCE_SOURCE_DIR) + "/configs/scalesim_32x32_os.cfg");
  EXPECT_EQ(c.name, "scalesim_32x32_os");
  EXPECT_EQ(c.rows, 32);
  EXPECT_EQ(c.cols, 32);
  EXPECT_EQ(c.dataflow, "os");
  EXPECT_EQ(c.weight.capacity_bytes, 64 * 1024);
  EXPECT_EQ(c.dram.bytes_per_cycle, 16.0);
  // SCALE-Sim's three dataflows are ours too.
  EXPECT_EQ(accelerator_config_from_scalesim("[architecture_presets]\nDataflow : is\n", "x.cfg").dataflow, "is");
  EXPECT_NE(error_of([] {
              accelerator_config_from_scalesim("[architecture_presets]\nDataflow : xs\n", "x.cfg");
            }).find("unknown dataflow 'xs' (registered: is, os, ws)"),
            std::string::npos);
}

TEST(AcceleratorConfig, InvalidFieldsAreNamed) {
  const std::vector<std::pair<ConfigOverrides, std::string>> cases = {
      {{{"array.rows", "0"}}, "array.rows must be positive"},
      {{{"array.cols", "-4"}}, "array.cols must be positive"},
      {{{"array.dataflow", "xs"}}, "array.dataflow: unknown dataflow 'xs' (registered: is, os, ws)"},
      {{{"array.rows", "abc"}}, "array.rows must be an integer"},
      {{{"buffers.weight.capacity_kib", "0"}}, "buffers.weight.capacity_kib must be a positive"},
      {{{"buffers.ofmap.ports", "0"}}, "buffers.ofmap.ports must be positive"},
      {{{"buffers.ifmap.word_bits", "0"}}, "buffers.ifmap.word_bits must be positive or 'auto'"},
      {{{"dram.bytes_per_cycle", "0"}}, "dram.bytes_per_cycle must be positive"},
      {{{"dram.latency_cycles", "-1"}}, "dram.latency_cycles must be >= 0"},
      {{{"array.accumulator_bits", "6"}}, "cannot hold a column sum of 16 rows"},
      {{{"buffers.l2.capacity_kib", "1"}}, "unknown field 'buffers.l2'"},
      {{{"energy", "nope"}}, "unknown energy preset 'nope'"},
      {{{"energy.dram_pj_per_byte", "-3"}}, "energy.dram_pj_per_byte must be >= 0"},
  };
  for (const auto& [overrides, message] : cases) {
    const std::string error = error_of([&] { load_accelerator_config("", overrides); });
    EXPECT_NE(error.find(message), std::string::npos) << "got: " << error;
  }
}

}  // namespace
}  // namespace nce::cost_models
