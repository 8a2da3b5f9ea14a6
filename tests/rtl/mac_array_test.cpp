// mac_array (rtl/mac_array.sv) through nce::rtl::ArrayDriver, checked bit for bit against the
// integer reference model (nce::workloads::ref).
#include <gtest/gtest.h>

#include <random>

#include "nce/rtl/array_driver.hpp"
#include "nce/rtl/random_tiles.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/reference_model.hpp"

namespace {

using nce::rtl::ArrayDriver;
using nce::rtl::GemmTile;

ArrayDriver make_driver(int rows, int cols) { return ArrayDriver(nce::rtl::make_verilated_array(rows, cols)); }

struct RandomRun {
  std::size_t tiles = 0;
  std::size_t macs = 0;
  std::size_t mismatches = 0;
};

// `tiles` random tiles in batches streamed back to back, each compared with the reference.
RandomRun run_random_tiles(int rows, int cols, int tiles, std::uint64_t seed) {
  ArrayDriver driver = make_driver(rows, cols);
  std::mt19937_64 rng(seed);
  RandomRun result;
  constexpr int kBatch = 64;
  for (int done = 0; done < tiles; done += kBatch) {
    std::vector<GemmTile> batch;
    for (int i = 0; i < std::min(kBatch, tiles - done); ++i) batch.push_back(nce::rtl::random_tile(rng, rows, cols, 2 * rows));
    const auto outputs = driver.run(batch);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      result.mismatches += nce::rtl::count_mismatches(nce::rtl::reference_outputs(batch[i]), outputs[i]);
      result.macs += std::size_t(batch[i].k) * batch[i].m * batch[i].n;
      ++result.tiles;
    }
  }
  return result;
}

// 10,500 tiles in all, over the five verilated sizes; fixed seeds keep the suite deterministic.
TEST(MacArrayRandomTiles, Array4x4MatchesReferenceOn3000Tiles) {
  const RandomRun run = run_random_tiles(4, 4, 3000, 44);
  EXPECT_EQ(run.tiles, 3000u);
  EXPECT_EQ(run.mismatches, 0u);
}

TEST(MacArrayRandomTiles, Array8x8MatchesReferenceOn3000Tiles) {
  const RandomRun run = run_random_tiles(8, 8, 3000, 88);
  EXPECT_EQ(run.tiles, 3000u);
  EXPECT_EQ(run.mismatches, 0u);
}

TEST(MacArrayRandomTiles, Array16x16MatchesReferenceOn2500Tiles) {
  const RandomRun run = run_random_tiles(16, 16, 2500, 1616);
  EXPECT_EQ(run.tiles, 2500u);
  EXPECT_EQ(run.mismatches, 0u);
}

TEST(MacArrayRandomTiles, Array16x32MatchesReferenceOn1000Tiles) {
  const RandomRun run = run_random_tiles(16, 32, 1000, 1632);
  EXPECT_EQ(run.tiles, 1000u);
  EXPECT_EQ(run.mismatches, 0u);
}

TEST(MacArrayRandomTiles, Array32x32MatchesReferenceOn1000Tiles) {
  const RandomRun run = run_random_tiles(32, 32, 1000, 3232);
  EXPECT_EQ(run.tiles, 1000u);
  EXPECT_EQ(run.mismatches, 0u);
}

TEST(MacArray, IdentityWeightsPassActivationColumnsThrough) {
  // W = I (4x4): Y[c][j] = sum_r W[r][c] X[r][j] = X[c][j].
  GemmTile tile{4, 4, 3, {}, {}};
  tile.weights = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  tile.activations = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3};
  ArrayDriver driver = make_driver(4, 4);
  const auto out = driver.run(std::span(&tile, 1));
  EXPECT_EQ(out[0], (std::vector<std::int32_t>{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}));
}

TEST(MacArray, ExtremeCodesReachTheSumBoundsWithoutWrapping) {
  // 32 rows of (-2) * 3 = -192 and of 1 * 3 = 96: the bounds -6K and 3K of a full reduction.
  GemmTile tile{32, 2, 1, std::vector<std::int8_t>(64), std::vector<std::uint8_t>(32, 3)};
  for (int r = 0; r < 32; ++r) {
    tile.weights[std::size_t(r) * 2] = -2;
    tile.weights[std::size_t(r) * 2 + 1] = 1;
  }
  ArrayDriver driver = make_driver(32, 32);
  EXPECT_EQ(driver.run(std::span(&tile, 1))[0], (std::vector<std::int32_t>{-192, 96}));
}

TEST(MacArray, BackToBackTilesTakeOneCyclePerColumnOnceStreaming) {
  // Two 16x16 tiles of 64 columns: the second tile's weights load while the first streams, so
  // the run takes load (16) + 2 * 64 columns + fill/drain (16 - 1 + 16 - 1) = 174 cycles.
  std::vector<GemmTile> tiles;
  for (int i = 0; i < 2; ++i) {
    tiles.push_back(GemmTile{16, 16, 64, std::vector<std::int8_t>(256, 1),
                             std::vector<std::uint8_t>(16 * 64, std::uint8_t(i + 1))});
  }
  ArrayDriver driver = make_driver(16, 16);
  const auto out = driver.run(tiles);
  EXPECT_EQ(driver.cycles(), 174u);
  EXPECT_EQ(out[0], std::vector<std::int32_t>(16 * 64, 16));
  EXPECT_EQ(out[1], std::vector<std::int32_t>(16 * 64, 32));
}

