// `nce simulate` end to end: the files of the output schema, and invalid configs as one line on
// stderr with exit code 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nce/core/atomic_file.hpp"
#include "support/cli.hpp"

namespace {

using nce::testing::Result;

const std::filesystem::path kDir = std::filesystem::temp_directory_path() / ("nce_simulate_cli_" + std::to_string(::getpid()));

Result run(const std::string& args) { return nce::testing::run_nce("simulate " + args, kDir); }

TEST(SimulateCli, WritesTheReportFiles) {
  const std::filesystem::path out = kDir / "report";
  const Result r = run("--workload resnet20-fmnist --array 8x8 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* file : {"layers.csv", "summary.json", "report.html", "report.md", "COMPUTE_REPORT.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(out / file)) << file;
  }
  std::filesystem::remove_all(kDir);
}

TEST(SimulateCli, ADirectoryAnotherRunIsWritingIsRefusedInOneLine) {
  const std::filesystem::path out = kDir / "busy";
  std::filesystem::create_directories(out);
  {
    const nce::core::DirectoryLock other_run(out);  // what a running nce train/search/simulate holds
    const Result r = run("--workload resnet20-fmnist --array 8x8 --out " + out.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "nce simulate: --out " + out.string() +
                         ": another nce run is writing this directory; wait for it to end or choose another --out\n");
    EXPECT_TRUE(std::filesystem::is_empty(out));
  }
  EXPECT_EQ(run("--workload resnet20-fmnist --array 8x8 --out " + out.string()).exit_code, 0);  // released
  std::filesystem::remove_all(kDir);
}

TEST(SimulateCli, EveryDataflowRuns) {
  for (const char* dataflow : {"ws", "os", "is"}) {
    const std::filesystem::path out = kDir / dataflow;
    const Result r = run(std::string("--workload resnet20-fmnist --dataflow ") + dataflow + " --out " + out.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(std::string(" ") + dataflow + ":"), std::string::npos) << r.out;
  }
  std::filesystem::remove_all(kDir);
}

TEST(SimulateCli, InvalidConfigsAreOneLineAndExitTwo) {
  for (const char* args : {"--array 0x16", "--dataflow xs", "--pe-model rtl --dataflow is", "--set buffers.ofmap.capacity_kib=-1",
                           "--set buffers.weight.capacity_kib=0.0625", "--config /nonexistent.yaml",
                           "--pe-model spice", "--pe-model rtl --array 12x12"}) {
    const Result r = run(std::string("--workload resnet20 --out ") + (kDir / "bad").string() + " " + args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  }
  std::filesystem::remove_all(kDir);
}

}  // namespace
