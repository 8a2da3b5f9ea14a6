// `nce import` end to end on the checked-in fixtures (tests/workloads/onnx/, exported with PyTorch
// by export_fixtures.py): ResNet20 imports as the zoo's network (same layers, 40,813,184 MACs,
// 272,474 params), an unsupported op is refused in one line naming the node and the op, and
// `nce simulate --workload model.onnx` runs the MobileNetV2 block without a detour through YAML.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"

namespace {

using nce::testing::Result;
using nce::testing::slurp;

namespace fs = std::filesystem;

const fs::path kDir = fs::temp_directory_path() / ("nce_import_cli_" + std::to_string(::getpid()));
const std::string kFixtures = std::string(NCE_SOURCE_DIR) + "/tests/workloads/onnx/";

Result nce(const std::string& args) { return nce::testing::run_nce(args, kDir); }

class ImportCli : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(kDir); }
};

TEST_F(ImportCli, ResNet20ImportsAsTheZooNetwork) {
  const fs::path out = kDir / "resnet20.yaml";
  const Result r = nce("import " + kFixtures + "resnet20.onnx --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "resnet20: 32 layers (21 conv, 1 fc, 1 pool, 9 add), input 3x32x32, 40813184 MACs, 272474 params\n"
                   "wrote " + out.string() + " (simulate it with: nce simulate --workload " + out.string() +
                       " --out DIR)\n");
  EXPECT_TRUE(r.err.empty()) << r.err;
  // The written file, read back: every layer (names, wiring, shapes, kernels, precision, GEMM
  // dims, MACs, params) equals the zoo's ResNet20.
  const Result imported = nce("workload show " + out.string() + " --format json");
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const nlohmann::json w = nlohmann::json::parse(imported.out);
  EXPECT_EQ(w["total_macs"], 40'813'184);
  EXPECT_EQ(w["total_params"], 272'474);
  const Result zoo = nce("workload show resnet20 --format json");
  ASSERT_EQ(zoo.exit_code, 0) << zoo.err;
  EXPECT_EQ(w, nlohmann::json::parse(zoo.out));
  // As a SCALE-Sim topology too (no grouped convs in ResNet20): one row per conv and FC.
  const fs::path topology = kDir / "resnet20.csv";
  ASSERT_EQ(nce("import " + kFixtures + "resnet20.onnx --out " + topology.string()).exit_code, 0);
  const std::string csv = slurp(topology);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 22) << csv;
}

// --model, --name; the MobileNetV2 block's MACs and params as export_fixtures.py --counts prints
// them (and tests/workloads/onnx_import_test.cpp derives them): 6,856,944 and 10,202.
TEST_F(ImportCli, MobileNetV2BlockImportsWithItsDepthwiseConvs) {
  const fs::path out = kDir / "block.yaml";
  const Result r = nce("import --model " + kFixtures + "mbv2_block.onnx --name blk --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')),
            "blk: 10 layers (7 conv (2 grouped/depthwise), 1 fc, 1 pool, 1 add), input 3x32x32, 6856944 MACs, 10202 params");
  const nlohmann::json w = nlohmann::json::parse(nce("workload show " + out.string() + " --format json").out);
  EXPECT_EQ(w["name"], "blk");
  EXPECT_EQ(w["total_macs"], 6'856'944);
  EXPECT_EQ(w["total_params"], 10'202);
  int depthwise = 0;
  for (const nlohmann::json& layer : w["layers"]) {
    if (layer.contains("gemm") && layer["gemm"]["groups"].get<int>() > 1) {
      ++depthwise;
      EXPECT_EQ(layer["gemm"]["groups"], 96) << layer["name"];
      EXPECT_EQ(layer["gemm"]["k"], 9) << layer["name"];
      EXPECT_EQ(layer["gemm"]["m"], 1) << layer["name"];
    }
  }
  EXPECT_EQ(depthwise, 2);
  // A topology cannot carry groups: refused in one line, nothing written.
  const Result csv = nce("import " + kFixtures + "mbv2_block.onnx --out " + (kDir / "block.csv").string());
  EXPECT_EQ(csv.exit_code, 2);
  EXPECT_EQ(csv.err, "nce import: layer 'block0.dw': grouped convolutions have no SCALE-Sim topology form\n");
  EXPECT_FALSE(fs::exists(kDir / "block.csv"));
}

TEST_F(ImportCli, UnsupportedOpIsOneLineNamingTheNodeAndTheOp) {
  const fs::path out = kDir / "unsupported.yaml";
  const Result r = nce("import " + kFixtures + "unsupported_op.onnx --out " + out.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.err.starts_with("nce import: " + kFixtures + "unsupported_op.onnx: node '/gate/Sigmoid' (op Sigmoid) is "
                                                             "not supported (nce imports Conv,"))
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ImportCli, BadInputIsOneLineAndExitTwo) {
  const fs::path out = kDir / "x.yaml";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {kFixtures + "resnet20.onnx --out " + (kDir / "x.txt").string(), "expected a .yaml, .yml or .csv file"},
      {kFixtures + "export_fixtures.py --out " + out.string(), "expected an .onnx file"},
      {"/nonexistent/model.onnx --out " + out.string(), "cannot open"},
      {kFixtures + "resnet20.onnx", "the option '--out' is required but missing"},
      {kFixtures + "resnet20.onnx --out /nonexistent/dir/x.yaml", "/nonexistent/dir/x.yaml"},
  };
  for (const auto& [args, message] : cases) {
    const Result r = nce("import " + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("nce import: ")) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << args << ": " << r.err;
    EXPECT_FALSE(fs::exists(out)) << args;
  }
}

