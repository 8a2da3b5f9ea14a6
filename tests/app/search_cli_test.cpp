// `nce search` as a user meets it: a search that cannot reach its target says so plainly, on
// stdout and in the report, beside the plain network's simulated numbers; every bad flag and a
// model that does not fit the dataset are one line and exit 2 before any work.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/cli.hpp"

namespace {

using nce::testing::Result;
using nce::testing::slurp;

namespace fs = std::filesystem;

const fs::path kDir = fs::temp_directory_path() / ("nce_search_cli_" + std::to_string(::getpid()));

Result run(const std::string& args) { return nce::testing::run_nce("search " + args, kDir); }

TEST(SearchCli, AMissedTargetIsSaidPlainlyBesideThePlainNetwork) {
  // A tenth of the plain network's cycles cannot be reached by pruning one epoch's worth.
  const fs::path out = kDir / "missed";
  const Result r = run("--model resnet20 --method tas --hw-loss latency --target 0.1 --warmup-epochs 0 "
                       "--search-epochs 1 --train-limit 64 --test-limit 16 --batch 32 --threads 1 --out " +
                       out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("target missed by"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vs plain 172,767"), std::string::npos) << r.out;  // resnet20-fmnist on the default 16x16
  EXPECT_NE(r.out.find("(equal)"), std::string::npos) << r.out;             // prediction = SystemC
  const std::string html = slurp(out / "report.html");
  EXPECT_NE(html.find("Target missed by"), std::string::npos);
  EXPECT_NE(html.find("172767"), std::string::npos);  // the plain network's simulated cycles, not "-"
  EXPECT_NE(html.find("How the architecture distribution moved"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "plain-sim" / "summary.json"));
  EXPECT_TRUE(fs::exists(out / "derived-sim" / "summary.json"));
  EXPECT_TRUE(fs::exists(out / "initial.json"));
}

TEST(SearchCli, AReachableTargetIsMet) {
  const Result r = run("--model resnet20 --method plain --hw-loss latency --target 1.0 --out " + (kDir / "met").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("derived 172,767 cycles vs plain 172,767 (+0.0%); target 172,767 (r = 1): met"),
            std::string::npos)
      << r.out;
}

TEST(SearchCli, BadFlagsAreOneLineAndExitTwoBeforeAnyWork) {
  const std::string base = "--model resnet20 --warmup-epochs 1 --search-epochs 1 --out " + (kDir / "bad").string() + " ";
  for (const char* args : {"--threshold 2", "--threshold 0", "--target 0", "--target -1", "--warmup-epochs -1",
                           "--search-epochs -2", "--max-multiplier 0.5", "--lr 0", "--arch-lr -1", "--batch 1",
                           "--lambda -1", "--space-multiplier 0", "--wrpn-multiplier 0", "--train-limit 1",
                           "--test-limit 0", "--threads 0", "--bits 1", "--method foo", "--hw-loss watts",
                           "--join sideways", "--alpha-init 8", "--dataflow xs", "--array 0x16"}) {
    const Result r = run(base + args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_FALSE(fs::exists(kDir / "bad" / "search.jsonl")) << args;
  }
}

TEST(SearchCli, AModelThatDoesNotFitTheDatasetIsRefused) {
  // The CIFAR-shaped ResNet20 (3x32x32) on Fashion-MNIST (1x28x28).
  fs::create_directories(kDir);
  const fs::path model = kDir / "cifar_resnet20.yaml";
  ASSERT_EQ(std::system((std::string(NCE_BINARY) + " workload export resnet20 --out " + model.string() + " > /dev/null").c_str()), 0);
  const Result r = run("--model " + model.string() + " --out " + (kDir / "shape").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("takes 3x32x32 inputs but fashion-mnist images are 1x28x28"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(kDir / "shape" / "search.jsonl"));
  fs::remove_all(kDir);
}

}  // namespace
