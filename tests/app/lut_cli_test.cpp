// `nce lut` end to end: both formats written with the same entries, every cell equal to
// `nce cost-table`'s (the analytical model) and to `nce simulate`'s SystemC cycles for the same
// layer, width and precision, and bad input as one line on stderr with exit code 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/cli.hpp"

namespace {

using nce::testing::Result;
using nce::testing::slurp;

namespace fs = std::filesystem;

const fs::path kDir = fs::temp_directory_path() / ("nce_lut_cli_" + std::to_string(::getpid()));

Result nce(const std::string& args) { return nce::testing::run_nce(args, kDir); }

nlohmann::json run_json(const std::string& args, const fs::path& file) {
  const Result r = nce(args);
  EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
  return nlohmann::json::parse(slurp(file));
}

// lut.csv as rows of column -> cell (no quoted fields: keys and layer lists hold no commas).
std::vector<std::map<std::string, std::string>> read_csv(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    if (header.empty()) {
      header = cells;
      continue;
    }
    EXPECT_EQ(cells.size(), header.size()) << line;
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < std::min(cells.size(), header.size()); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

// The LUT key of a conv/fc layer of `nce workload show --format json` at other channel counts.
std::string key_of(const nlohmann::json& layer, int in_c, int out_c, const std::string& bits) {
  const nlohmann::json& in = layer["input_shape"];
  const nlohmann::json& out = layer["output_shape"];
  if (layer["type"] == "fc") return fmt::format("fc-input:1x1x{}-output:1x1x{}-bits:{}", in_c, out_c, bits);
  return fmt::format("conv-input:{}x{}x{}-output:{}x{}x{}-kernel:{}-stride:{}-pad:{}-bits:{}", in["height"].get<int>(),
                     in["width"].get<int>(), in_c, out["height"].get<int>(), out["width"].get<int>(), out_c,
                     layer["kernel"][0].get<int>(), layer["stride"].get<int>(), layer["padding"].get<int>(), bits);
}

class LutCli : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(kDir); }
};

