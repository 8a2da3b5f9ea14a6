// The area model of cost_models (cost_models/include/nce/cost_models/area.hpp), tested here with
// its only client: figures by hand from configs/synth/mac_pe_cells.yaml and the presets' area
// fields (docs/ENERGY.md section 4).
#include <gtest/gtest.h>

#include "nce/core/input_error.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/area.hpp"

namespace nce::cost_models {
namespace {

PeSynthesisTable table() { return load_pe_synthesis(default_config_dir()); }

TEST(Area, DefaultPresetAreaFiguresAreTheCitedOnes) {
  const AcceleratorConfig c = load_accelerator_config("");
  EXPECT_EQ(c.energy.area.nand2_um2, 0.798);      // NanGate FreePDK45 NAND2_X1
  EXPECT_EQ(c.energy.area.flip_flop_um2, 5.32);   // NanGate FreePDK45 DFFR_X1
  EXPECT_EQ(c.energy.area.sram_bit_um2, 0.346);   // Mistry et al., IEDM 2007
  EXPECT_EQ(c.energy.area.sram_array_efficiency, 0.6);
  EXPECT_EQ(c.energy.area.transistors_per_nand2, 4.0);
  EXPECT_NE(c.energy.area.source.find("Mistry"), std::string::npos);
  const AcceleratorConfig a = load_accelerator_config("", {{"energy", "accelergy45"}});
  EXPECT_EQ(a.energy.area, c.energy.area);  // both presets are 45 nm
}

TEST(Area, DefaultArrayByHand) {
  const AcceleratorConfig c = load_accelerator_config("");
  const AreaEstimate area = estimate_area(c, table());
  // W2A2 acc16: 834 transistors / 4 = 208.5 NAND2 x 0.798 + 23 flip-flops x 5.32 = 288.743 um2.
  EXPECT_DOUBLE_EQ(area.pe_um2, 834.0 / 4 * 0.798 + 23 * 5.32);
  EXPECT_DOUBLE_EQ(area.pe_mm2, area.pe_um2 * 256 * 1e-6);
  // 3 x 64 KiB = 1,572,864 bits x 0.346 um2 / 0.6.
  EXPECT_DOUBLE_EQ(area.sram_mm2, 3.0 * 64 * 1024 * 8 * 0.346 / 0.6 * 1e-6);
  EXPECT_DOUBLE_EQ(area.total_mm2, area.pe_mm2 + area.sram_mm2);
  EXPECT_NEAR(area.total_mm2, 0.0739 + 0.9070, 1e-3);
  EXPECT_FALSE(area.pe_cells.interpolated);
  EXPECT_NE(area.source.find("Yosys mac_pe W2A2 acc16"), std::string::npos) << area.source;
  EXPECT_NE(area.source.find("horowitz45"), std::string::npos) << area.source;
}

TEST(Area, AccumulatorWidthsBetweenSynthesizedOnesInterpolate) {
  const PeCells mid = pe_cells_at(table(), 2, 24);
  EXPECT_TRUE(mid.interpolated);
  EXPECT_DOUBLE_EQ(mid.cells, (132.0 + 270.0) / 2);
  EXPECT_DOUBLE_EQ(mid.flip_flops, 31.0);  // one flip-flop per accumulator bit
  EXPECT_DOUBLE_EQ(mid.transistors, (834.0 + 1722.0) / 2);
  const PeCells below = pe_cells_at(table(), 2, 8);  // extrapolated from 16 and 32
  EXPECT_DOUBLE_EQ(below.flip_flops, 15.0);
  EXPECT_DOUBLE_EQ(below.transistors, 834.0 - (1722.0 - 834.0) / 2);
  EXPECT_THROW(pe_cells_at(table(), 3, 16), core::InputError);  // no 3-bit synthesis at all
  const AcceleratorConfig c = load_accelerator_config("", {{"array.accumulator_bits", "24"}});
  EXPECT_NE(estimate_area(c, table()).source.find("interpolated"), std::string::npos);
}

TEST(Area, GivenPeAreaAndSramFiguresOverride) {
  const AcceleratorConfig c = load_accelerator_config(
      "", {{"energy.area.pe_um2", "124.9"}, {"energy.area.sram_array_efficiency", "1"}, {"array.rows", "8"},
           {"buffers.ifmap.capacity_kib", "32"}});
  const AreaEstimate area = estimate_area(c, table());
  EXPECT_DOUBLE_EQ(area.pe_um2, 124.9);  // Bit Fusion's 2-bit PE (ISCA 2018)
  EXPECT_DOUBLE_EQ(area.pe_mm2, 124.9 * 8 * 16 * 1e-6);
  EXPECT_DOUBLE_EQ(area.sram_mm2, (32.0 + 64 + 64) * 1024 * 8 * 0.346 * 1e-6);
  EXPECT_NE(area.source.find("given"), std::string::npos);
}

TEST(Area, BadAreaFieldsAreRefusedNamingTheField) {
  try {
    load_accelerator_config("", {{"energy.area.sram_array_efficiency", "1.5"}});
    FAIL();
  } catch (const core::InputError& error) {
    EXPECT_NE(std::string(error.what()).find("energy.area.sram_array_efficiency"), std::string::npos) << error.what();
  }
  EXPECT_THROW(load_accelerator_config("", {{"energy.area.nand2_um2", "0"}}), core::InputError);
  EXPECT_THROW(load_accelerator_config("", {{"energy.area.bogus", "1"}}), core::InputError);
}

TEST(Area, ConfigYamlRoundTripsTheAreaFields) {
  const AcceleratorConfig c = load_accelerator_config("", {{"energy.area.pe_um2", "100"}});
  EXPECT_EQ(accelerator_config_from_yaml(accelerator_config_to_yaml(c), "roundtrip").energy.area, c.energy.area);
}

}  // namespace
}  // namespace nce::cost_models
