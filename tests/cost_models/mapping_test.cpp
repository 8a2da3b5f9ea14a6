// The mapping: im2col GEMM blocks within the buffers, least DRAM traffic, digit passes, and a
// clear error when no tile fits.
#include <gtest/gtest.h>

#include "nce/cost_models/schedule.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::cost_models {
namespace {

LayerSchedule map_single(workloads::Layer layer, workloads::TensorShape in, const AcceleratorConfig& config) {
  workloads::Workload w;
  w.name = "single";
  w.input = in;
  w.layers = {layer};
  return map_layer(w.layers[0], analyze(w)[0], config);
}

workloads::Layer conv3x3(int out_channels, workloads::Precision precision = {}) {
  workloads::Layer conv;
  conv.name = "conv";
  conv.out_channels = out_channels;
  conv.kernel_h = conv.kernel_w = 3;
  conv.padding = 1;
  conv.precision = precision;
  return conv;
}

TEST(Mapping, SmallConvIsOneStepThatLoadsEverythingOnce) {
  // 16x8x8 input at 2 bits = 256 B, 144 x 16 weights at 2 bits = 576 B, 16 x 64 outputs at 2 bits.
  const LayerSchedule s = map_single(conv3x3(16), {16, 8, 8}, AcceleratorConfig{});
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.gemm.k, 144);
  EXPECT_EQ(s.passes, 1);
  EXPECT_EQ(s.steps[0].input_bytes, 256);
  EXPECT_EQ(s.steps[0].weight_bytes, 576);
  EXPECT_EQ(s.steps[0].output_bytes, 256);
  int folds = 0;
  for_each_fold(s, s.steps[0], [&](const ArrayFold& f) {
    EXPECT_EQ(f.k0, 16 * folds);
    EXPECT_EQ(f.k_size, 16);
    EXPECT_EQ(f.n_size, 64);
    EXPECT_EQ(f.accumulate, folds > 0);
    ++folds;
  });
  EXPECT_EQ(folds, 9);
}

TEST(Mapping, W8A8LayersRunTwentyDigitPasses) {
  const LayerSchedule s = map_single(conv3x3(16, {8, 8}), {3, 8, 8}, AcceleratorConfig{});
  EXPECT_EQ(s.weight_digits, 5);
  EXPECT_EQ(s.act_digits, 4);
  EXPECT_EQ(s.passes, 20);
  int folds = 0;
  for_each_fold(s, s.steps[0], [&](const ArrayFold&) { ++folds; });
  EXPECT_EQ(folds, 2 * 20);  // K = 27 -> two k-folds (16 + 11), each in 20 passes
}

// SCALE-Sim's fold structure (scalesim/compute/systolic_compute_{ws,os,is}.py, v2): with the GEMM
// ifmap N x K (N output pixels) and filters K x M, each dataflow holds an Sr x Sc operand tile on
// the R x C array, folds = ceil(Sr / R) * ceil(Sc / C), and every fold streams T columns:
//   ws  Sr = K, Sc = M (filters held),        T = N
//   os  Sr = N, Sc = M (outputs held),        T = K
//   is  Sr = K, Sc = N (IFMAP windows held),  T = M
// Ours cuts a layer into buffer-level steps first; on each step's GEMM block (K x m_size x
// n_size) a W2A2 layer (one digit pass, K within OS's accumulator bound) must have exactly
// SCALE-Sim's folds, each holding at most an R x C tile and streaming T columns, every MAC once.
TEST(Mapping, FoldStructureMatchesScaleSim) {
  struct Shape {
    int out_channels;
    workloads::TensorShape in;
  };
  for (const Shape& shape : {Shape{16, {16, 8, 8}}, Shape{40, {24, 6, 6}}, Shape{7, {3, 5, 9}}, Shape{64, {32, 16, 16}}}) {
    for (const std::string dataflow : {"ws", "os", "is"}) {
      AcceleratorConfig config;
      config.rows = 8;
      config.cols = 12;
      config.dataflow = dataflow;
      const LayerSchedule s = map_single(conv3x3(shape.out_channels), shape.in, config);
      std::int64_t covered = 0;
      for (const ScheduleStep& step : s.steps) {
        const std::int64_t k = s.gemm.k, m = step.m_size, n = step.n_size;
        std::int64_t sr = k, sc = m, t = n;
        if (dataflow == "os") sr = n, sc = m, t = k;
        if (dataflow == "is") sr = k, sc = n, t = m;
        const std::int64_t expected = (sr + config.rows - 1) / config.rows * ((sc + config.cols - 1) / config.cols);
        std::int64_t folds = 0;
        for_each_fold(s, step, [&](const ArrayFold& f) {
          ++folds;
          covered += std::int64_t{f.k_size} * f.m_size * f.n_size;
          const std::int64_t held_rows = dataflow == "os" ? f.n_size : f.k_size;
          const std::int64_t held_cols = dataflow == "is" ? f.n_size : f.m_size;
          const std::int64_t streamed = dataflow == "ws" ? f.n_size : dataflow == "is" ? f.m_size : f.k_size;
          EXPECT_LE(held_rows, config.rows) << dataflow;
          EXPECT_LE(held_cols, config.cols) << dataflow;
          EXPECT_EQ(streamed, t) << dataflow;
        });
        EXPECT_EQ(folds, expected) << dataflow << " K=" << k << " m=" << m << " n=" << n;
        EXPECT_EQ(folds, s.dataflow->fold_count(s, step)) << dataflow;
      }
      EXPECT_EQ(covered, s.gemm.k * s.gemm.m * s.gemm.n) << dataflow;  // every MAC exactly once
    }
  }
}

