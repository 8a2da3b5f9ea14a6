#include <gtest/gtest.h>

#include "nce/core/input_error.hpp"
#include "nce/workloads/workload.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::workloads {
namespace {

Layer conv_layer(std::string name, int out, int kernel, int stride, int padding, int groups = 1) {
  Layer layer;
  layer.name = std::move(name);
  layer.type = LayerType::conv;
  layer.out_channels = out;
  layer.kernel_h = layer.kernel_w = kernel;
  layer.stride = stride;
  layer.padding = padding;
  layer.groups = groups;
  return layer;
}

TEST(Analyze, ConvShapesMacsParamsAndGemm) {
  Workload w{"one", {16, 32, 32}, {conv_layer("c", 32, 3, 2, 1)}};
  w.layers[0].batch_norm = true;
  const LayerInfo info = analyze(w).front();
  EXPECT_EQ(info.out, (TensorShape{32, 16, 16}));  // floor((32 + 2 - 3) / 2) + 1 = 16
  EXPECT_EQ(info.gemm, (GemmDims{16 * 9, 32, 256, 1}));
  EXPECT_EQ(info.macs, 144 * 32 * 256);
  EXPECT_EQ(info.params, 144 * 32 + 2 * 32);  // weights + BN gamma/beta
}

TEST(Analyze, GroupedConvSplitsTheReduction) {
  Workload w{"dw", {8, 10, 10}, {conv_layer("dw", 8, 3, 1, 1, 8)}};
  const LayerInfo info = analyze(w).front();
  EXPECT_EQ(info.gemm, (GemmDims{9, 1, 100, 8}));
  EXPECT_EQ(info.macs, 8 * 9 * 100);
  EXPECT_EQ(info.params, 8 * 9);
}

TEST(Analyze, FcFlattensItsInput) {
  Layer fc;
  fc.name = "fc";
  fc.type = LayerType::fc;
  fc.out_channels = 10;
  fc.bias = true;
  Workload w{"fc", {4, 2, 2}, {fc}};
  const LayerInfo info = analyze(w).front();
  EXPECT_EQ(info.gemm, (GemmDims{16, 10, 1, 1}));
  EXPECT_EQ(info.macs, 160);
  EXPECT_EQ(info.params, 170);
}

TEST(Analyze, ChangingChannelsPropagatesToConsumers) {
  Workload w = zoo::make("resnet20");
  w.set_out_channels("stage1.block0.conv_a", 24);
  const auto infos = analyze(w);
  for (std::size_t i = 0; i < infos.size(); ++i) {
    if (w.layers[i].name == "stage1.block0.conv_b") {
      EXPECT_EQ(infos[i].in.channels, 24);
      EXPECT_EQ(infos[i].gemm.k, 24 * 9);
    }
  }
  // 16->24 and 24->16 instead of two 16->16 convs at 32x32: MACs grow by 2 * 8*16*9*1024.
  EXPECT_EQ(totals(infos).macs, 40'813'184 + 2 * 8 * 16 * 9 * 1024);
}

TEST(Analyze, MismatchedResidualAddIsRejectedByName) {
  Workload w = zoo::make("resnet20");
  w.set_out_channels("stage1.block0.conv_b", 20);
  try {
    analyze(w);
    FAIL() << "expected an InputError";
  } catch (const core::InputError& error) {
    EXPECT_NE(std::string(error.what()).find("stage1.block0.add"), std::string::npos) << error.what();
  }
}

TEST(Analyze, RejectsBadGraphsWithClearErrors) {
  Workload kernel_too_big{"k", {3, 4, 4}, {conv_layer("c", 8, 7, 1, 0)}};
  EXPECT_THROW(analyze(kernel_too_big), core::InputError);
  Workload zero_channels{"z", {3, 8, 8}, {conv_layer("c", 0, 3, 1, 1)}};
  EXPECT_THROW(analyze(zero_channels), core::InputError);
  Workload bad_groups{"g", {6, 8, 8}, {conv_layer("c", 8, 3, 1, 1, 4)}};
  EXPECT_THROW(analyze(bad_groups), core::InputError);
  Workload unknown_input{"u", {3, 8, 8}, {conv_layer("c", 8, 3, 1, 1)}};
  unknown_input.layers[0].inputs = {"nowhere"};
  EXPECT_THROW(analyze(unknown_input), core::InputError);
  Workload duplicate{"d", {3, 8, 8}, {conv_layer("c", 8, 3, 1, 1), conv_layer("c", 8, 3, 1, 1)}};
  duplicate.layers[1].inputs = {"c"};
  EXPECT_THROW(analyze(duplicate), core::InputError);
  Workload empty{"e", {3, 8, 8}, {}};
  EXPECT_THROW(analyze(empty), core::InputError);
  Workload w = zoo::make("resnet20");
  EXPECT_THROW(w.set_out_channels("pool", 3), core::InputError);
  EXPECT_THROW(w.set_out_channels("conv1", 0), core::InputError);
}

}  // namespace
}  // namespace nce::workloads
