// `nce cost-table` end to end: the table JSON, the width multipliers, the disk cache (hit on a
// rerun, miss after a config change), --validate against SystemC, the staircase, and bad input
// as one line on stderr with exit code 2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli.hpp"

namespace {

using nce::testing::Result;
using nce::testing::slurp;

const std::filesystem::path kDir =
    std::filesystem::temp_directory_path() / ("nce_cost_table_cli_" + std::to_string(::getpid()));

Result run(const std::string& args) { return nce::testing::run_nce("cost-table " + args, kDir); }

// "N entries (E layer variants evaluated, C from cache ..." -> {E, C}
std::pair<int, int> evaluated_and_cached(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"((\d+) layer variants evaluated, (\d+) from cache)"))) return {-1, -1};
  return {std::stoi(m[1]), std::stoi(m[2])};
}

class CostTableCli : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(kDir); }
};

TEST_F(CostTableCli, BuildsCachesAndValidates) {
  const std::string cache = (kDir / "cache").string();
  const std::string json = (kDir / "table.json").string();
  const std::string args = "--workload resnet20 --widths 0.25:2.0:0.125 --cache-dir " + cache + " --out " + json;
  Result r = run(args + " --validate 6 --seed 5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("validate: 6 of 6 random entries equal the SystemC model"), std::string::npos) << r.out;
  const auto [evaluated, cached] = evaluated_and_cached(r.out);
  EXPECT_GT(evaluated, 0);
  EXPECT_EQ(cached, 0);
  const nlohmann::json first = nlohmann::json::parse(slurp(json));
  EXPECT_EQ(first.at("model"), "analytical");
  // Multipliers 0.25..2.0 step 0.125 of stage1's 16 channels: 4, 6, ..., 32.
  bool found = false;
  for (const auto& layer : first.at("layers")) {
    if (layer.at("name") != "stage1.block0.conv_b") continue;
    found = true;
    std::vector<int> expected;
    for (int w = 4; w <= 32; w += 2) expected.push_back(w);
    EXPECT_EQ(layer.at("in_widths").get<std::vector<int>>(), expected);
    EXPECT_EQ(layer.at("out_widths").get<std::vector<int>>(), expected);
    EXPECT_EQ(layer.at("cycles").size(), expected.size());
  }
  EXPECT_TRUE(found);

  // Rerun: every variant from the cache, the same table.
  r = run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(evaluated_and_cached(r.out), std::make_pair(0, evaluated));
  EXPECT_EQ(nlohmann::json::parse(slurp(json)), first);

  // A changed config never reuses an entry.
  r = run(args + " --set dram.bytes_per_cycle=1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(evaluated_and_cached(r.out), std::make_pair(evaluated, 0));
}

TEST_F(CostTableCli, StaircaseStepsAtTheArrayWidth) {
  const std::string svg = (kDir / "staircase.svg").string();
  const Result r = run("--workload resnet20 --staircase stage1.block0.conv_b --svg " + svg);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<int, long> cycles;
  std::stringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex(R"(\s*(\d+)\s+(\d+)\s+(\d+))"))) cycles[std::stoi(m[1])] = std::stol(m[2]);
  }
  ASSERT_EQ(cycles.size(), 32u);  // 1 .. 2 x 16 output channels
  // On the 16-column default array the 17th channel starts a second column fold: a jump larger
  // than any change between 1 and 16 channels.
  long within = 0;
  for (int c = 1; c < 16; ++c) within = std::max(within, std::labs(cycles[c + 1] - cycles[c]));
  EXPECT_GT(cycles[17] - cycles[16], 4 * within);
  EXPECT_EQ(slurp(svg).rfind("<svg", 0), 0u);
}

TEST_F(CostTableCli, BadInputIsOneLineAndExitTwo) {
  for (const char* args : {"--workload resnet20 --widths 2:1:1", "--workload resnet20 --widths 0.5,x",
                           "--workload resnet20 --model magic", "--workload resnet20 --staircase nosuch",
                           "--workload nosuch", "--workload resnet20 --model shape --validate 3"}) {
    const Result r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  }
}

}  // namespace