TEST(MacArray, CheckerDetectsACorruptedExpectedValue) {
  // The comparison every test above relies on must be able to fail: flip one expected value.
  std::mt19937_64 rng(3);
  const GemmTile tile = nce::rtl::random_tile(rng, 8, 8, 16);
  ArrayDriver driver = make_driver(8, 8);
  const std::vector<std::int32_t> actual = driver.run(std::span(&tile, 1))[0];
  std::vector<std::int32_t> expected = nce::rtl::reference_outputs(tile);
  ASSERT_EQ(nce::rtl::count_mismatches(expected, actual), 0u);
  expected[expected.size() / 2] += 1;
  EXPECT_EQ(nce::rtl::count_mismatches(expected, actual), 1u);
  expected.pop_back();
  EXPECT_GE(nce::rtl::count_mismatches(expected, actual), 1u);
}

TEST(MacArrayLayer, Resnet20Conv16To16At32x32EqualsReferenceConv) {
  // ResNet20 stage 1: 16 -> 16 channels, 3x3, stride 1, pad 1, 32x32. im2col gives K = 144
  // (9 row tiles of 16), M = 16, N = 1024; the driver adds the 9 partial sums per output.
  std::mt19937_64 rng(20);
  nce::workloads::ref::FeatureMap input(16, 32, 32);
  nce::workloads::ref::Filters filters(16, 16, 3, 3);
  for (auto& v : input.values) v = std::uniform_int_distribution<int>(0, 3)(rng);
  for (auto& v : filters.values) v = std::uniform_int_distribution<int>(-2, 1)(rng);
  const nce::workloads::ref::ConvGeometry geometry{1, 1, 1};
  ArrayDriver driver = make_driver(16, 16);
  const nce::workloads::ref::FeatureMap rtl = nce::rtl::conv2d_on_array(driver, input, filters, geometry);
  const nce::workloads::ref::FeatureMap ref = nce::workloads::ref::conv2d(input, filters, geometry);
  ASSERT_EQ(rtl.channels, 16);
  ASSERT_EQ(rtl.height, 32);
  ASSERT_EQ(rtl.width, 32);
  EXPECT_EQ(nce::rtl::count_mismatches(ref.values, rtl.values), 0u);
  EXPECT_TRUE(rtl == ref);
}

TEST(MacArrayLayer, Resnet20Downsampling16To32Stride2EqualsReferenceConv) {
  // ResNet20 stage 2 entry: 16 -> 32, 3x3, stride 2, pad 1, 32x32 -> 16x16; M = 32 needs two
  // column tiles on a 16x16 array.
  std::mt19937_64 rng(21);
  nce::workloads::ref::FeatureMap input(16, 32, 32);
  nce::workloads::ref::Filters filters(32, 16, 3, 3);
  for (auto& v : input.values) v = std::uniform_int_distribution<int>(0, 3)(rng);
  for (auto& v : filters.values) v = std::uniform_int_distribution<int>(-2, 1)(rng);
  const nce::workloads::ref::ConvGeometry geometry{2, 1, 1};
  ArrayDriver driver = make_driver(16, 16);
  EXPECT_TRUE(nce::rtl::conv2d_on_array(driver, input, filters, geometry) == nce::workloads::ref::conv2d(input, filters, geometry));
}

TEST(ArrayDriver, RefusesAnAccumulatorThatCouldWrap) {
  // 16 bits hold [-32768, 32767]: 5461 rows reach -32766, 5462 rows -32772.
  EXPECT_FALSE(nce::workloads::ref::accumulator_can_wrap(5461, 16));
  EXPECT_TRUE(nce::workloads::ref::accumulator_can_wrap(5462, 16));
  // 9 bits hold [-256, 255]: 42 rows reach -252, 43 rows -258.
  EXPECT_FALSE(nce::workloads::ref::accumulator_can_wrap(42, 9));
  EXPECT_TRUE(nce::workloads::ref::accumulator_can_wrap(43, 9));
}

TEST(ArrayDriver, RejectsTilesThatDoNotFitOrHoldBadCodes) {
  ArrayDriver driver = make_driver(4, 4);
  GemmTile too_deep{5, 1, 1, std::vector<std::int8_t>(5), std::vector<std::uint8_t>(5)};
  EXPECT_THROW(driver.run(std::span(&too_deep, 1)), nce::core::InputError);
  GemmTile bad_weight{1, 1, 1, {2}, {0}};
  EXPECT_THROW(driver.run(std::span(&bad_weight, 1)), nce::core::InputError);
  GemmTile bad_activation{1, 1, 1, {0}, {4}};
  EXPECT_THROW(driver.run(std::span(&bad_activation, 1)), nce::core::InputError);
  GemmTile empty{1, 1, 0, {0}, {}};
  EXPECT_THROW(driver.run(std::span(&empty, 1)), nce::core::InputError);
}

TEST(ArrayDriver, UnbuiltSizeIsAnInputErrorNamingTheBuiltOnes) {
  try {
    (void)nce::rtl::make_verilated_array(5, 7);
    FAIL() << "5x7 is not verilated";
  } catch (const nce::core::InputError& error) {
    EXPECT_NE(std::string(error.what()).find("16x16"), std::string::npos);
  }
}

}  // namespace