// ResNet20 has 9 distinct conv/fc geometries: conv1, the 3x3 convs of each stage (3), the two
// stride-2 conv_a, the two 1x1 shortcuts and the FC; their 22 layers cover its 40,813,184 MACs.
TEST_F(LutCli, WritesJsonAndCsvWithTheSameEntries) {
  const fs::path out = kDir / "lut";
  const Result r = nce("lut --workload resnet20 --cache-dir none --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "9 entries (default-16x16 on 16x16 ws, model analytical) from 1 workload\nwrote " +
                       (out / "lut.json").string() + "\nwrote " + (out / "lut.csv").string() + "\n");
  // ordered_json: the entries in the file's order (first use), which lut.csv's rows follow.
  const nlohmann::ordered_json lut = nlohmann::ordered_json::parse(slurp(out / "lut.json"));
  EXPECT_EQ(lut["format"], "nce-lut/1");
  EXPECT_EQ(lut["workloads"], nlohmann::ordered_json{"resnet20"});
  EXPECT_EQ(lut["model"], "analytical");
  EXPECT_EQ(lut["config"]["name"], "default-16x16");
  EXPECT_EQ(lut["config"]["array"], "16x16");
  EXPECT_EQ(lut["config"]["dataflow"], "ws");
  EXPECT_EQ(lut["config"]["clock_mhz"], 500.0);
  const nlohmann::ordered_json& entries = lut["entries"];
  ASSERT_EQ(entries.size(), 9u);

  const auto csv = read_csv(out / "lut.csv");
  ASSERT_EQ(csv.size(), 9u);
  std::int64_t macs = 0;
  std::size_t layers = 0;
  auto row = csv.begin();
  for (const auto& [key, e] : entries.items()) {  // the same keys, in the same order, the same figures
    EXPECT_EQ(row->at("key"), key);
    EXPECT_EQ(row->at("cycles"), std::to_string(e["cycles"].get<std::int64_t>())) << key;
    EXPECT_EQ(row->at("macs"), std::to_string(e["macs"].get<std::int64_t>())) << key;
    EXPECT_EQ(row->at("passes"), std::to_string(e["passes"].get<int>())) << key;
    EXPECT_EQ(row->at("latency_us"), fmt::format("{:.6f}", e["latency_us"].get<double>())) << key;
    EXPECT_EQ(row->at("energy_pj"), fmt::format("{:.3f}", e["energy_pj"].get<double>())) << key;
    EXPECT_EQ(row->at("op"), e["op"]) << key;
    std::string joined;
    for (const auto& l : e["layers"]) {
      if (!joined.empty()) joined += ';';
      joined += l.get<std::string>();
    }
    EXPECT_EQ(row->at("layers"), joined) << key;
    // Units: latency_us = cycles at 500 MHz; mean in milliseconds (once-for-all's convention).
    EXPECT_DOUBLE_EQ(e["latency_us"].get<double>(), double(e["cycles"].get<std::int64_t>()) / 500.0) << key;
    EXPECT_DOUBLE_EQ(e["mean"].get<double>(), e["latency_us"].get<double>() / 1e3) << key;
    EXPECT_DOUBLE_EQ(e["utilization"].get<double>(), double(e["macs"].get<std::int64_t>()) * e["passes"].get<int>() /
                                                         (256.0 * double(e["cycles"].get<std::int64_t>())))
        << key;
    macs += e["macs"].get<std::int64_t>() * std::int64_t(e["layers"].size());
    layers += e["layers"].size();
    ++row;
  }
  EXPECT_EQ(layers, 22u);
  EXPECT_EQ(macs, 40'813'184);
  // Two entries by hand: conv1 (3 -> 16 channels, 3x3, 32x32, W8A8: 27 x 16 x 1024 MACs, 432
  // weights + 32 BN parameters, 5 x 4 digit passes) and the FC (64 -> 10, W8A8, 640 + 10 params).
  const nlohmann::ordered_json& conv1 = entries["conv-input:32x32x3-output:32x32x16-kernel:3-stride:1-pad:1-bits:w8a8"];
  EXPECT_EQ(conv1["macs"], 442368);
  EXPECT_EQ(conv1["params"], 464);
  EXPECT_EQ(conv1["passes"], 20);
  EXPECT_EQ(conv1["op"], "conv");
  EXPECT_EQ(conv1["input"], (nlohmann::ordered_json{32, 32, 3}));
  EXPECT_EQ(conv1["output"], (nlohmann::ordered_json{32, 32, 16}));
  EXPECT_EQ(conv1["kernel"], (nlohmann::ordered_json{3, 3}));
  EXPECT_EQ(conv1["weight_bits"], 8);
  EXPECT_EQ(conv1["nn_meter"]["kernel"], "conv-bn-relu");
  EXPECT_EQ(conv1["nn_meter"]["HW"], 32);
  EXPECT_EQ(conv1["nn_meter"]["CIN"], 3);
  EXPECT_EQ(conv1["nn_meter"]["COUT"], 16);
  EXPECT_EQ(conv1["layers"], nlohmann::ordered_json{"resnet20/conv1"});
  const nlohmann::ordered_json& fc = entries["fc-input:1x1x64-output:1x1x10-bits:w8a8"];
  EXPECT_EQ(fc["macs"], 640);
  EXPECT_EQ(fc["params"], 650);
  EXPECT_EQ(fc["op"], "fc");
  EXPECT_EQ(entries["conv-input:32x32x16-output:32x32x16-kernel:3-stride:1-pad:1-bits:w2a2"]["layers"],
            (nlohmann::ordered_json{"resnet20/stage1.block0.conv_a", "resnet20/stage1.block0.conv_b", "resnet20/stage1.block1.conv_a",
                            "resnet20/stage1.block1.conv_b", "resnet20/stage1.block2.conv_a", "resnet20/stage1.block2.conv_b"}));

  // --out F.json and --out F.csv write that file only, with the same content.
  ASSERT_EQ(nce("lut --workload resnet20 --cache-dir none --out " + (kDir / "one.json").string()).exit_code, 0);
  ASSERT_EQ(nce("lut --workload resnet20 --cache-dir none --out " + (kDir / "one.csv").string()).exit_code, 0);
  EXPECT_EQ(slurp(kDir / "one.json"), slurp(out / "lut.json"));
  EXPECT_EQ(slurp(kDir / "one.csv"), slurp(out / "lut.csv"));
}

