#include <gtest/gtest.h>

#include <map>

#include "nce/core/input_error.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::workloads {
namespace {

std::map<std::string, std::int64_t> macs_by_layer(const Workload& workload) {
  const auto infos = analyze(workload);
  std::map<std::string, std::int64_t> macs;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    if (workload.layers[i].has_weights()) macs[workload.layers[i].name] = infos[i].macs;
  }
  return macs;
}

TEST(ScaleSim, HandWrittenResNet20TopologyHasTheZooModelsPerLayerMacs) {
  const Workload imported = read_workload_file(NCE_SOURCE_DIR "/workloads/topologies/resnet20_cifar.csv");
  EXPECT_EQ(imported.layers.size(), 22u);  // 19 convs + 2 shortcuts + fc
  EXPECT_EQ(macs_by_layer(imported), macs_by_layer(zoo::make("resnet20")));
}

TEST(ScaleSim, ExportThenImportKeepsEveryLayersMacs) {
  for (const char* name : {"resnet20", "resnet18", "resnet50", "vgg16-fmnist"}) {
    const Workload zoo_model = zoo::make(name);
    const Workload imported = scalesim_from_csv(scalesim_to_csv(zoo_model), "export.csv");
    EXPECT_EQ(macs_by_layer(imported), macs_by_layer(zoo_model)) << name;
  }
}

TEST(ScaleSim, PartialLastWindowCountsAsSCALESimDoes) {
  // ofmap = ceil((34 - 3 + 2) / 2) = 17, one more than PyTorch's floor((34 - 3) / 2) + 1 = 16.
  const Workload w = scalesim_from_csv("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
                                       "Channels, Num Filter, Strides,\nc, 34, 34, 3, 3, 16, 32, 2,\n",
                                       "t.csv");
  EXPECT_EQ(analyze(w).front().out, (TensorShape{32, 17, 17}));
}

TEST(ScaleSim, GemmFormatIsMTimesNTimesK) {
  const Workload w = scalesim_from_csv("Layer, M, N, K,\nattn_qk, 128, 64, 256,\n", "g.csv");
  const LayerInfo info = analyze(w).front();
  EXPECT_EQ(info.macs, 128 * 64 * 256);
  EXPECT_EQ(info.gemm, (GemmDims{256, 64, 128, 1}));  // our K (reduction), M (filters), N (output rows)
}

std::string error_of(const std::string& csv) {
  try {
    scalesim_from_csv(csv, "topo.csv");
  } catch (const core::InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(ScaleSim, MalformedFilesNameFileLineAndField) {
  const std::string header =
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";
  EXPECT_EQ(error_of(""), "topo.csv: empty topology file");
  EXPECT_EQ(error_of(header), "topo.csv: topology has a header but no layers");
  EXPECT_EQ(error_of(header + "c, 34, 34, 3, 3, 16,\n"), "topo.csv:2: field 'Num Filter': missing (row has 6 of 8 columns)");
  EXPECT_EQ(error_of(header + "c, 34, x4, 3, 3, 16, 16, 1,\n"), "topo.csv:2: field 'IFMAP Width': expected an integer, got 'x4'");
  EXPECT_EQ(error_of(header + "c, 34, 34, 3, 3, 16, 16, 0,\n"), "topo.csv:2: field 'Strides': must be positive, got 0");
  EXPECT_EQ(error_of(header + "c, 34, 34, 3, 3, -16, 16, 1,\n"), "topo.csv:2: field 'Channels': must be positive, got -16");
  EXPECT_EQ(error_of(header + "c, 34, 34, 3, 3, 16, 16, 1,\n\nd, 2, 2, 3, 3, 16, 16, 1,\n"),
            "topo.csv:4: field 'Filter Height': filter 3x3 is larger than the IFMAP 2x2");
  EXPECT_NE(error_of("a,b,c\n1,2,3\n").find("topo.csv:1: header"), std::string::npos);
  EXPECT_EQ(error_of("Layer, M, N, K,\ng, 4, 0, 2,\n"), "topo.csv:2: field 'N': must be positive, got 0");
}

}  // namespace
}  // namespace nce::workloads
