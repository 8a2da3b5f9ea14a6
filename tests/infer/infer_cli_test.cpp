// `nce infer` end to end: a tiny network trained by `nce train` on Fashion-MNIST runs on the
// array (behavioural and RTL), writes its files and meets the agreement threshold; bad input is
// one line on stderr and exit 2 before any work.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "nce/core/atomic_file.hpp"
#include "support/cli.hpp"

namespace {

using nce::testing::Result;
using nce::testing::slurp;

namespace fs = std::filesystem;

const fs::path kDir = fs::temp_directory_path() / ("nce_infer_cli_" + std::to_string(::getpid()));

struct RemoveScratch : ::testing::Environment {
  void TearDown() override { fs::remove_all(kDir); }
};
[[maybe_unused]] ::testing::Environment* const kRemoveScratch = ::testing::AddGlobalTestEnvironment(new RemoveScratch);

Result nce(const std::string& args) { return nce::testing::run_nce(args, kDir); }

constexpr const char* kTinyModel = R"(format: nce-workload/1
name: infer-cli-tiny
input: {channels: 1, height: 28, width: 28}
layers:
  - {name: conv1, type: conv, inputs: [], out_channels: 8, kernel: 3, stride: 1, padding: 1, weight_bits: 8, act_bits: 8, batch_norm: true, relu: true}
  - {name: pool1, type: pool, pool: max, kernel: 2, stride: 2}
  - {name: b.conv_a, type: conv, out_channels: 8, kernel: 3, stride: 1, padding: 1, batch_norm: true, relu: true, searchable: true}
  - {name: b.conv_b, type: conv, out_channels: 8, kernel: 3, stride: 1, padding: 1, batch_norm: true, searchable: true}
  - {name: b.add, type: add, inputs: [b.conv_b, pool1], relu: true}
  - {name: d.conv_a, type: conv, out_channels: 16, kernel: 3, stride: 2, padding: 1, batch_norm: true, relu: true, searchable: true}
  - {name: d.conv_b, type: conv, out_channels: 16, kernel: 3, stride: 1, padding: 1, batch_norm: true, searchable: true}
  - {name: d.shortcut, type: conv, inputs: [b.add], out_channels: 16, kernel: 1, stride: 2, weight_bits: 8, act_bits: 8, batch_norm: true}
  - {name: d.add, type: add, inputs: [d.conv_b, d.shortcut], relu: true}
  - {name: gap, type: pool, pool: global_avg}
  - {name: fc, type: fc, out_channels: 10, weight_bits: 8, act_bits: 8, bias: true}
)";

// One tiny training run (and one in float) shared by the tests of this binary.
const fs::path& tiny_run() {
  static const fs::path run = [] {
    const fs::path dir = kDir / "run";
    fs::create_directories(kDir);
    std::ofstream(kDir / "tiny.yaml") << kTinyModel;
    const Result r = nce("train --model " + (kDir / "tiny.yaml").string() +
                         " --epochs 1 --train-limit 512 --test-limit 64 --batch 32 --no-augment --threads 1 --out " +
                         dir.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir;
  }();
  return run;
}

TEST(InferCli, RunsATrainedNetworkAndWritesItsFiles) {
  const fs::path out = kDir / "out";
  const Result r = nce("infer " + tiny_run().string() + " --array 8x8 --images 120 --seed 3 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("threshold 99.9%: met"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cost per image"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the full test set (10000 images) would take"), std::string::npos) << r.out;
  for (const char* file : {"summary.json", "layers.csv", "images.csv", "report.md", "cost/report.html", "cost/layers.csv"}) {
    EXPECT_TRUE(fs::exists(out / file)) << file;
  }
  const nlohmann::json summary = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["images"], 120);
  EXPECT_GE(summary["agreement"]["top1_agreement"].get<double>(), 0.999);
  EXPECT_TRUE(summary["passed"].get<bool>());
  EXPECT_EQ(summary["dataset"], "fashion-mnist");
  EXPECT_GT(summary["cost_per_image"]["cycles"].get<long>(), 0);
  EXPECT_TRUE(summary["cost_per_image"]["data_independent"].get<bool>());
  EXPECT_EQ(summary["post_processing"]["cycles"], "excluded");
  // Seeded: the same sample again.
  const Result again = nce("infer " + tiny_run().string() + " --array 8x8 --images 120 --seed 3 --out " + (kDir / "again").string());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(kDir / "again" / "summary.json"))["indices"], summary["indices"]);
}

TEST(InferCli, RtlModeIsIdenticalToTheBehaviouralModelAndSaysWhatWasCompared) {
  const Result r = nce("infer " + tiny_run().string() + " --array 8x8 --pe-model rtl --images 2 --out " + (kDir / "rtl").string());
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("compared every layer's int32 sums of every image (2 images, 14 array runs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": identical"), std::string::npos) << r.out;
}

TEST(InferCli, ADirectoryAnotherRunIsWritingIsRefusedInOneLine) {
  const std::string run = tiny_run().string();
  const fs::path out = kDir / "busy";
  fs::create_directories(out);
  const nce::core::DirectoryLock other_run(out);  // what a running nce train/search/infer holds
  const Result r = nce("infer " + run + " --array 8x8 --images 8 --out " + out.string());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(r.err, "nce infer: --out " + out.string() +
                       ": another nce run is writing this directory; wait for it to end or choose another --out\n");
  EXPECT_TRUE(fs::is_empty(out));
}

TEST(InferCli, BadInputIsOneLineAndExitTwoBeforeAnyWork) {
  const std::string run = tiny_run().string();
  fs::create_directories(kDir / "not-a-run");
  std::ofstream(kDir / "a-file") << "x\n";
  fs::create_directories(kDir / "search-run");
  std::ofstream(kDir / "search-run" / "derived.yaml") << kTinyModel;
  std::ofstream(kDir / "search-run" / "checkpoint.bin") << "x";
  const Result float_run = nce("train --model " + (kDir / "tiny.yaml").string() +
                               " --bits 32 --epochs 1 --train-limit 64 --test-limit 16 --batch 32 --threads 1 --out " +
                               (kDir / "float").string());
  ASSERT_EQ(float_run.exit_code, 0) << float_run.err;
  const std::string bad_out = (kDir / "bad").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {run + " --images 0 --out " + bad_out, "--images"},
      {run + " --images ten --out " + bad_out, "--images"},
      {run + " --images 10001 --out " + bad_out, "10000 images"},
      {run + " --out " + (kDir / "a-file").string(), "a-file"},
      {(kDir / "no-such-run").string() + " --out " + bad_out, "no such run"},
      {(kDir / "not-a-run").string() + " --out " + bad_out, "checkpoint.bin"},
      {(kDir / "search-run").string() + " --out " + bad_out, "search run"},
      {(kDir / "float").string() + " --out " + bad_out, "W32A32"},
      {run + " --dataset cifar10 --out " + bad_out, "trained on fashion-mnist"},
      {run + " --pe-model rtl --array 12x12 --out " + bad_out, "no verilated 12x12"},
      {run + " --pe-model rtl --dataflow os --out " + bad_out, "--dataflow ws"},
      {run + " --pe-model spice --out " + bad_out, "spice"},
      {run + " --array 0x8 --out " + bad_out, "--array"},
      {run + " --batch 0 --out " + bad_out, "--batch"},
      {"--out " + bad_out, "run"},
  };
  for (const auto& [args, says] : cases) {
    const Result r = nce("infer " + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << args << ": " << r.err;
    EXPECT_FALSE(fs::exists(kDir / "bad")) << args;
  }
}

}  // namespace