// Every cell of `nce cost-table --widths 0.5,1` (each layer at each of its in/out widths) is in the
// LUT with the same cycles and energy; at the network's own widths, `nce simulate` (SystemC)
// gives the same cycles for every layer the entry lists.
TEST_F(LutCli, CellsEqualTheCostTableAndTheSimulation) {
  const nlohmann::json lut = run_json("lut --workload resnet20 --widths 0.5,1 --cache-dir none --out " +
                                          (kDir / "lut.json").string(),
                                      kDir / "lut.json");
  const nlohmann::json& entries = lut["entries"];
  const nlohmann::json table = run_json("cost-table --workload resnet20 --widths 0.5,1 --cache-dir none --out " +
                                            (kDir / "table.json").string(),
                                        kDir / "table.json");
  const nlohmann::json shapes = nlohmann::json::parse(nce("workload show resnet20 --format json").out);
  std::size_t cells = 0;
  for (const nlohmann::json& t : table["layers"]) {
    const nlohmann::json& layer = shapes["layers"][t["index"].get<std::size_t>()];
    ASSERT_EQ(layer["name"], t["name"]);
    const std::string bits = fmt::format("w{}a{}", layer["weight_bits"].get<int>(), layer["act_bits"].get<int>());
    for (std::size_t i = 0; i < t["in_widths"].size(); ++i) {
      for (std::size_t j = 0; j < t["out_widths"].size(); ++j) {
        const std::string key = key_of(layer, t["in_widths"][i].get<int>(), t["out_widths"][j].get<int>(), bits);
        ASSERT_TRUE(entries.contains(key)) << t["name"] << ": " << key;
        EXPECT_EQ(entries[key]["cycles"], t["cycles"][i][j]) << key;
        EXPECT_EQ(entries[key]["energy_pj"].get<double>(), t["energy_pj"][i][j].get<double>()) << key;
        EXPECT_EQ(entries[key]["macs"], t["macs"][i][j]) << key;
        EXPECT_EQ(entries[key]["params"], t["params"][i][j]) << key;
        ++cells;
      }
    }
  }
  EXPECT_GT(cells, 22u);  // widths 0.5 and 1 of the searchable layers, one cell for the others
  // One cell by name: stage2.block1.conv_a (16x16, 3x3, input 32 channels) at half its output width.
  const nlohmann::json& conv_a = *std::find_if(table["layers"].begin(), table["layers"].end(),
                                               [](const nlohmann::json& t) { return t["name"] == "stage2.block1.conv_a"; });
  EXPECT_EQ(conv_a["in_widths"], nlohmann::json{32});
  EXPECT_EQ(conv_a["out_widths"], (nlohmann::json{16, 32}));
  EXPECT_EQ(entries["conv-input:16x16x32-output:16x16x16-kernel:3-stride:1-pad:1-bits:w2a2"]["cycles"], conv_a["cycles"][0][0]);

  // SystemC at the network's widths.
  const Result sim = nce("simulate --workload resnet20 --out " + (kDir / "sim").string());
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  std::map<std::string, std::string> cycles;  // layers.csv: layer -> cycles
  std::ifstream csv(kDir / "sim" / "layers.csv");
  std::string line;
  std::getline(csv, line);
  while (std::getline(csv, line)) {
    std::vector<std::string> cells_of_line;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');) cells_of_line.push_back(cell);
    cycles[cells_of_line.at(1)] = cells_of_line.at(7);  // layer_id, layer, type, precision, macs, array_macs, passes, cycles
  }
  std::size_t simulated = 0;
  std::int64_t network = 0;
  for (const auto& [key, e] : entries.items()) {
    for (const auto& name : e["layers"]) {
      const std::string layer = name.get<std::string>().substr(std::string("resnet20/").size());
      EXPECT_EQ(cycles.at(layer), std::to_string(e["cycles"].get<std::int64_t>())) << layer << " " << key;
      network += e["cycles"].get<std::int64_t>();
      ++simulated;
    }
  }
  EXPECT_EQ(simulated, 22u);
  // Layers run one after another and pool/add cost nothing on the array: the network's cycles
  // are the sum of its entries (docs/LUT.md).
  EXPECT_EQ(network, nlohmann::json::parse(slurp(kDir / "sim" / "summary.json"))["total_cycles"].get<std::int64_t>());
}