// `--workload model.onnx`: the block simulates as imported. Its layers and MACs (stem 27 x 16 x
// 1024, depthwise 9 x 96 x 1024 and 9 x 96 x 256, FC 24 x 10), and the same files as simulating
// the imported YAML.
TEST_F(ImportCli, SimulateTakesAnOnnxWorkload) {
  const fs::path direct = kDir / "direct";
  const Result r = nce("simulate --workload " + kFixtures + "mbv2_block.onnx --out " + direct.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("mbv2_block on 16x16 ws: ")) << r.out;
  std::ifstream csv(direct / "layers.csv");
  std::string line;
  std::getline(csv, line);
  std::vector<std::string> names;
  std::int64_t macs = 0;
  std::map<std::string, std::int64_t> layer_macs;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
    names.push_back(cells.at(1));
    layer_macs[cells.at(1)] = std::stoll(cells.at(4));
    macs += std::stoll(cells.at(4));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"stem", "block0.expand", "block0.dw", "block0.project", "block0.add",
                                             "block1.expand", "block1.dw", "block1.project", "pool", "fc"}));
  EXPECT_EQ(macs, 6'856'944);
  EXPECT_EQ(layer_macs["stem"], 27 * 16 * 1024);
  EXPECT_EQ(layer_macs["block0.dw"], 9 * 96 * 1024);
  EXPECT_EQ(layer_macs["block1.dw"], 9 * 96 * 256);
  EXPECT_EQ(layer_macs["fc"], 24 * 10);
  const nlohmann::json summary = nlohmann::json::parse(slurp(direct / "summary.json"));
  EXPECT_EQ(summary["workload"], "mbv2_block");
  EXPECT_EQ(summary["macs"], 6'856'944);
  bool explained = false;  // the depthwise layer's low utilization is explained
  for (const nlohmann::json& note : summary["low_utilization"]) {
    if (note["layer"] == "block0.dw") {
      explained = note["reasons"][0].get<std::string>().starts_with("depthwise conv: each of its 96 groups");
    }
  }
  EXPECT_TRUE(explained) << summary["low_utilization"].dump();

  const fs::path yaml = kDir / "mbv2_block.yaml";
  ASSERT_EQ(nce("import " + kFixtures + "mbv2_block.onnx --out " + yaml.string()).exit_code, 0);
  const fs::path via_yaml = kDir / "via-yaml";
  ASSERT_EQ(nce("simulate --workload " + yaml.string() + " --out " + via_yaml.string()).exit_code, 0);
  EXPECT_EQ(slurp(via_yaml / "layers.csv"), slurp(direct / "layers.csv"));
  EXPECT_EQ(slurp(via_yaml / "COMPUTE_REPORT.csv"), slurp(direct / "COMPUTE_REPORT.csv"));
}

}  // namespace
