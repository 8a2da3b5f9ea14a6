#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "nce/cost_models/cost_table.hpp"
#include "nce/workloads/input_error.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce {
namespace {

std::map<std::string, std::vector<int>> half_and_full(const Workload& w) {
  std::map<std::string, std::vector<int>> candidates;
  for (const Layer& layer : w.layers) {
    if (layer.searchable) candidates[layer.name] = {layer.out_channels / 2, layer.out_channels, layer.out_channels + 8};
  }
  return candidates;
}

// A tiling-shaped cost that depends on the config, counting how often it is asked.
class TileCountModel final : public CostModel {
 public:
  mutable std::atomic<int> evaluations{0};
  std::string name() const override { return "tile-count"; }
  std::string version() const override { return "1"; }
  LayerStats evaluate(const Layer& layer, const LayerInfo& info, const AcceleratorConfig& config) const override {
    ++evaluations;
    LayerStats stats;
    stats.layer = layer.name;
    const auto k_tiles = (info.gemm.k + config.rows - 1) / config.rows;
    const auto m_tiles = (info.gemm.m + config.cols - 1) / config.cols;
    stats.cycles = k_tiles * m_tiles * info.gemm.n * info.gemm.groups;
    stats.energy.dram_pj = 0.5 * double(stats.cycles);
    return stats;
  }
};

class CostTableCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nce_cost_table_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST(CostTable, MacsMetricGivesTheSameExpectedCostAsTheMacsFunction) {
  const Workload w = zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, half_and_full(w));
  const CostTable table = build_cost_table(w, binding, ShapeCostModel{}, AcceleratorConfig{}, std::nullopt);
  const auto from_table = table.terms(binding, CostMetric::macs);
  const auto direct = build_cost_terms(w, binding, macs_cost(w));
  ASSERT_EQ(from_table.size(), direct.size());
  for (std::size_t t = 0; t < direct.size(); ++t) {
    EXPECT_EQ(from_table[t].layer, direct[t].layer);
    EXPECT_TRUE(from_table[t].table.isApprox(direct[t].table, 0.0)) << w.layers[direct[t].layer].name;
  }
}

TEST(CostTable, ParamsEntriesAreThoseOfTheResizedLayer) {
  const Workload w = zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, half_and_full(w));
  const CostTable table = build_cost_table(w, binding, ShapeCostModel{}, AcceleratorConfig{}, std::nullopt);
  for (const LayerCostTable& layer : table.layers) {
    if (layer.name != "stage2.block1.conv_a") continue;
    // Input from stage2.block0.conv_b {16, 32, 40}, output {16, 32, 40}; 3x3 weights + BN.
    ASSERT_EQ(layer.in_widths, (std::vector<int>{16, 32, 40}));
    EXPECT_EQ(layer.at(2, 0).params, 40 * 16 * 9 + 2 * 16);
    EXPECT_EQ(layer.at(0, 2).macs, std::int64_t{16} * 40 * 9 * 16 * 16);
  }
}

TEST_F(CostTableCache, SecondBuildReadsEverythingFromDisk) {
  const Workload w = zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, half_and_full(w));
  TileCountModel model;
  CostTableBuildStats first, second;
  const CostTable a = build_cost_table(w, binding, model, AcceleratorConfig{}, dir_, &first);
  const int evaluations = model.evaluations;
  const CostTable b = build_cost_table(w, binding, model, AcceleratorConfig{}, dir_, &second);
  EXPECT_GT(first.evaluated, 0);
  EXPECT_EQ(first.evaluated, evaluations);
  // Identical geometries share entries: fewer distinct variants than table cells.
  EXPECT_LT(first.evaluated, first.entries);
  EXPECT_EQ(second.evaluated, 0);
  EXPECT_EQ(second.from_cache, first.evaluated);
  EXPECT_EQ(model.evaluations, evaluations);
  for (std::size_t t = 0; t < a.layers.size(); ++t) EXPECT_EQ(a.layers[t].entries, b.layers[t].entries);
}

TEST_F(CostTableCache, AChangedConfigOrEnergyTableNeverReusesAnEntry) {
  const Workload w = zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, half_and_full(w));
  TileCountModel model;
  CostTableBuildStats base, wider, pricier;
  AcceleratorConfig config;
  const CostTable a = build_cost_table(w, binding, model, config, dir_, &base);
  config.cols = 32;
  const CostTable b = build_cost_table(w, binding, model, config, dir_, &wider);
  EXPECT_EQ(wider.from_cache, 0);
  EXPECT_EQ(wider.evaluated, base.evaluated);
  config.energy.dram_pj_per_byte *= 2;
  build_cost_table(w, binding, model, config, dir_, &pricier);
  EXPECT_EQ(pricier.from_cache, 0);
  // And the wider array's numbers are really its own: 24 output channels (16 + 8) need 2
  // column tiles of 16 but 1 of 32.
  for (std::size_t t = 0; t < a.layers.size(); ++t) {
    if (a.layers[t].name != "stage1.block0.conv_a") continue;
    EXPECT_EQ(a.layers[t].at(0, 2).cycles, 2 * b.layers[t].at(0, 2).cycles);
  }
}

TEST_F(CostTableCache, ADamagedCacheFileIsRebuiltNotTrusted) {
  const Workload w = zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, half_and_full(w));
  TileCountModel model;
  CostTableBuildStats first, second;
  const CostTable a = build_cost_table(w, binding, model, AcceleratorConfig{}, dir_, &first);
  for (const auto& file : std::filesystem::directory_iterator(dir_)) std::ofstream(file.path()) << "{ not json";
  const CostTable b = build_cost_table(w, binding, model, AcceleratorConfig{}, dir_, &second);
  EXPECT_EQ(second.from_cache, 0);
  for (std::size_t t = 0; t < a.layers.size(); ++t) EXPECT_EQ(a.layers[t].entries, b.layers[t].entries);
}

TEST(CostTable, MetricNamesAndErrors) {
  EXPECT_EQ(cost_metric_from_string("flops"), CostMetric::macs);
  EXPECT_EQ(cost_metric_from_string("latency"), CostMetric::cycles);
  EXPECT_THROW(cost_metric_from_string("watts"), InputError);
}

}  // namespace
}  // namespace nce
