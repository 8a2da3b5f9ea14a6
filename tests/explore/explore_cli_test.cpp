// `nce explore` end to end: the outputs of a small grid (a point's totals equal `nce simulate`'s,
// the fronts in points.json equal the brute-force fronts of its points, --validate), the spec
// file, bad input (one line on stderr, exit 2, nothing written), rerunning a finished spec,
// refusing another one, and shards merged into the single-process result.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <map>

#include "cli_support.hpp"

namespace nce::explore::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::temp_directory_path() / fmt::format("nce_explore_cli_{}", ::getpid());
const std::string kGrid = "--workload resnet20 --array 8x8,16x16 --dataflow ws,os --widths 0.5,1";

class ExploreCli : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(kDir); }
  static Result run(const std::string& args) { return run_explore(args, kDir / "io"); }
};

bool dominates(const nlohmann::json& a, const nlohmann::json& b, const std::vector<std::string>& metrics) {
  bool strictly = false;
  for (const std::string& m : metrics) {
    const double x = a.at("metrics").at(m), y = b.at("metrics").at(m);
    if (x > y) return false;
    if (x < y) strictly = true;
  }
  return strictly;
}

TEST_F(ExploreCli, SmallGridWritesEveryOutputWithTheSimulatorsTotalsAndExactFronts) {
  const fs::path out = kDir / "grid";
  const Result r = run(kGrid + " --validate 3 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("validate: 3 of 3 points equal the SystemC model in every statistic"), std::string::npos) << r.out;
  for (const char* file : {"spec.json", "points.jsonl", "points.csv", "points.json", "pareto.csv", "report.html"}) {
    EXPECT_TRUE(fs::exists(out / file)) << file;
  }
  EXPECT_EQ(lines_of(slurp(out / "points.csv")).size(), 1u + 8);
  const std::vector<nlohmann::json> log = records(out / "points.jsonl");
  EXPECT_EQ(log.size(), 8u);
  EXPECT_EQ(keys_of(log).size(), 8u);

  // One point against `nce simulate` on the same accelerator.
  const nlohmann::json json = nlohmann::json::parse(slurp(out / "points.json"));
  const nlohmann::json* point = nullptr;
  for (const nlohmann::json& p : json.at("points")) {
    if (p.at("key") == "resnet20|x1|16x16|os||") point = &p;
  }
  ASSERT_NE(point, nullptr);
  const fs::path sim = kDir / "sim";
  const std::string command = fmt::format("SC_COPYRIGHT_MESSAGE=DISABLE {} simulate --workload resnet20 --array 16x16 "
                                          "--dataflow os --out {} > /dev/null 2>&1",
                                          NCE_BINARY, sim.string());
  ASSERT_EQ(std::system(command.c_str()), 0);
  const nlohmann::json summary = nlohmann::json::parse(slurp(sim / "summary.json"));
  EXPECT_EQ(point->at("metrics").at("cycles").get<double>(), summary.at("total_cycles").get<double>());
  EXPECT_EQ(point->at("metrics").at("energy_pj").get<double>(), summary.at("total_energy_pj").get<double>());
  EXPECT_EQ(point->at("metrics").at("utilization").get<double>(), summary.at("utilization").get<double>());
  EXPECT_NE(point->at("area_source").get<std::string>().find("Mistry"), std::string::npos);

  // The default front (cycles x energy x area) per workload equals the brute-force one.
  const std::vector<std::string> objectives = {"cycles", "energy_pj", "area_mm2"};
  ASSERT_EQ(json.at("fronts").size(), 1u);
  const nlohmann::json& front = json.at("fronts").at(0);
  EXPECT_EQ(front.at("objectives").get<std::vector<std::string>>(), objectives);
  std::vector<std::size_t> expected;
  for (const nlohmann::json& p : json.at("points")) {
    bool dominated = false;
    for (const nlohmann::json& q : json.at("points")) dominated = dominated || dominates(q, p, objectives);
    if (!dominated) expected.push_back(p.at("index"));
  }
  EXPECT_EQ(front.at("indices").get<std::vector<std::size_t>>(), expected);
  EXPECT_EQ(lines_of(slurp(out / "pareto.csv")).size(), 1 + expected.size());
}

TEST_F(ExploreCli, BadInputIsOneLineExitTwoAndWritesNothing) {
  const fs::path wrong_shape = kDir / "fmnist.yaml";
  fs::create_directories(kDir);
  ASSERT_EQ(std::system(fmt::format("{} workload export resnet20-fmnist --out {} > /dev/null", NCE_BINARY,
                                    wrong_shape.string())
                            .c_str()),
            0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--array 8x8", "empty grid"},
      {"--workload resnet20 --set buffers.ifmap.capacity_kb=32", "unknown field 'buffers.ifmap.capacity_kb'"},
      {"--workload resnet20 --array 0x0", "rows and columns must be at least 1"},
      {"--workload resnet20 --array 16xsixteen", "expected ROWSxCOLS"},
      {"--workload resnet20 --array 8x8,", "empty item"},
      {"--workload resnet20 --widths 0.01", "with 0 channels"},
      {"--workload resnet20 --constraint 'speed<=1'", "names no metric 'speed'"},
      {fmt::format("--workload resnet20 --networks {}", wrong_shape.string()), "input 1x28x28 differs from resnet20's 3x32x32"},
      {"--workload resnet20 --stage-widths 1,2", "has 3 stages"},
      {"--workload vgg16 --stage-widths 1,2", "vgg16 has no stages"},
      {"--workload resnet20 --dataflow ws,xs", "unknown dataflow 'xs'"},
      {"--workload resnet20 --pareto cycles", "at least two metrics"},
      {"--workload resnet20 --shard 2/2", "needs 0 <= i < N"},
      {"--workload resnet20 --widths 2:1:0.5", "the end is below the start"},
      {"--workload resnet20 --search --widths 1", "--search chooses the channel widths"},
      {"--workload resnet20 --search --hw-loss flops", "use latency or energy"},
      {"--workload nosuchnet", "nosuchnet"},
  };
  for (const auto& [args, message] : cases) {
    const fs::path out = kDir / "bad";
    const Result r = run(args + " --out " + out.string());
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("nce explore: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << args << "\n" << r.err;
    EXPECT_FALSE(fs::exists(out)) << args;
  }
}

TEST_F(ExploreCli, RerunSkipsFinishedPointsAndAnotherSpecIsRefusedUnlessForced) {
  const fs::path out = kDir / "rerun";
  ASSERT_EQ(run(kGrid + " --out " + out.string()).exit_code, 0);
  const std::string first = slurp(out / "points.jsonl");
  // Same spec, other report flags: nothing is evaluated again.
  Result r = run(kGrid + " --constraint 'area_mm2<=0.9' --pareto cycles,energy --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("8 finished before, 0 to evaluate"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(out / "points.jsonl"), first);
  EXPECT_NE(r.out.find("under area_mm2<=0.9"), std::string::npos) << r.out;
  // Another spec in the same directory.
  r = run(fmt::format("--workload resnet20 --array 8x8 --out {}", out.string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("holds the points of another spec"), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_EQ(slurp(out / "points.jsonl"), first);
  r = run(fmt::format("--workload resnet20 --array 8x8 --force --out {}", out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(records(out / "points.jsonl").size(), 1u);
  bool set_aside = false;
  for (const auto& entry : fs::directory_iterator(out)) {
    set_aside = set_aside || entry.path().filename().string().starts_with("points.jsonl.replaced-");
  }
  EXPECT_TRUE(set_aside);
}

TEST_F(ExploreCli, ShardsMergedEqualTheSingleProcessRun) {
  const std::string grid = kGrid + " --set buffers.weight.capacity_kib=16,64";
  ASSERT_EQ(run(grid + " --out " + (kDir / "single").string()).exit_code, 0);
  std::string dirs;
  for (int i = 0; i < 3; ++i) {
    const fs::path shard = kDir / fmt::format("shard{}", i);
    const Result r = run(grid + fmt::format(" --shard {}/3 --out {}", i, shard.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LT(records(shard / "points.jsonl").size(), 16u);
    dirs += fmt::format(" {}", shard.string());
  }
  const Result r = run(fmt::format("merge{} --out {}", dirs, (kDir / "merged").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("16 of the grid's 16 points"), std::string::npos) << r.out;
  for (const char* file : {"points.csv", "pareto.csv", "points.json", "spec.json"}) {
    EXPECT_EQ(slurp(kDir / "merged" / file), slurp(kDir / "single" / file)) << file;
  }
  // A directory of another spec is refused.
  ASSERT_EQ(run(fmt::format("--workload resnet20 --array 8x8 --out {}", (kDir / "other").string())).exit_code, 0);
  const Result bad = run(fmt::format("merge {} {} --out {}", (kDir / "shard0").string(), (kDir / "other").string(),
                                     (kDir / "merged2").string()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("holds spec"), std::string::npos) << bad.err;
}

TEST_F(ExploreCli, SpecFileEqualsTheFlagsAndFlagsReplaceItsKeys) {
  const fs::path spec = kDir / "grid.yaml";
  fs::create_directories(kDir);
  std::ofstream(spec) << "workload: resnet20\narray: [8x8, 16x16]\ndataflow: [ws, os]\nwidths: [0.5, 1]\n"
                         "set: {buffers.weight.capacity_kib: [16, 64]}\nconstraint: [\"area_mm2<=2\"]\n";
  ASSERT_EQ(run(kGrid + " --set buffers.weight.capacity_kib=16,64 --out " + (kDir / "flags").string()).exit_code, 0);
  const Result r = run(fmt::format("--spec {} --out {}", spec.string(), (kDir / "file").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(kDir / "file" / "spec.json")).at("hash"),
            nlohmann::json::parse(slurp(kDir / "flags" / "spec.json")).at("hash"));
  const Result replaced = run(fmt::format("--spec {} --array 32x32 --out {}", spec.string(), (kDir / "replaced").string()));
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(records(kDir / "replaced" / "points.jsonl").size(), 1u * 2 * 2 * 2);
}

}  // namespace
}  // namespace nce::explore::testing