TEST(Mapping, BlocksStayWithinHalfOfEachBuffer) {
  AcceleratorConfig config;
  config.ifmap.capacity_bytes = 4096;  // VGG16's 64 x 32-wide rows need 3 x 512 B for one output row
  config.weight.capacity_bytes = 4096;
  config.ofmap.capacity_bytes = 4096;
  for (const char* name : {"resnet20", "vgg16"}) {
    const workloads::Workload w = workloads::zoo::make(name);
    for (const LayerSchedule& s : map_workload(w, config)) {
      if (!s.on_array) continue;
      const int cg = s.in.channels / s.groups;
      std::int64_t input_bytes = 0;
      for (const ScheduleStep& step : s.steps) {
        EXPECT_LE(std::int64_t{cg} * step.in_rows * s.in.width * 2 * s.act_digits, 4096 * 8 / 2) << s.layer;
        EXPECT_LE(s.gemm.k * step.m_size * 2 * s.weight_digits, 4096 * 8 / 2) << s.layer;
        EXPECT_LE(std::int64_t{step.m_size} * step.n_size * 32, 4096 * 8 / 2) << s.layer;
        input_bytes += step.input_bytes;
      }
      EXPECT_GT(input_bytes, 0) << s.layer;
    }
  }
}

TEST(Mapping, PicksTheLoopOrderWithLessTraffic) {
  // Weights (4608 x 512 at 2 bits = 576 KiB) dwarf the 7x7 input: keep each weight block once
  // and stream the small input past it (weights outer), so weights cross DRAM exactly once.
  workloads::Layer conv = conv3x3(512);
  const LayerSchedule s = map_single(conv, {512, 7, 7}, AcceleratorConfig{});
  std::int64_t weight_bytes = 0;
  for (const ScheduleStep& step : s.steps) weight_bytes += step.weight_bytes;
  EXPECT_EQ(weight_bytes, 4608 * 512 * 2 / 8);
  EXPECT_EQ(s.order, LoopOrder::weights_outer);
}

TEST(Mapping, TileThatFitsNoBufferIsAnInputErrorNamingTheBuffer) {
  AcceleratorConfig config;
  config.weight.capacity_bytes = 128;  // half = 64 B; one column of K = 576 weights needs 144 B
  try {
    map_single(conv3x3(16), {64, 8, 8}, config);
    FAIL() << "expected InputError";
  } catch (const core::InputError& error) {
    EXPECT_NE(std::string(error.what()).find("buffers.weight.capacity_kib"), std::string::npos) << error.what();
  }
  config = AcceleratorConfig{};
  config.ifmap.capacity_bytes = 64;
  EXPECT_THROW(map_single(conv3x3(16), {64, 8, 8}, config), core::InputError);
}

TEST(Mapping, DoubleBufferSlotsAreFreedTwoBlocksLater) {
  AcceleratorConfig config;
  config.ofmap.capacity_bytes = 2048;  // 1 KiB slots: 16 channels x 16 pixels x 32 bits each
  const LayerSchedule s = map_single(conv3x3(16), {16, 8, 8}, config);
  ASSERT_GE(s.steps.size(), 3u);
  EXPECT_EQ(s.steps[0].input_issue_after, -1);
  EXPECT_EQ(s.steps[1].input_issue_after, -1);
  EXPECT_EQ(s.steps[2].input_issue_after, 0);
}

}  // namespace
}  // namespace nce::cost_models
