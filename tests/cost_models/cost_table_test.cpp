#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "nce/cost_models/cost_table.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::cost_models {
namespace {

// Every conv/fc layer; the searchable ones at half, full and full + 8 input and output channels.
std::vector<LayerTableSpec> half_and_full(const workloads::Workload& w) {
  const auto infos = analyze(w);
  std::vector<LayerTableSpec> specs;
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const workloads::Layer& layer = w.layers[i];
    if (!layer.has_weights()) continue;
    const int in = infos[i].in.channels, out = infos[i].out.channels;
    specs.push_back(layer_table_spec(w, infos, i, layer.searchable ? std::vector<int>{in / 2, in, in + 8} : std::vector<int>{in},
                                     layer.searchable ? std::vector<int>{out / 2, out, out + 8} : std::vector<int>{out}));
  }
  return specs;
}

// A tiling-shaped cost that depends on the config, counting how often it is asked.
class TileCountModel final : public CostModel {
 public:
  mutable std::atomic<int> evaluations{0};
  std::string name() const override { return "tile-count"; }
  std::string version() const override { return "1"; }
  LayerStats evaluate(const workloads::Layer& layer, const workloads::LayerInfo& info, const AcceleratorConfig& config) const override {
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

TEST(CostTable, ParamsEntriesAreThoseOfTheResizedLayer) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const std::vector<LayerTableSpec> specs = half_and_full(w);
  const CostTable table = build_cost_table(w.name, specs, *make_cost_model("shape"), AcceleratorConfig{}, std::nullopt);
  for (const LayerCostTable& layer : table.layers) {
    if (layer.name != "stage2.block1.conv_a") continue;
    // Input from stage2.block0.conv_b {16, 32, 40}, output {16, 32, 40}; 3x3 weights + BN.
    ASSERT_EQ(layer.in_widths, (std::vector<int>{16, 32, 40}));
    EXPECT_EQ(layer.at(2, 0).params, 40 * 16 * 9 + 2 * 16);
    EXPECT_EQ(layer.at(0, 2).macs, std::int64_t{16} * 40 * 9 * 16 * 16);
  }
}

TEST_F(CostTableCache, SecondBuildReadsEverythingFromDisk) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const std::vector<LayerTableSpec> specs = half_and_full(w);
  TileCountModel model;
  CostTableBuildStats first, second;
  const CostTable a = build_cost_table(w.name, specs, model, AcceleratorConfig{}, dir_, &first);
  const int evaluations = model.evaluations;
  const CostTable b = build_cost_table(w.name, specs, model, AcceleratorConfig{}, dir_, &second);
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
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const std::vector<LayerTableSpec> specs = half_and_full(w);
  TileCountModel model;
  CostTableBuildStats base, wider, pricier;
  AcceleratorConfig config;
  const CostTable a = build_cost_table(w.name, specs, model, config, dir_, &base);
  config.cols = 32;
  const CostTable b = build_cost_table(w.name, specs, model, config, dir_, &wider);
  EXPECT_EQ(wider.from_cache, 0);
  EXPECT_EQ(wider.evaluated, base.evaluated);
  config.energy.dram_pj_per_byte *= 2;
  build_cost_table(w.name, specs, model, config, dir_, &pricier);
  EXPECT_EQ(pricier.from_cache, 0);
  // And the wider array's numbers are really its own: 24 output channels (16 + 8) need 2
  // column tiles of 16 but 1 of 32.
  for (std::size_t t = 0; t < a.layers.size(); ++t) {
    if (a.layers[t].name != "stage1.block0.conv_a") continue;
    EXPECT_EQ(a.layers[t].at(0, 2).cycles, 2 * b.layers[t].at(0, 2).cycles);
  }
}

TEST_F(CostTableCache, ADamagedCacheFileIsRebuiltNotTrusted) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const std::vector<LayerTableSpec> specs = half_and_full(w);
  TileCountModel model;
  CostTableBuildStats first, second;
  const CostTable a = build_cost_table(w.name, specs, model, AcceleratorConfig{}, dir_, &first);
  for (const auto& file : std::filesystem::directory_iterator(dir_)) std::ofstream(file.path()) << "{ not json";
  const CostTable b = build_cost_table(w.name, specs, model, AcceleratorConfig{}, dir_, &second);
  EXPECT_EQ(second.from_cache, 0);
  for (std::size_t t = 0; t < a.layers.size(); ++t) EXPECT_EQ(a.layers[t].entries, b.layers[t].entries);
}

TEST(CostTable, MetricNamesAndErrors) {
  EXPECT_EQ(cost_metric_from_string("flops"), CostMetric::macs);
  EXPECT_EQ(cost_metric_from_string("latency"), CostMetric::cycles);
  EXPECT_THROW(cost_metric_from_string("watts"), core::InputError);
}

}  // namespace
}  // namespace nce::cost_models