// --precisions prices every geometry at each precision: 9 geometries x 3 = 27 entries, with
// 1, 6 and 20 digit passes. conv1 at W2A2 equals `nce simulate` of ResNet20 with conv1 set to 2 bits.
TEST_F(LutCli, PrecisionsFlagPricesEveryGeometryAtEachPrecision) {
  const nlohmann::json lut = run_json("lut --workload resnet20 --precisions W2A2,W4A4,W8A8 --cache-dir none --out " +
                                          (kDir / "p.json").string(),
                                      kDir / "p.json");
  const nlohmann::json& entries = lut["entries"];
  EXPECT_EQ(entries.size(), 27u);
  const std::map<std::string, int> passes = {{"w2a2", 1}, {"w4a4", 6}, {"w8a8", 20}};
  for (const auto& [key, e] : entries.items()) {
    EXPECT_EQ(e["passes"], passes.at(key.substr(key.rfind(':') + 1))) << key;
  }
  const std::string conv1 = "conv-input:32x32x3-output:32x32x16-kernel:3-stride:1-pad:1-bits:";
  EXPECT_EQ(entries[conv1 + "w2a2"]["macs"], 442368);
  EXPECT_EQ(entries[conv1 + "w8a8"]["macs"], 442368);
  EXPECT_EQ(entries[conv1 + "w2a2"]["weight_bits"], 2);

  // ResNet20 with a 2-bit conv1, through the SystemC model.
  ASSERT_EQ(nce("workload export resnet20 --out " + (kDir / "r20.yaml").string()).exit_code, 0);
  std::string yaml = slurp(kDir / "r20.yaml");
  const std::regex conv1_bits("(\\{name: conv1, [^}]*)weight_bits: 8, act_bits: 8");
  ASSERT_TRUE(std::regex_search(yaml, conv1_bits)) << yaml.substr(0, 400);
  yaml = std::regex_replace(yaml, conv1_bits, "$1weight_bits: 2, act_bits: 2", std::regex_constants::format_first_only);
  std::ofstream(kDir / "r20-w2.yaml") << yaml;
  const Result sim = nce("simulate --workload " + (kDir / "r20-w2.yaml").string() + " --out " + (kDir / "sim").string());
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  std::ifstream csv(kDir / "sim" / "layers.csv");
  std::string header, first;
  std::getline(csv, header);
  std::getline(csv, first);
  EXPECT_TRUE(first.starts_with("0,conv1,conv,W2A2,442368,442368,1,")) << first;
  EXPECT_TRUE(first.starts_with("0,conv1,conv,W2A2,442368,442368,1," + std::to_string(entries[conv1 + "w2a2"]["cycles"].get<std::int64_t>()) + ","))
      << first << " vs " << entries[conv1 + "w2a2"]["cycles"];
}

TEST_F(LutCli, BadInputIsOneLineAndExitTwo) {
  const fs::path out = kDir / "bad";
  const std::string fixtures = std::string(NCE_SOURCE_DIR) + "/tests/workloads/onnx/";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--workload resnet20 --out " + (kDir / "lut.txt").string(), "': expected a .json or .csv file, or a directory"},
      {"--workload resnet20 --precisions W3 --out " + out.string(), "precision 'W3': expected W<bits>A<bits>, e.g. W2A2"},
      {"--workload resnet20 --precisions W2A2,W0A2 --out " + out.string(), "precision 'W0A2': bit widths must lie in 1..16"},
      {"--workload nosuch --out " + out.string(), "'nosuch' is neither a model name"},
      {"--workload resnet20 --widths 0:1:0.25 --out " + out.string(), "--widths: '0' is not a positive number"},
      {"--workload resnet20 --widths 1:0.5:0.25 --out " + out.string(), "the end is below the start"},
      {"--workload resnet20 --widths abc --out " + out.string(), "--widths: 'abc' is not a positive number"},
      {"--workload resnet20 --model nosuch --out " + out.string(), "unknown cost model 'nosuch'"},
      {"--workload resnet20 --array 0x16 --out " + out.string(), "--array '0x16'"},
      {"--workload resnet20 --set array.dataflow=xs --out " + out.string(), "xs"},
      {"--out " + out.string(), "the option '--workload' is required but missing"},
      {"--workload " + fixtures + "unsupported_op.onnx --out " + out.string(), "node '/gate/Sigmoid' (op Sigmoid) is not supported"},
  };
  for (const auto& [args, message] : cases) {
    const Result r = nce("lut " + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("nce lut: ")) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << args << ": " << r.err;
    EXPECT_FALSE(fs::exists(out)) << args;
    EXPECT_FALSE(fs::exists(kDir / "lut.txt")) << args;
  }
}

}  // namespace
